"""A scenario on its graph, in one process: the tables and the scratch state of its runs.

A :class:`World` is built once per process (per replication only with
``network.resample``) and serves every replication and policy. It holds the graph in the
compiled engine's form, the per-segment tables, the keys of the counter-based draws and
the per-account scratch arrays; a run touches a few entries of those arrays, and
:meth:`World.release` puts back exactly those, so a replication costs what its cascade
does, never what the graph does.

Common random numbers: every draw is keyed by what it is for (:mod:`sim.randomness.philox`),
so every policy of a replication sees the same author, the same per-follow delays and
uniforms, the same impressions and readers and the same per-account draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.engine import layout
from sim.engine.arrivals import audience_account
from sim.engine.fast import reset
from sim.engine.layout import Handle, Net, State, Tables, pack_net, pack_state
from sim.engine.ledger import time_grid
from sim.errors import FlashpointError
from sim.network.graph import Graph
from sim.randomness.distributions import encode, encode_array, quantile
from sim.randomness.philox import key_for, pick, uniform, words
from sim.scenario import values
from sim.scenario.action_kinds import needing
from sim.scenario.branching import share_probability
from sim.scenario.media import scaled
from sim.scenario.schema import FollowersAuthor, Policy, Scenario, SegmentAuthor
from sim.scenario.values import HOUR, Distribution

_FIRST_HEAP = 1 << 10


# Bytes per account of a world's scratch state, at most (every account reached and reacting):
# flags, first exposure, pending candidate and reaction index (22); the records and lists
# of reactions, posts, roots and touched accounts (65); the candidate heap (32).
SCRATCH_PER_ACCOUNT = 22 + 65 + 32
SCRATCH_PER_STATEMENT = 13  # per account: when it saw the statement, whether it shared it
SCRATCH_SUPPORT = 12  # per account: when it saw a supportive post, and its list entry
SCRATCH_MEDIA = 8  # per account: the chance that its exposures have not yet made it write


def scratch_bytes(scenario: Scenario, accounts: int) -> int:
    """The most memory the scratch state of ``scenario`` on ``accounts`` accounts can take."""
    actions = [a for p in scenario.policies for a in p.actions]
    statements = max([0, *(needing(p.actions, "statement") for p in scenario.policies)])
    per_account = SCRATCH_PER_ACCOUNT + statements * SCRATCH_PER_STATEMENT
    if needing(actions, "support"):
        per_account += SCRATCH_SUPPORT
    if scenario.media is not None:
        per_account += SCRATCH_MEDIA
    return accounts * per_account


@dataclass(frozen=True)
class Replication:
    """What a replication fixes for all its policies: its index and the trigger's author."""

    index: int
    author: int


