"""The compiled core of the cascade: queueing exposures' chances and the reaction loop.

Everything here works on the records of :mod:`sim.engine.layout`. A story post by account
u at time t exposes each follower v through follow e at ``t + D_e``; the exposure's
numbers are drawn on demand from the counter-based generator keyed by ``e`` (word 0: the
reaction uniform, word 1: the delay), so the same follow
gives the same numbers under every policy and nothing is drawn that is not used.

Only exposures that *could* lead to a reaction (their uniform is below an upper bound
of the reaction probability) enter the candidate heap; :func:`advance` pops candidates in
time order and decides each one with everything known at its time, which is exact
because nothing that happens later can change the past. It returns to Python only for a
new macro event (a journalist files an article) or when the heap needs more room.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.engine import heap
from sim.engine.arrivals import poisson
from sim.engine.layout import (
    ACCOUNTS,
    ANSWERED,
    ARTICLE,
    AUTHOR,
    BETA,
    BRAND,
    BRAND_ROW,
    CAP,
    COUNTER,
    DERIVED_FRACTION,
    DONE,
    EXTRA,
    FACTORS,
    FILED,
    GROW,
    HALF_LIFE,
    HAS_FILED,
    HAS_MEDIA,
    HAS_REACTED,
    HAS_WEIGHED,
    HORIZON,
    IMPRESSIONS,
    KEY_ACCOUNT,
    KEY_STATEMENT,
    KEY_STORY,
    KEY_SUPPORT,
    KEY_TRENDING,
    KIND_ARTICLE,
    KIND_DERIVED,
    KIND_TRENDING,
    LOG_SATURATION,
    MARK,
    MAX_DEGREE,
    MEDIA,
    NEXT_TICK,
    NOVELTY_KIND,
    ONLINE,
    PENDING,
    PICKUP,
    POSTS,
    PROMOTION,
    PRUNE,
    REACHED,
    REACT,
    REACTIONS,
    REPLICATION,
    ROOTS,
    ROW,
    SIZE,
    STATEMENT,
    STATEMENTS,
    STEP,
    SUPPORT_EFFECT,
    SUPPORTED,
    TREND_FROM,
    TREND_INTENSITY,
    TREND_LEVEL,
    TREND_NUMBER,
    TREND_RATE,
    TREND_STEP,
    TREND_THRESHOLD,
    TRENDING,
    TRIGGER,
    WEIGHED,
    Net,
    State,
    Tables,
)
from sim.engine.ledger import attention_delay, count
from sim.engine.prefetch import prefetch
from sim.randomness.distributions import quantile
from sim.randomness.philox import draw, uniform
from sim.scenario.values import HOUR

LN2 = math.log(2.0)
AHEAD = 8  # how many follows ahead the posting loop prefetches (docs/performance.md)
_SHIFT = 2147483648  # uniform words (uint32) are kept as int32 in the heap, shifted


@njit(cache=True, inline="always")
def _keep(word: np.uint32) -> int:
    return np.int64(word) - _SHIFT


@njit(cache=True, inline="always")
def _word(kept: int) -> np.uint32:
    return np.uint32(np.int64(kept) + _SHIFT)


@njit(cache=True, inline="always")
def novelty(t: float, kind: int, half_life: float, beta: float) -> float:
    """Novelty at age ``t``: 1 for ``none``, else the stretched exponential."""
    if kind == 0 or t <= 0.0:
        return 1.0
    return math.exp(-LN2 * (t / half_life) ** beta)


@njit(cache=True, inline="always")
def _ask(bits: np.ndarray, first: np.ndarray, pending: np.ndarray, account: int,
         online: bool) -> None:
    """Prefetch what the loop will read of ``account``'s state."""
    prefetch(bits, account)
    prefetch(pending, account)
    if online:
        prefetch(first, account)


