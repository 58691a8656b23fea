"""Metrics: pure functions of what a run recorded.

Every metric of SCENARIO.md's ``replications.csv`` is computed here after the run,
from the exposures (with the final removal times, so void exposures are dropped),
the reactions, the articles and the statements.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numba import njit

from sim.engine import fast
from sim.engine.kernel import Run
from sim.scenario.values import HOUR

REACH_MILESTONE = 1500
METRICS = (
    "reach", "negative_reach", "impressions", "reactions", "exposure",
    "peak_reactions_per_hour", "time_to_peak_h", "time_to_1500_h", "articles",
    "first_article_h", "response_h", "unanswered_reach", "max_depth", "structural_virality",
)
SERIES = ("reach", "negative_reach", "impressions", "reactions", "exposure", "articles")


@dataclass(frozen=True)
class Exposures:
    """Every valid story exposure of a run: account, time and root item, in no set order."""

    accounts: np.ndarray
    times: np.ndarray
    roots: np.ndarray


def exposures(run: Run) -> Exposures:
    """Rebuild the run's story exposures and drop the void ones (and the brand's)."""
    cascade = run.cascade
    world = run.world
    graph = world.graph
    removed = np.asarray(cascade.removed_at, dtype=np.float64)
    parts = [fast.post_exposures(cascade.post_account, cascade.post_time, cascade.post_root,
                                 graph.offsets, graph.followers, world.edge_delay,
                                 world.horizon, removed, graph.segment)]
    parts += list(_valid_extra(run, removed))
    if len(parts) == 1:
        return Exposures(*parts[0])
    return Exposures(*(np.concatenate([part[k] for part in parts]) for k in range(3)))


def exposure_summary(run: Run, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each account's first valid exposure, and valid exposures per grid step, in one pass.

    The same exposures as :func:`exposures`, without materialising them.
    """
    cascade = run.cascade
    world = run.world
    graph = world.graph
    removed = np.asarray(cascade.removed_at, dtype=np.float64)
    first = np.full(graph.accounts, np.inf)
    per_step = np.zeros(len(grid))
    _summarise_posts(cascade.post_account, cascade.post_time, cascade.post_root, graph.offsets,
                     graph.followers, world.edge_delay, world.horizon, removed, graph.segment,
                     grid[1] - grid[0] if len(grid) > 1 else 1.0, first, per_step)
    for accounts, times, _ in _valid_extra(run, removed):
        np.minimum.at(first, accounts, times)
        per_step += _binned(times, None, grid)
    return first, per_step


def _valid_extra(run: Run, removed: np.ndarray) -> Iterator[tuple[np.ndarray, ...]]:
    """The valid audience exposures that did not come through the follower graph."""
    segment = run.world.graph.segment
    for accounts, times, roots in run.cascade.extra:
        keep = (times <= removed[roots]) & (segment[accounts] >= 0)
        yield accounts[keep], times[keep], roots[keep]


@njit(cache=True)
def _summarise_posts(posters: np.ndarray, post_times: np.ndarray, post_roots: np.ndarray,
                     offsets: np.ndarray, followers: np.ndarray, delay: np.ndarray,
                     horizon: float, removed: np.ndarray, segment: np.ndarray, step: float,
                     first: np.ndarray, per_step: np.ndarray) -> None:
    """:func:`sim.engine.fast.post_exposures`, fused with what :func:`compute` needs.

    That is the first exposure per account and the count per grid step, so that millions
    of exposures are never materialised.
    """
    last = len(per_step) - 1
    for i in range(len(posters)):
        root = post_roots[i]
        for e in range(offsets[posters[i]], offsets[posters[i] + 1]):
            t = post_times[i] + delay[e]
            follower = followers[e]
            if t <= horizon and t <= removed[root] and segment[follower] >= 0:
                if t < first[follower]:
                    first[follower] = t
                k = min(int(math.ceil(t / step)), last)  # step k holds (grid[k-1], grid[k]]
                per_step[k] += 1.0


