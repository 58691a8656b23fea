"""Metrics: pure functions of what a run recorded.

Every metric of ``replications.csv`` (docs/model.md, *Metrics*) is computed here after the run, from
the ledger's counts (:mod:`sim.engine.ledger`: each account's first valid exposure, the
reach per segment and the valid exposures per time step), the reactions, the articles
and the statements. Everything read is proportional to what happened in the run: the
accounts reached, the reactions, the time steps.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.engine import layout, ledger
from sim.engine.fast import answered_reached
from sim.engine.kernel import Run
from sim.engine.ledger import time_grid
from sim.scenario.values import HOUR

REACH_MILESTONE = 1500
METRICS = (
    "reach", "negative_reach", "impressions", "reactions", "exposure",
    "peak_reactions_per_hour", "time_to_peak_h", "time_to_1500_h", "time_to_half_h", "articles",
    "first_article_h", "response_h", "unanswered_reach", "max_depth", "structural_virality",
)
SERIES = ("reach", "negative_reach", "impressions", "reactions", "exposure", "articles")
__all__ = ["METRICS", "SERIES", "compute", "first_exposures", "time_grid", "time_to_half",
           "tree_shape"]


def first_exposures(run: Run) -> tuple[np.ndarray, np.ndarray]:
    """The accounts the run reached and when each first saw a valid story exposure."""
    state = run.world.state
    reached = state.first_list[: state.meta[layout.REACHED]]
    return reached.copy(), state.first[reached]


def compute(run: Run) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """The run's metrics (``nan`` where undefined) and its cumulative time series."""
    world = run.world
    state = world.state
    cascade = run.cascade
    scenario = world.scenario
    grid = time_grid(scenario.horizon, scenario.resolution)
    reach_steps, milestone = ledger.reach_steps(world.state_handle, scenario.resolution,
                                                REACH_MILESTONE)
    per_segment = state.seg_reach.astype(np.float64)
    per_step = state.steps.astype(np.float64)
    media = scenario.media
    offline = 0.0 if media is None else media.offline_audience * media.offline_weight
    articles = np.array(cascade.articles)
    reactions = cascade.reaction_times.copy()
    peak, peak_at = _peak(reactions)
    depth, virality = tree_shape(run)
    reach = int(state.meta[layout.REACHED])
    article_series = _cumulative(np.sort(articles), grid)
    values = {
        "reach": float(reach),
        "negative_reach": float(per_segment @ world.seg_negative),
        "impressions": float(state.meta[layout.IMPRESSIONS]),
        "reactions": float(len(reactions)),
        "exposure": float(per_segment @ world.seg_weight + len(articles) * offline),
        "peak_reactions_per_hour": float(peak),
        "time_to_peak_h": peak_at / HOUR if peak else math.nan,
        "time_to_1500_h": milestone / HOUR,
        "time_to_half_h": time_to_half(reactions) / HOUR,
        "articles": float(len(articles)),
        "first_article_h": float(articles.min()) / HOUR if len(articles) else math.nan,
        "response_h": min(run.response_times) / HOUR if run.response_times else math.nan,
        "unanswered_reach": float(reach - answered_reached(world.state_handle)),
        "max_depth": float(depth),
        "structural_virality": virality,
    }
    series = {
        "reach": np.cumsum(reach_steps.sum(axis=0)).astype(np.float64),
        "negative_reach": np.cumsum(world.seg_negative @ reach_steps),
        "impressions": np.cumsum(per_step),
        "reactions": _cumulative(reactions, grid),
        "exposure": np.cumsum(world.seg_weight @ reach_steps) + article_series * offline,
        "articles": article_series,
    }
    return values, series




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
