"""The one definition of a valid exposure, and the routine that counts exposures.

An exposure of account ``a`` at time ``t`` through root item ``root`` *counts* when it
happens by the horizon, its root was not removed before ``t``, and ``a`` is not the
brand (:func:`count`). Counting updates the account's first valid exposure (reach), the
reach per segment (negative reach and the exposure index follow from it exactly) and the
valid exposures per time step (impressions).

Exposures are generated ahead of their time (a post exposes its followers over the
next hours), and a removal voids them only from its own time on. So an exposure is
counted once it is *settled*: at a time ``T`` no later removal can void an exposure at or
before ``T``. :func:`settle` counts every recorded exposure up to ``T`` and keeps the
rest for a later settling. The monitor calls it at each sample, the metrics once at the
horizon: one routine, so a ``when`` trigger fires on exactly the quantity that the report
shows. Exposures through a root that nothing in the run can remove, when no trigger
watches reach, are counted as they are made (the ``ONLINE`` mask of root kinds), through
the same :func:`count`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

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
    ONLINE,
    POSTS,
    POSTS_SETTLED,
    REACHED,
    REPLICATION,
    ROW,
    RUNS,
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
                    uniform(word), attention[segment, 3], attention[segment, 4])


def time_grid(horizon: float, resolution: float) -> np.ndarray:
    """The times (seconds) of the reported time series: 0, resolution, ..., and the horizon.

    Step k of a series holds what happened in ``(grid[k-1], grid[k]]`` (:func:`step_of`).
    """
    return np.append(np.arange(0.0, horizon, resolution), horizon)


@njit(cache=True, inline="always")
def step_of(t: float, step: float, last: int) -> int:
    """The time step that holds ``t``: step k holds ``(grid[k-1], grid[k]]``.

    The grid is ``0, step, 2 step, ...`` and ends at the horizon (step ``last``), as
    :func:`time_grid` makes it; exact at the boundaries.
    """
    k = int(t * (1.0 / step))  # a multiplication (the inverse is hoisted out of loops), then
    if k * step < t:  # exact comparisons with the grid put it right
        k += 1
    elif k > 0 and (k - 1) * step >= t:
        k -= 1
    return min(k, last)


@njit(cache=True)
def reach_steps(st: State, step: float, milestone: int) -> tuple[np.ndarray, float]:
    """Accounts first reached in each time step, per segment row, and one milestone.

    The milestone is the ``milestone``-th first exposure's time (``nan`` if fewer accounts
    were reached): found within its time step, so nothing else is sorted.
    """
    steps = len(st.steps)
    counts = np.zeros((len(st.seg_reach), steps), dtype=np.int64)
    reached = st.first_list[: st.meta[REACHED]]
    for account in reached:
        counts[st.bits[account] & ROW, step_of(st.first[account], step, steps - 1)] += 1
    if len(reached) < milestone:
        return counts, np.nan
    total = counts.sum(axis=0)
    k = 0
    below = 0
    while below + total[k] < milestone:
        below += total[k]
        k += 1
    inside = np.empty(total[k])
    n = 0
    for account in reached:
        t = st.first[account]
        if step_of(t, step, steps - 1) == k:
            inside[n] = t
            n += 1
    inside.sort()
    return counts, inside[milestone - below - 1]


@njit(cache=True, inline="always")
def count(first: np.ndarray, removed_at: np.ndarray, steps: np.ndarray,
          first_list: np.ndarray, seg_reach: np.ndarray, horizon: float, step: float,
          brand_row: int, account: int, segment: int, t: float, root: int,
          reached: int) -> tuple[int, int]:
    """Count the exposure of ``account`` (of segment row ``segment``) at ``t`` through ``root``.

    Only if it is valid. The arrays are the :class:`~sim.engine.layout.State`'s fields of
    the same names, and ``horizon``, ``step`` and ``brand_row`` the run's parameters (passed
    apart because this is called once per exposure). ``reached`` is the number of accounts
    reached so far. Returns 1 if the exposure counted (else 0) and the accounts reached
    now: the caller keeps both counters in registers and stores them once
    (``meta[IMPRESSIONS]``, ``meta[REACHED]``).
    """
    if t > horizon or t > removed_at[root] or segment == brand_row:
        return 0, reached
    steps[step_of(t, step, len(steps) - 1)] += 1
    earliest = first[account]
    new = earliest == np.inf  # without branches: whether it is new is unpredictable
    first_list[reached] = account  # kept only if new: the next one overwrites it otherwise
    seg_reach[segment] += new
    first[account] = min(earliest, t)
    return 1, reached + new


@njit(cache=True)
def settle(net: Net, tab: Tables, st: State, until: float, out: np.ndarray) -> int:
    """Count every recorded exposure at or before ``until``; keep the later ones for later.

    The exposures made since the last settling (by posts through the follower graph and
    from outside it) are counted if they are due, or else kept as one more *run*, sorted by
    time; each run is counted from its front as its exposures come due. Counting does not
    depend on the order, so each exposure costs one append and one look, whatever the
    number of settlings. Returns GROW when the runs need more room first (``out[0]``: how
    much in all; nothing has changed then), else DONE.
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
    offsets = net.offsets
    followers = net.followers
    online = int(params[ONLINE])
    root_kind = st.root_kind
    # room for every exposure that may have to wait (none can at the horizon)
    start = meta[DEFERRED]
    need = start
    if until < horizon:
        need += meta[EXTRA] - meta[EXTRA_SETTLED]
        for i in range(meta[POSTS_SETTLED], meta[POSTS]):
            account = st.p_account[i]
            if (online >> int(root_kind[st.p_root[i]])) & 1 == 0:
                need += offsets[account + 1] - offsets[account]
    if need > st.defer_time.shape[0]:
        out[0] = need
        return GROW
    # the runs kept so far, as they come due
    runs = st.runs
    defer_time = st.defer_time
    defer_data = st.defer_data
    impressions = 0
    reached = meta[REACHED]
    for r in range(meta[RUNS]):
        j = runs[r, 0]
        end = runs[r, 1]
        while j < end and defer_time[j] <= until:
            account = defer_data[j, 0]
            valid, reached = count(first, removed_at, steps, first_list, seg_reach, horizon,
                                   step, brand_row, account, bits[account] & ROW,
                                   defer_time[j], defer_data[j, 1], reached)
            impressions += valid
            j += 1
        runs[r, 0] = j
    # what was recorded since the last settling
    n = start
    for i in range(meta[POSTS_SETTLED], meta[POSTS]):
        account = st.p_account[i]
        t0 = st.p_time[i]
        root = st.p_root[i]
        if (online >> int(root_kind[root])) & 1:
            continue  # counted as it was made
        for e in range(offsets[account], offsets[account + 1]):
            follower = followers[e]
            _, w_delay, _, _ = draw(key, e, 0, replication)  # word 1: the story's delay
            segment = bits[follower] & ROW
            t = t0 + attention_delay(attention, segment, w_delay)
            if t > horizon:
                continue
            if t <= until:
                valid, reached = count(first, removed_at, steps, first_list, seg_reach,
                                       horizon, step, brand_row, follower, segment, t, root,
                                       reached)
                impressions += valid
            else:
                defer_time[n] = t
                defer_data[n, 0] = follower
                defer_data[n, 1] = root
                n += 1
    meta[POSTS_SETTLED] = meta[POSTS]
    for j in range(meta[EXTRA_SETTLED], meta[EXTRA]):
        t = st.x_time[j]
        if t > horizon:
            continue
        account = st.x_account[j]
        if t <= until:
            valid, reached = count(first, removed_at, steps, first_list, seg_reach, horizon,
                                   step, brand_row, account, bits[account] & ROW, t,
                                   st.x_root[j], reached)
            impressions += valid
        else:
            defer_time[n] = t
            defer_data[n, 0] = account
            defer_data[n, 1] = st.x_root[j]
            n += 1
    meta[EXTRA_SETTLED] = meta[EXTRA]
    meta[IMPRESSIONS] += impressions
    meta[REACHED] = reached
    if n > start:
        order = np.argsort(defer_time[start:n]) + start
        times = defer_time[order]
        data = defer_data[order]
        defer_time[start:n] = times
        defer_data[start:n] = data
        r = meta[RUNS]
        runs[r, 0] = start
        runs[r, 1] = n
        meta[RUNS] = r + 1
        meta[DEFERRED] = n
    return DONE
