"""How many worker processes a run can use: this machine's cores and memory, and the scenario.

A run holds the network once (worker processes are forked from the process that built
it, so they share its pages) and, in each worker, Python with the compiled engine, the
engine's per-account scratch arrays (:func:`sim.engine.world.scratch_bytes`) and what one
replication brings from outside the graph (:func:`volume_bytes`: promotion and trending
impressions, the time series). With
``network.resample: true`` every worker builds its own network for each replication, so
the network's building peak counts once per worker instead. Without ``--workers`` a run
uses as many workers as there are cores, as long as they fit in the memory available;
a run that cannot fit even one worker is refused before it starts, with the estimate.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sim.engine.world import scratch_bytes
from sim.errors import FlashpointError
from sim.metrics import SERIES, time_grid
from sim.scenario import resources
from sim.scenario.resources import human_bytes
from sim.scenario.schema import Scenario
from sim.scenario.values import HOUR

PROCESS_BYTES = 320 * 2**20  # a process with numpy, numba and the compiled engine (measured)
GRAPH_BYTES_PER_FOLLOW = 5  # int32 followers plus a little (measured 4.65: docs/performance.md)
GRAPH_BYTES_PER_ACCOUNT = 32  # offsets, segment, stance, weight, id
EXPOSURE_BYTES = 16  # an exposure from outside the graph (promotion, trending): account, time,
# item; its reaction candidate, if any, is in the scratch state's heap
SERIES_BYTES = 8  # one value of one time series


def volume_bytes(scenario: Scenario, accounts: int) -> int:
    """What a worker holds beyond its scratch state for one replication, at most.

    The promotion's impressions (its rate over its duration, with room for Poisson
    chance), the trending impressions (each account reacts at most once, and a reaction
    brings ``impressions_per_reaction``), and one replication's time series for every
    policy (``horizon / resolution`` steps of each series).
    """
    incident = scenario.incident
    impressions = 0.0
    if incident.promotion is not None:
        mean = incident.promotion.impressions_per_hour * incident.promotion.duration / HOUR
        impressions += mean + 8 * mean**0.5 + 32
    if incident.trending is not None:
        impressions += incident.trending.impressions_per_reaction * accounts
    steps = len(time_grid(scenario.horizon, scenario.resolution))
    series = steps * len(SERIES) * len(scenario.policies) * SERIES_BYTES
    return int(impressions * EXPOSURE_BYTES) + series


@dataclass(frozen=True)
class Plan:
    """The workers a run will use, and why."""

    workers: int
    cores: int
    network_bytes: int
    worker_bytes: int
    available: int
    limited_by_memory: bool

    def describe(self) -> str:
        """A few words for above the progress bar: how many workers, and why."""
        count = f"{self.workers} worker{'s' if self.workers != 1 else ''}"
        each = human_bytes(self.worker_bytes)
        if self.limited_by_memory:
            return f"{count} (as many as fit: {each} each, {human_bytes(self.available)} free)"
        return f"{count} (one per core; {each} each)"


def network_size(scenario: Scenario) -> tuple[int, float]:
    """Accounts and follows of the scenario's network (estimated from the file's size)."""
    network = scenario.network
    if network.generator is not None:
        assert network.accounts is not None and network.mean_follows is not None
        brand = scenario.incident.brand_followers
        extra = 0 if brand is None else 1  # the brand's account, if it has one
        return network.accounts + extra, network.accounts * network.mean_follows + (brand or 0)
    assert network.file is not None
    follows = resources.estimate_file_follows(Path(network.file))
    return int(follows), follows


def available_memory() -> int:
    """Memory that a run can use now: MemAvailable, within the machine's (or cgroup's) size."""
    total = resources.machine_memory()
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return min(total, int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    return total


def plan(scenario: Scenario, workers: int | None = None, *, cores: int | None = None,
         available: int | None = None) -> Plan:
    """The workers a run of ``scenario`` will use (``workers``: as asked; None: choose).

    Raises:
        FlashpointError: the run cannot fit in the memory available, even with the
            workers it would choose (or with the ``workers`` asked for).
    """
    cores = cores or os.cpu_count() or 1
    available = available_memory() if available is None else available
    accounts, follows = network_size(scenario)
    graph = int(accounts * GRAPH_BYTES_PER_ACCOUNT + follows * GRAPH_BYTES_PER_FOLLOW)
    each = PROCESS_BYTES + scratch_bytes(scenario, accounts) + volume_bytes(scenario, accounts)
    if scenario.network.resample:  # every replication builds its own network, in its worker
        each += resources.estimate_network_bytes(accounts, follows)
        graph = 0
    fit = max(0, (available - PROCESS_BYTES - graph) // each)
    chosen = min(cores, fit) if workers is None else workers
    if fit < 1 or chosen > fit:
        asked = "" if workers is None else f" with {workers} workers"
        raise FlashpointError(
            f"this run cannot fit in memory{asked}: it needs about {human_bytes(graph)} for "
            f"the network and {human_bytes(each)} per worker, and {human_bytes(available)} "
            f"is available"
            + (f"; at most {fit} worker{'s' if fit != 1 else ''} would fit (--workers {fit})"
               if fit >= 1 else "; make the network smaller or free some memory")
            + ". The estimate is an upper bound: --ignore-memory runs it anyway")
    return Plan(workers=chosen, cores=cores, network_bytes=graph, worker_bytes=each,
                available=available, limited_by_memory=workers is None and fit < cores)
