"""The compiled core of the cascade: a candidate heap and the reaction loop (numba).

Everything here works on plain arrays owned by :class:`sim.engine.cascade.Cascade`.
The heap holds candidate events ordered by (time, sequence number), one 64-byte row
each: ``[time, sequence, uniform, kind, account, root, source, -]`` (integers are exact in
float64 below 2**53). ``meta`` holds the counters listed below. :func:`advance` processes
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
 PICKUP, LOG_SATURATION, PRUNE) = range(11)
PARAM_SLOTS = 11
LN2 = math.log(2.0)
WIDTH = 8  # heap row: time, sequence, uniform, kind, account, root, source, (pad): 64 bytes


@njit(cache=True)
def _less(h: np.ndarray, a: int, b: int) -> bool:
    if h[a, 0] < h[b, 0]:
        return True
    return h[a, 0] == h[b, 0] and h[a, 1] < h[b, 1]


@njit(cache=True)
def push(h: np.ndarray, meta: np.ndarray, t: float, kind: int, account: int,
         root: int, uniform: float, source: int) -> None:
    """Add a candidate (the caller guarantees capacity): sift a hole up, then fill it."""
    i = meta[SIZE]
    meta[SIZE] += 1
    meta[COUNTER] += 1
    sequence = meta[COUNTER]
    while i > 0:
        parent = (i - 1) // 2
        if t < h[parent, 0] or (t == h[parent, 0] and sequence < h[parent, 1]):
            for c in range(WIDTH):
                h[i, c] = h[parent, c]
            i = parent
        else:
            break
    h[i, 0] = t
    h[i, 1] = sequence
    h[i, 2] = uniform
    h[i, 3] = kind
    h[i, 4] = account
    h[i, 5] = root
    h[i, 6] = source


@njit(cache=True)
def pop(h: np.ndarray, meta: np.ndarray) -> None:
    """Remove the top candidate (read it from row 0 first): sift a hole down, fill it."""
    last = meta[SIZE] - 1
    meta[SIZE] = last
    if last == 0:
        return
    t = h[last, 0]
    sequence = h[last, 1]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= last:
            break
        best = left
        right = left + 1
        if right < last and _less(h, right, left):
            best = right
        if h[best, 0] < t or (h[best, 0] == t and h[best, 1] < sequence):
            for c in range(WIDTH):
                h[i, c] = h[best, c]
            i = best
        else:
            break
    for c in range(WIDTH):
        h[i, c] = h[last, c]


@njit(cache=True)
def novelty(t: float, kind: int, half_life: float, beta: float) -> float:
    """Novelty at age ``t``: 1 for ``none``, else the stretched exponential."""
    if kind == 0:
        return 1.0
    if t <= 0.0:
        return 1.0
    return math.exp(-LN2 * (t / half_life) ** beta)


@njit(cache=True)
def _queue(h: np.ndarray, meta: np.ndarray, targets: np.ndarray, start: int, stop: int,
           t0: float, delays: np.ndarray, uniforms: np.ndarray, pickups: np.ndarray, root: int,
           source: int, base_p: np.ndarray, journalist: np.ndarray, params: np.ndarray,
           reacted_at: np.ndarray, filed: np.ndarray, pending: np.ndarray) -> None:
    """Queue the chances of exposures ``start`` to ``stop - 1`` (reaction, then pickup).

    Exposure ``i`` reaches ``targets[i]`` at ``t0 + delays[i]``; it is a reaction candidate if
    ``uniforms[i]`` is under the bound, and a pickup candidate (``pickups[i]``) for a journalist.

    An account that has already reacted (or a journalist who has filed) is not queued: the
    exposure is no later than now, so that can no longer change. When nothing can void an
    exposure or change a reaction's odds (``PRUNE``: no removals, no responses), the bound is
    the exact probability and a queued candidate is sure to succeed unless an earlier one
    does; so a candidate later than one already queued for the account (``pending``) is not
    queued either.

    This is the hottest loop of the engine, so it is written out in one function with the
    parameters read once: numba's calls (even ``inline='always'``) cost several times the
    body here (measured: see docs/performance.md).
    """
    horizon = params[HORIZON]
    cap = params[CAP]
    kind = int(params[NOVELTY_KIND])
    half_life = params[HALF_LIFE]
    beta = params[BETA]
    prune = params[PRUNE] > 0
    with_media = params[HAS_MEDIA] > 0
    for i in range(start, stop):
        t = t0 + delays[i]
        if t > horizon:
            continue
        account = targets[i]
        if reacted_at[account] == np.inf and t < pending[account]:
            upper = base_p[account] * cap
            if kind != 0:
                upper *= novelty(t, kind, half_life, beta)
            if uniforms[i] < upper:
                push(h, meta, t, REACT, account, root, uniforms[i], source)
                if prune:
                    pending[account] = t
        if with_media and journalist[account] and not filed[account]:
            push(h, meta, t, MEDIA, account, root, pickups[i], source)


@njit(cache=True)
def candidates(h: np.ndarray, meta: np.ndarray, accounts: np.ndarray,
               times: np.ndarray, uniforms: np.ndarray, pickups: np.ndarray, root: int,
               source: int, base_p: np.ndarray, journalist: np.ndarray,
               params: np.ndarray, reacted_at: np.ndarray, filed: np.ndarray,
               pending: np.ndarray) -> None:
    """Queue the chances of exposures that do not come through the follower graph."""
    _queue(h, meta, accounts, 0, len(accounts), 0.0, times, uniforms, pickups, root, source,
           base_p, journalist, params, reacted_at, filed, pending)


@njit(cache=True)
def post(h: np.ndarray, meta: np.ndarray, account: int, t: float, root: int,
         offsets: np.ndarray, followers: np.ndarray, edge_delay: np.ndarray,
         edge_uniform: np.ndarray, edge_pickup: np.ndarray, base_p: np.ndarray,
         journalist: np.ndarray, params: np.ndarray, post_account: np.ndarray,
         post_time: np.ndarray, post_root: np.ndarray, reacted_at: np.ndarray,
         filed: np.ndarray, pending: np.ndarray) -> None:
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
    _queue(h, meta, followers, start, stop, t, edge_delay, edge_uniform, edge_pickup, root,
           account, base_p, journalist, params, reacted_at, filed, pending)


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
def spread_statement(h: np.ndarray, meta: np.ndarray, index: int,
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
            push(h, meta, when, STATEMENT, follower, index, 0.0, account)


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
def advance(h: np.ndarray, meta: np.ndarray, until: float, inclusive: bool,
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
            factor_time: np.ndarray, factor_value: np.ndarray, pending: np.ndarray) -> int:
    """Process candidates in time order up to ``until``.

    Returns DONE (nothing left before ``until``), GROW (the heap needs more room first) or
    ARTICLE (a journalist filed: ``out`` holds the publication time and the journalist;
    Python schedules it).
    """
    capacity = h.shape[0]
    horizon = params[HORIZON]
    derived_fraction = params[DERIVED_FRACTION]
    support_effect = params[SUPPORT_EFFECT]
    kind_novelty = int(params[NOVELTY_KIND])
    while meta[SIZE] > 0:
        t = h[0, 0]
        if t > until or (t == until and not inclusive):
            return DONE
        if meta[SIZE] + 2 * max_degree + 2 > capacity:
            return GROW
        uniform = h[0, 2]
        kind_event = int(h[0, 3])
        account = int(h[0, 4])
        root = int(h[0, 5])
        source = int(h[0, 6])
        pop(h, meta)
        if kind_event == STATEMENT:
            if not shared[root, account]:
                spread_statement(h, meta, root, account, t, offsets, followers,
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
        p = base_p[account] * novelty(t, kind_novelty, params[HALF_LIFE], params[BETA])
        if meta[STATEMENTS] > 0 or support_effect != 1.0:
            p *= effects(account, t, meta, seen, effect, support_seen, support_effect)
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
        post(h, meta, account, t, new_root, offsets, followers, edge_delay, edge_uniform,
             edge_pickup, base_p, journalist, params, post_account, post_time, post_root,
             reacted_at, filed, pending)
    return DONE


@njit(cache=True)
def post_exposures(posters: np.ndarray, post_times: np.ndarray, post_roots: np.ndarray,
                   offsets: np.ndarray, followers: np.ndarray, delay: np.ndarray,
                   horizon: float, removed: np.ndarray,
                   segment: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The exposures of every post through the follower graph (two passes).

    Left out: exposures after the horizon, through a root removed before them, or of the
    brand.
    """
    total = 0
    for i in range(len(posters)):
        total += offsets[posters[i] + 1] - offsets[posters[i]]
    accounts = np.empty(total, dtype=np.int64)
    times = np.empty(total)
    roots = np.empty(total, dtype=np.int64)
    n = 0
    for i in range(len(posters)):
        root = post_roots[i]
        for e in range(offsets[posters[i]], offsets[posters[i] + 1]):
            t = post_times[i] + delay[e]
            follower = followers[e]
            if t <= horizon and t <= removed[root] and segment[follower] >= 0:
                accounts[n] = follower
                times[n] = t
                roots[n] = root
                n += 1
    return accounts[:n], times[:n], roots[:n]
