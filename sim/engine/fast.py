"""The compiled core of the cascade: a candidate heap and the reaction loop (numba).

Everything here works on plain arrays owned by :class:`sim.engine.cascade.Cascade`.
The heap holds candidate events ordered by (time, sequence number): float columns
``hf = [time, uniform]`` and integer columns ``hi = [sequence, kind, account, root,
source]``. ``meta`` holds the counters listed below. :func:`advance` processes
reaction candidates in time order and returns to Python for anything else.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# meta slots
SIZE, COUNTER, ROOTS, POSTS, REACTIONS, STATEMENTS, FACTORS = range(7)
META_SLOTS = 7
# candidate kinds
REACT, MEDIA, STATEMENT = 0, 1, 2
# root kinds
KIND_TRIGGER, KIND_PROMOTION, KIND_TRENDING, KIND_DERIVED, KIND_ARTICLE = range(5)
TRIGGER, PROMOTION = 0, 1
# advance() results
DONE, GROW, ARTICLE = 0, 1, 2
# params slots
(HORIZON, CAP, NOVELTY_KIND, HALF_LIFE, BETA, HAS_MEDIA, DERIVED_FRACTION, SUPPORT_EFFECT,
 PICKUP, LOG_SATURATION) = range(10)
PARAM_SLOTS = 10
LN2 = math.log(2.0)


@njit(cache=True)
def _less(hf: np.ndarray, hi: np.ndarray, a: int, b: int) -> bool:
    if hf[a, 0] < hf[b, 0]:
        return True
    return hf[a, 0] == hf[b, 0] and hi[a, 0] < hi[b, 0]


@njit(cache=True)
def _swap(hf: np.ndarray, hi: np.ndarray, a: int, b: int) -> None:
    for c in range(2):
        hf[a, c], hf[b, c] = hf[b, c], hf[a, c]
    for c in range(5):
        hi[a, c], hi[b, c] = hi[b, c], hi[a, c]


@njit(cache=True)
def push(hf: np.ndarray, hi: np.ndarray, meta: np.ndarray, t: float, kind: int, account: int,
         root: int, uniform: float, source: int) -> None:
    """Add a candidate (the caller guarantees capacity)."""
    i = meta[SIZE]
    meta[SIZE] += 1
    meta[COUNTER] += 1
    hf[i, 0] = t
    hf[i, 1] = uniform
    hi[i, 0] = meta[COUNTER]
    hi[i, 1] = kind
    hi[i, 2] = account
    hi[i, 3] = root
    hi[i, 4] = source
    while i > 0:
        parent = (i - 1) // 2
        if _less(hf, hi, i, parent):
            _swap(hf, hi, i, parent)
            i = parent
        else:
            break


@njit(cache=True)
def pop(hf: np.ndarray, hi: np.ndarray, meta: np.ndarray) -> None:
    """Remove the top candidate (read it from row 0 first)."""
    last = meta[SIZE] - 1
    meta[SIZE] = last
    if last == 0:
        return
    _swap(hf, hi, 0, last)
    i = 0
    while True:
        left = 2 * i + 1
        if left >= last:
            break
        best = left
        right = left + 1
        if right < last and _less(hf, hi, right, left):
            best = right
        if _less(hf, hi, best, i):
            _swap(hf, hi, i, best)
            i = best
        else:
            break


@njit(cache=True)
def novelty(t: float, kind: int, half_life: float, beta: float) -> float:
    """Novelty at age ``t``: 1 for ``none``, else the stretched exponential."""
    if kind == 0:
        return 1.0
    if t <= 0.0:
        return 1.0
    return math.exp(-LN2 * (t / half_life) ** beta)


@njit(cache=True)
def _exposure(hf: np.ndarray, hi: np.ndarray, meta: np.ndarray, t: float, account: int,
              root: int, uniform: float, pickup: float, source: int, base_p: np.ndarray,
              journalist: np.ndarray, params: np.ndarray) -> None:
    """Queue one exposure's chances: a reaction if its uniform is under the bound, a pickup."""
    if t > params[HORIZON]:
        return
    upper = (base_p[account] * params[CAP]
             * novelty(t, int(params[NOVELTY_KIND]), params[HALF_LIFE], params[BETA]))
    if uniform < upper:
        push(hf, hi, meta, t, REACT, account, root, uniform, source)
    if params[HAS_MEDIA] > 0 and journalist[account]:
        push(hf, hi, meta, t, MEDIA, account, root, pickup, source)


