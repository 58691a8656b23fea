"""Replications as a pure map, run in checkpointed stages until a rule says stop.

``run_replication(scenario, graph, r)`` simulates every policy of replication ``r``
with that replication's streams (common random numbers) and returns plain arrays.
Executors (:mod:`sim.experiment.executors`, :mod:`sim.experiment.cluster`) only change
*where* the map runs; results are put back in replication order, so the outputs are
byte-identical for any executor and any number of workers.

Once a replication is saved, the run keeps only its :class:`ReplicationRow` (metric rows
and action times) in memory; its series are in the store, so memory does not grow with
the replications beyond those rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from sim.engine.kernel import simulate
from sim.engine.world import World
from sim.experiment import faults
from sim.metrics import METRICS, SERIES, compute
from sim.network.build import audience
from sim.network.graph import Graph
from sim.policies.actions import RULES
from sim.scenario.schema import Scenario
from sim.scenario.values import HOUR

TOOK_EFFECT, DECIDED = 0, 1  # the rows of a replication's action hours


@dataclass(frozen=True)
class ReplicationResult:
    """What one replication gives, for every policy.

    Metrics ``[policy, metric]``, series ``[policy, series, time]`` and the hours of its
    actions ``[policy, 2, action]``: ``[:, 0]`` when each took effect, ``[:, 1]`` when its
    time came or its trigger fired (``nan``: never; see :data:`TOOK_EFFECT`, :data:`DECIDED`).
    """

    replication: int
    metrics: np.ndarray
    series: np.ndarray
    actions: np.ndarray


def run_replication(scenario: Scenario, graph: Graph | None, replication: int) -> ReplicationResult:
    """Simulate every policy of ``scenario`` in replication ``replication``."""
    world = world_for(scenario, graph, replication)
    drawn = world.replication(replication)
    metrics, series = [], []
    actions = np.full((len(scenario.policies), 2, max_actions(scenario)), np.nan)
    for p, policy in enumerate(scenario.policies):
        run = simulate(world, policy, drawn, RULES)
        values, curves = compute(run)
        world.release(drawn.author)
        metrics.append([values[name] for name in METRICS])
        series.append([curves[name] for name in SERIES])
        for index, t in run.action_times.items():
            actions[p, TOOK_EFFECT, index] = t / HOUR
        for index, t in run.decided_times.items():
            actions[p, DECIDED, index] = t / HOUR
    return ReplicationResult(replication, np.array(metrics, dtype=np.float64),
                             np.array(series, dtype=np.float64), actions)


_WORLD: list[tuple[Scenario, Graph, World]] = []  # this process's world, reused


def world_for(scenario: Scenario, graph: Graph | None, replication: int) -> World:
    """The :class:`World` of ``scenario`` on ``graph`` in this process, built once and reused.

    With ``network.resample`` (``graph`` None) each replication builds its own network,
    and so its own world: that case costs what the graph does, by design.
    """
    if graph is None:
        return World(scenario, audience(scenario, replication))
    if _WORLD and _WORLD[0][0] is scenario and _WORLD[0][1] is graph:
        return _WORLD[0][2]
    _WORLD.clear()
    world = World(scenario, graph)
    _WORLD.append((scenario, graph, world))
    return world


def max_actions(scenario: Scenario) -> int:
    """The most actions any policy of ``scenario`` has (at least 1, for a fixed shape)."""
    return max(1, *(len(p.actions) for p in scenario.policies))


CHECKPOINT_BATCH = 10  # replications per checkpoint transaction


@dataclass(frozen=True, slots=True)
class ReplicationRow:
    """A saved replication as a run keeps it in memory: no series, which stay in the store.

    Metrics ``[policy, metric]`` and its actions' hours ``[policy, 2, action]`` (as in
    :class:`ReplicationResult`).
    """

    replication: int
    metrics: np.ndarray
    actions: np.ndarray

    @classmethod
    def of(cls, result: ReplicationResult) -> ReplicationRow:
        """The row of a finished replication."""
        return cls(result.replication, result.metrics, result.actions)


class Store(Protocol):
    """Where finished replications are kept (:class:`sim.experiment.checkpoint.Checkpoint`)."""

    def load(self) -> dict[int, ReplicationRow]:
        """The row of every replication already kept."""
        ...

    def save(self, results: Iterable[ReplicationResult]) -> None:
        """Keep these, series included, in one transaction."""
        ...


class Executor(Protocol):
    """Runs replications, yielding results in any order (:mod:`sim.experiment.executors`)."""

    def run(self, replications: Sequence[int]) -> Iterator[ReplicationResult]:
        """Yield the result of every replication of ``replications``."""
        ...


class Rule(Protocol):
    """How many replications to run (:mod:`sim.experiment.stopping`)."""

    def first(self) -> int:
        """Replications in the first stage."""
        ...

    def decide(self, results: list[ReplicationRow]) -> Decision:
        """After a stage: stop, or how many to have after the next."""
        ...


@dataclass(frozen=True)
class Decision:
    """After a stage: stop (and why), or run up to ``next`` replications."""

    stopped_by: str | None
    next: int = 0
    details: dict[str, Any] | None = None


def run_until_stopped(
    rule: Rule,
    executor: Executor,
    *,
    store: Store,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[ReplicationRow], Decision]:
    """Run replications 0, 1, ... in stages until ``rule`` says stop.

    Replication ``r`` always uses the streams of index ``r``, so a run that stops at N
    replications equals a fixed run of N. Replications already in ``store`` are not run
    again; every finished batch of :data:`CHECKPOINT_BATCH` replications is saved in one
    transaction, and on an interruption the finished ones are saved before it goes on.
    A replication's series are held only until its batch is saved.
    """
    done = store.load()
    target = rule.first()
    while True:
        _fill(target, done, executor, store, progress)
        results = [done[r] for r in range(target)]
        decision = rule.decide(results)
        if decision.stopped_by is not None:
            return results, decision
        target = decision.next


def _fill(target: int, done: dict[int, ReplicationRow], executor: Executor,
          store: Store, progress: Callable[[int, int], None] | None) -> None:
    missing = [r for r in range(target) if r not in done]
    waiting: dict[int, set[int]] = {}
    for r in missing:
        waiting.setdefault(r // CHECKPOINT_BATCH, set()).add(r)
    unsaved: dict[int, ReplicationResult] = {}
    count = target - len(missing)
    if progress:
        progress(count, target)
    try:
        for result in executor.run(missing):
            r = result.replication
            done[r] = ReplicationRow.of(result)
            unsaved[r] = result
            faults.reached("result")
            batch = waiting[r // CHECKPOINT_BATCH]
            batch.discard(r)
            if not batch:
                first = (r // CHECKPOINT_BATCH) * CHECKPOINT_BATCH
                store.save([unsaved.pop(k) for k in range(first, first + CHECKPOINT_BATCH)
                            if k in unsaved])
                faults.reached("saved")
            count += 1
            if progress:
                progress(count, target)
    except BaseException:
        if unsaved:
            store.save(unsaved[k] for k in sorted(unsaved))  # keep what is finished
        raise
