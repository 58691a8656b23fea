"""Replications as a pure map, and the executors that run the map.

``run_replication(scenario, graph, r)`` simulates every policy of replication ``r``
with that replication's streams (common random numbers) and returns plain arrays.
The executors only change *where* the map runs: in this process or in a pool of
worker processes. Results are put back in replication order, so the outputs are
byte-identical for any number of workers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from sim.engine.kernel import simulate
from sim.engine.world import make_world
from sim.errors import FlashpointError
from sim.metrics import METRICS, SERIES, compute
from sim.network.build import audience
from sim.network.graph import Graph
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class ReplicationResult:
    """Every policy's metrics (``[policy, metric]``) and series (``[policy, series, time]``)."""

    replication: int
    metrics: np.ndarray
    series: np.ndarray


def run_replication(scenario: Scenario, graph: Graph | None, replication: int) -> ReplicationResult:
    """Simulate every policy of ``scenario`` in replication ``replication``."""
    if graph is None:  # network.resample: a fresh network for this replication
        graph = audience(scenario, replication)
    world = make_world(scenario, graph, replication)
    metrics, series = [], []
    for policy in scenario.policies:
        values, curves = compute(simulate(world, policy))
        metrics.append([values[name] for name in METRICS])
        series.append([curves[name] for name in SERIES])
    return ReplicationResult(replication, np.array(metrics, dtype=np.float64),
                             np.array(series, dtype=np.float64))


_WORKER: dict[str, object] = {}


def _init_worker(scenario: Scenario, graph: Graph | None) -> None:
    _WORKER["scenario"] = scenario
    _WORKER["graph"] = graph


def _in_worker(replication: int) -> ReplicationResult:
    scenario = _WORKER["scenario"]
    assert isinstance(scenario, Scenario)
    graph = _WORKER["graph"]
    return run_replication(scenario, graph if isinstance(graph, Graph) else None, replication)


def run_replications(
    scenario: Scenario,
    replications: Sequence[int],
    *,
    workers: int = 1,
    graph: Graph | None = None,
    progress: Callable[[ReplicationResult], None] | None = None,
) -> list[ReplicationResult]:
    """Run ``replications`` (indices) and return their results in that order."""
    if workers < 1:
        raise FlashpointError(f"--workers must be at least 1; got {workers}")
    if graph is None and not scenario.network.resample:
        graph = audience(scenario)
    results: dict[int, ReplicationResult] = {}
    if workers == 1 or len(replications) < 2:
        for r in replications:
            results[r] = run_replication(scenario, graph, r)
            if progress:
                progress(results[r])
    else:
        workers = min(workers, len(replications), os.cpu_count() or 1)
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                                 initargs=(scenario, graph)) as pool:
            for result in pool.map(_in_worker, replications, chunksize=1):
                results[result.replication] = result
                if progress:
                    progress(result)
    return [results[r] for r in replications]