def compute(run: Run) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """The run's metrics (``nan`` where undefined) and its cumulative time series."""
    world = run.world
    graph = world.graph
    cascade = run.cascade
    scenario = world.scenario
    grid = time_grid(world.horizon, scenario.resolution)
    first, per_step = exposure_summary(run, grid)
    reached = np.isfinite(first)
    weight = graph.weight.astype(np.float64)
    negative = (graph.stance <= 0) & (graph.segment >= 0)
    media = scenario.media
    offline = 0.0 if media is None else media.offline_audience * media.offline_weight
    articles = np.array(cascade.articles)
    reactions = np.array(cascade.reaction_times)
    answered = np.full(graph.accounts, np.inf)
    for statement in cascade.statements:
        np.minimum(answered, statement.seen, out=answered)
    peak, peak_at = _peak(reactions)
    reach_times = first[reached]
    milestone = (float(np.partition(reach_times, REACH_MILESTONE - 1)[REACH_MILESTONE - 1])
                 if len(reach_times) >= REACH_MILESTONE else math.nan)
    depth, virality = tree_shape(run)
    values = {
        "reach": float(reached.sum()),
        "negative_reach": float((reached & negative).sum()),
        "impressions": float(per_step.sum()),
        "reactions": float(len(reactions)),
        "exposure": float(weight[reached].sum() + len(articles) * offline),
        "peak_reactions_per_hour": float(peak),
        "time_to_peak_h": peak_at / HOUR if peak else math.nan,
        "time_to_1500_h": milestone / HOUR,
        "articles": float(len(articles)),
        "first_article_h": float(articles.min()) / HOUR if len(articles) else math.nan,
        "response_h": min(run.response_times) / HOUR if run.response_times else math.nan,
        "unanswered_reach": float((reached & ~np.isfinite(answered)).sum()),
        "max_depth": float(depth),
        "structural_virality": virality,
    }
    series = {
        "reach": np.cumsum(_binned(reach_times, None, grid)),
        "negative_reach": np.cumsum(_binned(first[reached & negative], None, grid)),
        "impressions": np.cumsum(per_step),
        "reactions": _cumulative(reactions, grid),
        "exposure": (np.cumsum(_binned(first[reached], weight[reached], grid))
                     + _cumulative(np.sort(articles), grid) * offline),
        "articles": _cumulative(np.sort(articles), grid),
    }
    return values, series


def time_grid(horizon: float, resolution: float) -> np.ndarray:
    """The times (seconds) at which time series are reported: 0, resolution, ..., horizon."""
    grid = np.arange(0.0, horizon + 0.5 * resolution, resolution)
    return np.minimum(grid, horizon)


def _cumulative(sorted_times: np.ndarray, grid: np.ndarray) -> np.ndarray:
    return np.searchsorted(sorted_times, grid, side="right").astype(np.float64)


def _binned(times: np.ndarray, weights: np.ndarray | None, grid: np.ndarray) -> np.ndarray:
    """Weights (or counts) summed per grid step: entry k holds times in (grid[k-1], grid[k]]."""
    index = np.searchsorted(grid, times, side="left")
    return np.bincount(index, weights=weights, minlength=len(grid))[: len(grid)]


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
    cascade = run.cascade
    accounts = cascade.reaction_accounts
    m = len(accounts) + 1
    if m < 2:
        return 0, math.nan
    position = np.full(run.world.graph.accounts, -1, dtype=np.int64)
    position[run.world.author] = 0
    position[accounts] = np.arange(1, m)
    parents = np.zeros(m, dtype=np.int64)
    parents[1:] = np.maximum(position[np.maximum(cascade.parent[accounts], 0)], 0)
    parents[1:][cascade.parent[accounts] < 0] = 0
    later = parents >= np.arange(m)  # a journalist reacting after its article's reader: root
    later[0] = False
    parents[later] = 0
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
