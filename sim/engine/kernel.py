"""The SimPy kernel: one run of one policy in one replication.

SimPy's ``Environment`` is the only clock. Macro events are SimPy processes:
the promotion (hour by hour), trending (checked every minute), article
publication, the monitor (every ``monitoring.interval``) and every policy
action. The cascade is not made of SimPy events: a driver process advances it
exactly up to the next macro event (``env.peek()``), then yields so that the
macro event runs, then continues. An action at 20 minutes therefore sees every
reaction before 20 minutes and affects exactly the exposures after.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from sim.engine.cascade import KIND_ARTICLE, PROMOTION, TRENDING, TRIGGER, Cascade
from sim.engine.delays import sample
from sim.engine.monitor import Monitor, ReachTracker
from sim.engine.world import World
from sim.randomness.seeds import stream
from sim.policies.actions import apply_action, effect_cap
from sim.scenario.schema import Action, Policy
from sim.scenario.values import HOUR

PROMOTION_CHUNK = HOUR  # the promotion is drawn hour by hour
TRENDING_STEP = 60.0


@dataclass
class Run:
    """Everything one run leaves behind for the metrics."""

    world: World
    policy: Policy
    cascade: Cascade
    response_times: list[float]
    action_times: dict[int, float] = field(default_factory=dict)


def simulate(world: World, policy: Policy) -> Run:
    """Simulate ``policy`` in ``world`` up to the horizon."""
    scenario = world.scenario
    r = world.replication
    cascade = Cascade(
        world=world,
        effect_cap=effect_cap(policy),
        media_rng=stream(scenario.seed, "media", r),
        policy_rng=stream(scenario.seed, "policy", r),
        max_statements=sum(1 for a in policy.actions if a.do == "statement"),
        max_factors=len(policy.actions),
        prune=not policy.actions,
    )
    env = simpy.Environment()
    run = Run(world=world, policy=policy, cascade=cascade, response_times=[])
    cascade.scheduler = _Scheduler(env, cascade)
    triggers = [a for a in policy.actions if a.when is not None]
    monitor = None
    if triggers:
        needs_reach = any(a.when is not None and a.when.metric in ("reach", "negative_reach",
                                                                   "exposure")
                          for a in triggers)
        if needs_reach:
            cascade.tracker = ReachTracker(world, cascade)
        monitor = Monitor(env, cascade, scenario.monitoring.interval)
    cascade.reacted_at[world.author] = 0.0
    cascade.post(world.author, 0.0, TRIGGER)
    incident = scenario.incident
    if incident.promotion is not None:
        env.process(_promotion(env, cascade, stream(scenario.seed, "promotion", r)))
    if incident.trending is not None:
        env.process(_trending(env, cascade, stream(scenario.seed, "trending", r)))
    for index, action in enumerate(policy.actions):
        event = monitor.watch(action) if (monitor is not None and action.when) else None
        env.process(_action(env, run, index, action, event))
    if monitor is not None:
        env.process(monitor.process())
    env.process(_driver(env, cascade, world.horizon))
    env.run(until=world.horizon)
    cascade.run_until(world.horizon, inclusive=True)
    return run


def _driver(env: simpy.Environment, cascade: Cascade, horizon: float) -> Generator[Any, Any, None]:
    """Advance the cascade exactly up to the next macro event, again and again."""
    while True:
        cascade.run_until(min(env.peek(), horizon))
        stop = cascade.stop_at  # lowered if the cascade scheduled an earlier macro event
        if stop >= horizon:
            return  # the rest, up to and at the horizon, is run after env.run()
        yield env.timeout(stop - env.now)


class _Scheduler:
    """Lets the cascade create macro events (articles) while it runs ahead of ``env.now``."""

    def __init__(self, env: simpy.Environment, cascade: Cascade) -> None:
        self.env = env
        self.cascade = cascade

    def publish(self, at: float, journalist: int) -> None:
        self.cascade.stop_at = min(self.cascade.stop_at, at)
        self.env.process(_article(self.env, self.cascade, at, journalist))


def _article(env: simpy.Environment, cascade: Cascade, at: float,
             journalist: int) -> Generator[Any, Any, None]:
    yield env.timeout(at - env.now)
    media = cascade.world.scenario.media
    assert media is not None
    cascade.articles.append(env.now)
    root = cascade.new_root(KIND_ARTICLE)
    world = cascade.world
    rng = cascade.media_rng
    readers = world.audience[rng.integers(0, len(world.audience), media.article_reach)]
    times = env.now + cascade.attention_delays(readers, rng)
    cascade.expose(readers, times, rng.random(len(readers)), root, journalist)


def _promotion(env: simpy.Environment, cascade: Cascade,
               rng: np.random.Generator) -> Generator[Any, Any, None]:
    """Paid impressions of the trigger to random accounts, a Poisson process, hour by hour."""
    promotion = cascade.world.scenario.incident.promotion
    assert promotion is not None
    world = cascade.world
    end = min(promotion.duration, world.horizon)
    rate = promotion.impressions_per_hour / HOUR
    start = 0.0
    while start < end:
        if cascade.removed_at[PROMOTION] <= start:
            return
        stop = min(start + PROMOTION_CHUNK, end)
        _impressions(cascade, rng, start, stop, rate, PROMOTION)
        start = stop
        if start < end:
            yield env.timeout(start - env.now)


def _trending(env: simpy.Environment, cascade: Cascade,
              rng: np.random.Generator) -> Generator[Any, Any, None]:
    """While reactions in the last hour exceed the threshold, expose random accounts."""
    trending = cascade.world.scenario.incident.trending
    assert trending is not None
    world = cascade.world
    while env.now + TRENDING_STEP <= world.horizon:
        recent = cascade.reactions_since(env.now - HOUR)
        if recent > trending.threshold_per_hour:
            rate = trending.impressions_per_reaction * recent / HOUR
            _impressions(cascade, rng, env.now, env.now + TRENDING_STEP, rate, TRENDING)
        yield env.timeout(TRENDING_STEP)


def _impressions(cascade: Cascade, rng: np.random.Generator, start: float, stop: float,
                 rate: float, root: int) -> None:
    """Impressions of ``root`` to uniformly random accounts over ``[start, stop)``.

    A Poisson process of ``rate`` impressions per second.
    """
    world = cascade.world
    count = int(rng.poisson(rate * (stop - start)))
    times = np.sort(rng.uniform(start, stop, count))
    accounts = world.audience[rng.integers(0, len(world.audience), count)]
    cascade.expose(accounts, times, rng.random(count), root, world.author)


def _action(env: simpy.Environment, run: Run, index: int, action: Action,
            event: simpy.Event | None) -> Generator[Any, Any, None]:
    """Wait for the action's time or trigger, then its delay, then apply it."""
    cascade = run.cascade
    if action.at is not None:
        yield env.timeout(action.at)
    else:
        assert event is not None
        yield event
    delay = float(sample(action.delay, cascade.policy_rng, 1)[0])
    if env.now + delay > run.world.horizon or math.isinf(delay):
        return
    yield env.timeout(delay)
    apply_action(env, run, action)
    run.action_times[index] = env.now
