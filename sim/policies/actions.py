"""What each action kind does: one small function each, registered by the kind's name.

Each function applies its action at ``env.now`` to the run's cascade. The kernel
decides *when* (``at``/``when`` plus ``delay``); these decide *what*. Everything else about a
kind (its keys, defaults and their sources, which items it can remove) is declared once in
:mod:`sim.scenario.action_kinds`; :data:`RULES` reads that declaration for the engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.engine.cascade import PROMOTION, TRIGGER
from sim.engine.layout import KEY_ADVOCATE, KIND_DERIVED, KIND_PROMOTION, KIND_TRIGGER
from sim.randomness.philox import pick, uniform
from sim.scenario.action_kinds import ROOT_ITEMS, kind_of
from sim.scenario.schema import Action, Policy
from sim.scenario.values import HOUR

if TYPE_CHECKING:
    from sim.engine.kernel import Run

SUPPORT_EFFECT = 0.9
# the engine's kind of root item for each name an action kind's declaration may remove
ROOT_KINDS: dict[str, int] = {
    "trigger": KIND_TRIGGER,
    "promotion": KIND_PROMOTION,
    "derived": KIND_DERIVED,
}
assert set(ROOT_KINDS) == set(ROOT_ITEMS)

ActionFunction = Callable[[simpy.Environment, "Run", int, Action], None]
EffectCap = Callable[[Action], float]


@dataclass(frozen=True)
class Effect:
    """What an action kind does.

    Attributes:
        apply: applies the action now.
        cap: an upper bound of the factor by which the action can multiply the reaction
            probability of an account that sees it (``None``: it never raises it).
    """

    apply: ActionFunction
    cap: EffectCap | None = None


ACTIONS: dict[str, Effect] = {}


def action(kind: str, *, cap: EffectCap | None = None) -> Callable[[ActionFunction],
                                                                   ActionFunction]:
    """Register the function that applies action kind ``kind`` (declared in the scenario layer).

    Args:
        kind: the name of an :class:`sim.scenario.action_kinds.ActionKind`.
        cap: see :attr:`Effect.cap`.
    """

    def register(function: ActionFunction) -> ActionFunction:
        ACTIONS[kind] = Effect(function, cap)
        return function

    return register


def forget_action(kind: str) -> None:
    """Remove the function of ``kind`` (for tests that register their own kinds)."""
    ACTIONS.pop(kind, None)


def apply_action(env: simpy.Environment, run: Run, index: int, act: Action) -> None:
    """Apply ``act``, the policy's action number ``index``, now."""
    ACTIONS[act.do].apply(env, run, index, act)


def removes(kind: str) -> tuple[int, ...]:
    """The engine's kinds of root item an action of ``kind`` can remove (its declaration's)."""
    return tuple(ROOT_KINDS[item] for item in kind_of(kind).removes)


class _Rules:
    """The actions as the engine sees them (:class:`sim.engine.kernel.Rules`)."""

    @staticmethod
    def apply(env: simpy.Environment, run: Run, index: int, act: Action) -> None:
        """Apply ``act`` now."""
        apply_action(env, run, index, act)

    @staticmethod
    def effect_cap(policy: Policy) -> float:
        """An upper bound of the product of response effects any account can see."""
        return effect_cap(policy)

    @staticmethod
    def removes(kind: str) -> tuple[int, ...]:
        """The kinds of root item an action of ``kind`` can remove."""
        return removes(kind)


RULES = _Rules()  # what sim.engine.kernel.simulate takes


def effect_cap(policy: Policy) -> float:
    """An upper bound of the product of response effects any account can see."""
    product = 1.0
    for act in policy.actions:
        cap = ACTIONS[act.do].cap
        if cap is not None:
            product *= max(1.0, cap(act))
    return product


def _statement_cap(act: Action) -> float:
    return act.effect if act.effect is not None else 1.0


@action("stop_promotion")
def stop_promotion(env: simpy.Environment, run: Run, index: int, act: Action) -> None:
    """End the paid promotion: no promoted impression after now."""
    run.cascade.remove(PROMOTION, env.now)


@action("delete")
def delete(env: simpy.Environment, run: Run, index: int, act: Action) -> None:
    """Delete the trigger: its later exposures and its reshares' are void; press interest rises."""
    cascade = run.cascade
    cascade.remove(TRIGGER, env.now)
    cascade.remove(PROMOTION, env.now)
    cascade.add_news_factor(env.now, act.streisand)


@action("statement", cap=_statement_cap)
def statement(env: simpy.Environment, run: Run, index: int, act: Action) -> None:
    """Issue a statement: the brand's followers see it, some reshare it; it changes their odds."""
    cascade = run.cascade
    assert act.effect is not None
    probability = (run.world.story_probability if act.share_probability is None
                   else act.share_probability)  # by default, that of the story
    cascade.issue_statement(env.now, act.effect, probability)
    cascade.add_news_factor(env.now, 1.0 if act.newsworthiness is None else act.newsworthiness)
    run.response_times.append(env.now)


@action("advocates")
def advocates(env: simpy.Environment, run: Run, index: int, act: Action) -> None:
    """Start supportive posts by random accounts of a segment, a Poisson process."""
    env.process(_advocates(env, run, index, act))


def _advocates(env: simpy.Environment, run: Run, index: int,
               act: Action) -> Generator[Any, Any, None]:
    """Supportive posts at Poisson times; post j's gap and author are keyed by j."""
    cascade = run.cascade
    world = run.world
    assert act.segment is not None and act.rate_per_hour is not None
    members = world.members(world.segment_names.index(act.segment))
    if len(members) == 0 or act.rate_per_hour <= 0:
        return
    cascade.set_support_effect(SUPPORT_EFFECT)
    number = 0
    while True:
        words = world.action_draws(index, KEY_ADVOCATE, run.replication.index, number)
        gap = -math.log(uniform(words[0])) * HOUR / act.rate_per_hour
        if env.now + gap > cascade.horizon:
            return
        yield env.timeout(gap)
        author = int(members[pick(words[1], words[2], len(members))])
        cascade.support_post(index, number, author, env.now)
        number += 1


@action("takedown")
def takedown(env: simpy.Environment, run: Run, index: int, act: Action) -> None:
    """Ask the platform to remove the most-reshared derived posts; it acts after a delay."""
    env.process(_takedown(env, run, index, act))


def _takedown(env: simpy.Environment, run: Run, index: int,
              act: Action) -> Generator[Any, Any, None]:
    cascade = run.cascade
    assert act.platform_delay is not None and act.top is not None
    wait = run.world.action_delay(index, 1, act.platform_delay, run.replication.index)
    if env.now + wait > cascade.horizon:
        return
    yield env.timeout(wait)
    derived = np.flatnonzero(cascade.root_kind == KIND_DERIVED)
    order = np.lexsort((derived, -cascade.reshares[derived]))  # most reshared, then earliest
    for root in derived[order[: act.top]].tolist():
        cascade.remove(root, env.now)
