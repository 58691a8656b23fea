"""Sweeps: one scenario parameter over a range of values, every policy at every value.

Every value runs with the same root seed, so the same replications' random numbers (the
engine's draws are keyed by what they are for, not by the order of events): common random
numbers across values as well as across policies. A policy that does not use the swept
parameter gets exactly the same numbers at every value, and the scenario's own value gives
exactly ``flashpoint run``'s numbers. Differences between values and between policies are
paired by replication, and so are the slopes and break-even points below.

A parameter is named by its dotted path, as in the report's assumptions table
(``behaviour.share_probability``, ``policies.3.actions.0.delay``); a path may go one step
into a distribution's parameters (``policies.3.actions.0.delay.median``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiment.results import csv_number, csv_text
from sim.io import atomic_write_text
from sim.metrics import METRICS
from sim.randomness.seeds import stream
from sim.scenario.schema import Scenario
from sim.scenario.sweeps import (
    Parameter,
    SweepError,
    number,
    parameter,
    shown,
    variant,
    variant_of,
)
from sim.scenario.values import HOUR
from sim.stats import mean_ci

BOOTSTRAP = 2000
"""Resamples of the replications for the intervals of slopes and break-even points."""


@dataclass
class SweepResult:
    """A sweep's numbers.

    Attributes:
        parameter: what was swept.
        values: the values, in the order run (seconds for durations).
        policies: the policy names.
        metric: the risk metric.
        samples: ``[value, policy, replication]``: the risk metric of each replication.
        summaries: each value's ``Results.summary()``.
        own: the index of the scenario's own value among ``values``, or ``None``.
    """

    parameter: Parameter
    values: list[float]
    policies: list[str]
    metric: str
    samples: np.ndarray
    summaries: list[dict[str, Any]]
    own: int | None

    def x(self) -> np.ndarray:
        """The values on the axis the headline speaks in: hours for durations."""
        scale = HOUR if self.parameter.duration else 1.0
        return np.asarray(self.values) / scale


def run_sweep(scenario: Scenario, parameter_: Parameter, values: list[float],
              run: Callable[[Scenario, int], Any]) -> SweepResult:
    """Run every policy at every value; ``run(variant, k)`` runs one value (``sim.run``)."""
    if len(set(values)) != len(values):
        raise SweepError(f"{parameter_.path}: the values must differ")
    variants = [variant(scenario, parameter_, value) for value in values]  # all checked first
    samples, summaries = _run_all(variants, run, scenario.risk_metric)
    return SweepResult(parameter_, values, [p.name for p in scenario.policies],
                       scenario.risk_metric, np.stack(samples), summaries,
                       _own(scenario, parameter_, values))


def _run_all(variants: list[Scenario], run: Callable[[Scenario, int], Any], metric: str
             ) -> tuple[list[np.ndarray], list[dict[str, Any]]]:
    """Run each variant in turn: its ``[policy, replication]`` risk metric and its summary."""
    samples, summaries = [], []
    for k, changed in enumerate(variants):
        results = run(changed, k)
        samples.append(results.metrics[:, :, METRICS.index(metric)])
        summaries.append(results.summary())
    return samples, summaries


def _own(scenario: Scenario, parameter_: Parameter, values: list[float]) -> int | None:
    """The index of the scenario's own value among ``values``, or ``None``."""
    _, value = parameter(scenario, parameter_.path)
    own = number(value)
    return next((k for k, x in enumerate(values) if x == own), None)


CSV_COLUMNS = "policy,metric,mean,ci95_low,ci95_high,diff_vs_baseline,diff_ci95_low,diff_ci95_high"
"""The columns of ``sweep.csv`` after the swept values."""


def _csv_cells(summary: dict[str, Any], name: str, metric: str) -> list[str]:
    """One policy's cells of ``sweep.csv`` at one value, from that value's summary."""
    entry = summary["policies"][name]
    stats = entry["metrics"][metric]
    diff = entry.get("vs_baseline", {}).get(metric)
    cells = [csv_text(name), metric, *(csv_number(x) for x in (stats["mean"], *stats["ci95"]))]
    return cells + ([csv_number(x) for x in (diff["diff_mean"], *diff["diff_ci95"])]
                    if diff else ["", "", ""])


def sweep_csv(result: SweepResult) -> str:
    """``sweep.csv``: value, policy, metric, mean and its 95% CI, the paired difference."""
    lines = [f"value,{CSV_COLUMNS}"]
    for value, summary in zip(result.values, result.summaries, strict=True):
        lines += [",".join([shown(result.parameter, value),
                            *_csv_cells(summary, name, result.metric)])
                  for name in result.policies]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Slope:
    """How a policy's risk metric changes with the swept value (paired by replication).

    ``per_unit`` is the mean change per hour (durations) or per unit, as a share of the
    policy's mean at the first value; ``ci95`` its bootstrap interval over replications.
    """

    policy: str
    per_unit: float
    ci95: tuple[float, float]
    flat: bool


