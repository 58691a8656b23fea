"""Stylised facts of real cascades, measured on a scenario's simulated posts.

The facts (docs/validation.md) are what real retweet, rumour and hashtag cascades show and
what the model's defaults were chosen to reproduce: how many posts are never reshared, the
tail of cascade sizes, the depth, structural virality and timing of big cascades, and how
reactions spread over time. :func:`sample` runs replications of a scenario's first policy
and keeps what the facts need; :func:`facts` turns a sample into the facts, each with a 95%
interval, beside its reference value and source (:data:`REFERENCES`).

A cascade's *size* counts its nodes: the post and every reaction (``reactions + 1``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.engine.kernel import simulate
from sim.engine.world import World
from sim.metrics import compute
from sim.network.graph import Graph
from sim.policies.actions import RULES
from sim.scenario.schema import Scenario
from sim.scenario.values import HOUR
from sim.stats import Z975, fit_power_law, wilson

MINUTE = HOUR / 60
BIG = 56  # cascades of at least this size are "big" (the measurements)
SHALLOW = 3  # depth at most this is shallow
WINDOWS = (("within_5m", 0.0, 5 * MINUTE), ("within_1h", 0.0, HOUR),
           ("after_24h", 24 * HOUR, math.inf))


@dataclass(frozen=True)
class Reference:
    """A published or measured value of a fact: its range and where it comes from."""

    low: float
    high: float
    source: str


REAL_CASCADES = ("60 real retweet cascades of the SEISMIC data (Zhao et al. 2015, as shipped "
                 "with TiDeH); selected for being huge, so shares only")
REFERENCES: dict[str, Reference] = {
    "never_reshared": Reference(0.86, 0.93, "ordinary posts that get no reshare: about 93% "
                                "86-93% over published and measured samples"),
    "tail_exponent": Reference(2.1, 2.3, "cascade-size tail exponent of real cascades, as "
                               "measured for issue 11"),
    "big_median_depth": Reference(3.0, 3.0, "big cascades (size >= 56), median depth; Goel "
                                  "et al. 2016 and rumour trees"),
    "big_shallow_share": Reference(0.5, 1.0, "big cascades with depth <= 3: over half"),
    "big_median_virality": Reference(2.3, 2.7, "median structural virality of big cascades "
                                     "(Goel et al., Management Science 2016; rumour trees)"),
    "big_median_time_to_half_h": Reference(40 / 60, 50 / 60, "median time to half of a big "
                                           "cascade's final size in real rumour trees"),
    "reactions_within_5m": Reference(0.11, 0.14, "share of reactions within 5 minutes"),
    "reactions_within_1h": Reference(0.36, 0.49, "share of reactions within 1 hour (Kwak et "
                                     "al. 2010: about half of retweets within an hour)"),
    "reactions_after_24h": Reference(0.04, 0.14, "share of reactions after 24 hours"),
    "first_hop_within_5m": Reference(0.16, 0.16, "first hop (author to direct resharer) within "
                                     "5 minutes"),
    "first_hop_within_1h": Reference(0.51, 0.51, "first hop within 1 hour"),
    "first_hop_after_24h": Reference(0.09, 0.09, "first hop after 24 hours"),
}


@dataclass
class Sample:
    """What :func:`sample` keeps of each replication (the reaction times are pooled)."""

    sizes: list[int] = field(default_factory=list)
    depths: list[float] = field(default_factory=list)
    virality: list[float] = field(default_factory=list)
    time_to_half_h: list[float] = field(default_factory=list)
    counts: dict[str, list[int]] = field(default_factory=dict)  # per replication, per window

    def add(self, name: str, value: int) -> None:
        """Append ``value`` to the per-replication counts ``name``."""
        self.counts.setdefault(name, []).append(value)


def sample(scenario: Scenario, graph: Graph, replications: int,
           progress: Callable[[int], None] | None = None, first: int = 0) -> Sample:
    """Run replications ``first .. first + replications - 1`` of the first policy."""
    world = World(scenario, graph)
    world.prepare()
    policy = scenario.policies[0]
    out = Sample()
    for index in range(first, first + replications):
        replication = world.replication(index)
        run = simulate(world, policy, replication, RULES)
        values, _ = compute(run)
        times = run.cascade.reaction_times
        first_hop = times[run.cascade.reaction_parents() == 0]
        out.sizes.append(len(times) + 1)
        out.depths.append(values["max_depth"])
        out.virality.append(values["structural_virality"])
        out.time_to_half_h.append(values["time_to_half_h"])
        out.add("reactions", len(times))
        out.add("first_hop", len(first_hop))
        for name, low, high in WINDOWS:
            out.add(f"reactions_{name}", int(np.sum((times > low) & (times <= high))))
            out.add(f"first_hop_{name}", int(np.sum((first_hop > low) & (first_hop <= high))))
        world.release(replication.author)
        if progress is not None:
            progress(1)
    return out


def ratio(numerators: list[int], denominators: list[int]) -> dict[str, Any]:
    """A pooled share ``sum(a) / sum(n)`` over replications, with a 95% interval.

    The replications are the independent units (reactions of one cascade are not), so the
    interval is the ratio estimator's, from its linearised variance across replications.
    """
    a = np.asarray(numerators, dtype=np.float64)
    n = np.asarray(denominators, dtype=np.float64)
    total = n.sum()
    if total <= 0:
        return {"value": math.nan, "ci95": [math.nan, math.nan], "n": 0}
    r = a.sum() / total
    k = len(n)
    residual = a - r * n
    se = math.sqrt(k / max(1, k - 1) * float(np.sum(residual**2))) / total
    return {"value": float(r), "ci95": [float(r - Z975 * se), float(r + Z975 * se)],
            "n": int(total)}


def median(values: np.ndarray) -> dict[str, Any]:
    """A median with its distribution-free 95% interval (binomial order statistics)."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return {"value": math.nan, "ci95": [math.nan, math.nan], "n": 0}
    half = Z975 * math.sqrt(n) / 2
    low = max(0, int(math.floor(n / 2 - half)))
    high = min(n - 1, int(math.ceil(n / 2 + half)))
    return {"value": float(np.median(x)), "ci95": [float(x[low]), float(x[high])], "n": n}