@njit(cache=True)
def candidates(hf: np.ndarray, hi: np.ndarray, meta: np.ndarray, accounts: np.ndarray,
               times: np.ndarray, uniforms: np.ndarray, pickups: np.ndarray, root: int,
               source: int, base_p: np.ndarray, journalist: np.ndarray,
               params: np.ndarray) -> None:
    """Queue the chances of exposures that do not come through the follower graph."""
    for i in range(len(accounts)):
        _exposure(hf, hi, meta, times[i], accounts[i], root, uniforms[i], pickups[i], source,
                  base_p, journalist, params)


@njit(cache=True)
def post(hf: np.ndarray, hi: np.ndarray, meta: np.ndarray, account: int, t: float, root: int,
         offsets: np.ndarray, followers: np.ndarray, edge_delay: np.ndarray,
         edge_uniform: np.ndarray, edge_pickup: np.ndarray, base_p: np.ndarray,
         journalist: np.ndarray, params: np.ndarray, post_account: np.ndarray,
         post_time: np.ndarray, post_root: np.ndarray) -> None:
    """Account posts story item ``root`` at ``t``: record it and queue its followers' chances."""
    start = offsets[account]
    stop = offsets[account + 1]
    if start == stop:
        return
    n = meta[POSTS]
    post_account[n] = account
    post_time[n] = t
    post_root[n] = root
    meta[POSTS] = n + 1
    with_media = params[HAS_MEDIA] > 0
    for e in range(start, stop):
        _exposure(hf, hi, meta, t + edge_delay[e], followers[e], root, edge_uniform[e],
                  edge_pickup[e] if with_media else 0.0, account, base_p, journalist, params)


@njit(cache=True)
def effects(account: int, t: float, meta: np.ndarray, seen: np.ndarray, effect: np.ndarray,
            support_seen: np.ndarray, support_effect: float) -> float:
    """Product of the response effects ``account`` has seen by ``t``."""
    product = 1.0
    for k in range(meta[STATEMENTS]):
        if seen[k, account] <= t:
            product *= effect[k]
    if support_seen[account] <= t:
        product *= support_effect
    return product


@njit(cache=True)
def spread_statement(hf: np.ndarray, hi: np.ndarray, meta: np.ndarray, index: int,
                     account: int, t: float, offsets: np.ndarray, followers: np.ndarray,
                     edge_response_delay: np.ndarray, edge_share: np.ndarray,
                     share_multiplier: np.ndarray, seen: np.ndarray, shared: np.ndarray,
                     share_probability: np.ndarray, horizon: float) -> None:
    """``account`` posts statement ``index`` at ``t``: followers see it; some will reshare."""
    shared[index, account] = True
    for e in range(offsets[account], offsets[account + 1]):
        when = t + edge_response_delay[e]
        if when > horizon:
            continue
        follower = followers[e]
        if when < seen[index, follower]:
            seen[index, follower] = when
        if edge_share[e] < share_probability[index] * share_multiplier[follower]:
            push(hf, hi, meta, when, STATEMENT, follower, index, 0.0, account)


@njit(cache=True)
def newsworthiness(t: float, reactions: int, meta: np.ndarray, factor_time: np.ndarray,
                   factor_value: np.ndarray, log_saturation: float) -> float:
    """min(1, log(1 + reactions) / log(1 + saturation)) times the factors in force at ``t``."""
    value = min(1.0, math.log1p(reactions) / log_saturation)
    for k in range(meta[FACTORS]):
        if factor_time[k] <= t:
            value *= factor_value[k]
    return value


