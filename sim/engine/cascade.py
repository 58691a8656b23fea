"""One policy's run in one replication: the story's cascade, advanced exactly in time.

A post by account u at time t exposes each follower v at ``t + D_uv``, with ``D_uv``
drawn on demand from the follow's own counter-based numbers. Only the exposures that
*could* lead to a reaction (their uniform is below an upper bound of the reaction
probability) enter a heap as candidates; the post itself is recorded, and its exposures
are counted by the ledger (:mod:`sim.engine.ledger`). Candidates are popped in time
order; at pop time the exact probability is evaluated with everything known by then
(earlier reactions, removals, statements seen), which is exact because nothing that
happens later can change the past. The hot loop is compiled (:mod:`sim.engine.fast`),
statements' reshares and journalists' pickups included; it returns to Python only when a
journalist files an article (a macro event).

Items: every exposure names the *root* item it depends on. A reshare has the root of
what it reshares; a derived post is its own root. An exposure at time t is valid unless
its root was removed before t.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.engine import fast, layout, ledger
from sim.engine.layout import (
    KIND_PROMOTION,
    KIND_TRENDING,
    KIND_TRIGGER,
    PROMOTION,
    TRENDING,
    TRIGGER,
    State,
    Tables,
    pack_tables,
)
from sim.engine.world import Replication, World

__all__ = ["PROMOTION", "TRENDING", "TRIGGER", "Cascade"]

INF = math.inf


class Cascade:
    """The state of one policy's run in one replication, as the kernel and actions see it.

    Args:
        world: the scenario on its graph, in this process.
        replication: the replication (its index and author).
        tables: the run's compiled tables (:meth:`World.tables`).
    """

    def __init__(self, world: World, replication: Replication, tables: Tables) -> None:
        self.world = world
        self.replication = replication
        self.tables = tables
        self.handle = pack_tables(tables)
        self.horizon = world.scenario.horizon
        self.articles: list[float] = []
        self.stop_at = INF
        self.scheduler: Any = None
        state = world.state
        state.root_kind[:3] = (KIND_TRIGGER, KIND_PROMOTION, KIND_TRENDING)
        state.removed_at[:3] = INF
        state.reshares[:3] = 0
        state.meta[layout.ROOTS] = 3
        trends = world.scenario.incident.trending is not None
        state.trend[:] = (0.0 if trends and layout.TREND_STEP <= self.horizon else INF,
                          0.0, -1.0, 0.0)

    @property
    def state(self) -> State:
        """The world's scratch state (its buffers may be replaced when they grow)."""
        return self.world.state

    @property
    def meta(self) -> np.ndarray:
        """The run's counters."""
        return self.world.state.meta

    # ------------------------------------------------------------ records

    @property
    def reaction_times(self) -> np.ndarray:
        """Reaction times, in the order they happened."""
        return self.state.r_time[: self.meta[layout.REACTIONS]]

    @property
    def reaction_accounts(self) -> np.ndarray:
        """The reacting accounts, aligned with :attr:`reaction_times`."""
        return self.state.r_account[: self.meta[layout.REACTIONS]]

    @property
    def reaction_sources(self) -> np.ndarray:
        """The account whose post (impression, article) each reaction answered."""
        return self.state.r_source[: self.meta[layout.REACTIONS]]

    def reaction_parents(self) -> np.ndarray:
        """Each reaction's parent in the who-exposed-whom tree: 0 the author, i + 1 reaction i.

        The parent is the reaction of the source account, or the author when the source is
        not in the tree (promoted, trending and article exposures, and a journalist who
        reacted only after the reader of its article).
        """
        sources = self.reaction_sources
        index = self.state.order[sources].astype(np.int64)
        inside = ((sources != self.replication.author) & (index >= 0)
                  & (index < np.arange(len(sources))))
        return np.where(inside, index + 1, 0)

    @property
    def post_account(self) -> np.ndarray:
        """Every story post through the follower graph: who posted ..."""
        return self.state.p_account[: self.meta[layout.POSTS]]

    @property
    def post_time(self) -> np.ndarray:
        """... when ..."""
        return self.state.p_time[: self.meta[layout.POSTS]]

    @property
    def post_root(self) -> np.ndarray:
        """... and the root item the post depends on."""
        return self.state.p_root[: self.meta[layout.POSTS]]

    @property
    def root_kind(self) -> np.ndarray:
        """Kind of every root item (trigger, promotion, trending, derived post, article)."""
        return self.state.root_kind[: self.meta[layout.ROOTS]]

    @property
    def removed_at(self) -> np.ndarray:
        """When each root item was removed (``inf``: never)."""
        return self.state.removed_at[: self.meta[layout.ROOTS]]

    @property
    def reshares(self) -> np.ndarray:
        """Reshares of each root item so far."""
        return self.state.reshares[: self.meta[layout.ROOTS]]

    # ------------------------------------------------------------ posting

    def post(self, account: int, t: float, root: int) -> None:
        """Account posts (or reshares) story item ``root`` at ``t``: expose its followers."""
        self._room(0)
        fast.post(self.world.net_handle, self.handle, self.world.state_handle, account, t,
                  root)

    def expose(self, accounts: np.ndarray, times: np.ndarray, reacts: np.ndarray, root: int,
               source: int) -> None:
        """Exposures that do not come through the follower graph (promotion, trends, articles)."""
        count = len(accounts)
        if count == 0:
            return
        self._room(2 * count)
        state = self.state
        needed = int(state.meta[layout.EXTRA]) + count
        if needed > state.x_account.shape[0]:
            self.world.grow("x", needed)
        fast.expose(self.handle, self.world.state_handle, accounts, times, reacts, root, source)

    def _room(self, more: int) -> None:
        needed = int(self.meta[layout.SIZE]) + more + 2 * self.world.max_degree + 2
        if needed > self.state.heap_key.shape[0]:
            self.world.grow("heap", needed)

    # ------------------------------------------------------------ advancing

    def run_until(self, until: float, inclusive: bool = False) -> None:
        """Process every candidate earlier than ``until`` (and than any macro event it creates)."""
        self.stop_at = until
        world = self.world
        while True:
            state = world.state
            first = state.trend[layout.NEXT_TICK]
            if state.meta[layout.SIZE] > 0:
                first = min(first, state.heap_key[0, 0])
            if first > self.stop_at or (first == self.stop_at and not inclusive):
                return
            status = fast.advance(world.net_handle, self.handle, world.state_handle,
                                  self.stop_at, inclusive, world.out)
            if status == layout.GROW:
                more = int(world.out[0])  # impressions a trending check is about to make
                self._room(2 * more)
                world.grow("x", int(state.meta[layout.EXTRA]) + more)
            elif status == layout.ARTICLE:
                if self.scheduler is not None:
                    self.scheduler.publish(float(world.out[0]), int(world.out[1]))
            else:
                return

    def settle(self, until: float) -> None:
        """Count every valid exposure up to ``until`` (:func:`sim.engine.ledger.settle`)."""
        world = self.world
        state = world.state
        if state.meta[layout.RUNS] >= state.runs.shape[0]:  # room for one more run
            world.grow("runs", 2 * state.runs.shape[0])
        while ledger.settle(world.net_handle, self.handle, world.state_handle, until,
                            world.out) == layout.GROW:
            world.grow("defer", int(world.out[0]))

    def go_online(self) -> None:
        """From now on, count story exposures through the follower graph as they are made.

        Only when nothing can void them any more, and after settling every earlier post.
        """
        assert self.meta[layout.POSTS_SETTLED] == self.meta[layout.POSTS]
        self.tables.params[layout.ONLINE] = layout.EVERY_KIND

    def reactions_since(self, t: float) -> int:
        """Reactions after ``t`` (they are recorded in time order)."""
        times = self.reaction_times
        return len(times) - int(np.searchsorted(times, t, side="right"))

    def new_root(self, kind: int) -> int:
        """Create a new root item (an article)."""
        state = self.state
        index = int(state.meta[layout.ROOTS])
        state.root_kind[index] = kind
        state.removed_at[index] = INF
        state.reshares[index] = 0
        state.meta[layout.ROOTS] = index + 1
        return index

    def remove(self, root: int, t: float) -> None:
        """Remove a root item at ``t``: later exposures through it (and its reshares) are void."""
        removed = self.state.removed_at
        removed[root] = min(removed[root], t)

    def set_support_effect(self, effect: float) -> None:
        """The reaction multiplier of accounts that have seen a supportive post."""
        self.tables.params[layout.SUPPORT_EFFECT] = effect

    # ------------------------------------------------------------ media

    def add_news_factor(self, since: float, factor: float) -> None:
        """From ``since`` on, newsworthiness is multiplied by ``factor``."""
        k = int(self.meta[layout.FACTORS])
        self.tables.factor_time[k] = since
        self.tables.factor_value[k] = factor
        self.meta[layout.FACTORS] = k + 1

    # ------------------------------------------------------------ responses

    def issue_statement(self, t: float, effect: float, share_probability: float) -> int:
        """Open a new statement's row and post it from the brand's account; return its index."""
        index = int(self.meta[layout.STATEMENTS])
        if index >= self.state.seen.shape[0]:
            raise RuntimeError("more statements than the policy declares")
        self.tables.effect[index] = effect
        self.tables.share_probability[index] = share_probability
        self.meta[layout.STATEMENTS] = index + 1
        brand = self.world.brand
        if brand >= 0:
            self._room(0)
            fast.spread_statement(self.world.net_handle, self.handle, self.world.state_handle,
                                  index, brand, t)
        return index

    def support_post(self, action: int, number: int, account: int, t: float) -> None:
        """``account`` writes supportive post ``number`` of advocates action ``action`` at ``t``."""
        fast.spread_support(self.world.net_handle, self.handle, self.world.state_handle, action,
                            number, account, t)