def slopes(result: SweepResult, seed: int) -> list[Slope]:
    """Each policy's relative slope: least squares on the values, averaged over replications."""
    x = result.x()
    centred = x - x.mean()
    out = []
    rng = stream(seed, "bootstrap", 1000)
    picks = rng.integers(0, result.samples.shape[2], (BOOTSTRAP, result.samples.shape[2]))
    for p, name in enumerate(result.policies):
        y = result.samples[:, p, :]  # [value, replication]
        flat = bool(np.all(y == y[:1]))
        base = float(np.nanmean(y[0]))
        per_rep = centred @ np.nan_to_num(y) / float(centred @ centred)  # each replication's slope
        if flat or base == 0:
            out.append(Slope(name, 0.0, (0.0, 0.0), flat))
            continue
        boot = per_rep[picks].mean(axis=1) / np.nanmean(y[0][picks], axis=1)
        low, high = np.percentile(boot, [2.5, 97.5])
        out.append(Slope(name, float(per_rep.mean() / base), (float(low), float(high)), False))
    return out


@dataclass(frozen=True)
class BreakEven:
    """Where ``policy`` stops beating ``other`` (or starts), on the swept axis."""

    policy: str
    other: str
    at: float
    ci95: tuple[float, float] | None
    crossed_share: float


def break_evens(result: SweepResult, seed: int) -> list[BreakEven]:
    """Every pair of policies whose paired mean difference changes sign across the values.

    The crossing is interpolated linearly between the two values around it; its interval is
    the bootstrap's over replications (``None`` when under 95% of resamples cross at all).
    """
    x = result.x()
    rng = stream(seed, "bootstrap", 1001)
    n = result.samples.shape[2]
    picks = rng.integers(0, n, (BOOTSTRAP, n))
    out = []
    for a in range(len(result.policies)):
        for b in range(a + 1, len(result.policies)):
            diff = np.nan_to_num(result.samples[:, a, :] - result.samples[:, b, :])
            at = _crossing(x, diff.mean(axis=1))
            if at is None:
                continue
            boot = [_crossing(x, diff[:, pick].mean(axis=1)) for pick in picks]
            found = np.array([c for c in boot if c is not None])
            share = len(found) / BOOTSTRAP
            ci = (tuple(float(q) for q in np.percentile(found, [2.5, 97.5]))
                  if share >= 0.95 else None)
            out.append(BreakEven(result.policies[a], result.policies[b], at, ci, share))
    return out


def _crossing(x: np.ndarray, d: np.ndarray) -> float | None:
    """The first x where ``d`` (a mean difference at each x) changes sign, interpolated."""
    for i in range(len(x) - 1):
        if d[i] == 0 and i > 0:
            return float(x[i])
        if d[i] * d[i + 1] < 0:
            return float(x[i] + (x[i + 1] - x[i]) * d[i] / (d[i] - d[i + 1]))
    return None


def _percent(share: float) -> str:
    """A share as a signed percentage to two significant figures: +9.1%, -0.081%, +110%."""
    rounded = float(f"{share * 100:.2g}")
    if abs(rounded) >= 100:  # +110%, not +1.1e+02%
        return f"{rounded:+,.0f}%"
    return f"{rounded:+.2g}%"


@dataclass(frozen=True)
class Analysis:
    """What a one-parameter sweep says: slopes, break-even points and headline sentences."""

    slopes: list[Slope]
    break_evens: list[BreakEven]
    headlines: list[str]


def analyse(result: SweepResult, seed: int) -> Analysis:
    """The slopes and break-even points (each bootstrapped once) and the headlines."""
    found_slopes, evens = slopes(result, seed), break_evens(result, seed)
    return Analysis(found_slopes, evens, headlines(result, found_slopes, evens))


