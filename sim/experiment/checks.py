"""Warnings on a run's results: answers that do not mean what they seem to.

A result is misleading when the incident saturates its audience (the network is too small
for it, so every policy looks alike), when a ``when`` trigger never fires (the policy is
the baseline in disguise), when a policy gives exactly the baseline's numbers, or when a
segment has no accounts. :func:`result_warnings` says each of these in a sentence; the
command line prints them and the report shows them at the top (docs/report.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.formatting import readable
from sim.metrics import METRICS
from sim.network.build import segment_counts
from sim.scenario import metric_registry
from sim.scenario.advice import scenario_warnings

if TYPE_CHECKING:
    from sim.experiment.results import Results
    from sim.network.graph import Graph

SATURATION = 0.5  # reach above this share of the audience ...
MOST = 0.5  # ... in more than this share of replications is saturation


def audience_of(graph: Graph) -> dict[str, Any]:
    """The audience's size and its segments' sizes (the brand and a made author excluded)."""
    segment = graph.segment[: graph.accounts]
    counts = np.bincount(segment[segment >= 0], minlength=len(graph.segment_names))
    extra = int(graph.author is not None)
    counts[0] -= extra if len(counts) else 0  # the made author is in the first segment
    return {"accounts": graph.audience,
            "segments": {name: int(c) for name, c in zip(graph.segment_names, counts,
                                                        strict=True)}}


def _audience(results: Results) -> dict[str, Any] | None:
    if results.audience is not None:
        return results.audience
    scenario = results.scenario
    network = scenario.network
    if network.generator is None or network.accounts is None:
        return None  # a file network's sizes are known once it is loaded
    segments = scenario.segments or {}
    counts = segment_counts([s.fraction or 0.0 for s in segments.values()], network.accounts)
    return {"accounts": network.accounts,
            "segments": {name: int(c) for name, c in zip(segments, counts, strict=True)}}


def result_warnings(results: Results) -> list[str]:
    """Every warning about ``results``, as sentences (empty when there is nothing to say)."""
    scenario = results.scenario
    out = scenario_warnings(scenario)
    audience = _audience(results)
    n = len(results.replications)
    if audience is not None:
        for name, count in audience["segments"].items():
            if count == 0:
                out.append(f"segment {name!r} has no accounts: its settings change nothing")
        accounts = audience["accounts"]
        for policy in results.policies:
            reach = results.metric(policy, "reach")
            saturated = int(np.sum(reach > SATURATION * accounts))
            if accounts and saturated > MOST * n:
                out.append(
                    f"policy {policy!r} reached more than half of the audience "
                    f"({readable(accounts)} accounts) in {saturated} of {n} replications: the "
                    f"network is too small for this incident, so the policies' differences "
                    f"are understated; use a larger audience")
    outcomes = [METRICS.index(m) for m in metric_registry.names(per_replication=True,
                                                                 outcome=True)]
    baseline = results.metrics[0][:, outcomes]
    for p, policy in enumerate(results.policies):
        if p > 0 and np.array_equal(results.metrics[p][:, outcomes], baseline, equal_nan=True):
            out.append(f"policy {policy!r} gave exactly the baseline's outcomes in every "
                       f"replication: its actions changed nothing about the incident")
        actions = scenario.policies[p].actions
        for a, action in enumerate(actions):
            if action.when is None or not np.all(np.isnan(results.actions_h[p, :, a])):
                continue
            metric = action.when.metric
            shown = "peak_reactions_per_hour" if metric not in METRICS else metric
            values = results.metric(policy, shown)
            highest = float(np.nanmax(values)) if np.any(~np.isnan(values)) else 0.0
            out.append(
                f"policy {policy!r}: the trigger of action {a + 1} ({action.do} when "
                f"{metric} is above {readable(action.when.above)}) never fired in any "
                f"replication; the highest {metric} reached was {readable(highest)}")
    return out