class World:
    """Everything a process needs to run replications of ``scenario`` on ``graph``."""

    def __init__(self, scenario: Scenario, graph: Graph) -> None:
        self.scenario = scenario
        self.graph = graph
        segments = scenario.segments or {}
        names = list(segments)
        self.segment_names = names
        count = len(names)
        n = graph.accounts
        self.accounts = n
        self.brand = -1 if graph.brand is None else int(graph.brand)
        self.net = Net(offsets=graph.offsets.astype(np.int64, copy=False),
                       followers=graph.followers)
        self.net_handle = pack_net(self.net)
        degrees = np.diff(self.net.offsets)
        self.max_degree = int(degrees.max()) if n else 0
        incident = scenario.incident
        behaviour = scenario.behaviour
        multiplier = np.array([s.share_multiplier for s in segments.values()] + [0.0])
        stance = np.array([s.stance for s in segments.values()] + [0.0])
        self.mean_follows = (scenario.network.mean_follows if scenario.network.generator
                             else graph.follows / max(1, n))
        self.story_probability = share_probability(scenario, self.mean_follows)
        self.seg_p = (self.story_probability * multiplier
                      * np.maximum(0.0, 1.0 - incident.outrage * stance))
        self.seg_mult = multiplier
        self.seg_media = np.array([float(s.media) for s in segments.values()] + [0.0])
        self.seg_weight = np.array([s.weight for s in segments.values()] + [0.0])
        self.seg_negative = np.array([float(s.stance <= 0) for s in segments.values()] + [0.0])
        attentions = [s.attention or behaviour.attention for s in segments.values()]
        self.attention = encode_array([*attentions, attentions[0] if attentions
                                       else behaviour.attention])
        # media defaults scale with the audience (sim.scenario.media); read them from here
        self.media = None if scenario.media is None else scaled(scenario.media, graph.audience)
        media = self.media
        self.writing = np.array(encode(media.writing_delay if media else values.Fixed(0.0)),
                                dtype=np.float64)
        self.keys = np.array([key_for(scenario.seed, kind) for kind in layout.KEY_KINDS],
                             dtype=np.uint32)
        actions = max([1, *(len(p.actions) for p in scenario.policies)])
        self.action_keys = np.array(
            [[key_for(scenario.seed, kind, a) for kind in layout.ACTION_KEY_KINDS]
             for a in range(actions)], dtype=np.uint32)
        self.statements = max([1, *(needing(p.actions, "statement")
                                    for p in scenario.policies)])
        self.factors = max([1, *(len(p.actions) for p in scenario.policies)])
        self.steps = len(time_grid(scenario.horizon, scenario.resolution))
        if count >= layout.MAX_SEGMENTS:
            raise FlashpointError(f"a scenario can have at most {layout.MAX_SEGMENTS - 1} "
                                  f"segments; this one has {count}")
        segment_rows = graph.segment.astype(np.int64)
        segment_rows[segment_rows < 0] = count  # the brand's row
        self.segment_rows = segment_rows
        # the ledger settles at each monitor sample, once when the monitor stops, at the end
        self.settlings = int(scenario.horizon // scenario.monitoring.interval) + 4
        self._members: list[np.ndarray] | None = None
        self._state: State | None = None
        self._state_handle: Handle | None = None
        self.out = np.zeros(2)

    # ------------------------------------------------------------ replications

    def replication(self, index: int) -> Replication:
        """Replication ``index``: who posts the trigger."""
        return Replication(index=index, author=self._author(index))

    def _author(self, index: int) -> int:
        author = self.scenario.incident.author
        if author == "brand":
            assert self.graph.brand is not None
            return int(self.graph.brand)
        if isinstance(author, FollowersAuthor):  # the account made for it, every replication
            assert self.graph.author is not None
            return int(self.graph.author)
        high, low = (int(w) for w in self.draws(layout.KEY_AUTHOR, index)[:2])
        if isinstance(author, SegmentAuthor):
            # the segment has accounts: checked when the scenario is validated (generated
            # networks) or its network file read (sim.network.build)
            members = self.members(self.segment_names.index(author.segment))
            assert len(members), author.segment
            return int(members[pick(np.uint32(high), np.uint32(low), len(members))])
        return self.audience_account(high, low)

    def audience_account(self, high: int, low: int) -> int:
        """A uniformly random account other than the brand, from two words."""
        return int(audience_account(np.uint32(high), np.uint32(low), self.accounts,
                                    self.brand))

    def draws(self, row: int, replication: int, index: int = 0, item: int = 0) -> np.ndarray:
        """The four words of draw kind ``row`` (of :data:`layout.KEY_KINDS`) for one index."""
        return words(self.keys[row], np.array([index], dtype=np.int64), item, replication)[0]

    def action_draws(self, action: int, kind: int, replication: int, index: int = 0,
                     item: int = 0) -> np.ndarray:
        """The four words of action ``action``'s draw kind ``kind`` for one index."""
        return words(self.action_keys[action, kind], np.array([index], dtype=np.int64), item,
                     replication)[0]

    def action_delay(self, action: int, word: int, dist: Distribution,
                     replication: int) -> float:
        """Delay ``word`` of the policy's action number ``action``, drawn from ``dist``.

        Word 0 is the action's own delay, word 1 a takedown's platform delay. Keyed by the
        action's place in its policy and the replication, so two policies whose actions
        share a place and a distribution share the delay.
        """
        drawn = self.action_draws(action, layout.KEY_ACTION, replication)
        code, a, b, c, d = encode(dist)
        return float(quantile(code, a, b, uniform(np.uint32(drawn[word])), c, d))

    def members(self, segment: int) -> np.ndarray:
        """The accounts of a segment (computed once per process)."""
        if self._members is None:
            order = np.argsort(self.segment_rows, kind="stable")
            bounds = np.searchsorted(self.segment_rows[order],
                                     np.arange(len(self.segment_names) + 2))
            self._members = [order[bounds[k]:bounds[k + 1]]
                             for k in range(len(self.segment_names) + 1)]
        return self._members[segment]

    # ------------------------------------------------------------ tables

    def tables(self, policy: Policy, replication: Replication, *, cap: float, prune: bool,
               online: int) -> Tables:
        """The compiled tables of one run of ``policy`` in ``replication``."""
        scenario = self.scenario
        novelty = scenario.behaviour.novelty
        media = self.media
        params = np.zeros(layout.PARAM_SLOTS)
        params[layout.HORIZON] = scenario.horizon
        params[layout.CAP] = cap
        params[layout.NOVELTY_KIND] = 1.0 if hasattr(novelty, "half_life") else 0.0
        params[layout.HALF_LIFE] = getattr(novelty, "half_life", 1.0)
        params[layout.BETA] = getattr(novelty, "beta", 1.0)
        params[layout.HAS_MEDIA] = 1.0 if media is not None else 0.0
        params[layout.DERIVED_FRACTION] = scenario.behaviour.derived_fraction
        params[layout.SUPPORT_EFFECT] = 1.0
        params[layout.PICKUP] = media.pickup_probability if media else 0.0
        params[layout.LOG_SATURATION] = math.log1p(media.saturation) if media else 1.0
        params[layout.PRUNE] = 1.0 if prune else 0.0
        params[layout.REPLICATION] = replication.index
        params[layout.ONLINE] = online
        params[layout.STEP] = scenario.resolution
        params[layout.BRAND_ROW] = len(self.segment_names)
        params[layout.MAX_DEGREE] = self.max_degree
        trending = scenario.incident.trending
        params[layout.TREND_THRESHOLD] = trending.threshold_per_hour if trending else 0.0
        params[layout.TREND_RATE] = (trending.impressions_per_reaction / HOUR if trending
                                     else 0.0)
        params[layout.ACCOUNTS] = self.accounts
        params[layout.BRAND] = self.brand
        params[layout.AUTHOR] = replication.author
        return Tables(
            params=params, seg_p=self.seg_p, seg_mult=self.seg_mult, seg_media=self.seg_media,
            seg_weight=self.seg_weight, seg_negative=self.seg_negative,
            attention=self.attention, writing=self.writing, keys=self.keys,
            action_keys=self.action_keys, effect=np.ones(self.statements),
            share_probability=np.zeros(self.statements),
            factor_time=np.zeros(self.factors), factor_value=np.ones(self.factors))

    # ------------------------------------------------------------ scratch state

    def prepare(self) -> None:
        """Allocate the scratch state now rather than in the first run."""
        if self._state is None:
            self._set_state(self._allocate())

    @property
    def state(self) -> State:
        """The scratch state (allocated on first use, then reused by every run)."""
        self.prepare()
        assert self._state is not None
        return self._state

    @property
    def state_handle(self) -> Handle:
        """The scratch state as the compiled functions take it."""
        self.prepare()
        assert self._state_handle is not None
        return self._state_handle

    def _set_state(self, state: State) -> None:
        self._state = state
        self._state_handle = pack_state(state)

    def _allocate(self) -> State:
        n = self.accounts
        actions = [a for p in self.scenario.policies for a in p.actions]
        statements = self.statements if needing(actions, "statement") else 0
        advocates = needing(actions, "support") > 0
        roots = n + int((self.seg_media[self.segment_rows] > 0).sum()) + 4
        heap = _FIRST_HEAP
        return State(
            meta=np.zeros(layout.META_SLOTS, dtype=np.int64),
            bits=self.segment_rows.astype(np.int16),
            first=np.full(n, np.inf),
            pending=np.full(n, np.inf),
            order=np.full(n, -1, dtype=np.int32),
            seen=np.full((statements, n), np.inf),
            shared=np.zeros((statements, n), dtype=bool),
            support=np.full(n if advocates else 0, np.inf),
            unmoved=np.ones(n if self.scenario.media is not None else 0),
            # lists and records: at most one entry per account (np.empty: pages are only
            # mapped where a run writes, so their memory follows the work)
            r_time=np.empty(n), r_account=np.empty(n, dtype=np.int32),
            r_source=np.empty(n, dtype=np.int32),
            p_account=np.empty(n + 1, dtype=np.int32), p_time=np.empty(n + 1),
            p_root=np.empty(n + 1, dtype=np.int32),
            root_kind=np.empty(roots, dtype=np.int8), removed_at=np.empty(roots),
            reshares=np.empty(roots, dtype=np.int64),
            pending_list=np.empty(n, dtype=np.int32), first_list=np.empty(n + 1, dtype=np.int32),
            answered_list=np.empty(max(1, statements) * n + 1, dtype=np.int32),
            support_list=np.empty(n, dtype=np.int32), filed_list=np.empty(n, dtype=np.int32),
            weighed_list=np.empty(n, dtype=np.int32),
            heap_key=np.empty((heap, 2)), heap_data=np.empty((heap, 4), dtype=np.int32),
            x_account=np.empty(heap, dtype=np.int32), x_time=np.empty(heap),
            x_root=np.empty(heap, dtype=np.int32),
            defer_time=np.empty(heap), defer_data=np.empty((heap, 2), dtype=np.int32),
            runs=np.empty((self.settlings, 2), dtype=np.int64),
            steps=np.zeros(self.steps, dtype=np.int64),
            seg_reach=np.zeros(len(self.seg_p), dtype=np.int64),
            trend=np.zeros(4),
        )

    def grow(self, field: str, needed: int) -> None:
        """Make the growable buffer ``field`` hold ``needed`` entries.

        The buffers: ``heap`` (candidates), ``x`` (exposures from outside the graph),
        ``defer`` (exposures waiting to be counted) and ``runs`` (their runs).
        """
        state = self.state
        names = {"heap": ("heap_key", "heap_data"), "x": ("x_account", "x_time", "x_root"),
                 "defer": ("defer_time", "defer_data"), "runs": ("runs",)}[field]
        size = {"heap": layout.SIZE, "x": layout.EXTRA, "defer": layout.DEFERRED,
                "runs": layout.RUNS}[field]
        current = getattr(state, names[0]).shape[0]
        if needed <= current:
            return
        used = int(state.meta[size])
        capacity = max(needed, 2 * current)
        grown = {}
        for name in names:
            old = getattr(state, name)
            new = np.empty((capacity, *old.shape[1:]), dtype=old.dtype)
            new[:used] = old[:used]
            grown[name] = new
        self._set_state(state._replace(**grown))

    def release(self, author: int) -> None:
        """Put back what the last run touched (call once its records have been read)."""
        reset(self.state_handle, author, self.brand)
