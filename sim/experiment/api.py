"""``sim.run``: the Python entry point that the command line is a thin layer over."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from sim.errors import FlashpointError
from sim.experiment.results import Results
from sim.experiment.runner import ReplicationResult, run_replications
from sim.metrics import time_grid
from sim.scenario.schema import Scenario
from sim.scenario.suggest import did_you_mean
from sim.scenario.values import HOUR


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    *,
    policies: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Results:
    """Run every policy of ``scenario`` for every replication.

    Args:
        scenario: a scenario from :func:`sim.load_scenario`.
        replications: how many (default: the scenario's ``replications``).
        seed: root seed (default: the scenario's ``seed``).
        workers: worker processes; the results are identical for any number.
        policies: run only these policies (the baseline, the scenario's first, always runs).
        progress: called as ``progress(done, total)`` after each replication.
    """
    if seed is not None:
        if seed < 0:
            raise FlashpointError(f"the seed must be a whole number >= 0; got {seed}")
        scenario = scenario.model_copy(update={"seed": seed})
    count = scenario.replications if replications is None else replications
    if count < 1:
        raise FlashpointError(f"replications must be at least 1; got {count}")
    if policies:
        names = [p.name for p in scenario.policies]
        for name in policies:
            if name not in names:
                raise FlashpointError(f"--policy must name a policy of the scenario (one of: "
                                      f"{', '.join(names)}){did_you_mean(name, names)}; "
                                      f"got {name!r}")
        keep = [p for i, p in enumerate(scenario.policies) if i == 0 or p.name in policies]
        scenario = scenario.model_copy(update={"policies": keep})
    done = 0

    def advance(_: ReplicationResult) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, count)

    results = run_replications(scenario, list(range(count)), workers=workers, progress=advance)
    return collect(scenario, results)


def collect(scenario: Scenario, results: list[ReplicationResult]) -> Results:
    """Assemble per-replication results into :class:`Results`."""
    metrics = np.stack([r.metrics for r in results], axis=1)
    series = np.stack([r.series for r in results], axis=1)
    return Results(
        scenario=scenario,
        policies=[p.name for p in scenario.policies],
        replications=[r.replication for r in results],
        metrics=metrics,
        series=series,
        times_h=time_grid(scenario.horizon, scenario.resolution) / HOUR,
    )
