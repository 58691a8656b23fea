"""The headline: one plain sentence per policy, generated from the numbers."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.experiment.results import Results
from sim.formatting import percents
from sim.scenario.metric_registry import METRICS


def _percent(value: float) -> str:
    return f"{abs(value) * 100:.0f}%"


def article_chance(results: Results, policy: str) -> float:
    """Share of replications in which at least one press article was published."""
    articles = results.metric(policy, "articles")
    return float(np.mean(articles >= 1)) if len(articles) else math.nan


def headline(results: Results, summary: dict[str, Any] | None = None) -> list[str]:
    """One sentence per non-baseline policy, in plain words.

    Its effect on the expected value of the risk metric (``risk.metric``, exposure by
    default), with the 95% interval, and on the chance of a press article (when the
    scenario has media).
    """
    summary = summary or results.summary()
    baseline = results.policies[0]
    with_media = results.scenario.media is not None
    metric = summary.get("risk_metric", "exposure")
    what = f"expected {METRICS[metric].label}"
    out = []
    for name in results.policies[1:]:
        paired = summary["policies"][name]["vs_baseline"][metric]
        change = paired["relative_change"]
        low, high = paired["relative_ci95"]
        if change is None or math.isnan(change):
            sentence = f"“{name}”: the change in {what} is undefined"
        elif low is not None and high is not None and low <= 0 <= high and change == 0:
            sentence = (f"“{name}” left {what} unchanged, not distinguishable "
                        f"from “{baseline}”")
        elif low is not None and high is not None and low <= 0 <= high:
            shown, low_text, high_text = percents(change, low, high, signed=True)
            sentence = (f"“{name}” changed {what} by {shown} "
                        f"(95% CI {low_text} to {high_text}), not distinguishable "
                        f"from “{baseline}”")
        else:
            verb = "cut" if change < 0 else "raised"
            ends = sorted([abs(low), abs(high)]) if low is not None and high is not None else []
            shown, *ends_text = percents(abs(change), *ends)
            interval = ""
            if len(ends_text) == 2 and "-" not in ends_text:
                interval = f" (95% CI {ends_text[0].removesuffix('%')}-{ends_text[1]})"
            sentence = f"“{name}” {verb} {what} by {shown}{interval}"
        if with_media:
            before, after = article_chance(results, baseline), article_chance(results, name)
            verb = "cut" if after < before else "raised" if after > before else "kept"
            sentence += (f" and {verb} the chance of a press article "
                         f"{'at' if after == before else 'from'} {_percent(before)}"
                         f"{'' if after == before else f' to {_percent(after)}'}")
        out.append(sentence + ".")
    return out


def _interval(paired: dict[str, Any]) -> tuple[float, float] | None:
    """The interval that decides: of the relative change, or of the difference without it."""
    for key in ("relative_ci95", "diff_ci95"):
        low, high = paired.get(key) or (None, None)
        if low is not None and high is not None and math.isfinite(low) and math.isfinite(high):
            return float(low), float(high)
    return None


def _distinguishable(paired: dict[str, Any]) -> bool:
    """Whether the change's 95% interval excludes zero."""
    interval = _interval(paired)
    return interval is not None and (interval[0] > 0 or interval[1] < 0)


def better_policies(summary: dict[str, Any]) -> list[str]:
    """Policies whose interval on the risk metric excludes zero on the better side, best first.

    Best: the largest mean improvement against the baseline (lower or higher, as the
    metric's declaration says).
    """
    metric = summary["risk_metric"]
    sign = 1.0 if METRICS[metric].lower_is_better else -1.0
    better = []
    for name, entry in summary["policies"].items():
        paired = entry.get("vs_baseline", {}).get(metric)
        interval = _interval(paired) if paired else None
        if interval and _distinguishable(paired) and sign * interval[0] < 0:
            better.append((sign * paired["diff_mean"], name))
    return [name for _, name in sorted(better)]


def _effect(paired: dict[str, Any], label: str) -> str:
    """``cuts reach by 31% (95% CI 25% to 38%)``."""
    change = paired["relative_change"]
    low, high = paired["relative_ci95"]
    if change is None or not math.isfinite(change):
        return f"changes {label} by {paired['diff_mean']:,.1f} on average"
    verb = "cuts" if change < 0 else "raises"
    shown, *ends = percents(abs(change), *sorted([abs(low), abs(high)]))
    return f"{verb} {label} by {shown} (95% CI {ends[0]} to {ends[1]})"


def recommendation(summary: dict[str, Any]) -> str:
    """One line for the top of the report and the terminal: the best policy on the risk metric.

    The best policy is named only when its interval against the baseline excludes zero; it
    comes with its interval and ``prob_better`` (how often it did better in the same
    replayed incident), and with whether its interval overlaps the next best's. Otherwise
    the line says plainly that no policy is distinguishable from the baseline.
    """
    metric = summary["risk_metric"]
    label = METRICS[metric].label
    baseline = summary["baseline"]
    better = better_policies(summary)
    if not better:
        if not any(_distinguishable(entry["vs_baseline"][metric])
                   for entry in summary["policies"].values() if "vs_baseline" in entry):
            return (f"No policy is distinguishable from the baseline on {label} "
                    f"(“{baseline}”): every 95% interval of the change includes zero.")
        return (f"No policy does better than the baseline on {label} (“{baseline}”): every "
                "95% interval of the change includes zero or shows it worse.")
    best = better[0]
    paired = summary["policies"][best]["vs_baseline"][metric]
    line = (f"Recommended on {label}: “{best}”, which {_effect(paired, label)} "
            f"against “{baseline}” and did better in "
            f"{paired['prob_better'] * 100:.0f}% of the same replayed incidents.")
    if len(better) > 1:
        runner = better[1]
        other = summary["policies"][runner]["vs_baseline"][metric]
        a, b = _interval(paired), _interval(other)
        overlap = a is not None and b is not None and a[0] <= b[1] and b[0] <= a[1]
        line += (f" Its interval overlaps that of the next best, “{runner}”, which "
                 f"{_effect(other, label)}, so the two are not clearly ranked."
                 if overlap else
                 f" Its interval does not overlap that of the next best, “{runner}”.")
    return line