@njit(cache=True)
def post(net: Net, tab: Tables, st: State, account: int, t: float, root: int) -> None:
    """``account`` posts story item ``root`` at ``t``: record it and queue its followers' chances.

    An account that has already reacted (or a journalist who has filed) is not queued: the
    exposure is no earlier than now, so that can no longer change. In a pruned run (no
    actions: nothing can void an exposure or change a reaction's odds) the bound is the
    exact probability, so a queued candidate is sure to succeed unless an earlier one
    does, and a candidate no earlier than one already queued for the account is not
    queued. When nothing can void the exposures of ``root``'s kind in this run (the
    ``ONLINE`` mask), they are counted as they are made.

    This is the engine's hottest loop, written out in one function with every array read
    into a local once (a record's field costs a reference count on each read).
    """
    meta = st.meta
    n = meta[POSTS]
    st.p_account[n] = account
    st.p_time[n] = t
    st.p_root[n] = root
    meta[POSTS] = n + 1
    params = tab.params
    horizon = params[HORIZON]
    cap = params[CAP]
    kind = int(params[NOVELTY_KIND])
    half_life = params[HALF_LIFE]
    beta = params[BETA]
    prune = params[PRUNE] > 0
    online = (int(params[ONLINE]) >> int(st.root_kind[root])) & 1 == 1
    with_media = params[HAS_MEDIA] > 0
    step = params[STEP]
    brand_row = int(params[BRAND_ROW])
    replication = int(params[REPLICATION])
    key = tab.keys[KEY_STORY]
    attention = tab.attention
    seg_p = tab.seg_p
    seg_media = tab.seg_media
    bits = st.bits
    first = st.first
    pending_at = st.pending
    removed_at = st.removed_at
    steps = st.steps
    first_list = st.first_list
    seg_reach = st.seg_reach
    pending_list = st.pending_list
    heap_key = st.heap_key
    heap_data = st.heap_data
    followers = net.followers
    start = net.offsets[account]
    stop = net.offsets[account + 1]
    impressions = 0
    reached = meta[REACHED]
    for e in range(start, min(stop, start + AHEAD)):
        _ask(bits, first, pending_at, followers[e], online)
    for e in range(start, stop):
        if e + AHEAD < stop:
            _ask(bits, first, pending_at, followers[e + AHEAD], online)
        follower = followers[e]
        w_react, w_delay, _, _ = draw(key, e, 0, replication)
        flags = bits[follower]
        segment = flags & ROW
        when = -1.0
        if online:
            when = t + attention_delay(attention, segment, w_delay)
            valid, reached = count(first, removed_at, steps, first_list, seg_reach, horizon,
                                   step, brand_row, follower, segment, when, root, reached)
            impressions += valid
        if flags & HAS_REACTED == 0:
            u = uniform(w_react)
            upper = seg_p[segment] * cap
            if u < upper:
                if when < 0.0:
                    when = t + attention_delay(attention, segment, w_delay)
                pending = pending_at[follower]
                if when <= horizon and when < pending:
                    if kind != 0:
                        upper *= novelty(when, kind, half_life, beta)
                    if u < upper:
                        meta[COUNTER] += 1
                        heap.push(heap_key, heap_data, meta, SIZE, when, float(meta[COUNTER]),
                                  follower, account, root * 4 + REACT, _keep(w_react))
                        if prune:
                            if pending == np.inf:
                                pending_list[meta[PENDING]] = follower
                                meta[PENDING] += 1
                            pending_at[follower] = when
        if with_media and seg_media[segment] > 0 and flags & HAS_FILED == 0:
            if when < 0.0:
                when = t + attention_delay(attention, segment, w_delay)
            if when <= horizon:
                meta[COUNTER] += 1
                heap.push(heap_key, heap_data, meta, SIZE, when, float(meta[COUNTER]),
                          follower, account, root * 4 + MEDIA, 0)
    meta[IMPRESSIONS] += impressions
    meta[REACHED] = reached


@njit(cache=True)
def expose(tab: Tables, st: State, accounts: np.ndarray, times: np.ndarray,
           reacts: np.ndarray, root: int, source: int) -> None:
    """Exposures that do not come through the follower graph (promotion, trends, articles).

    They are recorded for the ledger and their chances queued like a post's. The caller
    guarantees room for ``len(accounts)`` more exposures and twice as many candidates.
    """
    meta = st.meta
    params = tab.params
    horizon = params[HORIZON]
    cap = params[CAP]
    kind = int(params[NOVELTY_KIND])
    prune = params[PRUNE] > 0
    with_media = params[HAS_MEDIA] > 0
    bits = st.bits
    pending_at = st.pending
    heap_key = st.heap_key
    heap_data = st.heap_data
    for i in range(len(accounts)):
        account = accounts[i]
        t = times[i]
        if t > horizon:
            continue
        x = meta[EXTRA]
        st.x_account[x] = account
        st.x_time[x] = t
        st.x_root[x] = root
        meta[EXTRA] = x + 1
        flags = bits[account]
        segment = flags & ROW
        pending = pending_at[account]
        if flags & HAS_REACTED == 0 and t < pending:
            u = uniform(reacts[i])
            upper = tab.seg_p[segment] * cap
            if kind != 0:
                upper *= novelty(t, kind, params[HALF_LIFE], params[BETA])
            if u < upper:
                meta[COUNTER] += 1
                heap.push(heap_key, heap_data, meta, SIZE, t, float(meta[COUNTER]), account,
                          source, root * 4 + REACT, _keep(reacts[i]))
                if prune:
                    if pending == np.inf:
                        st.pending_list[meta[PENDING]] = account
                        meta[PENDING] += 1
                    pending_at[account] = t
        if with_media and tab.seg_media[segment] > 0 and flags & HAS_FILED == 0:
            meta[COUNTER] += 1
            heap.push(heap_key, heap_data, meta, SIZE, t, float(meta[COUNTER]), account, source,
                      root * 4 + MEDIA, 0)


