"""The records the compiled engine works on, and the names of their slots.

Three records cross into compiled code (numba takes named tuples of arrays), so that
adding a piece of state means adding a field here, not threading an array through
several signatures:

- :class:`Net`: the follower graph (shared by every run of a process).
- :class:`Tables`: what a scenario and a policy fix: parameters, per-segment tables, the
  distributions' encodings and the keys of the counter-based draws.
- :class:`State`: the mutable state of one run. Per-account arrays are allocated once
  per process and only the entries a run touched are reset after it (each touched
  account is listed once per field), so a run costs what its cascade does; buffers whose
  size follows the work (the candidate heap, exposures outside the follower graph, the
  monitor's deferred exposures) grow when needed.

Segments are indexed ``0..S-1``; the brand, which belongs to no audience, is row ``S``
of every per-segment table.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, types
from numba.experimental import structref

from sim.scenario import limits

# ---------------------------------------------------------------- params (float64 slots)
(HORIZON, CAP, NOVELTY_KIND, HALF_LIFE, BETA, HAS_MEDIA, DERIVED_FRACTION, SUPPORT_EFFECT,
 PICKUP, LOG_SATURATION, PRUNE, REPLICATION, ONLINE, STEP, BRAND_ROW, MAX_DEGREE,
 TREND_THRESHOLD, TREND_RATE, ACCOUNTS, BRAND, AUTHOR) = range(21)
PARAM_SLOTS = 21
TREND_STEP = 60.0  # seconds between two checks of whether the story trends

# ---------------------------------------------------------------- trend (float64 slots)
NEXT_TICK, TREND_NUMBER, TREND_LEVEL, TREND_INTENSITY = range(4)

# ---------------------------------------------------------------- meta (int64 slots)
(SIZE, COUNTER, ROOTS, POSTS, REACTIONS, STATEMENTS, FACTORS, PENDING, REACHED, ANSWERED,
 SUPPORTED, FILED, EXTRA, EXTRA_SETTLED, POSTS_SETTLED, DEFERRED, IMPRESSIONS,
 TREND_FROM, WEIGHED, RUNS) = range(20)
META_SLOTS = 20

# ---------------------------------------------------------------- per-account bits
ROW = 0xFF  # the low byte of an account's bits: its segment row
HAS_REACTED = 0x100  # it has reacted to the story (or is the author)
HAS_FILED = 0x200  # a journalist who has filed an article
HAS_WEIGHED = 0x400  # a journalist who has weighed at least one exposure for an article
MARK = 0x800  # a passing mark, set and cleared within one compiled call
MAX_SEGMENTS = ROW  # rows 0..254: the segments, then the brand's
assert limits.MAX_SEGMENTS < MAX_SEGMENTS  # what validation allows fits the rows

# ---------------------------------------------------------------- candidates and roots
REACT, MEDIA, STATEMENT = 0, 1, 2  # candidate kinds (low 2 bits of the heap's root field)
KIND_TRIGGER, KIND_PROMOTION, KIND_TRENDING, KIND_DERIVED, KIND_ARTICLE = range(5)
EVERY_KIND = 0b11111  # the ONLINE parameter: a mask of the root kinds counted as made
TRIGGER, PROMOTION, TRENDING = 0, 1, 2  # the roots every run starts with

# ---------------------------------------------------------------- compiled call results
DONE, GROW, ARTICLE = 0, 1, 2

# ---------------------------------------------------------------- draw keys (rows of keys)
KEY_STORY, KEY_STATEMENT, KEY_ACCOUNT, KEY_AUTHOR, KEY_PROMOTION, KEY_TRENDING, \
    KEY_ARTICLE = range(7)
KEY_KINDS = ("story", "statement", "account", "author", "promotion", "trending", "article")
ACTION_KEY_KINDS = ("action", "advocate", "support")  # one key each per action index
KEY_ACTION, KEY_ADVOCATE, KEY_SUPPORT = range(3)  # rows of ACTION_KEY_KINDS


class Net(NamedTuple):
    """The follower graph in CSR form: the followers of u are ``followers[offsets[u]:...]``."""

    offsets: np.ndarray
    followers: np.ndarray


class Tables(NamedTuple):
    """What a scenario and a policy fix for a run.

    Attributes:
        params: ``float64[PARAM_SLOTS]`` (see the slot names above).
        seg_p: per segment, ``share_probability * share_multiplier * max(0, 1 - outrage *
            stance)`` (0 for the brand).
        seg_mult: per segment, its ``share_multiplier`` (0 for the brand).
        seg_media: per segment, 1 for journalists.
        seg_weight: per segment, the reputational weight of one account reached.
        seg_negative: per segment, 1 where stance <= 0 (negative reach counts it).
        attention: per segment, the encoded attention distribution (code, a, b, c, d).
        writing: the encoded writing delay of articles.
        keys: ``uint32[7, 2]``: the Philox key of each draw kind of :data:`KEY_KINDS`.
        action_keys: ``uint32[actions, 3, 2]``: per action index, the keys of
            :data:`ACTION_KEY_KINDS`.
        effect, share_probability: per statement slot of the policy.
        factor_time, factor_value: newsworthiness factors in force from a time on.
    """

    params: np.ndarray
    seg_p: np.ndarray
    seg_mult: np.ndarray
    seg_media: np.ndarray
    seg_weight: np.ndarray
    seg_negative: np.ndarray
    attention: np.ndarray
    writing: np.ndarray
    keys: np.ndarray
    action_keys: np.ndarray
    effect: np.ndarray
    share_probability: np.ndarray
    factor_time: np.ndarray
    factor_value: np.ndarray


class State(NamedTuple):
    """The mutable state of one run (see the module's docstring for who owns what).

    Attributes:
        meta: ``int64[META_SLOTS]`` counters.
        bits: ``int16[n]``: per account, its segment row (low byte) and the flags
            :data:`HAS_REACTED` and :data:`HAS_FILED`: what the loop reads for every exposure, in
            two bytes, so that it stays in the caches even for millions of accounts.
        first: per account, its first valid exposure (``inf``: none yet).
        pending: per account, its earliest queued reaction candidate (pruned runs).
        order: per account, its reaction's index (``-1``: none).
        seen, shared: ``[statements, n]``: when each account first saw each statement,
            and whether it reshared it.
        support: per account, when it first saw a supportive post.
        unmoved: per account (journalists), the chance that none of the exposures it has
            weighed so far made it write: the product of ``1 - pickup chance``.
        r_time, r_account, r_source: the reactions in time order, and the account whose
            post (or impression, or article) each one reacted to.
        p_account, p_time, p_root: story posts through the follower graph.
        root_kind, removed_at, reshares: per root item.
        pending_list, first_list, answered_list, support_list, filed_list, weighed_list:
            the accounts whose ``pending``, ``first``, ``seen``, ``support``, filed flag or
            ``unmoved`` entry was set.
        heap_key, heap_data: the candidate heap: ``[time, sequence]`` keys and
            ``[account, source, root * 4 + kind, uniform word]`` rows.
        x_account, x_time, x_root: exposures that do not come through the follower graph.
        defer_time, defer_data: exposures that were later than the ledger's last settling
            (time; account and root), in runs, one per settling, each sorted by time.
        runs: per run of deferred exposures, ``[next to count, end]``.
        steps: valid exposures per time step; seg_reach: accounts reached per segment.
        trend: the trending check's state: its next time (``inf``: no more), and its
            impressions' Poisson process (next arrival's number and level, and the
            cumulative intensity so far).
    """

    meta: np.ndarray
    bits: np.ndarray
    first: np.ndarray
    pending: np.ndarray
    order: np.ndarray
    seen: np.ndarray
    shared: np.ndarray
    support: np.ndarray
    unmoved: np.ndarray
    r_time: np.ndarray
    r_account: np.ndarray
    r_source: np.ndarray
    p_account: np.ndarray
    p_time: np.ndarray
    p_root: np.ndarray
    root_kind: np.ndarray
    removed_at: np.ndarray
    reshares: np.ndarray
    pending_list: np.ndarray
    first_list: np.ndarray
    answered_list: np.ndarray
    support_list: np.ndarray
    filed_list: np.ndarray
    weighed_list: np.ndarray
    heap_key: np.ndarray
    heap_data: np.ndarray
    x_account: np.ndarray
    x_time: np.ndarray
    x_root: np.ndarray
    defer_time: np.ndarray
    defer_data: np.ndarray
    runs: np.ndarray
    steps: np.ndarray
    seg_reach: np.ndarray
    trend: np.ndarray


# ---------------------------------------------------------------- compiled handles
#
# Numba reads a named tuple argument field by field on every call (about a microsecond per
# array), which the many short calls of a run (one per macro event) would pay again and
# again. A StructRef crosses the boundary as one pointer. Python keeps the named tuples
# above (plain attribute access, numpy views); :func:`pack_net`, :func:`pack_tables` and
# :func:`pack_state` make the handle the compiled functions take, once per world, run, or
# growth of a buffer. The field names and their order are those of the named tuples.


@structref.register
class _RecordType(types.StructRef):
    """Numba type of a packed record (a StructRef with typed array fields)."""

    def preprocess_fields(self, fields: tuple[tuple[str, types.Type], ...]
                          ) -> tuple[tuple[str, types.Type], ...]:
        return tuple((name, types.unliteral(kind)) for name, kind in fields)


class Handle(structref.StructRefProxy):
    """A packed record, as Python holds it (opaque: read the named tuple instead)."""


structref.define_boxing(_RecordType, Handle)

_F1 = types.float64[::1]
_F2 = types.float64[:, ::1]
_I1 = types.int32[::1]
_I2 = types.int32[:, ::1]
_L1 = types.int64[::1]
_B2 = types.boolean[:, ::1]
_U2 = types.uint32[:, ::1]
_U3 = types.uint32[:, :, ::1]
_NET = _RecordType([("offsets", _L1), ("followers", _I1)])
_TABLES = _RecordType([
    ("params", _F1), ("seg_p", _F1), ("seg_mult", _F1), ("seg_media", _F1),
    ("seg_weight", _F1), ("seg_negative", _F1), ("attention", _F2), ("writing", _F1),
    ("keys", _U2), ("action_keys", _U3), ("effect", _F1), ("share_probability", _F1),
    ("factor_time", _F1), ("factor_value", _F1)])
_STATE = _RecordType([
    ("meta", _L1), ("bits", types.int16[::1]), ("first", _F1), ("pending", _F1),
    ("order", _I1), ("seen", _F2), ("shared", _B2), ("support", _F1), ("unmoved", _F1),
    ("r_time", _F1),
    ("r_account", _I1),
    ("r_source", _I1), ("p_account", _I1), ("p_time", _F1), ("p_root", _I1),
    ("root_kind", types.int8[::1]), ("removed_at", _F1), ("reshares", _L1),
    ("pending_list", _I1), ("first_list", _I1), ("answered_list", _I1),
    ("support_list", _I1), ("filed_list", _I1), ("weighed_list", _I1), ("heap_key", _F2),
    ("heap_data", _I2),
    ("x_account", _I1), ("x_time", _F1), ("x_root", _I1), ("defer_time", _F1),
    ("defer_data", _I2), ("runs", types.int64[:, ::1]), ("steps", _L1), ("seg_reach", _L1),
    ("trend", _F1)])


@njit(cache=True)
def pack_net(net: Net) -> Handle:
    """The compiled handle of a :class:`Net`."""
    out = structref.new(_NET)
    out.offsets = net.offsets
    out.followers = net.followers
    return out


@njit(cache=True)
def pack_tables(tab: Tables) -> Handle:
    """The compiled handle of a :class:`Tables` (it shares the arrays)."""
    out = structref.new(_TABLES)
    out.params = tab.params
    out.seg_p = tab.seg_p
    out.seg_mult = tab.seg_mult
    out.seg_media = tab.seg_media
    out.seg_weight = tab.seg_weight
    out.seg_negative = tab.seg_negative
    out.attention = tab.attention
    out.writing = tab.writing
    out.keys = tab.keys
    out.action_keys = tab.action_keys
    out.effect = tab.effect
    out.share_probability = tab.share_probability
    out.factor_time = tab.factor_time
    out.factor_value = tab.factor_value
    return out


@njit(cache=True)
def pack_state(st: State) -> Handle:
    """The compiled handle of a :class:`State` (it shares the arrays)."""
    out = structref.new(_STATE)
    out.meta = st.meta
    out.bits = st.bits
    out.first = st.first
    out.pending = st.pending
    out.order = st.order
    out.seen = st.seen
    out.shared = st.shared
    out.support = st.support
    out.unmoved = st.unmoved
    out.r_time = st.r_time
    out.r_account = st.r_account
    out.r_source = st.r_source
    out.p_account = st.p_account
    out.p_time = st.p_time
    out.p_root = st.p_root
    out.root_kind = st.root_kind
    out.removed_at = st.removed_at
    out.reshares = st.reshares
    out.pending_list = st.pending_list
    out.first_list = st.first_list
    out.answered_list = st.answered_list
    out.support_list = st.support_list
    out.filed_list = st.filed_list
    out.weighed_list = st.weighed_list
    out.heap_key = st.heap_key
    out.heap_data = st.heap_data
    out.x_account = st.x_account
    out.x_time = st.x_time
    out.x_root = st.x_root
    out.defer_time = st.defer_time
    out.defer_data = st.defer_data
    out.runs = st.runs
    out.steps = st.steps
    out.seg_reach = st.seg_reach
    out.trend = st.trend
    return out
