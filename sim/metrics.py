"""Metrics: pure functions of what a run recorded.

Every metric of ``replications.csv`` is declared in :mod:`sim.scenario.metric_registry` and
computed here after the run by the function registered for it (:func:`computes`), from
the ledger's counts (:mod:`sim.engine.ledger`: each account's first valid exposure, the
reach per segment and the valid exposures per time step), the reactions, the articles
and the statements. Everything read is proportional to what happened in the run: the
accounts reached, the reactions, the time steps.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numba import njit

from sim.engine import layout, ledger
from sim.engine.fast import answered_reached
from sim.engine.kernel import Run
from sim.engine.ledger import time_grid
from sim.errors import FlashpointError
from sim.scenario import metric_registry
from sim.scenario.values import HOUR

REACH_MILESTONE = 1500
METRICS = metric_registry.names(per_replication=True)  # the columns of replications.csv
SERIES = metric_registry.names(series=True)
__all__ = ["COMPUTE", "METRICS", "SERIES", "compute", "first_exposures", "time_grid",
           "time_to_half", "tree_shape"]


def first_exposures(run: Run) -> tuple[np.ndarray, np.ndarray]:
    """The accounts the run reached and when each first saw a valid story exposure."""
    state = run.world.state
    reached = state.first_list[: state.meta[layout.REACHED]]
    return reached.copy(), state.first[reached]


class Recorded:
    """What a run recorded, read once and shared by the metrics' compute functions."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.world = world = run.world
        self.state = state = world.state
        scenario = world.scenario
        self.grid = time_grid(scenario.horizon, scenario.resolution)
        self.reach_steps, self.milestone = ledger.reach_steps(
            world.state_handle, scenario.resolution, REACH_MILESTONE)
        self.per_segment = state.seg_reach.astype(np.float64)
        media = world.media
        self.offline = 0.0 if media is None else media.offline_audience * media.offline_weight
        self.articles = np.sort(np.array(run.cascade.articles, dtype=np.float64))
        self.reactions = run.cascade.reaction_times.copy()
        self.reach = int(state.meta[layout.REACHED])
        self._peak: tuple[int, float] | None = None
        self._tree: tuple[int, float] | None = None

    @property
    def peak(self) -> tuple[int, float]:
        """Most reactions in any hour, and when that count is first reached."""
        if self._peak is None:
            self._peak = _peak(self.reactions)
        return self._peak

    @property
    def tree(self) -> tuple[int, float]:
        """Depth and structural virality of the reaction tree."""
        if self._tree is None:
            self._tree = tree_shape(self.run)
        return self._tree


Compute = Callable[[Recorded], float]
COMPUTE: dict[str, Compute] = {}  # per metric of replications.csv: how it is computed
SERIES_OF: dict[str, Callable[[Recorded], np.ndarray]] = {}  # per metric with a time series


def computes(name: str) -> Callable[[Compute], Compute]:
    """Register the compute function of the declared metric ``name``."""
    def register(function: Compute) -> Compute:
        if name not in metric_registry.METRICS or name in COMPUTE:
            raise FlashpointError(f"{name!r}: not a declared metric, or computed twice")
        COMPUTE[name] = function
        return function
    return register


def series_of(name: str) -> Callable[[Callable[[Recorded], np.ndarray]],
                                     Callable[[Recorded], np.ndarray]]:
    """Register the cumulative time series of the declared metric ``name``."""
    def register(function: Callable[[Recorded], np.ndarray]) -> Callable[[Recorded], np.ndarray]:
        SERIES_OF[name] = function
        return function
    return register


def compute(run: Run) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """The run's metrics (``nan`` where undefined) and its cumulative time series."""
    recorded = Recorded(run)
    values = {name: float(COMPUTE[name](recorded)) for name in METRICS}
    series = {name: SERIES_OF[name](recorded) for name in SERIES}
    return values, series


@computes("reach")
def _reach(r: Recorded) -> float:
    return float(r.reach)


@computes("negative_reach")
def _negative_reach(r: Recorded) -> float:
    return float(r.per_segment @ r.world.seg_negative)


@computes("impressions")
def _impressions(r: Recorded) -> float:
    return float(r.state.meta[layout.IMPRESSIONS])


@computes("reactions")
def _reactions(r: Recorded) -> float:
    return float(len(r.reactions))


@computes("exposure")
def _exposure(r: Recorded) -> float:
    return float(r.per_segment @ r.world.seg_weight + len(r.articles) * r.offline)


@computes("peak_reactions_per_hour")
def _peak_reactions(r: Recorded) -> float:
    return float(r.peak[0])


@computes("time_to_peak_h")
def _time_to_peak(r: Recorded) -> float:
    peak, at = r.peak
    return at / HOUR if peak else math.nan


