"""Results of a run: per-replication metrics, time series, and the files they go to.

The metrics and action times are arrays in memory (the results table); the time series
stay where the run saved them (:mod:`sim.experiment.series`) and are streamed into their
statistics once, when first needed.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from sim._version import __version__
from sim.errors import FlashpointError
from sim.experiment import faults
from sim.experiment.checks import result_warnings
from sim.experiment.series import SeriesSource, Timeseries, summarise
from sim.io import atomic_write_text, csv_field
from sim.metrics import METRICS, SERIES
from sim.randomness.seeds import bootstrap_stream, mean_stream
from sim.scenario.loader import dump_resolved
from sim.scenario.metric_registry import METRICS as METRIC_TABLE
from sim.scenario.schema import Scenario
from sim.stats import describe, exceedance, paired, tier_probabilities

COLUMNS = ("policy", "replication", "seed", *METRICS)
EXCEEDANCE_METRICS = ("exposure", "reach", "negative_reach", "reactions", "impressions",
                      "articles", "peak_reactions_per_hour")


@dataclass
class Results:
    """What ``sim.run`` returns.

    Attributes:
        scenario: the resolved scenario that was run (with the seed used).
        policies: policy names; the first is the baseline.
        replications: replication indices, in order.
        metrics: ``[policy, replication, metric]``, metric order as in :data:`sim.metrics.METRICS`;
            ``nan`` where a metric is undefined.
        series_store: where every replication's cumulative time series
            (:data:`sim.metrics.SERIES`, at ``times_h``) are read from: the run's
            ``results.sqlite`` (:class:`sim.experiment.series.SeriesStore`), or arrays
            (:class:`sim.experiment.series.ArraySeries`) for results built by hand. See
            :attr:`timeseries` and :meth:`curves`.
        times_h: the time grid, hours after the incident starts.
        actions_h: ``[policy, replication, action]``: the hour each of the policy's actions
            took effect (``nan``: it never did, or the policy has fewer actions).
        decided_h: as ``actions_h``, the hour each action's time came or its trigger fired,
            before its delay (``nan``: its trigger never fired); None for results built by
            hand.
        stopped_by: what ended the run: ``replications`` (a fixed number), ``precision``
            or ``max_replications`` (``replications: auto``).
        scenario_hash: SHA-256 of the resolved scenario (and of its network files).
        precision: for ``replications: auto``, the target half-width and those reached.
        source: the scenario's file name, if known (recorded in the resolved scenario).
        snapshot: the report's representative incident (:mod:`sim.experiment.snapshot`),
            when it has been computed.
        audience: the audience's size and its segments' sizes, when the run built the network
            (:func:`sim.experiment.checks.audience_of`); else they come from the scenario
            (generated networks) or are unknown.
    """

    scenario: Scenario
    policies: list[str]
    replications: list[int]
    metrics: np.ndarray
    series_store: SeriesSource
    times_h: np.ndarray
    actions_h: np.ndarray
    stopped_by: str = "replications"
    scenario_hash: str = ""
    precision: dict[str, Any] | None = None
    source: str | None = None
    snapshot: dict[str, Any] | None = None
    audience: dict[str, Any] | None = None
    decided_h: np.ndarray | None = None

    def metric(self, policy: str, name: str) -> np.ndarray:
        """One metric of one policy over the replications."""
        return self.metrics[self.policies.index(policy), :, METRICS.index(name)]

    @cached_property
    def timeseries(self) -> Timeseries:
        """Mean, 10th, 50th and 90th percentiles of every series over the replications.

        Each ``[policy, series, time]``, as in ``timeseries.csv``, and exact. Computed
        once, streaming the series from their store (:mod:`sim.experiment.series`; memory:
        a block of time steps for every replication, and a bounded group of series).
        """
        return summarise(self.series_store, len(self.policies), len(SERIES), len(self.times_h))

    def curves(self, policy: str, name: str) -> np.ndarray:
        """Every replication's curve of one series of one policy, ``[replication, time]``.

        Read from the run's store on each call; memory: that array (replications x times
        floats).
        """
        return self.series_store.curves(self.policies.index(policy), SERIES.index(name))

    def rows(self) -> list[dict[str, Any]]:
        """One dict per (policy, replication), as in ``replications.csv`` (None: undefined)."""
        return list(self._rows())

    def _rows(self) -> Iterator[dict[str, Any]]:
        for p, name in enumerate(self.policies):
            for r, replication in enumerate(self.replications):
                yield row_of(name, replication, self.scenario.seed, self.metrics[p, r])

    def to_pandas(self) -> Any:
        """The rows of ``replications.csv`` as a pandas ``DataFrame`` (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise FlashpointError("Results.to_pandas() needs pandas: pip install pandas") from None
        return pd.DataFrame(self.rows(), columns=list(COLUMNS))

    def summary(self) -> dict[str, Any]:
        """Everything in ``summary.json``."""
        scenario = self.scenario
        baseline = self.policies[0]
        tiers = scenario.risk.tiers if scenario.risk else {}
        risk_metric = scenario.risk_metric
        policies: dict[str, Any] = {}
        for p, name in enumerate(self.policies):
            entry: dict[str, Any] = {
                "metrics": {metric: describe(self.metrics[p, :, m],
                                             mean_stream(scenario.seed, p, m))
                            for m, metric in enumerate(METRICS)},
            }
            if p > 0:
                entry["vs_baseline"] = {
                    metric: paired(self.metrics[p, :, m], self.metrics[0, :, m],
                                   bootstrap_stream(scenario.seed, p, m),
                                   lower_is_better=METRIC_TABLE[metric].lower_is_better)
                    for m, metric in enumerate(METRICS)
                }
            if tiers:
                entry["tiers"] = tier_probabilities(self.metric(name, risk_metric), tiers)
            policies[name] = entry
        exceed = {}
        for metric in EXCEEDANCE_METRICS:
            curves = exceedance([self.metric(name, metric) for name in self.policies])
            exceed[metric] = {"x": curves["x"],
                              "p": dict(zip(self.policies, curves["p"], strict=True))}
        return {
            "flashpoint_version": __version__,
            "scenario": scenario.scenario,
            "scenario_sha256": self.scenario_hash,
            "seed": scenario.seed,
            "replications": len(self.replications),
            "stopped_by": self.stopped_by,
            "precision": self.precision,
            "baseline": baseline,
            "risk_metric": risk_metric,
            "warnings": result_warnings(self),
            "intervals": {"ci95": "t (BCa bootstrap where t would go below zero)",
                          "diff_ci95": "BCa bootstrap",
                          "relative_ci95": "BCa bootstrap", "prob_better_ci95": "Wilson",
                          "tiers": "Wilson"},
            "policies": policies,
            "exceedance": exceed,
        }

    def write(self, directory: str | Path, source: str | None = None,
              summary: dict[str, Any] | None = None) -> Path:
        """Write the four result files into ``directory``, each atomically.

        The files: ``summary.json``, ``replications.csv``, ``timeseries.csv`` and
        ``scenario.resolved.yaml``.
        """
        out = Path(directory)
        try:
            out.mkdir(parents=True, exist_ok=True)
            atomic_write_text(out / "scenario.resolved.yaml",
                              dump_resolved(self.scenario, source or self.source))
            atomic_write_text(out / "replications.csv", self._replications_csv())
            faults.reached("outputs")
            atomic_write_text(out / "timeseries.csv", self._timeseries_csv())
            atomic_write_text(out / "summary.json",
                              json.dumps(json_safe(summary or self.summary()), indent=2)
                              + "\n")
        except OSError as exc:
            raise FlashpointError(f"{out}: cannot write the results: {exc.strerror}") from None
        return out

    def _replications_csv(self) -> str:
        return replications_csv(self._rows())

    def _timeseries_csv(self) -> str:
        buffer = io.StringIO()
        buffer.write("policy,t_h,metric,mean,p10,p50,p90\n")
        stats = self.timeseries
        for p, name in enumerate(self.policies):
            cell = csv_text(name)
            for s, metric in enumerate(SERIES):
                mean, p10, p50, p90 = (stats.mean[p, s], stats.p10[p, s], stats.p50[p, s],
                                       stats.p90[p, s])
                for k, t in enumerate(self.times_h):
                    buffer.write(f"{cell},{csv_number(float(t))},{metric},"
                                 f"{csv_number(mean[k])},{csv_number(p10[k])},{csv_number(p50[k])},"
                                 f"{csv_number(p90[k])}\n")
        return buffer.getvalue()


def csv_number(value: float | None) -> str:
    """A number as the CSV outputs write it.

    Whole numbers without ``.0``, others to 10 significant digits; blank when undefined.
    """
    if value is None or math.isnan(value):
        return ""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}"


