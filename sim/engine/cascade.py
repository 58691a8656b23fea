"""The story's cascade, advanced exactly in continuous time between macro events.

A post by account u at time t exposes each follower v at ``t + D_uv`` (the follow's
delay in the :class:`~sim.engine.world.World`). Only the exposures that *could*
lead to a reaction (their uniform is below an upper bound of the reaction
probability) enter a heap as candidates; the post itself is recorded, and its
exposures are rebuilt for the metrics after the run. Candidates are popped in time
order; at pop time the exact probability is evaluated with everything known by
then (earlier reactions, removals, statements seen), which is exact because nothing
that happens later can change the past. The hot loop is compiled
(:mod:`sim.engine.fast`), statements' reshares and journalists' pickups included; it
returns to Python only when a journalist files an article (a macro event).

Items: every exposure names the *root* item it depends on. A reshare has the root
of what it reshares; a derived post is its own root. An exposure at time t is valid
unless its root was removed before t.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.engine import delays, fast
from sim.engine.fast import (
    KIND_ARTICLE,
    KIND_DERIVED,
    KIND_PROMOTION,
    KIND_TRENDING,
    KIND_TRIGGER,
    POSTS,
    REACTIONS,
    ROOTS,
    SIZE,
    STATEMENTS,
)
from sim.engine.world import World

__all__ = ["KIND_ARTICLE", "KIND_DERIVED", "PROMOTION", "TRENDING", "TRIGGER", "Cascade",
           "Statement"]

TRIGGER, PROMOTION, TRENDING = 0, 1, 2
INF = math.inf
_FIRST_HEAP = 1 << 12


@dataclass
class Statement:
    """A response issued by the organisation: who has seen it (a row of the cascade's table)."""

    issued: float
    effect: float
    share_probability: float
    seen: np.ndarray
    shared: np.ndarray


class Cascade:
    """Mutable state of one policy's run in one replication (arrays, for the compiled loop)."""

    def __init__(self, world: World, effect_cap: float, media_rng: np.random.Generator,
                 policy_rng: np.random.Generator, max_statements: int = 0,
                 max_factors: int = 0, prune: bool = False) -> None:
        self.world = world
        self.media_rng = media_rng
        self.policy_rng = policy_rng
        graph = world.graph
        scenario = world.scenario
        n = graph.accounts
        self.offsets = graph.offsets.astype(np.int64)
        self.followers = graph.followers
        self.max_degree = int(np.diff(self.offsets).max()) if n else 0
        # what the loop reads for each account it touches, side by side in one cache line
        self._hot = np.empty((n, 4))
        self.reacted_at = self._hot[:, 0]
        self.reacted_at[:] = INF
        self.pending = self._hot[:, 1]
        self.pending[:] = INF
        self.base_p = self._hot[:, 2]
        self.base_p[:] = world.base_p
        self.derived_uniform = self._hot[:, 3]
        self.derived_uniform[:] = world.derived_uniform
        self.parent = np.full(n, -1, dtype=np.int64)
        self._react_time = np.empty(n)
        self._react_account = np.empty(n, dtype=np.int64)
        self._post_account = np.empty(n + 1, dtype=np.int64)
        self._post_time = np.empty(n + 1)
        self._post_root = np.empty(n + 1, dtype=np.int64)
        capacity = n + int(world.journalist.sum()) + 8
        self._root_kind = np.zeros(capacity, dtype=np.int64)
        self._removed_at = np.full(capacity, INF)
        self._reshares = np.zeros(capacity, dtype=np.int64)
        self._root_kind[:3] = (KIND_TRIGGER, KIND_PROMOTION, KIND_TRENDING)
        self.meta = np.zeros(fast.META_SLOTS, dtype=np.int64)
        self.meta[ROOTS] = 3
        self.heap = np.empty((_FIRST_HEAP, fast.WIDTH))
        rows = max(1, max_statements)
        self.seen = np.full((rows, n), INF)
        self.shared = np.zeros((rows, n), dtype=bool)
        self.effect = np.ones(rows)
        self.share_probability = np.zeros(rows)
        self.statements: list[Statement] = []
        self.support_seen = np.full(n, INF)
        self.filed = np.zeros(n, dtype=bool)
        self.factor_time = np.zeros(max_factors + 1)
        self.factor_value = np.ones(max_factors + 1)
        self.out = np.zeros(2)
        novelty = scenario.behaviour.novelty
        media = scenario.media
        self.params = np.zeros(fast.PARAM_SLOTS)
        self.params[fast.HORIZON] = world.horizon
        self.params[fast.CAP] = effect_cap
        self.params[fast.NOVELTY_KIND] = 1.0 if hasattr(novelty, "half_life") else 0.0
        self.params[fast.HALF_LIFE] = getattr(novelty, "half_life", 1.0)
        self.params[fast.BETA] = getattr(novelty, "beta", 1.0)
        self.params[fast.HAS_MEDIA] = 1.0 if media is not None else 0.0
        self.params[fast.DERIVED_FRACTION] = scenario.behaviour.derived_fraction
        self.params[fast.SUPPORT_EFFECT] = 1.0
        self.params[fast.PICKUP] = media.pickup_probability if media else 0.0
        self.params[fast.LOG_SATURATION] = math.log1p(media.saturation) if media else 1.0
        self.params[fast.PRUNE] = 1.0 if prune else 0.0
        self.articles: list[float] = []
        self.stop_at = INF
        self.scheduler: Any = None
        self.tracker: Any = None
        self.extra: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    # ------------------------------------------------------------ records

    @property
    def reaction_times(self) -> np.ndarray:
        """Reaction times, in the order they happened."""
        return self._react_time[: self.meta[REACTIONS]]

    @property
    def reaction_accounts(self) -> np.ndarray:
        """The reacting accounts, aligned with :attr:`reaction_times`."""
        return self._react_account[: self.meta[REACTIONS]]

    @property
    def post_account(self) -> np.ndarray:
        """Every story post through the follower graph: who posted ..."""
        return self._post_account[: self.meta[POSTS]]

    @property
    def post_time(self) -> np.ndarray:
        """... when ..."""
        return self._post_time[: self.meta[POSTS]]

    @property
    def post_root(self) -> np.ndarray:
        """... and the root item the post depends on."""
        return self._post_root[: self.meta[POSTS]]

    @property
    def root_kind(self) -> np.ndarray:
        """Kind of every root item (trigger, promotion, trending, derived post, article)."""
        return self._root_kind[: self.meta[ROOTS]]

    @property
    def removed_at(self) -> np.ndarray:
        """When each root item was removed (``inf``: never)."""
        return self._removed_at[: self.meta[ROOTS]]

    @property
    def reshares(self) -> np.ndarray:
        """Reshares of each root item so far."""
        return self._reshares[: self.meta[ROOTS]]

    # ------------------------------------------------------------ posting

    def post(self, account: int, t: float, root: int) -> None:
        """Account posts (or reshares) story item ``root`` at ``t``: expose its followers."""
        self._room(2 * self.max_degree + 2)
        w = self.world
        fast.post(self.heap, self.meta, account, t, root, self.offsets, self.followers,
                  w.edge_delay, w.edge_uniform, w.edge_pickup, self.base_p, w.journalist,
                  self.params, self._post_account, self._post_time, self._post_root,
                  self.reacted_at, self.filed, self.pending)

    def expose(self, accounts: np.ndarray, times: np.ndarray, uniforms: np.ndarray, root: int,
               source: int) -> None:
        """Exposures that do not come through the follower graph (promotion, trends, articles)."""
        ok = times <= self.world.horizon
        accounts, times, uniforms = accounts[ok].astype(np.int64), times[ok], uniforms[ok]
        self.extra.append((accounts, times, np.full(len(times), root, dtype=np.int64)))
        self._room(2 * len(accounts) + 2)
        w = self.world
        pickups = (self.media_rng.random(len(accounts)) if self.params[fast.HAS_MEDIA]
                   else np.zeros(len(accounts)))
        fast.candidates(self.heap, self.meta, accounts, times, uniforms, pickups, root,
                        source, self.base_p, w.journalist, self.params, self.reacted_at, self.filed,
                        self.pending)
        if self.tracker is not None:
            self.tracker.add(accounts, times, root)

    def _room(self, more: int) -> None:
        needed = int(self.meta[SIZE]) + more + 2 * self.max_degree + 2
        if needed > self.heap.shape[0]:
            grown = np.empty((max(needed, 2 * self.heap.shape[0]), fast.WIDTH))
            count = int(self.meta[SIZE])
            grown[:count] = self.heap[:count]
            self.heap = grown

    # ------------------------------------------------------------ advancing

    def run_until(self, until: float, inclusive: bool = False) -> None:
        """Process every candidate earlier than ``until`` (and than any macro event it creates)."""
        self.stop_at = until
        w = self.world
        while True:
            status = fast.advance(
                self.heap, self.meta, self.stop_at, inclusive, self.max_degree, self.out,
                self.reacted_at, self.parent, self._react_time, self._react_account,
                self._root_kind, self._removed_at, self._reshares, self.derived_uniform,
                self.offsets, self.followers, w.edge_delay, w.edge_uniform, w.edge_pickup,
                w.edge_response_delay, w.edge_share, self.base_p, w.journalist,
                self.world.share_multiplier, self.params, self._post_account, self._post_time,
                self._post_root, self.seen, self.shared, self.effect, self.share_probability,
                self.support_seen, self.filed, w.writing_delay, self.factor_time,
                self.factor_value, self.pending)
            if status == fast.GROW:
                self._room(0)
            elif status == fast.ARTICLE:
                if self.scheduler is not None:
                    self.scheduler.publish(float(self.out[0]), int(self.out[1]))
            else:
                return

    def reactions_since(self, t: float) -> int:
        """Reactions after ``t`` (they are recorded in time order)."""
        times = self.reaction_times
        return len(times) - int(np.searchsorted(times, t, side="right"))

    def new_root(self, kind: int) -> int:
        """Create a new root item (an article)."""
        index = int(self.meta[ROOTS])
        self._root_kind[index] = kind
        self._removed_at[index] = INF
        self._reshares[index] = 0
        self.meta[ROOTS] = index + 1
        return index

    def remove(self, root: int, t: float) -> None:
        """Remove a root item at ``t``: later exposures through it (and its reshares) are void."""
        self._removed_at[root] = min(self._removed_at[root], t)

    def set_support_effect(self, effect: float) -> None:
        """The reaction multiplier of accounts that have seen a supportive post."""
        self.params[7] = effect

    # ------------------------------------------------------------ media

    def add_news_factor(self, since: float, factor: float) -> None:
        """From ``since`` on, newsworthiness is multiplied by ``factor``."""
        k = int(self.meta[fast.FACTORS])
        self.factor_time[k] = since
        self.factor_value[k] = factor
        self.meta[fast.FACTORS] = k + 1

    # ------------------------------------------------------------ statements

    def issue_statement(self, t: float, effect: float, share_probability: float) -> int:
        """Open a new statement's row and post it from the brand's account; return its index."""
        index = int(self.meta[STATEMENTS])
        if index >= self.seen.shape[0]:
            raise RuntimeError("more statements than the policy declares")
        self.effect[index] = effect
        self.share_probability[index] = share_probability
        self.statements.append(Statement(issued=t, effect=effect,
                                         share_probability=share_probability,
                                         seen=self.seen[index], shared=self.shared[index]))
        self.meta[STATEMENTS] = index + 1
        brand = self.world.graph.brand
        if brand is not None:
            self._room(2 * self.max_degree + 2)
            w = self.world
            fast.spread_statement(self.heap, self.meta, index, brand, t, self.offsets,
                                  self.followers, w.edge_response_delay, w.edge_share,
                                  self.world.share_multiplier, self.seen, self.shared,
                                  self.share_probability, w.horizon)
        return index

    def attention_delays(self, accounts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Attention delays of ``accounts`` (by their segments), drawn from ``rng``."""
        return delays.sample_by_segment(self.world.graph.segment[accounts],
                                        self.world.segment_attention, rng)
