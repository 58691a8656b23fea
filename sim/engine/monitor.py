"""The social-listening monitor: samples metrics at intervals and fires ``when`` triggers."""

from __future__ import annotations

import heapq
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.engine import fast
from sim.scenario.schema import Action
from sim.scenario.values import HOUR

if TYPE_CHECKING:
    from sim.engine.cascade import Cascade
    from sim.engine.world import World



class ReachTracker:
    """Reach, negative reach and exposure as of the monitor's sample times.

    Exposures are recorded as they are generated, often for future times. At a sample at
    time t, the exposures up to t are final (no later removal can void them), so each batch
    is consumed in time order: a heap keyed by each batch's earliest pending exposure.
    """

    def __init__(self, world: World, cascade: Cascade) -> None:
        self.world = world
        self.cascade = cascade
        self.first = np.full(world.graph.accounts, np.inf)
        self.batches: list[tuple[float, int, np.ndarray, np.ndarray, np.ndarray]] = []
        self.count = 0
        self.reach = 0
        self.negative_reach = 0
        self.weight = 0.0
        self.negative = (world.graph.stance <= 0) & (world.graph.segment >= 0)
        self.posts_seen = 0

    def add(self, accounts: np.ndarray, times: np.ndarray, roots: int | np.ndarray) -> None:
        """Record exposures at ``times`` through ``roots`` (one root, or one per exposure)."""
        if len(times) == 0:
            return
        order = np.argsort(times, kind="stable")
        roots = np.broadcast_to(np.asarray(roots, dtype=np.int64), times.shape)
        self.count += 1
        heapq.heappush(self.batches, (float(times[order[0]]), self.count, accounts[order],
                                      times[order], roots[order]))

    def _ingest_posts(self) -> None:
        """Turn the posts made since the last sample into exposure batches."""
        cascade = self.cascade
        posters = cascade.post_account[self.posts_seen:]
        if len(posters) == 0:
            return
        graph = self.world.graph
        never = np.full(len(cascade.removed_at), np.inf)  # removals are checked when sampled
        accounts, times, roots = fast.post_exposures(
            posters, cascade.post_time[self.posts_seen:], cascade.post_root[self.posts_seen:],
            graph.offsets, graph.followers, self.world.edge_delay, self.world.horizon, never,
            graph.segment)
        self.posts_seen += len(posters)
        self.add(accounts, times, roots)

    def advance(self, t: float) -> None:
        """Account for every exposure at or before ``t``."""
        self._ingest_posts()
        removed = self.cascade.removed_at
        while self.batches and self.batches[0][0] <= t:
            _, number, accounts, times, roots = heapq.heappop(self.batches)
            cut = int(np.searchsorted(times, t, side="right"))
            valid = times[:cut] <= removed[roots[:cut]]
            self._reach(accounts[:cut][valid])
            if cut < len(times):
                heapq.heappush(self.batches, (float(times[cut]), number, accounts[cut:],
                                              times[cut:], roots[cut:]))

    def _reach(self, accounts: np.ndarray) -> None:
        graph = self.world.graph
        new = np.unique(accounts[(self.first[accounts] == np.inf) & (graph.segment[accounts] >= 0)])
        if len(new) == 0:
            return
        self.first[new] = 0.0  # reached (the exact time is computed after the run)
        self.reach += len(new)
        self.negative_reach += int(self.negative[new].sum())
        self.weight += float(graph.weight[new].astype(np.float64).sum())


class Monitor:
    """Samples metrics every ``interval`` and fires the triggers of ``when`` actions."""

    def __init__(self, env: simpy.Environment, cascade: Cascade, interval: float) -> None:
        self.env = env
        self.cascade = cascade
        self.interval = interval
        self.watches: list[tuple[Action, simpy.Event]] = []

    def watch(self, action: Action) -> simpy.Event:
        """An event that succeeds at the first sample where the action's metric is above."""
        event = self.env.event()
        self.watches.append((action, event))
        return event

    def metrics(self) -> dict[str, float]:
        """The metrics as the monitor sees them now."""
        cascade = self.cascade
        now = self.env.now
        values: dict[str, float] = {
            "reactions": float(len(cascade.reaction_times)),
            "reactions_per_hour": float(cascade.reactions_since(now - HOUR)),
            "articles": float(len(cascade.articles)),
        }
        tracker = cascade.tracker
        if tracker is not None:
            tracker.advance(now)
            media = cascade.world.scenario.media
            offline = 0.0 if media is None else (
                len(cascade.articles) * media.offline_audience * media.offline_weight)
            values.update(reach=float(tracker.reach),
                          negative_reach=float(tracker.negative_reach),
                          exposure=tracker.weight + offline)
        return values

    def process(self) -> Generator[Any, Any, None]:
        """Sample at ``interval``, ``2 * interval``, ... while any trigger is still waiting."""
        horizon = self.cascade.world.horizon
        while self.watches and self.env.now + self.interval <= horizon:
            yield self.env.timeout(self.interval)
            seen = self.metrics()
            waiting = []
            for action, event in self.watches:
                assert action.when is not None
                if seen[action.when.metric] > action.when.above:
                    event.succeed(self.env.now)
                else:
                    waiting.append((action, event))
            self.watches = waiting
