"""The one definition of a valid exposure, and the routine that counts exposures.

An exposure of account ``a`` at time ``t`` through root item ``root`` *counts* when it
happens by the horizon, its root was not removed before ``t``, and ``a`` is not the
brand (:func:`count`). Counting updates the account's first valid exposure (reach), the
reach per segment (negative reach and the exposure index follow from it exactly) and the
valid exposures per time step (impressions).

Exposures are generated ahead of their time (a post exposes its followers over the
next hours), and a removal voids them only from its own time on. So an exposure is
counted once it is *settled*: at a time ``T`` no later removal can void an exposure at or
before ``T``. :func:`settle` counts every recorded exposure up to ``T`` and defers the
rest (a heap keyed by time). The monitor calls it at each sample, the metrics once at the
horizon: one routine, so a ``when`` trigger fires on exactly the quantity that the report
shows. A run in which nothing can void an exposure through the follower graph and no
trigger watches reach counts those exposures as they are made (``ONLINE``), through the
same :func:`count`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.engine import heap
from sim.engine.layout import (
    BRAND_ROW,
    DEFERRED,
    DONE,
    EXTRA,
    EXTRA_SETTLED,
    GROW,
    HORIZON,
    IMPRESSIONS,
    KEY_STORY,
    POSTS,
    POSTS_SETTLED,
    REACHED,
    REPLICATION,
    ROW,
    STEP,
    Net,
    State,
    Tables,
)
from sim.randomness.distributions import quantile
from sim.randomness.philox import draw, uniform


@njit(cache=True, inline="always")
def attention_delay(attention: np.ndarray, segment: int, word: np.uint32) -> float:
    """The attention delay of an account of ``segment`` for the uniform ``word``.

    ``attention`` is the table of encoded distributions, one row per segment.
    """
    return quantile(int(attention[segment, 0]), attention[segment, 1], attention[segment, 2],
                    uniform(word))


@njit(cache=True, inline="always")
def count(first: np.ndarray, removed_at: np.ndarray, meta: np.ndarray, steps: np.ndarray,
          first_list: np.ndarray, seg_reach: np.ndarray, horizon: float, step: float,
          brand_row: int, account: int, segment: int, t: float, root: int) -> None:
    """Count the exposure of ``account`` (of segment row ``segment``) at ``t`` through ``root``.

    Only if it is valid. The arrays are the :class:`~sim.engine.layout.State`'s fields of
    the same names, and ``horizon``, ``step`` and ``brand_row`` the run's parameters (passed
    apart because this is called once per exposure).
    """
    if t > horizon or t > removed_at[root] or segment == brand_row:
        return
    meta[IMPRESSIONS] += 1
    k = min(int(math.ceil(t / step)), len(steps) - 1)  # step k holds (k - 1, k] steps
    steps[k] += 1.0
    earliest = first[account]
    if earliest == np.inf:
        first_list[meta[REACHED]] = account
        meta[REACHED] += 1
        seg_reach[segment] += 1
        first[account] = t
    elif t < earliest:
        first[account] = t


@njit(cache=True)
def settle(net: Net, tab: Tables, st: State, until: float) -> int:
    """Count every recorded exposure at or before ``until``; defer the later ones.

    Returns GROW when the deferred heap needs more room first (call again after growing
    it: the progress made is kept), else DONE.
    """
    meta = st.meta
    params = tab.params
    horizon = params[HORIZON]
    step = params[STEP]
    brand_row = int(params[BRAND_ROW])
    replication = int(params[REPLICATION])
    key = tab.keys[KEY_STORY]
    attention = tab.attention
    bits = st.bits
    first = st.first
    removed_at = st.removed_at
    steps = st.steps
    first_list = st.first_list
    seg_reach = st.seg_reach
    defer_key = st.defer_key
    defer_data = st.defer_data
    capacity = defer_key.shape[0]
    offsets = net.offsets
    followers = net.followers
    for i in range(meta[POSTS_SETTLED], meta[POSTS]):
        account = st.p_account[i]
        start = offsets[account]
        stop = offsets[account + 1]
        if meta[DEFERRED] + (stop - start) > capacity:
            meta[POSTS_SETTLED] = i
            return GROW
        t0 = st.p_time[i]
        root = st.p_root[i]
        for e in range(start, stop):
            follower = followers[e]
            _, w_delay, _, _ = draw(key, e, 0, replication)  # word 1: the story's delay
            segment = bits[follower] & ROW
            t = t0 + attention_delay(attention, segment, w_delay)
            if t > horizon:
                continue
            if t <= until:
                count(first, removed_at, meta, steps, first_list, seg_reach, horizon, step,
                      brand_row, follower, segment, t, root)
            else:
                heap.push(defer_key, defer_data, meta, DEFERRED, t, 0.0, follower, root, 0, 0)
    meta[POSTS_SETTLED] = meta[POSTS]
    for j in range(meta[EXTRA_SETTLED], meta[EXTRA]):
        if meta[DEFERRED] + 1 > capacity:
            meta[EXTRA_SETTLED] = j
            return GROW
        t = st.x_time[j]
        if t > horizon:
            continue
        if t <= until:
            account = st.x_account[j]
            count(first, removed_at, meta, steps, first_list, seg_reach, horizon, step,
                  brand_row, account, bits[account] & ROW, t, st.x_root[j])
        else:
            heap.push(defer_key, defer_data, meta, DEFERRED, t, 0.0, st.x_account[j],
                      st.x_root[j], 0, 0)
    meta[EXTRA_SETTLED] = meta[EXTRA]
    while meta[DEFERRED] > 0 and defer_key[0, 0] <= until:
        t = defer_key[0, 0]
        account = defer_data[0, 0]
        root = defer_data[0, 1]
        heap.pop(defer_key, defer_data, meta, DEFERRED)
        count(first, removed_at, meta, steps, first_list, seg_reach, horizon, step, brand_row,
              account, bits[account] & ROW, t, root)
    return DONE
