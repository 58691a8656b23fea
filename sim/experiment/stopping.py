"""How many replications to run: a fixed number, or ``auto`` until precise enough.

``replications: auto`` runs stages of replications. After each stage it computes, for
every non-baseline policy, the 95% BCa interval of the paired difference from the
baseline in the primary metric (``risk.metric``, default ``exposure``), exactly as
``summary.json`` reports it. It stops when every interval's half-width is at or below
the target (``precision``: absolute, or a share of the baseline's mean), or when
``max_replications`` is reached. With the baseline alone, the half-width of the
baseline mean's t interval is used instead.

Each stage adds what the current half-widths project as needed (with a 20% margin), at
least 20 and at most as many as already run (so a noisy early estimate cannot overshoot
far). Stage sizes depend only on the results so far, never on timing or on the number of
workers, so an auto run is reproducible and stops where a rerun would.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.experiment.runner import Decision, ReplicationRow
from sim.metrics import METRICS
from sim.randomness.seeds import bootstrap_stream
from sim.scenario.schema import Scenario
from sim.stats import half_width, mean_ci, paired

FIRST_STAGE = 50  # replications before the first look
MIN_STAGE = 20  # the least added by a later stage
STAGE_ROUND = 10  # stages end on multiples of this
GROWTH = 1.2  # margin on the projected number needed


class Fixed:
    """Run exactly ``count`` replications."""

    def __init__(self, count: int) -> None:
        self.count = count

    def first(self) -> int:
        """All of them in one stage."""
        return self.count

    def decide(self, results: list[ReplicationRow]) -> Decision:
        """Always stop: the number was fixed."""
        return Decision("replications")


class Auto:
    """Add stages of replications until the paired differences are precise enough."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.metric = scenario.risk_metric
        self.index = METRICS.index(self.metric)
        self.maximum = scenario.max_replications

    def first(self) -> int:
        """The first stage."""
        return min(FIRST_STAGE, self.maximum)

    def decide(self, results: list[ReplicationRow]) -> Decision:
        """Stop, or say how many replications to have after the next stage."""
        n = len(results)
        # [policy, replication]
        values = np.stack([r.metrics[:, self.index] for r in results], axis=1)
        details = self.precision(values)
        widths = list(details["half_widths"].values())
        target = details["target"]
        if all(w <= target for w in widths):
            return Decision("precision", details=details)
        if n >= self.maximum:
            return Decision("max_replications", details=details)
        worst = max(widths)
        needed = n * (worst / target) ** 2 * GROWTH if target > 0 and math.isfinite(worst) else 0
        step = min(max(MIN_STAGE, math.ceil(needed) - n), n)  # at most doubling per stage
        step = math.ceil(step / STAGE_ROUND) * STAGE_ROUND
        return Decision(None, next=min(n + step, self.maximum), details=details)

    def precision(self, values: np.ndarray) -> dict[str, Any]:
        """The target half-width and each policy's current one (``values[policy, rep]``)."""
        names = [p.name for p in self.scenario.policies]
        baseline = values[0]
        target = self.scenario.precision.target(float(np.nanmean(baseline)))
        if len(names) == 1:
            widths = {names[0]: half_width(mean_ci(baseline)[1])}
        else:
            widths = {
                name: half_width(paired(values[p], baseline,
                                        bootstrap_stream(self.scenario.seed, p, self.index))
                                 ["diff_ci95"])
                for p, name in enumerate(names) if p > 0
            }
        return {"metric": self.metric, "target": target, "half_widths": widths}


def rule_for(scenario: Scenario) -> Fixed | Auto:
    """The stopping rule of ``scenario.replications``."""
    if scenario.replications == "auto":
        return Auto(scenario)
    assert isinstance(scenario.replications, int)
    return Fixed(scenario.replications)