@njit(cache=True)
def spread_statement(net: Net, tab: Tables, st: State, index: int, account: int,
                     t: float) -> None:
    """``account`` posts statement ``index`` at ``t``: followers see it; some will reshare.

    Each statement's exposures have their own draws (keyed by the follow and the
    statement's number), independent of the story's.
    """
    st.shared[index, account] = True
    meta = st.meta
    horizon = tab.params[HORIZON]
    replication = int(tab.params[REPLICATION])
    key = tab.keys[KEY_STATEMENT]
    threshold = tab.share_probability[index]
    bits = st.bits
    seen = st.seen[index]
    followers = net.followers
    attention = tab.attention
    seg_mult = tab.seg_mult
    heap_key = st.heap_key
    heap_data = st.heap_data
    answered_list = st.answered_list
    answered = meta[ANSWERED]
    start = net.offsets[account]
    stop = net.offsets[account + 1]
    for e in range(start, min(stop, start + AHEAD)):
        prefetch(bits, followers[e])
        prefetch(seen, followers[e])
    for e in range(start, stop):
        if e + AHEAD < stop:
            ahead = followers[e + AHEAD]
            prefetch(bits, ahead)
            prefetch(seen, ahead)
        follower = followers[e]
        w_share, w_delay, _, _ = draw(key, e, index, replication)
        segment = bits[follower] & ROW
        when = t + attention_delay(attention, segment, w_delay)
        if when > horizon:
            continue
        earlier = seen[follower]
        if earlier == np.inf:
            answered_list[answered] = follower
            answered += 1
            seen[follower] = when
        elif when < earlier:
            seen[follower] = when
        if uniform(w_share) < threshold * seg_mult[segment]:
            meta[COUNTER] += 1
            heap.push(heap_key, heap_data, meta, SIZE, when, float(meta[COUNTER]),
                      follower, account, index * 4 + STATEMENT, 0)
    meta[ANSWERED] = answered


@njit(cache=True)
def spread_support(net: Net, tab: Tables, st: State, action: int, number: int, account: int,
                   t: float) -> None:
    """``account`` writes supportive post ``number`` of advocates action ``action`` at ``t``."""
    meta = st.meta
    horizon = tab.params[HORIZON]
    replication = int(tab.params[REPLICATION])
    key = tab.action_keys[action, KEY_SUPPORT]
    bits = st.bits
    support = st.support
    attention = tab.attention
    followers = net.followers
    for e in range(net.offsets[account], net.offsets[account + 1]):
        follower = followers[e]
        w_delay, _, _, _ = draw(key, e, number, replication)
        when = t + attention_delay(attention, bits[follower] & ROW, w_delay)
        if when > horizon:
            continue
        if support[follower] == np.inf:
            st.support_list[meta[SUPPORTED]] = follower
            meta[SUPPORTED] += 1
            support[follower] = when
        elif when < support[follower]:
            support[follower] = when


@njit(cache=True)
def answered_reached(st: State) -> int:
    """How many accounts reached by the story saw at least one statement."""
    bits = st.bits
    answered = st.answered_list[: st.meta[ANSWERED]]
    count = 0
    for account in answered:  # an account is listed once per statement it saw
        if bits[account] & MARK == 0:
            bits[account] |= MARK
            if st.first[account] != np.inf:
                count += 1
    for account in answered:
        bits[account] &= ~MARK
    return count


@njit(cache=True, inline="always")
def effects(tab: Tables, st: State, account: int, t: float) -> float:
    """Product of the response effects ``account`` has seen by ``t``."""
    product = 1.0
    for k in range(st.meta[STATEMENTS]):
        if st.seen[k, account] <= t:
            product *= tab.effect[k]
    if tab.params[SUPPORT_EFFECT] != 1.0 and st.support[account] <= t:
        product *= tab.params[SUPPORT_EFFECT]
    return product


@njit(cache=True)
def newsworthiness(tab: Tables, st: State, t: float) -> float:
    """min(1, log(1 + reactions) / log(1 + saturation)) times the factors in force at ``t``."""
    value = min(1.0, math.log1p(st.meta[REACTIONS]) / tab.params[LOG_SATURATION])
    for k in range(st.meta[FACTORS]):
        if tab.factor_time[k] <= t:
            value *= tab.factor_value[k]
    return value