def json_safe(value: Any) -> Any:
    """JSON cannot hold NaN: undefined numbers become null."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def row_of(policy: str, replication: int, seed: int, values: np.ndarray) -> dict[str, Any]:
    """One row of ``replications.csv``: ``values`` in :data:`METRICS` order (None: undefined)."""
    row: dict[str, Any] = {"policy": policy, "replication": int(replication), "seed": seed}
    for metric, value in zip(METRICS, values, strict=True):
        row[metric] = None if math.isnan(float(value)) else float(value)
    return row


# what a spreadsheet reads as the start of a formula (OWASP, "CSV Injection"), and the quote
# that marks a cell as text (prefixed too, so that a leading quote is always the added one)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def csv_text(value: str) -> str:
    """User text (a policy name) as one CSV field that no spreadsheet runs as a formula.

    Following OWASP's advice on CSV injection, a cell that starts with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return gets a single quote in front (``=SUM(A1)`` is written
    ``"'=SUM(A1)"``) and is quoted. A cell that starts with a quote gets one more, so a
    leading quote is always the added one: to read the true text back, drop one leading
    ``'`` (:func:`csv_text_value`). Numbers are never passed here: ``-1.5`` stays a number.

    Args:
        value: the text of the cell.

    Returns:
        The field, quoted (with doubled quotes) when it holds ``,``, ``"`` or a line break,
        or when it was prefixed.
    """
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return '"' + ("'" + text).replace('"', '""') + '"'
    return csv_field(text)


def csv_text_value(cell: str) -> str:
    """The true text of a cell written by :func:`csv_text` (after CSV unquoting)."""
    return cell[1:] if cell.startswith("'") else cell


def replications_csv(rows: Iterable[dict[str, Any]]) -> str:
    """Rows (as :meth:`Results.rows` gives them) as the text of ``replications.csv``.

    The policy names are written with :func:`csv_text` (no cell can start a formula).
    """
    buffer = io.StringIO()
    buffer.write(",".join(COLUMNS) + "\n")
    for row in rows:
        cells = [csv_text(row["policy"]), str(row["replication"]), str(row["seed"])]
        cells += [csv_number(row[metric]) for metric in METRICS]
        buffer.write(",".join(cells) + "\n")
    return buffer.getvalue()
