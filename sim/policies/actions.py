"""Action kinds: one small function each, registered by name.

Each function applies its action at ``env.now`` to the run's cascade. The kernel
decides *when* (``at``/``when`` plus ``delay``); these decide *what*.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.engine.cascade import KIND_DERIVED, PROMOTION, TRIGGER
from sim.engine.delays import sample
from sim.scenario.schema import Action, Policy
from sim.scenario.values import HOUR

if TYPE_CHECKING:
    from sim.engine.kernel import Run

SUPPORT_EFFECT = 0.9

ActionFunction = Callable[[simpy.Environment, "Run", Action], None]
ACTIONS: dict[str, ActionFunction] = {}


def action(kind: str) -> Callable[[ActionFunction], ActionFunction]:
    """Register the function that applies action kind ``kind``."""

    def register(function: ActionFunction) -> ActionFunction:
        ACTIONS[kind] = function
        return function

    return register


def apply_action(env: simpy.Environment, run: Run, act: Action) -> None:
    """Apply ``act`` now."""
    ACTIONS[act.do](env, run, act)


def effect_cap(policy: Policy) -> float:
    """An upper bound of the product of response effects any account can see."""
    cap = 1.0
    for act in policy.actions:
        if act.do == "statement" and act.effect is not None:
            cap *= max(1.0, act.effect)
    return cap


@action("stop_promotion")
def stop_promotion(env: simpy.Environment, run: Run, act: Action) -> None:
    """End the paid promotion: no promoted impression after now."""
    run.cascade.remove(PROMOTION, env.now)


@action("delete")
def delete(env: simpy.Environment, run: Run, act: Action) -> None:
    """Delete the trigger: its later exposures and its reshares' are void; press interest rises."""
    cascade = run.cascade
    cascade.remove(TRIGGER, env.now)
    cascade.remove(PROMOTION, env.now)
    cascade.add_news_factor(env.now, act.streisand if act.streisand is not None else 1.5)


@action("statement")
def statement(env: simpy.Environment, run: Run, act: Action) -> None:
    """Issue a statement: the brand's followers see it, some reshare it; it changes their odds."""
    cascade = run.cascade
    assert act.effect is not None and act.share_probability is not None
    cascade.issue_statement(env.now, act.effect, act.share_probability)
    cascade.add_news_factor(env.now, act.newsworthiness or 1.0)
    run.response_times.append(env.now)


@action("advocates")
def advocates(env: simpy.Environment, run: Run, act: Action) -> None:
    """Start supportive posts by random accounts of a segment, a Poisson process."""
    env.process(_advocates(env, run, act))


def _advocates(env: simpy.Environment, run: Run, act: Action) -> Generator[Any, Any, None]:
    cascade = run.cascade
    world = run.world
    names = list(world.scenario.segments or {})
    assert act.segment is not None and act.rate_per_hour is not None
    members = np.flatnonzero(world.graph.segment == names.index(act.segment))
    if len(members) == 0 or act.rate_per_hour <= 0:
        return
    cascade.set_support_effect(SUPPORT_EFFECT)
    rng = cascade.policy_rng
    while True:
        gap = float(rng.exponential(HOUR / act.rate_per_hour))
        if env.now + gap > world.horizon:
            return
        yield env.timeout(gap)
        author = int(members[rng.integers(len(members))])
        start, stop = int(world.graph.offsets[author]), int(world.graph.offsets[author + 1])
        times = env.now + world.edge_response_delay[start:stop]
        np.minimum.at(cascade.support_seen, world.graph.followers[start:stop], times)


@action("takedown")
def takedown(env: simpy.Environment, run: Run, act: Action) -> None:
    """Ask the platform to remove the most-reshared derived posts; it acts after a delay."""
    env.process(_takedown(env, run, act))


def _takedown(env: simpy.Environment, run: Run, act: Action) -> Generator[Any, Any, None]:
    cascade = run.cascade
    assert act.platform_delay is not None and act.top is not None
    wait = float(sample(act.platform_delay, cascade.policy_rng, 1)[0])
    if env.now + wait > run.world.horizon:
        return
    yield env.timeout(wait)
    derived = np.flatnonzero(cascade.root_kind == KIND_DERIVED)
    order = np.lexsort((derived, -cascade.reshares[derived]))  # most reshared, then earliest
    for root in derived[order[: act.top]].tolist():
        cascade.remove(root, env.now)