def share(successes: int, n: int) -> dict[str, Any]:
    """A share with its Wilson interval."""
    return {"value": successes / n if n else math.nan, "ci95": wilson(successes, n), "n": n}


def tail_exponent(sizes: np.ndarray) -> dict[str, Any]:
    """The discrete power-law MLE of the sizes' tail (xmin by the KS distance), 95% interval.

    The interval is the MLE's asymptotic one, ``(alpha - 1) / sqrt(n_tail)`` (Clauset,
    Shalizi & Newman 2009, eq. 3.6), for the chosen xmin.
    """
    fit = fit_power_law(np.asarray(sizes))
    if fit is None:
        return {"value": math.nan, "ci95": [math.nan, math.nan], "n": 0, "xmin": None}
    se = (fit.exponent - 1.0) / math.sqrt(fit.tail)
    return {"value": fit.exponent, "ci95": [fit.exponent - Z975 * se, fit.exponent + Z975 * se],
            "n": fit.tail, "xmin": fit.xmin}


def spread_facts(s: Sample) -> dict[str, dict[str, Any]]:
    """Posts by random authors: the never-reshared share and the size tail."""
    sizes = np.asarray(s.sizes)
    return {"never_reshared": share(int(np.sum(sizes == 1)), len(sizes)),
            "tail_exponent": tail_exponent(sizes)}


def shape_facts(s: Sample) -> dict[str, dict[str, Any]]:
    """Big cascades' depth, virality and timing, and the pooled shares of reactions in time."""
    sizes = np.asarray(s.sizes)
    big = sizes >= BIG
    depths = np.asarray(s.depths)[big]
    out = {
        "big_cascades": share(int(big.sum()), len(sizes)),
        "big_median_depth": median(depths),
        "big_shallow_share": share(int(np.sum(depths <= SHALLOW)), int(big.sum())),
        "big_median_virality": median(np.asarray(s.virality)[big]),
        "big_median_time_to_half_h": median(np.asarray(s.time_to_half_h)[big]),
    }
    return out | timing_facts(s)


def timing_facts(s: Sample) -> dict[str, dict[str, Any]]:
    """The pooled shares of reactions (and of first-hop reactions) in each time window."""
    out = {}
    for group in ("reactions", "first_hop"):
        for name, _, _ in WINDOWS:
            out[f"{group}_{name}"] = ratio(s.counts[f"{group}_{name}"], s.counts[group])
    return out


def with_references(facts: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each fact with its reference range and source, where there is one."""
    out = {}
    for name, fact in facts.items():
        reference = REFERENCES.get(name)
        out[name] = fact if reference is None else fact | {
            "reference": [reference.low, reference.high], "source": reference.source}
    return out
