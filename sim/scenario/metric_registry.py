"""Every metric, declared once: its name, words for a reader, unit, direction and uses.

The scenario schema (which metrics a ``when`` trigger and ``risk.metric`` accept), the
metrics' computation (:mod:`sim.metrics`, which registers one compute function per
per-replication metric), the summary's ``prob_better`` (lower is better, or higher), the
report and the generated reference all read this table. Adding a metric is one
:func:`register` call here plus its compute function in :mod:`sim.metrics` (or, for a
trigger-only metric, its reading in the monitor).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.errors import FlashpointError


@dataclass(frozen=True)
class Metric:
    """One metric.

    Attributes:
        name: the column of ``replications.csv`` and the key everywhere.
        label: a plain-language name, for reports.
        unit: what it counts or measures ("accounts", "hours"...).
        definition: one line, for a reader without the docs.
        lower_is_better: whether a lower value is the better outcome (times to a bad event
            are the exception: later is better).
        per_replication: a column of ``replications.csv`` (False: only the monitor sees it).
        trigger: a ``when: {metric: ...}`` trigger may watch it.
        risk: ``risk.metric`` may be it.
        series: it has a time series in ``timeseries.csv``.
        outcome: it measures the incident (False: it describes the response itself, such as
            when it was issued, so it differs between policies even when the incident does
            not).
        count: its values are whole numbers in one replication (shown without decimals).
    """

    name: str
    label: str
    unit: str
    definition: str
    lower_is_better: bool = True
    per_replication: bool = True
    trigger: bool = False
    risk: bool = False
    series: bool = False
    outcome: bool = True

    @property
    def count(self) -> bool:
        """Whether one replication's value is a whole number (a count of something)."""
        return self.unit in COUNT_UNITS


COUNT_UNITS = frozenset({"accounts", "views", "posts", "posts an hour", "articles"})
METRICS: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    """Add ``metric`` to the table (a name can be declared only once)."""
    if metric.name in METRICS:
        raise FlashpointError(f"the metric {metric.name!r} is declared twice")
    METRICS[metric.name] = metric
    return metric


for _metric in (
    Metric("reach", "reach", "accounts",
           "accounts that saw the story at least once", trigger=True, risk=True, series=True),
    Metric("negative_reach", "negative reach", "accounts",
           "accounts reached that are not loyal (stance 0 or below)", trigger=True, risk=True,
           series=True),
    Metric("impressions", "impressions", "views",
           "every valid view of the story, counting repeats", risk=True, series=True),
    Metric("reactions", "reactions", "posts",
           "reshares and own posts about the story, not counting the author's", trigger=True,
           risk=True, series=True),
    Metric("exposure", "reputational exposure", "index points",
           "accounts reached weighted by their segment, plus article readers off the platform",
           trigger=True, risk=True, series=True),
    Metric("reactions_per_hour", "reactions in the last hour", "posts an hour",
           "reactions in the hour before the monitor's sample", per_replication=False,
           trigger=True),
    Metric("peak_reactions_per_hour", "peak reactions an hour", "posts an hour",
           "the most reactions in any one hour", risk=True),
    Metric("time_to_peak_h", "time to peak", "hours",
           "when the busiest hour ended", lower_is_better=False),
    Metric("time_to_1500_h", "time to 1,500 reached", "hours",
           "when the 1,500th account saw the story (empty if it never did)",
           lower_is_better=False),
    Metric("time_to_half_h", "time to half the reactions", "hours",
           "when half of the run's final reactions had happened", lower_is_better=False),
    Metric("articles", "articles", "articles",
           "press articles published about the story", trigger=True, risk=True, series=True),
    Metric("first_article_h", "first article", "hours",
           "when the first article appeared (empty if none did)", lower_is_better=False),
    Metric("response_h", "first response", "hours",
           "when the first statement was issued (empty if none was)", outcome=False),
    Metric("unanswered_reach", "unanswered reach", "accounts",
           "accounts that saw the story but never a statement", risk=True, outcome=False),
    Metric("max_depth", "depth", "hops",
           "the longest chain of reshares from the author"),
    Metric("structural_virality", "structural virality", "hops",
           "the mean distance between two accounts of the reaction tree: low for broadcasts, "
           "high for long chains"),
):
    register(_metric)


def names(*, per_replication: bool | None = None, trigger: bool | None = None,
          risk: bool | None = None, series: bool | None = None,
          outcome: bool | None = None) -> tuple[str, ...]:
    """The names of the metrics with the given uses, in declaration order."""
    wanted = {"per_replication": per_replication, "trigger": trigger, "risk": risk,
              "series": series, "outcome": outcome}
    return tuple(m.name for m in METRICS.values()
                 if all(value is None or getattr(m, key) == value
                        for key, value in wanted.items()))