@njit(cache=True, inline="always")
def _files(tab: Tables, st: State, account: int, t: float) -> bool:
    """Whether the journalist ``account`` files an article on its exposure at ``t``.

    Each exposure is a chance of ``pickup_probability * newsworthiness(t)``, independent of
    the others (docs/model.md). Only the first success matters, so the journalist files at the
    first exposure where the product of ``1 - chance`` over the exposures so far falls to
    its own uniform threshold (keyed by the account: word 2 of its draws): the same law as
    one uniform per exposure, and a journalist whose exposures are nearly the same under
    two policies files at nearly the same time under both (common random numbers).
    """
    bits = st.bits
    flags = bits[account]
    if flags & HAS_FILED:
        return False
    meta = st.meta
    if flags & HAS_WEIGHED == 0:
        bits[account] = flags | HAS_WEIGHED
        st.weighed_list[meta[WEIGHED]] = account
        meta[WEIGHED] += 1
    chance = min(1.0, tab.params[PICKUP] * newsworthiness(tab, st, t))
    left = st.unmoved[account] * (1.0 - chance)
    st.unmoved[account] = left
    _, _, w_threshold, _ = draw(tab.keys[KEY_ACCOUNT], account, 0,
                                int(tab.params[REPLICATION]))
    return left <= uniform(w_threshold)


@njit(cache=True)
def trend_tick(tab: Tables, st: State, now: float, out: np.ndarray) -> int:
    """The trending check at ``now``, run by :func:`advance` every minute.

    While the reactions in the last hour exceed the threshold, random accounts see the story
    in proportion to them over the next minute (a Poisson process keyed by the impression's
    number: :mod:`sim.engine.arrivals`). Returns GROW (``out[0]``: the impressions to make
    room for; the tick is then run again from where it stopped) or DONE.
    """
    meta = st.meta
    params = tab.params
    trend = st.trend
    r_time = st.r_time
    start = meta[TREND_FROM]
    while start < meta[REACTIONS] and r_time[start] <= now - HOUR:
        start += 1
    meta[TREND_FROM] = start
    recent = meta[REACTIONS] - start
    if recent > params[TREND_THRESHOLD] and params[TREND_RATE] > 0:
        rate = params[TREND_RATE] * recent
        begin = trend[TREND_INTENSITY]
        end = begin + rate * TREND_STEP
        mean = end - begin
        capacity = int(mean + 8.0 * math.sqrt(mean) + 32.0)
        if (meta[SIZE] + 2 * capacity + 2 * int(params[MAX_DEGREE]) + 2 > st.heap_key.shape[0]
                or meta[EXTRA] + capacity > st.x_account.shape[0]):
            out[0] = capacity
            return GROW
        accounts = np.empty(capacity, dtype=np.int64)
        times = np.empty(capacity)
        reacts = np.empty(capacity, dtype=np.uint32)
        filled = poisson(tab.keys[KEY_TRENDING], int(params[REPLICATION]),
                         trend[TREND_NUMBER:TREND_LEVEL + 1], begin, end, now, rate,
                         int(params[ACCOUNTS]), int(params[BRAND]), accounts, times, reacts)
        last = np.nextafter(now + TREND_STEP, now)  # an arrival rounded up to the next tick
        for i in range(filled):
            times[i] = min(times[i], last)
        expose(tab, st, accounts[:filled], times[:filled], reacts[:filled], TRENDING,
               int(params[AUTHOR]))
        if filled == capacity:  # more arrivals than room: make room, then go on
            out[0] = capacity
            return GROW
        trend[TREND_INTENSITY] = end
    following = now + TREND_STEP
    trend[NEXT_TICK] = following if following + TREND_STEP <= params[HORIZON] else np.inf
    return DONE


