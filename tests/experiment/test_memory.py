"""Memory is flat in the replications: a run holds its metric rows, never all its series.

Each test measures the peak of Python's heap (``tracemalloc``: numpy's arrays included,
SQLite's own page cache, bounded by its ``cache_size``, not) for N and for 10N
replications of a small scenario whose series are large: 1,001 time steps, so 48 KB of
series per replication against 120 bytes of metric rows and action times. What the larger
run needs beyond the smaller one must stay within :data:`ALLOWANCE` per extra replication.
Holding the series in memory, as a run once did, costs 48 KB or more per replication.

Reading the series back holds a group of replications' series at once, up to a constant
(:data:`sim.experiment.series.GROUP_BYTES`, 8 MiB); at these small N that constant would
look like growth, so the tests lower it to one replication's series.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import sim
from sim.experiment import series
from sim.experiment.api import load_results
from tests.engine.helpers import er_scenario

N = 20
HORIZON = "1000h"  # at 1h resolution: 1,001 steps
# Bytes per replication: its metric rows and action times (120 bytes here) with their
# Python objects, in the runner, in Results and in the rows of replications.csv.
ALLOWANCE = 2048


@pytest.fixture(autouse=True)
def _small_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(series, "GROUP_BYTES", 64 << 10)


def _collect_young(done: int, total: int) -> None:
    # A replication leaves reference cycles (SimPy's processes) that the collector frees at
    # moments of its choosing; freeing them after each replication makes the peak
    # reproducible (collecting only the young generations costs next to nothing).
    gc.collect(1)


def _peak(work: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _run(replications: int, out: Path, checkpoint: Path | None = None) -> None:
    scenario = er_scenario(100, 1.5, 0.3, replications=replications, horizon=HORIZON)
    results = sim.run(scenario, progress=_collect_young, checkpoint=checkpoint)
    results.write(out)  # computes the series' statistics: timeseries.csv


def _growth(small: int, large: int) -> float:
    return (large - small) / (9 * N)


def test_a_run_needs_no_more_memory_per_replication_than_its_metric_rows(
        tmp_path: Path) -> None:
    _run(5, tmp_path / "warm")  # imports, compiled code and caches, once
    small = _peak(lambda: _run(N, tmp_path / "small"))
    large = _peak(lambda: _run(10 * N, tmp_path / "large"))
    assert _growth(small, large) < ALLOWANCE, (small, large)


def test_rebuilding_the_outputs_from_a_checkpoint_is_flat_too(tmp_path: Path) -> None:
    for n in (N, 10 * N):
        _run(n, tmp_path / f"run{n}", checkpoint=tmp_path / f"run{n}")
    load_results(tmp_path / f"run{N}").write(tmp_path / "warm")
    small = _peak(lambda: load_results(tmp_path / f"run{N}").write(tmp_path / "small"))
    large = _peak(lambda: load_results(tmp_path / f"run{10 * N}").write(tmp_path / "large"))
    assert _growth(small, large) < ALLOWANCE, (small, large)