@njit(cache=True)
def advance(hf: np.ndarray, hi: np.ndarray, meta: np.ndarray, until: float, inclusive: bool,
            max_degree: int, out: np.ndarray, reacted_at: np.ndarray, parent: np.ndarray,
            react_time: np.ndarray, react_account: np.ndarray, root_kind: np.ndarray,
            removed_at: np.ndarray, reshares: np.ndarray, derived_uniform: np.ndarray,
            offsets: np.ndarray, followers: np.ndarray, edge_delay: np.ndarray,
            edge_uniform: np.ndarray, edge_pickup: np.ndarray, edge_response_delay: np.ndarray,
            edge_share: np.ndarray, base_p: np.ndarray, journalist: np.ndarray,
            share_multiplier: np.ndarray, params: np.ndarray, post_account: np.ndarray,
            post_time: np.ndarray, post_root: np.ndarray, seen: np.ndarray,
            shared: np.ndarray, effect: np.ndarray, share_probability: np.ndarray,
            support_seen: np.ndarray, filed: np.ndarray, writing_delay: np.ndarray,
            factor_time: np.ndarray, factor_value: np.ndarray) -> int:
    """Process candidates in time order up to ``until``.

    Returns DONE (nothing left before ``until``), GROW (the heap needs more room first) or
    ARTICLE (a journalist filed: ``out`` holds the publication time and the journalist;
    Python schedules it).
    """
    capacity = hf.shape[0]
    horizon = params[HORIZON]
    derived_fraction = params[DERIVED_FRACTION]
    support_effect = params[SUPPORT_EFFECT]
    kind_novelty = int(params[NOVELTY_KIND])
    while meta[SIZE] > 0:
        t = hf[0, 0]
        if t > until or (t == until and not inclusive):
            return DONE
        if meta[SIZE] + 2 * max_degree + 2 > capacity:
            return GROW
        uniform = hf[0, 1]
        kind_event = hi[0, 1]
        account = hi[0, 2]
        root = hi[0, 3]
        source = hi[0, 4]
        pop(hf, hi, meta)
        if kind_event == STATEMENT:
            if not shared[root, account]:
                spread_statement(hf, hi, meta, root, account, t, offsets, followers,
                                 edge_response_delay, edge_share, share_multiplier, seen,
                                 shared, share_probability, horizon)
            continue
        if removed_at[root] < t:
            continue
        if kind_event == MEDIA:
            if filed[account]:
                continue
            chance = params[PICKUP] * newsworthiness(t, meta[REACTIONS], meta, factor_time,
                                                     factor_value, params[LOG_SATURATION])
            if uniform >= chance:
                continue
            filed[account] = True
            published = t + writing_delay[account]
            if published <= horizon:
                out[0] = published
                out[1] = account
                return ARTICLE
            continue
        if reacted_at[account] != np.inf:
            continue
        p = (base_p[account] * novelty(t, kind_novelty, params[HALF_LIFE], params[BETA])
             * effects(account, t, meta, seen, effect, support_seen, support_effect))
        if uniform >= p:
            continue
        reacted_at[account] = t
        parent[account] = source
        n = meta[REACTIONS]
        react_time[n] = t
        react_account[n] = account
        meta[REACTIONS] = n + 1
        kind = root_kind[root]
        if (kind == KIND_TRENDING or kind == KIND_ARTICLE
                or derived_uniform[account] < derived_fraction):
            new_root = meta[ROOTS]
            root_kind[new_root] = KIND_DERIVED
            removed_at[new_root] = np.inf
            reshares[new_root] = 0
            meta[ROOTS] = new_root + 1
        else:
            new_root = TRIGGER if root == PROMOTION else root
            reshares[new_root] += 1
        post(hf, hi, meta, account, t, new_root, offsets, followers, edge_delay, edge_uniform,
             edge_pickup, base_p, journalist, params, post_account, post_time, post_root)
    return DONE
