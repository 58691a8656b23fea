"""Summary statistics: intervals of means, of paired differences and of shares.

Means get t intervals, paired differences BCa bootstrap intervals, shares Wilson
intervals; also tier probabilities and exceedance curves.

Undefined values (``nan``, e.g. the time to 1,500 accounts of a story that never got
there) are left out of each statistic, and ``n`` says how many values it rests on.
What each number means, and why each interval is the one used, is in docs/statistics.md.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np

Z975 = 1.959963984540054
BOOTSTRAP_RESAMPLES = 2000
_CHUNK = 250  # resamples drawn at a time (memory: _CHUNK x n indices)
_NORMAL = NormalDist()
_T975 = (math.nan, 12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836,
         2.446911851, 2.364624252, 2.306004135, 2.262157163)
NAN_PAIR = [math.nan, math.nan]


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
        return math.nan, list(NAN_PAIR)
    mean = float(x.mean())
    if len(x) < 2:
        return mean, list(NAN_PAIR)
    half = t975(len(x) - 1) * float(x.std(ddof=1)) / math.sqrt(len(x))
    return mean, [mean - half, mean + half]


def bca_paired(policy: np.ndarray, baseline: np.ndarray, rng: np.random.Generator,
               resamples: int = BOOTSTRAP_RESAMPLES) -> tuple[list[float], list[float]]:
    """95% BCa bootstrap intervals of the mean difference and of the relative change.

    The pairs (replications) are resampled together ``resamples`` times (indices drawn
    from ``rng``); the same resamples serve both statistics: the difference of the means
    and the difference over the baseline's mean. Each interval is the percentile interval
    with its levels shifted by the bias correction ``z0`` (the share of resampled
    statistics below the observed one) and the acceleration ``a`` (from the jackknife),
    after Efron (1987). Constant statistics give zero-width intervals; fewer than 3 pairs
    give ``nan``.
    """
    x = np.asarray(policy, dtype=np.float64)
    y = np.asarray(baseline, dtype=np.float64)
    n = len(x)
    if n < 3:
        return list(NAN_PAIR), list(NAN_PAIR)
    mx = np.empty(resamples)
    my = np.empty(resamples)
    for start in range(0, resamples, _CHUNK):
        stop = min(start + _CHUNK, resamples)
        index = rng.integers(0, n, size=(stop - start, n))
        mx[start:stop] = x[index].mean(axis=1)
        my[start:stop] = y[index].mean(axis=1)
    jx = (x.sum() - x) / (n - 1)  # leave-one-out means
    jy = (y.sum() - y) / (n - 1)
    diff = _bca(float(x.mean() - y.mean()), mx - my, jx - jy)
    base = float(y.mean())
    if base == 0.0 or np.any(my == 0.0) or np.any(jy == 0.0):
        return diff, list(NAN_PAIR)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = _bca((float(x.mean()) - base) / base, (mx - my) / my, (jx - jy) / jy)
    return diff, relative


def _bca(observed: float, resampled: np.ndarray, jackknife: np.ndarray) -> list[float]:
    if float(resampled.max()) == float(resampled.min()):
        return [observed, observed]
    count = len(resampled)
    below = (np.count_nonzero(resampled < observed)
             + 0.5 * np.count_nonzero(resampled == observed)) / count
    below = min(max(below, 0.5 / count), 1 - 0.5 / count)
    z0 = _NORMAL.inv_cdf(below)
    d = jackknife.mean() - jackknife
    denominator = 6.0 * float((d**2).sum()) ** 1.5
    a = float((d**3).sum()) / denominator if denominator > 0 else 0.0
    levels = [_NORMAL.cdf(z0 + (z0 + z) / (1 - a * (z0 + z))) for z in (-Z975, Z975)]
    low, high = np.quantile(resampled, levels)
    return [float(low), float(high)]


def wilson(successes: float, n: int) -> list[float]:
    """95% Wilson score interval of a proportion (``successes`` may hold halves for ties)."""
    if n <= 0:
        return list(NAN_PAIR)
    p = successes / n
    z2 = Z975**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z975 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    low = 0.0 if successes <= 0 else max(0.0, centre - half)
    high = 1.0 if successes >= n else min(1.0, centre + half)
    return [low, high]


def describe(values: np.ndarray) -> dict[str, Any]:
    """``mean``, ``ci95`` (t), ``p50``, ``p90``, ``p95`` and ``n`` of one metric."""
    x = _defined(values)
    mean, ci = mean_ci(x)
    p50, p90, p95 = (np.percentile(x, [50, 90, 95]).tolist() if len(x) else [math.nan] * 3)
    return {"mean": mean, "ci95": ci, "p50": p50, "p90": p90, "p95": p95, "n": int(len(x))}


def paired(policy: np.ndarray, baseline: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
    """Paired difference policy - baseline over replications (the pairs share random numbers).

    ``diff_ci95`` and ``relative_ci95`` are BCa bootstrap intervals (resamples drawn from
    ``rng``) of the mean difference and of ``relative_change`` (the mean difference over
    the baseline's mean). ``prob_better`` is the share of replications in which the
    policy's value is lower than the baseline's (ties count half), with its Wilson interval.
    """
    both = ~np.isnan(policy) & ~np.isnan(baseline)
    diff = policy[both] - baseline[both]
    n = len(diff)
    mean = float(diff.mean()) if n else math.nan
    ci, relative_ci = bca_paired(policy[both], baseline[both], rng)
    base = float(baseline[both].mean()) if n else math.nan
    better = float(np.count_nonzero(diff < 0) + 0.5 * np.count_nonzero(diff == 0))
    return {
        "diff_mean": mean, "diff_ci95": ci,
        "relative_change": mean / base if n and base != 0.0 else math.nan,
        "relative_ci95": relative_ci,
        "prob_better": better / n if n else math.nan,
        "prob_better_ci95": wilson(better, n),
        "n": int(n),
    }


def half_width(interval: list[float]) -> float:
    """Half the width of an interval (``inf`` when it is undefined)."""
    low, high = interval
    if math.isnan(low) or math.isnan(high):
        return math.inf
    return (high - low) / 2


def tier_probabilities(values: np.ndarray, tiers: dict[str, float]) -> dict[str, Any]:
    """Per tier: the share of replications reaching its lower bound, with a Wilson interval."""
    x = _defined(values)
    out: dict[str, Any] = {}
    for name, bound in tiers.items():
        hits = int(np.count_nonzero(x >= bound))
        out[name] = {"p": hits / len(x) if len(x) else math.nan, "ci95": wilson(hits, len(x)),
                     "n": int(len(x))}
    return out


def exceedance(samples: list[np.ndarray], points: int = 120) -> dict[str, Any]:
    """Exceedance curves ``P(value > x)`` of several samples on one shared grid of ``x``.

    The grid is log-spaced from the smallest positive value to the largest of all the
    samples (the report draws it on log axes), with every sample's maximum added so
    that each curve reaches 0 exactly where it does.
    """
    defined = [_defined(s) for s in samples]
    everything = np.concatenate(defined) if defined else np.zeros(0)
    positive = everything[everything > 0]
    if len(positive) == 0:
        return {"x": [], "p": [[] for _ in samples]}
    low, high = float(positive.min()), float(positive.max())
    grid = np.geomspace(low, high, points) if high > low else np.array([low])
    maxima = [float(s.max()) for s in defined if len(s) and s.max() > 0]
    grid = np.unique(np.concatenate([grid, maxima]))
    curves = []
    for s in defined:
        ordered = np.sort(s)
        above = len(ordered) - np.searchsorted(ordered, grid, side="right")
        curves.append((above / len(ordered)).tolist() if len(ordered) else [math.nan] * len(grid))
    return {"x": grid.tolist(), "p": curves}
