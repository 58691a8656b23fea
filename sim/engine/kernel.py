"""The SimPy kernel: one run of one policy in one replication.

SimPy's ``Environment`` is the only clock. Macro events are SimPy processes:
the promotion (hour by hour), article publication, the monitor (every
``monitoring.interval``) and every policy action. The trending check, every
minute, runs inside the compiled loop (:func:`sim.engine.fast.trend_tick`), as
a macro event with a fixed schedule. The cascade is not made of SimPy events: a
driver process advances it exactly up to the next macro event (``env.peek()``),
then yields so that the macro event runs, then continues. An action at 20
minutes therefore sees every reaction before 20 minutes and affects exactly the
exposures after.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import simpy

from sim.engine import arrivals, layout
from sim.engine.cascade import PROMOTION, TRIGGER, Cascade
from sim.engine.layout import KIND_ARTICLE
from sim.engine.monitor import REACH_METRICS, Monitor
from sim.engine.world import Replication, World
from sim.scenario.schema import Action, Policy
from sim.scenario.values import HOUR

PROMOTION_CHUNK = HOUR  # the promotion is drawn hour by hour


class Rules(Protocol):
    """What the engine needs to know of the actions (the policies layer provides it).

    The engine sits below the policies: it runs whatever actions it is given, and learns
    what each does from this, so that an action kind is declared once
    (:mod:`sim.scenario.action_kinds`, its effect in :mod:`sim.policies.actions`).
    """

    def apply(self, env: simpy.Environment, run: Run, index: int, action: Action) -> None:
        """Apply ``action``, the policy's action number ``index``, now."""

    def effect_cap(self, policy: Policy) -> float:
        """An upper bound of the product of response effects any account can see."""

    def removes(self, kind: str) -> tuple[int, ...]:
        """The kinds of root item an action of ``kind`` can remove."""


@dataclass
class Run:
    """Everything one run leaves behind for the metrics.

    ``action_times`` holds, per action index, when the action took effect (seconds);
    ``decided_times`` when its time came or its trigger fired, before its delay. An action
    whose trigger never fired is in neither; one whose delay ran past the horizon only in
    ``decided_times``.
    """

    world: World
    policy: Policy
    replication: Replication
    cascade: Cascade
    rules: Rules
    response_times: list[float]
    action_times: dict[int, float] = field(default_factory=dict)
    decided_times: dict[int, float] = field(default_factory=dict)


def simulate(world: World, policy: Policy, replication: Replication, rules: Rules) -> Run:
    """Simulate ``policy`` in ``replication`` up to the horizon, its actions per ``rules``.

    ``rules`` is :data:`sim.policies.actions.RULES` (the engine does not import the layer
    above it). The run's records stay in the world's scratch state until
    :meth:`World.release`.
    """
    scenario = world.scenario
    triggers = [a for a in policy.actions if a.when is not None]
    watches_reach = any(a.when is not None and a.when.metric in REACH_METRICS
                        for a in triggers)
    removable = {kind for a in policy.actions for kind in rules.removes(a.do)}
    online = 0 if watches_reach else layout.EVERY_KIND & ~sum(1 << k for k in removable)
    tables = world.tables(policy, replication, cap=rules.effect_cap(policy),
                          prune=not policy.actions, online=online)
    cascade = Cascade(world, replication, tables)
    env = Clock()
    run = Run(world=world, policy=policy, replication=replication, cascade=cascade,
              rules=rules, response_times=[])
    cascade.scheduler = _Scheduler(env, cascade)
    monitor = (Monitor(env, cascade, scenario.monitoring.interval,
                       can_go_online=not removable) if triggers else None)
    author = replication.author
    world.state.bits[author] |= layout.HAS_REACTED
    cascade.post(author, 0.0, TRIGGER)
    incident = scenario.incident
    if incident.promotion is not None:
        env.process(_promotion(env, cascade))
    for index, action in enumerate(policy.actions):
        event = monitor.watch(action) if (monitor is not None and action.when) else None
        env.process(_action(env, run, index, action, event))
    if monitor is not None:
        env.process(monitor.process())
    env.process(_driver(env, cascade, world.scenario.horizon))
    env.run(until=scenario.horizon)
    cascade.run_until(scenario.horizon, inclusive=True)
    cascade.settle(scenario.horizon)
    env.close()
    cascade.scheduler = None
    return run


