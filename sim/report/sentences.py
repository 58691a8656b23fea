"""The headline: one plain sentence per policy, generated from the numbers."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.experiment.results import Results
from sim.formatting import percents


def _percent(value: float) -> str:
    return f"{abs(value) * 100:.0f}%"


def article_chance(results: Results, policy: str) -> float:
    """Share of replications in which at least one press article was published."""
    articles = results.metric(policy, "articles")
    return float(np.mean(articles >= 1)) if len(articles) else math.nan


def headline(results: Results, summary: dict[str, Any] | None = None) -> list[str]:
    """One sentence per non-baseline policy, in plain words.

    Its effect on expected exposure, with the 95% interval, and on the chance of a press
    article (when the scenario has media).
    """
    summary = summary or results.summary()
    baseline = results.policies[0]
    with_media = results.scenario.media is not None
    out = []
    for name in results.policies[1:]:
        paired = summary["policies"][name]["vs_baseline"]["exposure"]
        change = paired["relative_change"]
        low, high = paired["relative_ci95"]
        if change is None or math.isnan(change):
            sentence = f"“{name}”: the change in expected exposure is undefined"
        elif low is not None and high is not None and low < 0 < high:
            shown, low_text, high_text = percents(change, low, high, signed=True)
            sentence = (f"“{name}” changed expected exposure by {shown} "
                        f"(95% CI {low_text} to {high_text}), not distinguishable "
                        f"from “{baseline}”")
        else:
            verb = "cut" if change < 0 else "raised"
            ends = sorted([abs(low), abs(high)]) if low is not None and high is not None else []
            shown, *ends_text = percents(abs(change), *ends)
            interval = ""
            if len(ends_text) == 2 and "-" not in ends_text:
                interval = f" (95% CI {ends_text[0].removesuffix('%')}-{ends_text[1]})"
            sentence = f"“{name}” {verb} expected exposure by {shown}{interval}"
        if with_media:
            before, after = article_chance(results, baseline), article_chance(results, name)
            verb = "cut" if after < before else "raised" if after > before else "kept"
            sentence += (f" and {verb} the chance of a press article "
                         f"{'at' if after == before else 'from'} {_percent(before)}"
                         f"{'' if after == before else f' to {_percent(after)}'}")
        out.append(sentence + ".")
    return out