def headlines(result: SweepResult, found_slopes: list[Slope],
              evens: list[BreakEven]) -> list[str]:
    """Plain sentences: what the swept parameter costs each policy that uses it."""
    first = shown(result.parameter, result.values[0])
    x = result.x()
    span = float(x.max() - x.min())
    out = []
    for slope in found_slopes:
        if slope.flat:
            continue
        low, high = slope.ci95
        if result.parameter.duration:  # per hour: the cost of delay
            said, scale = f"each hour of {result.parameter.path} changes", 1.0
        else:  # a number's unit means nothing in general: say it over the range swept
            said = (f"raising {result.parameter.path} from {x.min():g} to {x.max():g} "
                    "changes")
            scale = span
        out.append(f"{said} the expected {result.metric} of \"{slope.policy}\" by "
                   f"{_percent(slope.per_unit * scale)} (95% CI {_percent(low * scale)} to "
                   f"{_percent(high * scale)}) of its mean at {first} (a straight line "
                   "through the values, paired by replication)")
    for even in evens:
        scale = "h" if result.parameter.duration else ""
        where = (f" (95% CI {even.ci95[0]:.3g}{scale} to {even.ci95[1]:.3g}{scale})"
                 if even.ci95 else " (no interval: under 95% of resamples cross)")
        out.append(f"\"{even.policy}\" and \"{even.other}\" break even at "
                   f"{result.parameter.path} = {even.at:.3g}{scale}{where}")
    return out


def page_data(result: SweepResult, scenario_title: str, analysis: Analysis) -> dict[str, Any]:
    """What ``sweep.html`` shows (:func:`sim.report.sweep.page`)."""
    policies = {}
    for name in result.policies:
        stats = [summary["policies"][name]["metrics"][result.metric]
                 for summary in result.summaries]
        policies[name] = {"mean": [s["mean"] for s in stats],
                          "low": [s["ci95"][0] for s in stats],
                          "high": [s["ci95"][1] for s in stats]}
    return {"scenario": scenario_title, "parameter": result.parameter.path,
            "unit": "h" if result.parameter.duration else "", "metric": result.metric,
            "labels": [shown(result.parameter, x) for x in result.values],
            "x": result.x().tolist(), "own": result.own, "policies": policies,
            "headlines": analysis.headlines,
            "break_even": [{"policy": b.policy, "other": b.other, "at": b.at,
                            "ci95": None if b.ci95 is None else list(b.ci95)}
                           for b in analysis.break_evens],
            "replications": int(result.samples.shape[2])}


def write(result: SweepResult, folder: Path, analysis: Analysis) -> list[Path]:
    """``sweep.csv`` and ``sweep.json`` (values, slopes, break-even points, headlines)."""
    data = {"parameter": result.parameter.path, "metric": result.metric,
            "values": [shown(result.parameter, x) for x in result.values],
            "own_value": None if result.own is None else shown(result.parameter,
                                                               result.values[result.own]),
            "slopes": {s.policy: {"per_unit": s.per_unit, "ci95": list(s.ci95),
                                  "flat": s.flat} for s in analysis.slopes},
            "break_even": [dataclasses.asdict(b) for b in analysis.break_evens],
            "headlines": analysis.headlines}
    paths = [folder / "sweep.csv", folder / "sweep.json"]
    atomic_write_text(paths[0], sweep_csv(result))
    atomic_write_text(paths[1], json.dumps(data, indent=2) + "\n")
    return paths



@dataclass
class GridResult:
    """A sweep of two parameters: every policy at every combination of their values.

    Attributes:
        parameters: the two swept parameters (the first on x, the second on y).
        values: each parameter's values (seconds for durations).
        policies: the policy names.
        metric: the risk metric.
        samples: ``[value of the second, value of the first, policy, replication]``.
        summaries: ``Results.summary()`` of each combination, in the same order (rows first).
        own: the index of the scenario's own value of each parameter, or ``None``.
    """

    parameters: list[Parameter]
    values: list[list[float]]
    policies: list[str]
    metric: str
    samples: np.ndarray
    summaries: list[list[dict[str, Any]]]
    own: list[int | None]

    def axis(self, k: int) -> np.ndarray:
        """Parameter ``k``'s values on its axis: hours for durations."""
        scale = HOUR if self.parameters[k].duration else 1.0
        return np.asarray(self.values[k]) / scale


def run_grid(scenario: Scenario, axes: list[tuple[Parameter, list[float]]],
             run: Callable[[Scenario, int], Any]) -> GridResult:
    """Run every policy at every combination of two parameters' values (rows: the second).

    ``run(variant, k)`` runs combination ``k`` (row-major). Every combination is checked
    before any runs.
    """
    (first, xs), (second, ys) = axes
    variants = [variant_of(scenario, [(first, x), (second, y)]) for y in ys for x in xs]
    samples, summaries = _run_all(variants, run, scenario.risk_metric)
    grid_samples = np.stack(samples).reshape(len(ys), len(xs), *samples[0].shape)
    rows = [summaries[r * len(xs):(r + 1) * len(xs)] for r in range(len(ys))]
    return GridResult([first, second], [xs, ys], [p.name for p in scenario.policies],
                      scenario.risk_metric, grid_samples, rows,
                      [_own(scenario, param, found) for param, found in axes])