@njit(cache=True)
def advance(net: Net, tab: Tables, st: State, until: float, inclusive: bool,
            out: np.ndarray) -> int:
    """Process candidates in time order up to ``until``.

    Trending checks (:func:`trend_tick`) run here too, every minute, before the candidates
    of their time. Returns DONE (nothing left before ``until``), GROW (more room is needed
    first: ``out[0]`` says for how many impressions, beyond the heap's usual margin) or
    ARTICLE (a journalist filed: ``out`` holds the publication time and the journalist;
    Python schedules it).
    """
    meta = st.meta
    params = tab.params
    horizon = params[HORIZON]
    derived_fraction = params[DERIVED_FRACTION]
    kind_novelty = int(params[NOVELTY_KIND])
    half_life = params[HALF_LIFE]
    beta = params[BETA]
    support_effect = params[SUPPORT_EFFECT]
    replication = int(params[REPLICATION])
    room = 2 * int(params[MAX_DEGREE]) + 2
    account_key = tab.keys[KEY_ACCOUNT]
    seg_p = tab.seg_p
    bits = st.bits
    offsets = net.offsets
    key = st.heap_key
    data = st.heap_data
    removed_at = st.removed_at
    root_kinds = st.root_kind
    reshares = st.reshares
    order = st.order
    r_time = st.r_time
    r_account = st.r_account
    r_source = st.r_source
    trend = st.trend
    while True:
        t = key[0, 0] if meta[SIZE] > 0 else np.inf
        tick = trend[NEXT_TICK]
        if tick <= t and (tick < until or (tick == until and inclusive)):
            status = trend_tick(tab, st, tick, out)
            if status != DONE:
                return status
            continue
        if t > until or (t == until and not inclusive):
            return DONE
        if meta[SIZE] + room > key.shape[0]:
            out[0] = 0
            return GROW
        account = data[0, 0]
        source = data[0, 1]
        root = data[0, 2] >> 2
        kind = data[0, 2] & 3
        word = _word(data[0, 3])
        heap.pop(key, data, meta, SIZE)
        if meta[SIZE] > 0:  # the next candidate's account: its state and its followers
            prefetch(bits, data[0, 0])
            prefetch(offsets, data[0, 0])
        if kind == STATEMENT:
            if not st.shared[root, account]:
                spread_statement(net, tab, st, root, account, t)
            continue
        if removed_at[root] < t:
            continue
        if kind == MEDIA:
            if not _files(tab, st, account, t):
                continue
            bits[account] |= HAS_FILED
            st.filed_list[meta[FILED]] = account
            meta[FILED] += 1
            _, w_writing, _, _ = draw(account_key, account, 0, replication)
            writing = tab.writing
            published = t + quantile(int(writing[0]), writing[1], writing[2],
                                     uniform(w_writing), writing[3], writing[4])
            if published <= horizon:
                out[0] = published
                out[1] = account
                return ARTICLE
            continue
        flags = bits[account]
        if flags & HAS_REACTED:
            continue
        segment = flags & ROW
        p = seg_p[segment] * novelty(t, kind_novelty, half_life, beta)
        if meta[STATEMENTS] > 0 or support_effect != 1.0:
            p *= effects(tab, st, account, t)
        if uniform(word) >= p:
            continue
        bits[account] = flags | HAS_REACTED
        n = meta[REACTIONS]
        r_time[n] = t
        r_account[n] = account
        r_source[n] = source
        order[account] = n
        meta[REACTIONS] = n + 1
        root_kind = root_kinds[root]
        w_derived, _, _, _ = draw(account_key, account, 0, replication)
        if (root_kind == KIND_TRENDING or root_kind == KIND_ARTICLE
                or uniform(w_derived) < derived_fraction):
            new_root = meta[ROOTS]
            root_kinds[new_root] = KIND_DERIVED
            removed_at[new_root] = np.inf
            reshares[new_root] = 0
            meta[ROOTS] = new_root + 1
        else:
            new_root = TRIGGER if root == PROMOTION else root
            reshares[new_root] += 1
        post(net, tab, st, account, t, new_root)


@njit(cache=True)
def reset(st: State, author: int, brand: int) -> None:
    """Put back every per-account entry the run touched, and zero the counters."""
    meta = st.meta
    bits = st.bits
    for i in range(meta[REACTIONS]):
        account = st.r_account[i]
        bits[account] &= ~HAS_REACTED
        st.order[account] = -1
    if author >= 0:
        bits[author] &= ~HAS_REACTED
    for i in range(meta[PENDING]):
        st.pending[st.pending_list[i]] = np.inf
    for i in range(meta[REACHED]):
        st.first[st.first_list[i]] = np.inf
    for i in range(meta[ANSWERED]):
        account = st.answered_list[i]
        st.seen[:, account] = np.inf
        st.shared[:, account] = False
    if brand >= 0:
        st.shared[:, brand] = False
    for i in range(meta[SUPPORTED]):
        st.support[st.support_list[i]] = np.inf
    for i in range(meta[FILED]):
        bits[st.filed_list[i]] &= ~HAS_FILED
    for i in range(meta[WEIGHED]):
        account = st.weighed_list[i]
        bits[account] &= ~HAS_WEIGHED
        st.unmoved[account] = 1.0
    meta[:] = 0
    st.steps[:] = 0
    st.seg_reach[:] = 0

