"""The model in a large audience: an observed incident as a self-exciting point process.

When the audience is much larger than the incident and followers of different posts do
not overlap (the regime of a real incident in an audience of millions), the model of
docs/model.md becomes a point process. A post at ``t_i`` by an author with ``n_i``
followers exposes ``n_i`` accounts at delays drawn from the attention distribution (density
``f``, distribution function ``F``), and each exposure at ``t`` brings a reaction with
probability ``p * novelty(t) * m(t)`` (``m``: the policy's factors). With many exposures
of small probability, reactions arrive as a Poisson process of intensity::

    lambda(t) = p * novelty(t) * m(t) * sum_i n_i f(t - t_i)

which is SEISMIC's (Zhao et al., KDD 2015) with the model's novelty and policies. Its
likelihood exists, so fitting needs no simulation (:mod:`sim.experiment.calibration`).

Time is cut into bins (:func:`bins`): counts per bin are Poisson, and the exposure that the
posts already made put into each bin is :func:`exposure` (it reads only ``F``, the
distribution's declared ``cdf``). :func:`simulate` runs the process forward from a time
on, bin by bin: each new post's follower count is drawn from a pool (the observed ones, so
real follower counts are used as they are, up to the largest accounts), and a fraction
``derived_fraction`` of new posts are derived posts, which survive deletion. Its random
numbers are counter-based (Philox, keyed by draw, bin and post), so two policies see the
same uniforms in every bin: their paths stay exactly paired.

``p`` here is the *effective* share probability of an average exposure: the scenario's
``behaviour.share_probability`` times the segments' mean multiplier
(:func:`sim.scenario.branching.segment_multiplier`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.randomness.distributions import normal_quantile
from sim.randomness.philox import draw, pick, uniform
from sim.scenario import values

LN2 = math.log(2.0)
FIRST_BIN_S = 15.0
"""The width of the first bin after the start of a grid, in seconds."""
POISSON_NORMAL = 200.0
"""Above this mean, a bin's Poisson count is drawn by its normal approximation."""


def bins(start: float, end: float, count: int, extra: tuple[float, ...] = ()) -> np.ndarray:
    """Bin edges from ``start`` to ``end``: the first :data:`FIRST_BIN_S` wide, then growing.

    Geometric in the time since ``start`` (reactions come fast at first, then slowly), with
    every time of ``extra`` that falls inside added as an edge (so that a policy's action
    starts on a bin's edge).
    """
    span = end - start
    first = min(FIRST_BIN_S, span / count)
    edges = start + np.concatenate([[0.0], np.geomspace(first, span, count)])
    inside = [t for t in extra if start < t < end]
    edges = np.unique(np.concatenate([edges, inside]))
    edges[-1] = end
    return edges


def exposure(times: np.ndarray, followers: np.ndarray, edges: np.ndarray,
             attention: values.Distribution) -> np.ndarray:
    """``sum_i n_i (F(e_{k+1} - t_i) - F(e_k - t_i))`` for every bin ``k``: exposures per bin."""
    out = np.zeros(len(edges) - 1)
    times = np.asarray(times, dtype=np.float64)
    followers = np.asarray(followers, dtype=np.float64)
    for start in range(0, len(times), 2048):
        t = times[None, start:start + 2048]
        cdf = attention.cdf(edges[:, None] - t)
        out += np.diff(cdf, axis=0) @ followers[start:start + 2048]
    return out


def kernel_matrix(edges: np.ndarray, attention: values.Distribution) -> np.ndarray:
    """``G[b, k]``: the share of a post born mid-bin ``b`` exposing its followers in bin ``k``."""
    mids = 0.5 * (edges[1:] + edges[:-1])
    cdf = attention.cdf(edges[None, :] - mids[:, None])
    return np.diff(cdf, axis=1)


def novelty(t: np.ndarray, half_life: float, beta: float) -> np.ndarray:
    """``exp(-ln2 (t / half_life)^beta)`` (the model's stretched exponential; inf: none)."""
    t = np.maximum(np.asarray(t, dtype=np.float64), 0.0)
    if not math.isfinite(half_life):
        return np.ones_like(t)
    return np.exp(-LN2 * (t / half_life) ** beta)


def mids(edges: np.ndarray) -> np.ndarray:
    """Each bin's middle."""
    return 0.5 * (edges[1:] + edges[:-1])


@njit(cache=True, inline="always")
def _poisson(mean: float, u: float) -> int:
    """The ``u``-quantile of a Poisson distribution: monotone in ``mean`` for a fixed ``u``."""
    if mean <= 0.0:
        return 0
    if mean > POISSON_NORMAL:
        return max(0, int(math.floor(mean + math.sqrt(mean) * normal_quantile(u) + 0.5)))
    term = math.exp(-mean)
    total = term
    k = 0
    while total < u and k < 10 * POISSON_NORMAL:
        k += 1
        term *= mean / k
        total += term
    return k


@njit(cache=True)
def simulate(key: np.ndarray, replication: int, p: float, nov: np.ndarray,
             factor: np.ndarray, alive: np.ndarray, source_void: np.ndarray,
             source_kept: np.ndarray, kernel: np.ndarray, pool: np.ndarray,
             derived_fraction: float, audience: float, already: float, edges: np.ndarray,
             record: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """New posts per bin from the process run forward, one replication.

    Args:
        key: the Philox key (``uint32[2]``).
        replication: the replication's number (the same under every policy: paired).
        p: the effective share probability.
        nov: novelty in each bin.
        factor: the policy's factor on the reaction probability in each bin.
        alive: 1 in a bin before the trigger is deleted, 0 after: exposures through the
            trigger and its reshares in that bin are void.
        source_void: the posts already made, trigger and reshares: exposures per bin.
        source_kept: the posts already made that survive deletion (derived): exposures per bin.
        kernel: :func:`kernel_matrix` of the bins.
        pool: follower counts that new posts' authors are drawn from.
        derived_fraction: the share of new posts that are derived posts.
        audience: accounts that can react (``inf`` for no limit); each reaction leaves fewer.
        already: reactions before the first bin.
        edges: the bins' edges.
        record: how many new posts to record one by one (time, follower count), at most.

    Returns:
        ``int64[bins]``, the new posts in each bin; the first ``record`` new posts' times
        (uniform in their bin) and follower counts.
    """
    count = len(nov)
    out = np.zeros(count, dtype=np.int64)
    void = np.zeros(count)
    kept = np.zeros(count)
    reacted = already
    times = np.zeros(record)
    recorded = np.zeros(record)
    seen = 0
    for k in range(count):
        e_void = source_void[k]
        e_kept = source_kept[k]
        for b in range(k):
            if void[b] > 0.0 or kept[b] > 0.0:
                e_void += void[b] * kernel[b, k]
                e_kept += kept[b] * kernel[b, k]
        room = 1.0 if math.isinf(audience) else max(0.0, 1.0 - reacted / audience)
        mean = p * nov[k] * factor[k] * room * (alive[k] * e_void + e_kept)
        w0, w1, w2, w3 = draw(key, k, 0, replication)
        n = _poisson(mean, uniform(w0))
        out[k] = n
        reacted += n
        for j in range(n):
            w0, w1, w2, w3 = draw(key, k, j + 1, replication)
            followers = pool[pick(w0, w1, len(pool))] if len(pool) else 0.0
            if uniform(w2) < derived_fraction:
                kept[k] += followers
            else:
                void[k] += followers
            if seen < record:
                times[seen] = edges[k] + uniform(w3) * (edges[k + 1] - edges[k])
                recorded[seen] = followers
                seen += 1
    return out, times[:seen], recorded[:seen]
