"""Benchmark the series store: what saving the series costs a run, and reading them back.

Prints one JSON line. The cases (all by default, or those named on the command line):

- ``run``: 1,000 replications of a tiny scenario (Erdos-Renyi, 200 accounts, one policy,
  1,001 steps of 1 h), in this process, with a checkpoint and without (a temporary store):
  wall time, and the time spent saving batches (``Checkpoint.save``).
- ``save``: 5 policies x 5,000 replications x 385 steps (``mcdstories.yaml``'s shape) of
  synthetic series saved as a run saves them, in batches of 10: time per batch and the size
  of ``results.sqlite``.
- ``read``: from that checkpoint, the statistics of ``timeseries.csv`` (``summarise``) and
  one raw-curve read (``curves``): time and peak of Python's heap (``tracemalloc``).

Usage::

    python benchmarks/bench_series.py [run] [save] [read]
"""

from __future__ import annotations

import json
import platform
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

POLICIES, STEPS, REPLICATIONS = 5, 385, 5000


def bench_run() -> dict[str, Any]:
    import sim
    from sim.experiment import checkpoint
    from tests.engine.helpers import er_scenario

    scenario = er_scenario(200, 1.5, 0.3, replications=1000, horizon="1000h")
    sim.run(scenario, replications=10)  # compile and warm up
    saving = [0.0]
    save = checkpoint.Checkpoint.save

    def timed(self: Any, results: Any) -> None:
        start = time.perf_counter()
        save(self, results)
        saving[0] += time.perf_counter() - start

    checkpoint.Checkpoint.save = timed  # type: ignore[method-assign]
    out: dict[str, Any] = {"case": "run", "replications": 1000, "steps": 1001}
    try:
        with tempfile.TemporaryDirectory() as folder:
            for name, where in (("checkpoint", folder), ("no_checkpoint", None)):
                saving[0] = 0.0
                start = time.perf_counter()
                sim.run(scenario, checkpoint=where)
                out[f"{name}_seconds"] = time.perf_counter() - start
                out[f"{name}_saving_seconds"] = saving[0]
    finally:
        checkpoint.Checkpoint.save = save  # type: ignore[method-assign]
    return out


def bench_save(folder: Path) -> dict[str, Any]:
    import sim
    from sim.experiment.api import configure, shapes_of
    from sim.experiment.checkpoint import FILENAME, Checkpoint, scenario_hash
    from sim.experiment.runner import ReplicationResult
    from sim.metrics import METRICS, SERIES

    scenario = configure(sim.load_scenario("scenarios/mcdstories.yaml"), REPLICATIONS, None,
                         None)
    store = Checkpoint.create(folder, scenario, scenario_hash(scenario), shapes_of(scenario))
    rng = np.random.default_rng(1)
    shape = (POLICIES, len(SERIES), STEPS)
    batches = []
    try:
        for first in range(0, REPLICATIONS, 10):
            batch = [ReplicationResult(r, rng.random((POLICIES, len(METRICS))),
                                       np.cumsum(rng.random(shape), axis=2),
                                       np.full((POLICIES, 2), np.nan))
                     for r in range(first, first + 10)]
            start = time.perf_counter()
            store.save(batch)
            batches.append(time.perf_counter() - start)
        store.finish("replications", REPLICATIONS, None, None)
    finally:
        store.close()
    return {"case": "save", "policies": POLICIES, "replications": REPLICATIONS,
            "steps": STEPS, "seconds": sum(batches),
            "ms_per_batch_first_100": 1000 * float(np.mean(batches[:100])),
            "ms_per_batch_last_100": 1000 * float(np.mean(batches[-100:])),
            "file_bytes": (folder / FILENAME).stat().st_size,
            "series_bytes": REPLICATIONS * POLICIES * len(SERIES) * STEPS * 8}


def bench_read(folder: Path) -> dict[str, Any]:
    from sim.experiment.checkpoint import open_finished
    from sim.experiment.series import BLOCK, GROUP_BYTES, summarise
    from sim.metrics import SERIES

    _, checkpoint = open_finished(folder)
    checkpoint.close()
    store = checkpoint.series(REPLICATIONS)
    out: dict[str, Any] = {"case": "read", "policies": POLICIES, "replications": REPLICATIONS,
                           "steps": STEPS, "block": BLOCK, "group_bytes": GROUP_BYTES}
    for name, work in (("summarise", lambda: summarise(store, POLICIES, len(SERIES), STEPS)),
                       ("curves", lambda: store.curves(0, 0))):
        tracemalloc.start()
        start = time.perf_counter()
        work()
        out[f"{name}_seconds"] = time.perf_counter() - start
        out[f"{name}_peak_bytes"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return out


def main() -> None:
    cases = sys.argv[1:] or ["run", "save", "read"]
    results = []
    with tempfile.TemporaryDirectory() as folder:
        if "run" in cases:
            results.append(bench_run())
        if "save" in cases or "read" in cases:
            results.append(bench_save(Path(folder)))
        if "read" in cases:
            results.append(bench_read(Path(folder)))
    print(json.dumps({"benchmark": "series", "python": platform.python_version(),
                      "numpy": np.__version__, "cases": results}))


if __name__ == "__main__":
    main()
