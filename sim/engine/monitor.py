"""The social-listening monitor: samples metrics at intervals and fires ``when`` triggers.

Reach, negative reach and the exposure index are read from the ledger
(:mod:`sim.engine.ledger`) after settling every exposure up to the sample's time: the same
routine and the same counts as the metrics, so a trigger fires on exactly the quantity
the report shows.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from sim.engine import layout
from sim.scenario.schema import Action
from sim.scenario.values import HOUR

if TYPE_CHECKING:
    from sim.engine.cascade import Cascade

REACH_METRICS = ("reach", "negative_reach", "exposure")  # read from the ledger


def reach_counts(cascade: Cascade) -> dict[str, float]:
    """Reach, negative reach and the exposure index from the ledger's counts so far."""
    state = cascade.state
    world = cascade.world
    per_segment = state.seg_reach.astype("float64")
    media = world.media
    offline = 0.0 if media is None else (
        len(cascade.articles) * media.offline_audience * media.offline_weight)
    return {
        "reach": float(state.meta[layout.REACHED]),
        "negative_reach": float(per_segment @ world.seg_negative),
        "exposure": float(per_segment @ world.seg_weight) + offline,
    }


class Monitor:
    """Samples metrics every ``interval`` and fires the triggers of ``when`` actions."""

    def __init__(self, env: simpy.Environment, cascade: Cascade, interval: float, *,
                 can_go_online: bool = False) -> None:
        self.env = env
        self.cascade = cascade
        self.interval = interval
        self.watches: list[tuple[Action, simpy.Event]] = []
        self.needs_reach = False
        self.can_go_online = can_go_online

    def watch(self, action: Action) -> simpy.Event:
        """An event that succeeds at the first sample where the action's metric is above."""
        event = self.env.event()
        self.watches.append((action, event))
        assert action.when is not None
        self.needs_reach |= action.when.metric in REACH_METRICS
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
        if self.needs_reach:
            cascade.settle(now)
            values.update(reach_counts(cascade))
        return values

    def process(self) -> Generator[Any, Any, None]:
        """Sample at ``interval``, ``2 * interval``, ... while any trigger is still waiting."""
        horizon = self.cascade.horizon
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
        if self.needs_reach and not self.watches and self.can_go_online:
            # nobody reads the reach before the horizon any more, and nothing can void an
            # exposure through the follower graph: count the posts still to come as they are
            # made (the ledger's counts end the same: counting does not depend on the order)
            self.cascade.settle(self.env.now)
            self.cascade.go_online()
