"""Action kinds: one small function each, registered by name.

Each function applies its action at ``env.now`` to the run's cascade. The kernel
decides *when* (``at``/``when`` plus ``delay``); these decide *what*.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.engine.cascade import PROMOTION, TRIGGER
from sim.engine.layout import KEY_ADVOCATE, KIND_DERIVED, KIND_PROMOTION, KIND_TRIGGER
from sim.randomness.philox import pick, uniform
from sim.scenario.schema import Action, Policy
from sim.scenario.values import HOUR

if TYPE_CHECKING:
    from sim.engine.kernel import Run

SUPPORT_EFFECT = 0.9
# the kinds of root item each action kind can remove (their exposures after it are void)
REMOVES: dict[str, tuple[int, ...]] = {
    "stop_promotion": (KIND_PROMOTION,),
    "delete": (KIND_TRIGGER, KIND_PROMOTION),
    "takedown": (KIND_DERIVED,),
}

ActionFunction = Callable[[simpy.Environment, "Run", int, Action], None]
ACTIONS: dict[str, ActionFunction] = {}


def action(kind: str) -> Callable[[ActionFunction], ActionFunction]:
    """Register the function that applies action kind ``kind``."""

    def register(function: ActionFunction) -> ActionFunction:
        ACTIONS[kind] = function
        return function

    return register


def apply_action(env: simpy.Environment, run: Run, index: int, act: Action) -> None:
    """Apply ``act``, the policy's action number ``index``, now."""
    ACTIONS[act.do](env, run, index, act)


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
        return REMOVES.get(kind, ())


RULES = _Rules()  # what sim.engine.kernel.simulate takes


def effect_cap(policy: Policy) -> float:
    """An upper bound of the product of response effects any account can see."""
    cap = 1.0
    for act in policy.actions:
        if act.do == "statement" and act.effect is not None:
            cap *= max(1.0, act.effect)
    return cap


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
    cascade.add_news_factor(env.now, act.streisand if act.streisand is not None else 1.5)


@action("statement")
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
