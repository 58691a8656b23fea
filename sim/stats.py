"""Summary statistics: means with t intervals, percentiles, paired differences, tiers.

Undefined values (``nan``, e.g. the time to 1,500 accounts of a story that never got
there) are left out of each statistic, and ``n`` says how many values it rests on.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

Z975 = 1.959963984540054
_T975 = (math.nan, 12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836,
         2.446911851, 2.364624252, 2.306004135, 2.262157163)


def t975(df: int) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom.

    Tabulated up to 9 degrees of freedom; beyond, the Cornish-Fisher expansion of
    Abramowitz & Stegun 26.7.5 (error below 1e-5).
    """
    if df <= 0:
        return math.nan
    if df < len(_T975):
        return _T975[df]
    z = Z975
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


def _defined(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    return values[~np.isnan(values)]


def mean_ci(values: np.ndarray) -> tuple[float, list[float]]:
    """Mean and 95% t confidence interval (``nan`` when it cannot be computed)."""
    x = _defined(values)
    if len(x) == 0:
        return math.nan, [math.nan, math.nan]
    mean = float(x.mean())
    if len(x) < 2:
        return mean, [math.nan, math.nan]
    half = t975(len(x) - 1) * float(x.std(ddof=1)) / math.sqrt(len(x))
    return mean, [mean - half, mean + half]


def describe(values: np.ndarray) -> dict[str, Any]:
    """``mean``, ``ci95``, ``p50``, ``p90``, ``p95`` and ``n`` of one metric."""
    x = _defined(values)
    mean, ci = mean_ci(x)
    p50, p90, p95 = (np.percentile(x, [50, 90, 95]).tolist() if len(x) else [math.nan] * 3)
    return {"mean": mean, "ci95": ci, "p50": p50, "p90": p90, "p95": p95, "n": int(len(x))}


def paired(policy: np.ndarray, baseline: np.ndarray) -> dict[str, Any]:
    """Paired difference policy - baseline over replications (common random numbers).

    ``prob_better`` is the share of replications (where both are defined) in which the
    policy's value is lower than the baseline's; ties count half.
    """
    both = ~np.isnan(policy) & ~np.isnan(baseline)
    diff = policy[both] - baseline[both]
    mean, ci = mean_ci(diff)
    base = float(baseline[both].mean()) if both.any() else math.nan
    better = float(np.mean((diff < 0) + 0.5 * (diff == 0))) if len(diff) else math.nan
    relative = mean / base if base not in (0.0,) and not math.isnan(base) else math.nan
    return {"diff_mean": mean, "diff_ci95": ci, "relative_change": relative,
            "prob_better": better, "n": int(len(diff))}


def tier_probabilities(values: np.ndarray, tiers: dict[str, float]) -> dict[str, float]:
    """Share of replications whose value reaches each tier's lower bound."""
    x = _defined(values)
    if len(x) == 0:
        return {name: math.nan for name in tiers}
    return {name: float(np.mean(x >= bound)) for name, bound in tiers.items()}