class Clock(simpy.Environment):
    """SimPy's environment, closed at the end of a run so that no reference cycle outlives it.

    A run's processes wait on events and their events call back into them, and SimPy's
    environment binds its event classes to itself: reference cycles, which Python frees only
    when its cycle collector runs, so every replication's run would linger until then.
    :meth:`close` ends the processes still waiting and drops the events after the horizon,
    and the environment does not bind its classes to itself (it is a subclass, which
    SimPy's early binding passes over), so a run is freed as soon as it is done with.
    """

    def __init__(self) -> None:
        super().__init__()
        self.processes: list[simpy.Process] = []

    def process(self, generator: Generator[Any, Any, Any]) -> simpy.Process:
        """Start ``generator`` as a process (and remember it, to close it)."""
        started = simpy.Process(self, generator)
        self.processes.append(started)
        return started

    def close(self) -> None:
        """End every process still waiting and drop every event still scheduled."""
        for started in self.processes:
            if started.is_alive:
                started.target.callbacks = []
            started._generator.close()  # SimPy keeps no public handle on it
        for *_, event in self._queue:  # events at or after the horizon
            event.callbacks = []
        self._queue.clear()
        self.processes.clear()


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
    """Publish ``journalist``'s article at ``at``: its readers are keyed by the journalist."""
    yield env.timeout(at - env.now)
    media = cascade.world.media
    assert media is not None
    cascade.articles.append(env.now)
    root = cascade.new_root(KIND_ARTICLE)
    world = cascade.world
    accounts, times, reacts = arrivals.readers(
        world.keys[layout.KEY_ARTICLE], cascade.replication.index, journalist,
        media.article_reach, env.now, world.state.bits, world.attention, world.accounts,
        world.brand)
    cascade.expose(accounts, times, reacts, root, journalist)


class _Poisson:
    """A Poisson process of random impressions, drawn in the scale of its intensity."""

    def __init__(self, cascade: Cascade, key_row: int) -> None:
        self.cascade = cascade
        self.key = cascade.world.keys[key_row]
        self.state = np.array([0.0, -1.0])  # next arrival's number and level
        self.level = 0.0  # cumulative intensity so far

    def expose(self, start: float, stop: float, rate: float, root: int) -> None:
        """Impressions of ``root`` over ``[start, stop)`` at ``rate`` per second."""
        if rate <= 0 or stop <= start:
            return
        cascade = self.cascade
        world = cascade.world
        begin = self.level
        end = begin + rate * (stop - start)
        mean = end - begin
        capacity = int(mean + 8 * math.sqrt(mean) + 32)
        while True:
            accounts = np.empty(capacity, dtype=np.int64)
            times = np.empty(capacity)
            reacts = np.empty(capacity, dtype=np.uint32)
            filled = arrivals.poisson(self.key, cascade.replication.index, self.state, begin,
                                      end, start, rate, world.accounts, world.brand, accounts,
                                      times, reacts)
            times = np.minimum(times[:filled], np.nextafter(stop, start))  # rounding
            cascade.expose(accounts[:filled], times, reacts[:filled], root,
                           cascade.replication.author)
            if filled < capacity:
                break
        self.level = end


def _promotion(env: simpy.Environment, cascade: Cascade) -> Generator[Any, Any, None]:
    """Paid impressions of the trigger to random accounts, a Poisson process, hour by hour."""
    promotion = cascade.world.scenario.incident.promotion
    assert promotion is not None
    end = min(promotion.duration, cascade.horizon)
    rate = promotion.impressions_per_hour / HOUR
    process = _Poisson(cascade, layout.KEY_PROMOTION)
    start = 0.0
    while start < end:
        if cascade.removed_at[PROMOTION] <= start:
            return
        stop = min(start + PROMOTION_CHUNK, end)
        process.expose(start, stop, rate, PROMOTION)
        start = stop
        if start < end:
            yield env.timeout(start - env.now)


def _action(env: simpy.Environment, run: Run, index: int, action: Action,
            event: simpy.Event | None) -> Generator[Any, Any, None]:
    """Wait for the action's time or trigger, then its delay, then apply it."""
    if action.at is not None:
        yield env.timeout(action.at)
    else:
        assert event is not None
        yield event
    run.decided_times[index] = env.now  # its time came, or its trigger fired
    delay = run.world.action_delay(index, 0, action.delay, run.replication.index)
    if env.now + delay > run.world.scenario.horizon or math.isinf(delay):
        return
    yield env.timeout(delay)
    run.rules.apply(env, run, index, action)
    run.action_times[index] = env.now
