"""The story's cascade, advanced exactly in continuous time between macro events.

A post by account u at time t exposes each follower v at ``t + D_uv`` (the follow's
delay in the :class:`~sim.engine.world.World`). The fan-out is vectorised: all of
u's exposures are computed at once, recorded compactly, and only the exposures
that *could* lead to a reaction (their uniform is below an upper bound of the
reaction probability) enter a heap as candidates. Candidates are popped in time
order; at pop time the exact probability is evaluated with everything known by
then (earlier reactions, removals, statements seen), which is exact because
nothing that happens later can change the past.

Items: every exposure names the *root* item it depends on. A reshare has the root
of what it reshares; a derived post is its own root. An exposure at time t is valid
unless its root was removed before t.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.engine import delays
from sim.engine.world import World

TRIGGER, PROMOTION, TRENDING = 0, 1, 2
KIND_TRIGGER, KIND_PROMOTION, KIND_TRENDING, KIND_DERIVED, KIND_ARTICLE = range(5)
REACT, MEDIA, STATEMENT = 0, 1, 2
INF = math.inf


@dataclass
class Statement:
    """A response issued by the organisation: who has seen it, and from when."""

    issued: float
    effect: float
    share_probability: float
    seen: np.ndarray
    shared: np.ndarray


@dataclass
class Cascade:
    """Mutable state of one policy's run in one replication."""

    world: World
    effect_cap: float
    media_rng: np.random.Generator
    policy_rng: np.random.Generator
    reacted_at: np.ndarray = field(init=False)
    parent: np.ndarray = field(init=False)
    heap: list[tuple[Any, ...]] = field(default_factory=list)
    counter: int = 0
    stop_at: float = INF
    reaction_times: list[float] = field(default_factory=list)
    reaction_accounts: list[int] = field(default_factory=list)
    post_account: list[int] = field(default_factory=list)
    post_time: list[float] = field(default_factory=list)
    post_root: list[int] = field(default_factory=list)
    extra: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    root_kind: list[int] = field(default_factory=lambda: [KIND_TRIGGER, KIND_PROMOTION,
                                                          KIND_TRENDING])
    removed_at: list[float] = field(default_factory=lambda: [INF, INF, INF])
    reshares: list[int] = field(default_factory=lambda: [0, 0, 0])
    statements: list[Statement] = field(default_factory=list)
    support_seen: np.ndarray | None = None
    support_effect: float = 1.0
    news_factors: list[tuple[float, float]] = field(default_factory=list)
    filed: set[int] = field(default_factory=set)
    articles: list[float] = field(default_factory=list)
    scheduler: Any = None
    tracker: Any = None

    def __post_init__(self) -> None:
        n = self.world.graph.accounts
        self.reacted_at = np.full(n, INF)
        self.parent = np.full(n, -1, dtype=np.int64)
        scenario = self.world.scenario
        self.novelty_curve = scenario.behaviour.novelty
        self.derived_fraction = scenario.behaviour.derived_fraction
        self.has_media = scenario.media is not None
        self.offsets = self.world.graph.offsets
        self.followers = self.world.graph.followers
        segments = scenario.segments or {}
        multiplier = np.array([s.share_multiplier for s in segments.values()] + [0.0])
        self.share_multiplier = multiplier[self.world.graph.segment]
        attentions = self.world.segment_attention
        self.single_attention = attentions[0] if len(set(attentions)) == 1 else None

    # ------------------------------------------------------------ posting

    def novelty(self, t: float) -> float:
        """Novelty of the story at time ``t`` (seconds after it started)."""
        curve = self.novelty_curve
        if not hasattr(curve, "half_life"):
            return 1.0
        return math.exp(-math.log(2.0) * (max(t, 0.0) / curve.half_life) ** curve.beta)

    def post(self, account: int, t: float, root: int) -> None:
        """Account posts (or reshares) story item ``root`` at ``t``: expose its followers."""
        start, stop = int(self.offsets[account]), int(self.offsets[account + 1])
        if start == stop:
            return
        self.post_account.append(account)
        self.post_time.append(t)
        self.post_root.append(root)
        followers = self.followers[start:stop]
        times = t + self.world.edge_delay[start:stop]
        uniforms = self.world.edge_uniform[start:stop]
        self._candidates(followers, times, uniforms, root, account)
        if self.tracker is not None:
            ok = times <= self.world.horizon
            self.tracker.add(followers[ok], times[ok], root)

    def expose(self, accounts: np.ndarray, times: np.ndarray, uniforms: np.ndarray, root: int,
               source: int) -> None:
        """Exposures that do not come through the follower graph (promotion, trends, articles)."""
        ok = times <= self.world.horizon
        accounts, times, uniforms = accounts[ok], times[ok], uniforms[ok]
        self.extra.append((accounts.astype(np.int64), times, np.full(len(times), root)))
        self._candidates(accounts, times, uniforms, root, source)
        if self.tracker is not None:
            self.tracker.add(accounts, times, root)

    def _candidates(self, accounts: np.ndarray, times: np.ndarray, uniforms: np.ndarray,
                    root: int, source: int) -> None:
        horizon = self.world.horizon
        base = self.world.base_p[accounts]
        upper = base * self.effect_cap * delays.novelty(self.novelty_curve, times)
        chosen = np.flatnonzero((times <= horizon) & (uniforms < upper))
        heap = self.heap
        for i in chosen.tolist():
            self.counter += 1
            heapq.heappush(heap, (float(times[i]), self.counter, REACT, int(accounts[i]), root,
                                  float(uniforms[i]), source))
        if self.has_media:
            press = np.flatnonzero(self.world.journalist[accounts] & (times <= horizon))
            for i in press.tolist():
                self.counter += 1
                heapq.heappush(heap, (float(times[i]), self.counter, MEDIA, int(accounts[i]),
                                      root, 0.0, source))

    def push(self, t: float, kind: int, account: int, root: int, uniform: float,
             source: int) -> None:
        """Add one candidate event (used for statement reshares)."""
        self.counter += 1
        heapq.heappush(self.heap, (t, self.counter, kind, account, root, uniform, source))

    # ------------------------------------------------------------ advancing

    def next_time(self) -> float:
        """Time of the earliest pending candidate (``inf`` if none)."""
        return self.heap[0][0] if self.heap else INF

    def run_until(self, until: float, inclusive: bool = False) -> None:
        """Process every candidate earlier than ``until`` (and than any macro event it creates)."""
        self.stop_at = until
        heap = self.heap
        while heap:
            t = heap[0][0]
            if t > self.stop_at or (t == self.stop_at and not inclusive):
                break
            _, _, kind, account, root, uniform, source = heapq.heappop(heap)
            if kind == REACT:
                self._react(t, account, root, uniform, source)
            elif kind == MEDIA:
                self._pickup(t, account, root)
            else:
                self._share_statement(t, account, root)

    def _react(self, t: float, account: int, root: int, uniform: float, source: int) -> None:
        if self.reacted_at[account] != INF or self.removed_at[root] < t:
            return
        p = self.world.base_p[account] * self.novelty(t) * self.effects(account, t)
        if uniform >= p:
            return
        self.reacted_at[account] = t
        self.parent[account] = source
        self.reaction_times.append(t)
        self.reaction_accounts.append(account)
        kind = self.root_kind[root]
        derived = (kind in (KIND_TRENDING, KIND_ARTICLE)
                   or self.world.derived_uniform[account] < self.derived_fraction)
        if derived:
            new_root = self.new_root(KIND_DERIVED)
        else:
            new_root = TRIGGER if root == PROMOTION else root
            self.reshares[new_root] += 1
        self.post(account, t, new_root)

    def effects(self, account: int, t: float) -> float:
        """Product of the response effects this account has seen by ``t``."""
        product = 1.0
        for statement in self.statements:
            if statement.seen[account] <= t:
                product *= statement.effect
        if self.support_seen is not None and self.support_seen[account] <= t:
            product *= self.support_effect
        return product

    def new_root(self, kind: int) -> int:
        """Create a new root item (a derived post or an article)."""
        self.root_kind.append(kind)
        self.removed_at.append(INF)
        self.reshares.append(0)
        return len(self.root_kind) - 1

    def remove(self, root: int, t: float) -> None:
        """Remove a root item at ``t``: later exposures through it (and its reshares) are void."""
        self.removed_at[root] = min(self.removed_at[root], t)

    # ------------------------------------------------------------ media

    def newsworthiness(self, t: float) -> float:
        """min(1, log(1 + reactions) / log(1 + saturation)) times the policy's multipliers."""
        media = self.world.scenario.media
        assert media is not None
        value = min(1.0, math.log1p(len(self.reaction_times)) / math.log1p(media.saturation))
        for since, factor in self.news_factors:
            if since <= t:
                value *= factor
        return value

    def _pickup(self, t: float, journalist: int, root: int) -> None:
        if journalist in self.filed or self.removed_at[root] < t:
            return
        media = self.world.scenario.media
        assert media is not None
        chance = media.pickup_probability * self.newsworthiness(t)
        if self.media_rng.random() >= chance:
            return
        self.filed.add(journalist)
        published = t + float(delays.sample(media.writing_delay, self.media_rng, 1)[0])
        if published <= self.world.horizon and self.scheduler is not None:
            self.scheduler.publish(published, journalist)

    # ------------------------------------------------------------ statements

    def _share_statement(self, t: float, account: int, index: int) -> None:
        statement = self.statements[index]
        if statement.shared[account]:
            return
        self.spread_statement(index, account, t)

    def spread_statement(self, index: int, account: int, t: float) -> None:
        """``account`` posts statement ``index`` at ``t``: its followers see it after their delays.

        Each follower reshares it, once at most, with the statement's share probability
        times its segment's share multiplier.
        """
        statement = self.statements[index]
        statement.shared[account] = True
        start, stop = int(self.offsets[account]), int(self.offsets[account + 1])
        if start == stop:
            return
        accounts = self.followers[start:stop]
        times = t + self.world.edge_response_delay[start:stop]
        ok = times <= self.world.horizon
        accounts, times = accounts[ok], times[ok]
        np.minimum.at(statement.seen, accounts, times)
        chance = statement.share_probability * self.share_multiplier[accounts]
        sharers = np.flatnonzero(self.policy_rng.random(len(accounts)) < chance)
        for i in sharers.tolist():
            self.push(float(times[i]), STATEMENT, int(accounts[i]), index, 0.0, -1)

    def attention_delays(self, accounts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Attention delays of ``accounts`` (by their segments), drawn from ``rng``."""
        if self.single_attention is not None:
            return delays.sample(self.single_attention, rng, len(accounts))  # type: ignore[arg-type]
        attentions = self.world.segment_attention
        out = np.empty(len(accounts), dtype=np.float64)
        segment = self.world.graph.segment[accounts]
        for index, dist in enumerate(attentions):
            mask = segment == index
            if mask.any():
                out[mask] = delays.sample(dist, rng, int(mask.sum()))  # type: ignore[arg-type]
        out[segment < 0] = delays.sample(attentions[0], rng, int((segment < 0).sum()))  # type: ignore[arg-type]
        return out