@computes("time_to_1500_h")
def _time_to_1500(r: Recorded) -> float:
    return r.milestone / HOUR


@computes("time_to_half_h")
def _time_to_half(r: Recorded) -> float:
    return time_to_half(r.reactions) / HOUR


@computes("articles")
def _articles(r: Recorded) -> float:
    return float(len(r.articles))


@computes("first_article_h")
def _first_article(r: Recorded) -> float:
    return float(r.articles[0]) / HOUR if len(r.articles) else math.nan


@computes("response_h")
def _response(r: Recorded) -> float:
    times = r.run.response_times
    return min(times) / HOUR if times else math.nan


@computes("unanswered_reach")
def _unanswered(r: Recorded) -> float:
    return float(r.reach - answered_reached(r.world.state_handle))


@computes("max_depth")
def _depth(r: Recorded) -> float:
    return float(r.tree[0])


@computes("structural_virality")
def _virality(r: Recorded) -> float:
    return r.tree[1]


@series_of("reach")
def _reach_series(r: Recorded) -> np.ndarray:
    return np.cumsum(r.reach_steps.sum(axis=0)).astype(np.float64)


@series_of("negative_reach")
def _negative_reach_series(r: Recorded) -> np.ndarray:
    return np.cumsum(r.world.seg_negative @ r.reach_steps)


@series_of("impressions")
def _impressions_series(r: Recorded) -> np.ndarray:
    return np.cumsum(r.state.steps.astype(np.float64))


@series_of("reactions")
def _reactions_series(r: Recorded) -> np.ndarray:
    return _cumulative(r.reactions, r.grid)


@series_of("exposure")
def _exposure_series(r: Recorded) -> np.ndarray:
    return (np.cumsum(r.world.seg_weight @ r.reach_steps)
            + _cumulative(r.articles, r.grid) * r.offline)


@series_of("articles")
def _articles_series(r: Recorded) -> np.ndarray:
    return _cumulative(r.articles, r.grid)


def time_to_half(sorted_times: np.ndarray) -> float:
    """When half of the final reactions had happened (seconds; ``nan`` with none).

    The time of reaction number ``ceil(R / 2)`` of the ``R`` reactions, in time order: the
    first time at which at least half of them had happened (the usual cascade-timing
    measure, e.g. Vosoughi et al. 2018, Zhao et al. 2015).
    """
    if len(sorted_times) == 0:
        return math.nan
    return float(sorted_times[(len(sorted_times) + 1) // 2 - 1])


def _cumulative(sorted_times: np.ndarray, grid: np.ndarray) -> np.ndarray:
    return np.searchsorted(sorted_times, grid, side="right").astype(np.float64)


def _peak(reactions: np.ndarray) -> tuple[int, float]:
    """Most reactions in any hour (t - 1h, t], and the t where that count is first reached."""
    if len(reactions) == 0:
        return 0, math.nan
    counts = np.arange(1, len(reactions) + 1) - np.searchsorted(reactions, reactions - HOUR,
                                                                 side="right")
    best = int(np.argmax(counts))
    return int(counts[best]), float(reactions[best])


def tree_shape(run: Run) -> tuple[int, float]:
    """Depth and structural virality of the who-exposed-whom tree (Goel et al. 2016).

    The tree holds the author and every reacting account; an account's parent is the
    account whose post it reacted to, or the author when that account is not in the tree
    (promoted, trending and article exposures, and a journalist who reacted only after the
    reader of its article). Structural virality is the mean distance
    between all pairs of nodes: ``sum over edges of size * (m - size) / (m (m - 1) / 2)``.
    """
    parents = np.concatenate([[0], run.cascade.reaction_parents()]).astype(np.int64)
    m = len(parents)
    if m < 2:
        return 0, math.nan
    depth, total = _tree_sums(parents)
    return int(depth), float(total) / (m * (m - 1) / 2)


@njit(cache=True)
def _tree_sums(parents: np.ndarray) -> tuple[int, float]:
    """Depth and Wiener index of a tree given in topological order (``parents[i] < i``).

    The Wiener index (the sum of all pairwise distances) is the sum over edges of
    ``size * (m - size)``.
    """
    m = len(parents)
    depth = np.zeros(m, dtype=np.int64)
    deepest = 0
    for i in range(1, m):
        depth[i] = depth[parents[i]] + 1
        if depth[i] > deepest:
            deepest = depth[i]
    size = np.ones(m, dtype=np.int64)
    total = 0.0
    for i in range(m - 1, 0, -1):
        size[parents[i]] += size[i]
        total += size[i] * (m - size[i])
    return deepest, total
