"""Summary statistics: intervals of means, of paired differences and of shares.

Means get t intervals, paired differences BCa bootstrap intervals, shares Wilson
intervals; also tier probabilities, exceedance curves and discrete power-law tail fits
(with the Hurwitz zeta function they need).

Undefined values (``nan``, e.g. the time to 1,500 accounts of a story that never got
there) are left out of each statistic, and ``n`` says how many values it rests on.
What each number means, and why each interval is the one used, is in docs/statistics.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
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


def bca_mean(values: np.ndarray, rng: np.random.Generator,
             resamples: int = BOOTSTRAP_RESAMPLES) -> list[float]:
    """95% BCa bootstrap interval of a mean: it stays within the values' range.

    ``nan`` with fewer than 3 values; a zero-width interval when they are all equal.
    """
    x = np.asarray(values, dtype=np.float64)
    n = len(x)
    if n < 3:
        return list(NAN_PAIR)
    means = np.empty(resamples)
    for start in range(0, resamples, _CHUNK):
        stop = min(start + _CHUNK, resamples)
        means[start:stop] = x[rng.integers(0, n, size=(stop - start, n))].mean(axis=1)
    return _bca(float(x.mean()), means, (x.sum() - x) / (n - 1))


def describe(values: np.ndarray, rng: np.random.Generator | None = None) -> dict[str, Any]:
    """``mean``, ``ci95``, ``p50``, ``p90``, ``p95`` and ``n`` of one metric.

    ``ci95`` is the t interval of the mean, unless the values are non-negative (every
    metric of replications.csv) and the t interval goes below zero, as it does for a few
    large values among many small ones: then, with ``rng`` given, the BCa bootstrap
    interval (:func:`bca_mean`), which stays within the values' range.
    """
    x = _defined(values)
    mean, ci = mean_ci(x)
    if rng is not None and len(x) >= 3 and ci[0] < 0 <= float(x.min()):
        ci = bca_mean(x, rng)
    p50, p90, p95 = (np.percentile(x, [50, 90, 95]).tolist() if len(x) else [math.nan] * 3)
    return {"mean": mean, "ci95": ci, "p50": p50, "p90": p90, "p95": p95, "n": int(len(x))}


def paired(policy: np.ndarray, baseline: np.ndarray, rng: np.random.Generator, *,
           lower_is_better: bool = True) -> dict[str, Any]:
    """Paired difference policy - baseline over replications (the pairs share random numbers).

    ``diff_ci95`` and ``relative_ci95`` are BCa bootstrap intervals (resamples drawn from
    ``rng``) of the mean difference and of ``relative_change`` (the mean difference over
    the baseline's mean). ``prob_better`` is the share of replications in which the
    policy's value is better than the baseline's (lower, or higher when ``lower_is_better``
    is false, as for the time to a bad event; ties count half), with its Wilson interval.
    """
    both = ~np.isnan(policy) & ~np.isnan(baseline)
    diff = policy[both] - baseline[both]
    n = len(diff)
    mean = float(diff.mean()) if n else math.nan
    ci, relative_ci = bca_paired(policy[both], baseline[both], rng)
    base = float(baseline[both].mean()) if n else math.nan
    wins = diff < 0 if lower_is_better else diff > 0
    better = float(np.count_nonzero(wins) + 0.5 * np.count_nonzero(diff == 0))
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


# Power-law tails ------------------------------------------------------------------------

MIN_TAIL = 50  # fewest values a tail fit may rest on
MAX_CANDIDATES = 200  # most xmin values tried (log-spaced over the distinct values)
_ALPHA_BOUNDS = (1.0001, 20.0)  # where the exponent is looked for
_BLOCK = 64  # the KS distance is checked at every _BLOCK-th value first
_DIRECT = 16.0  # zeta sums its terms directly until q + k >= _DIRECT, then Euler-Maclaurin
# B_2j / (2j)!, j = 1..12: the Euler-Maclaurin corrections
_BERNOULLI = (8.333333333333333e-02, -1.388888888888889e-03, 3.306878306878307e-05,
              -8.267195767195768e-07, 2.08767569878681e-08, -5.284190138687493e-10,
              1.3382536530684679e-11, -3.3896802963225827e-13, 8.586062056277845e-15,
              -2.174868698558062e-16, 5.5090028283602295e-18, -1.3954464685812522e-19)


@dataclass(frozen=True)
class PowerLawFit:
    """A discrete power-law tail fitted by maximum likelihood (Clauset, Shalizi & Newman 2009).

    Attributes:
        exponent: The pmf exponent: P(k) = k^-exponent / zeta(exponent, xmin) for
            ``k >= xmin``.
        xmin: Where the tail starts, the value that minimises ``ks``.
        tail: How many values are at or above ``xmin``.
        ks: The Kolmogorov-Smirnov distance between the tail and the fitted discrete law.
    """

    exponent: float
    xmin: int
    tail: int
    ks: float


def hurwitz_zeta(s: float, q: float | np.ndarray) -> float | np.ndarray:
    """The Hurwitz zeta function zeta(s, q) = sum over k >= 0 of (k + q)^-s.

    The terms with ``k + q < 16`` are summed directly; the rest is the Euler-Maclaurin
    formula at ``a >= 16``: the integral ``a^(1-s) / (s-1)``, half the first term and 12
    Bernoulli corrections (fewer when every ``a`` is large). The relative error is about
    1e-15 for ``s`` in (1, 10] and below 1e-13 up to ``s = 20``.

    Args:
        s: The exponent, greater than 1.
        q: The offset (a number or an array of them), each greater than 0.

    Returns:
        zeta(s, q), with the shape of ``q``.

    Raises:
        ValueError: If ``s <= 1`` (the sum diverges) or some ``q <= 0``.
    """
    q = np.asarray(q, dtype=np.float64)
    if not s > 1:
        raise ValueError(f"hurwitz_zeta needs s > 1; got {s}")
    if q.size and not np.all(q > 0):
        raise ValueError(f"hurwitz_zeta needs every q > 0; got {q.min()}")
    direct = np.ceil(np.maximum(_DIRECT - q, 0.0))  # how many terms are summed directly
    total = np.zeros(q.shape)
    small = direct > 0
    if np.any(small):
        start, count = q[small], direct[small]
        part = np.zeros(start.shape)
        for k in range(int(count.max())):
            part += np.where(k < count, (start + k) ** -s, 0.0)
        total[small] = part
    a = q + direct
    # the corrections are a^-s sum_j c_j a^(1-2j), c_j = B_2j/(2j)! s(s+1)...(s+2j-2): a
    # polynomial in 1/a^2, whose terms below 1e-17 a^-s at the smallest a are left out
    smallest = float(a.min()) if a.size else _DIRECT
    coefficients = []
    rising = s
    for j, bernoulli in enumerate(_BERNOULLI, start=1):
        coefficient = bernoulli * rising
        if abs(coefficient) * smallest ** (1 - 2 * j) < 1e-17:
            break
        coefficients.append(coefficient)
        rising *= (s + 2 * j - 1) * (s + 2 * j)
    inverse = 1.0 / (a * a)
    series = np.zeros(a.shape)
    for coefficient in reversed(coefficients):
        series = series * inverse + coefficient
    power = a**-s
    total += power * (a / (s - 1) + 0.5 + series / a)
    return total[()]


def _log_moments(s: float, q: float) -> tuple[float, float, float]:
    """zeta(s, q) and the mean and variance of ln(X / q) when P(X = k) ~ k^-s for k >= q.

    The moments are the s-derivatives of q^s zeta(s, q), term by term in the same sums
    as :func:`hurwitz_zeta`; taking the logarithms relative to ``q`` keeps the variance
    accurate when nearly all the mass is at ``q``.
    """
    y0 = y1 = y2 = 0.0  # sums of w, w l and w l^2, with l = ln((q+k)/q) and w = e^(-s l)
    direct = max(0, math.ceil(_DIRECT - q))
    for k in range(direct):
        log = math.log1p(k / q)
        weight = math.exp(-s * log)
        y0 += weight
        y1 += weight * log
        y2 += weight * log * log
    a = q + direct
    log = math.log1p(direct / q)
    weight = math.exp(-s * log)
    r = 1.0 / (s - 1)
    integral = a * weight * r
    y0 += integral + weight / 2
    y1 += integral * (log + r) + weight * log / 2
    y2 += integral * (log * log + 2 * log * r + 2 * r * r) + weight * log * log / 2
    term = weight * s / a
    p1, p2 = 1.0 / s, 1.0 / (s * s)  # sums of 1/(s+i) and 1/(s+i)^2 over i < 2j - 1
    for j, coefficient in enumerate(_BERNOULLI, start=1):
        shifted = log - p1
        y0 += coefficient * term
        y1 += coefficient * term * shifted
        y2 += coefficient * term * (shifted * shifted - p2)
        term = term * (s + 2 * j - 1) * (s + 2 * j) / (a * a)
        p1 += 1.0 / (s + 2 * j - 1) + 1.0 / (s + 2 * j)
        p2 += 1.0 / (s + 2 * j - 1) ** 2 + 1.0 / (s + 2 * j) ** 2
    mean = y1 / y0
    return y0 * q**-s, mean, max(y2 / y0 - mean * mean, 0.0)


def _discrete_exponent(mean_log: float, xmin: float, start: float) -> float:
    """The exponent that maximises the discrete power-law likelihood of a tail.

    The likelihood ``-n ln zeta(a, xmin) - a sum(ln x)`` is concave in ``a``, and its
    maximum is where the model's mean of ``ln(x / xmin)`` equals the data's
    (``mean_log``). Newton's method on that equation (the slope is minus the model's
    variance of ``ln(x / xmin)``) is kept inside a shrinking bracket, with a bisection
    whenever a step would leave it; the answer is clipped to ``_ALPHA_BOUNDS``.
    """
    low, high = _ALPHA_BOUNDS
    a = min(max(start, low), high)
    for _ in range(200):
        _, mean, variance = _log_moments(a, xmin)
        gap = mean - mean_log  # decreasing in a
        if gap > 0:
            low = a
        else:
            high = a
        step = gap / variance if variance > 0 else math.inf
        following = a + step
        if not low < following < high:
            following = (low + high) / 2
        if abs(following - a) <= 1e-12 * a or high - low <= 1e-12 * a:
            return following
        a = following
    return a


def _ks_distance(alpha: float, values: np.ndarray, counts: np.ndarray, at_most: np.ndarray,
                 give_up: float) -> float:
    """Kolmogorov-Smirnov distance between a tail and the discrete power law fitted to it.

    The model is P(X = k) = k^-alpha / zeta(alpha, xmin) for k >= xmin = ``values[0]``.
    Both CDFs are step functions that move only at integers, so the distance is the
    largest gap on either side of a step of the empirical CDF (just below and at each
    distinct value). It is computed exactly without evaluating zeta at every value:
    first at every ``_BLOCK``-th value, and then inside only the blocks where it could be
    larger than that (both CDFs are increasing, so between two checked values they stay
    between the CDFs just after the left one and just before the right one).

    Args:
        alpha: The exponent.
        values: The tail's distinct values, ascending.
        counts: How many times each of ``values`` occurs.
        at_most: How many values of the whole sample are at most each of ``values``.
        give_up: A distance at which to stop: the result is then only a lower bound.

    Returns:
        The distance, or a lower bound of it at least ``give_up``.
    """
    before = at_most[0] - counts[0]  # values below the tail
    n = at_most[-1] - before
    top = hurwitz_zeta(alpha, values[0])

    def gaps(index: np.ndarray) -> tuple[np.ndarray, ...]:
        zeta = hurwitz_zeta(alpha, values[index])
        model_below = 1.0 - zeta / top  # P(X < x)
        model_up_to = model_below + values[index] ** -alpha / top  # P(X <= x)
        up_to = (at_most[index] - before) / n
        below = up_to - counts[index] / n
        return model_below, model_up_to, below, up_to

    checked = np.append(np.arange(0, len(values) - 1, _BLOCK), len(values) - 1)
    model_below, model_up_to, below, up_to = gaps(checked)
    distance = float(max(np.max(np.abs(up_to - model_up_to)),
                         np.max(np.abs(below - model_below))))
    if distance >= give_up:
        return distance
    reach = np.maximum(below[1:] - model_up_to[:-1], model_below[1:] - up_to[:-1])
    blocks = np.flatnonzero(reach > distance)
    if len(blocks):
        starts = checked[blocks] + 1
        lengths = checked[blocks + 1] - starts
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        inside = offsets + np.arange(int(lengths.sum()))
        if len(inside):
            model_below, model_up_to, below, up_to = gaps(inside)
            distance = float(max(distance, np.max(np.abs(up_to - model_up_to)),
                                 np.max(np.abs(below - model_below))))
    return distance


def fit_power_law(values: np.ndarray) -> PowerLawFit | None:
    """Fit a discrete power law to the tail of positive integer ``values``.

    Follows Clauset, Shalizi & Newman (2009), section 3 and appendix B. For each
    candidate ``xmin`` (a distinct value with at least ``MIN_TAIL`` values at or above
    it and another distinct value above it; at most ``MAX_CANDIDATES`` of them,
    log-spaced), the exponent is the exact discrete maximum-likelihood estimate (see
    :func:`_discrete_exponent`), and the fit is scored by the Kolmogorov-Smirnov
    distance between the tail's empirical CDF and the model's
    ``P(X < x) = 1 - zeta(a, x) / zeta(a, xmin)`` (see :func:`_ks_distance`). The
    candidate with the smallest distance wins. Values below 1 are ignored.

    Args:
        values: Positive integer observations, e.g. follower counts or cascade sizes.

    Returns:
        The fit, or ``None`` when fewer than ``MIN_TAIL`` values are at least 1 or no
        candidate tail holds two distinct values.
    """
    x = np.sort(np.asarray(values, dtype=np.float64))
    x = x[x >= 1]
    if len(x) < MIN_TAIL:
        return None
    first = np.flatnonzero(np.concatenate(([True], x[1:] != x[:-1])))
    distinct = x[first]
    counts = np.diff(np.append(first, len(x))).astype(np.float64)
    at_or_above = len(x) - first
    at_most = np.cumsum(counts)
    log_sums = np.cumsum((counts * np.log(distinct))[::-1])[::-1]  # sum of ln x over each tail
    candidates = np.flatnonzero(at_or_above >= MIN_TAIL)
    candidates = candidates[candidates < len(distinct) - 1]
    if len(candidates) > MAX_CANDIDATES:
        picks = np.unique(np.geomspace(1, len(candidates), MAX_CANDIDATES).astype(int) - 1)
        candidates = candidates[picks]
    best: PowerLawFit | None = None
    for index in candidates:
        xmin = float(distinct[index])
        n = int(at_or_above[index])
        mean_log = max(float(log_sums[index]) / n - math.log(xmin), 0.0)  # of ln(x / xmin)
        start = 1.0 + 1.0 / (mean_log + math.log(xmin / (xmin - 0.5)))
        alpha = _discrete_exponent(mean_log, xmin, start)
        ks = _ks_distance(alpha, distinct[index:], counts[index:], at_most[index:],
                          math.inf if best is None else best.ks)
        if best is None or ks < best.ks:
            best = PowerLawFit(alpha, int(xmin), n, ks)
    return best