def grid_csv(result: GridResult) -> str:
    """``sweep.csv`` of a two-parameter sweep: both values, then as for one parameter."""
    first, second = result.parameters
    lines = [f"value,value2,{CSV_COLUMNS}"]
    for r, y in enumerate(result.values[1]):
        for c, x in enumerate(result.values[0]):
            lines += [",".join([shown(first, x), shown(second, y),
                                *_csv_cells(result.summaries[r][c], name, result.metric)])
                      for name in result.policies]
    return "\n".join(lines) + "\n"


def rank_policies(means: np.ndarray, names: list[str]) -> tuple[np.ndarray, list[str]]:
    """The best policy (lowest mean risk metric) in each cell, and the policies ranked.

    Args:
        means: ``[cell, policy]``: each policy's mean risk metric in each cell (a value
            of a sweep, a world of a robustness run).
        names: the policies' names.

    Returns:
        The index of each cell's best policy (the first, where several tie), and the names
        from best most often to least (:func:`best_shares`); ties in the shares (policies
        best nowhere, say) go to the lower mean over the cells.
    """
    best = np.argmin(means, axis=1)
    shares = best_shares(means)
    overall = np.nanmean(means, axis=0)
    order = sorted(range(len(names)), key=lambda i: (-shares[i], overall[i]))
    return best, [names[i] for i in order]


def best_shares(means: np.ndarray) -> np.ndarray:
    """Each policy's share of the cells (``[cell, policy]`` means) in which it is best.

    Policies that tie for the lowest mean in a cell share it equally (with common random
    numbers, a policy whose action comes after the incident is over ties with the
    baseline exactly), so the shares add up to 1.
    """
    lowest = means == np.nanmin(means, axis=1, keepdims=True)
    return (lowest / lowest.sum(axis=1, keepdims=True)).mean(axis=0)


def grid_best(result: GridResult) -> tuple[list[list[str]], list[str]]:
    """The best policy (lowest mean risk metric) in each cell, and the two best most often.

    Ties in the count (a policy best nowhere, say) go to the lower mean over every cell.
    """
    means = np.nanmean(result.samples, axis=3)  # [y, x, policy]
    cells, order = rank_policies(means.reshape(-1, means.shape[2]), result.policies)
    best = [[result.policies[int(i)] for i in row] for row in cells.reshape(means.shape[:2])]
    return best, order[:2]


def grid_page_data(result: GridResult, scenario_title: str) -> dict[str, Any]:
    """What the two-parameter ``sweep.html`` shows (:func:`sim.report.sweep.grid_page`)."""
    best, top = grid_best(result)
    intervals = None
    if len(top) == 2:
        a, b = (result.policies.index(name) for name in top)
        diff = result.samples[:, :, a, :] - result.samples[:, :, b, :]  # paired by replication
        intervals = [[mean_ci(cell) for cell in row] for row in diff]
    cells = len(best) * len(best[0])
    counts = {name: sum(row.count(name) for row in best) for name in result.policies}
    headlines = [f"\"{name}\" has the lowest expected {result.metric} in {counts[name]} of "
                 f"{cells} combinations" for name in top if counts[name]]
    return {"scenario": scenario_title,
            "parameters": [p.path for p in result.parameters],
            "units": ["h" if p.duration else "" for p in result.parameters],
            "labels": [[shown(p, x) for x in xs]
                       for p, xs in zip(result.parameters, result.values, strict=True)],
            "x": result.axis(0).tolist(), "y": result.axis(1).tolist(), "own": result.own,
            "metric": result.metric, "policies": result.policies, "best": best,
            "top_two": top,
            "difference": intervals and [[m for m, _ in row] for row in intervals],
            "difference_low": intervals and [[ci[0] for _, ci in row] for row in intervals],
            "difference_high": intervals and [[ci[1] for _, ci in row] for row in intervals],
            "headlines": headlines, "replications": int(result.samples.shape[3])}


def write_grid(result: GridResult, folder: Path) -> list[Path]:
    """``sweep.csv`` and ``sweep.json`` of a two-parameter sweep."""
    best, top = grid_best(result)
    data = {"parameters": [p.path for p in result.parameters], "metric": result.metric,
            "values": [[shown(p, x) for x in xs]
                       for p, xs in zip(result.parameters, result.values, strict=True)],
            "best": best, "top_two": top}
    paths = [folder / "sweep.csv", folder / "sweep.json"]
    atomic_write_text(paths[0], grid_csv(result))
    atomic_write_text(paths[1], json.dumps(data, indent=2) + "\n")
    return paths
