"""Inverse CDFs: the normal quantile, KS tests of on-demand delays, inversion, the SEISMIC head."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from sim.randomness.distributions import (
    EXPONENTIAL,
    FIXED,
    LOGNORMAL,
    SEISMIC,
    UNIFORM,
    encode,
    encode_array,
    normal_quantile,
    quantile,
    quantiles,
)
from sim.randomness.philox import key_array, key_for, uniform, words
from sim.scenario import values
from sim.scenario.values import parse_distribution

ROOT = 20240601
N = 100_000
KS_1PCT = 1.63 / math.sqrt(N)  # Kolmogorov's 1% critical value for one sample of size N

ATTENTION = [
    "exponential(mean=30m)",
    "lognormal(median=45m, sigma=0.6)",
    "uniform(low=10m, high=1h)",
    "seismic(theta=0.23, plateau=5m)",
    "fixed(12m)",
    "seismic(theta=0.23, plateau=5m, knee=1h, tail=0.5)",
]
CONTINUOUS = [*ATTENTION[:4], ATTENTION[5]]


# ---------------------------------------------------------------- exact CDFs
# Written here from the formulas of quantile's docstring, independently of the engine.

_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def cdf(dist: values.Distribution, t: np.ndarray) -> np.ndarray:
    t = np.asarray(t, dtype=np.float64)
    if isinstance(dist, values.Exponential):
        return np.where(t > 0, -np.expm1(-np.maximum(t, 0.0) / dist.mean), 0.0)
    if isinstance(dist, values.LogNormal):
        z = (np.log(np.maximum(t, 1e-300)) - math.log(dist.median)) / dist.sigma
        return np.where(t > 0, 0.5 * _erfc(-z / math.sqrt(2.0)), 0.0)
    if isinstance(dist, values.Uniform):
        return np.clip((t - dist.low) / (dist.high - dist.low), 0.0, 1.0)
    if isinstance(dist, values.Seismic):
        theta, plateau = dist.theta, dist.plateau
        head = theta / (1.0 + theta)
        survival = (np.maximum(t, plateau) / plateau) ** -theta / (1.0 + theta)
        if dist.knee is not None and dist.tail is not None:  # the steeper tail beyond the knee
            at_knee = (dist.knee / plateau) ** -theta / (1.0 + theta)
            survival = np.where(t > dist.knee, at_knee * (t / dist.knee) ** -dist.tail, survival)
        return np.where(t <= 0, 0.0, np.where(t < plateau, head * t / plateau, 1.0 - survival))
    if isinstance(dist, values.Fixed):
        return (t >= dist.value).astype(np.float64)
    raise TypeError(dist)


def on_demand(text: str, replication: int = 0, item: int = 0) -> np.ndarray:
    """N delays drawn as the engine draws them: one uniform of word 0 per index."""
    key = key_array(key_for(ROOT, "action", ATTENTION.index(text)))
    w = words(key, np.arange(N, dtype=np.int64), item, replication)
    u = (w[:, 0].astype(np.float64) + 0.5) * 2.0**-32
    code, a, b, c, d = encode(parse_distribution(text))
    delays = quantiles(code, a, b, u, c, d)
    for i in (0, 1, N // 2, N - 1):  # the scalar path the engine takes gives the same
        assert delays[i] == quantile(code, a, b, uniform(w[i, 0]), c, d)
    return delays


def ks_statistic(sample: np.ndarray, dist: values.Distribution) -> float:
    x = np.sort(sample)
    f = cdf(dist, x)
    n = len(x)
    upper = np.arange(1, n + 1) / n - f
    lower = f - np.arange(n) / n
    return float(max(upper.max(), lower.max()))


# ---------------------------------------------------------------- normal quantile


def _neighbours(p: float, count: int = 40) -> list[float]:
    out = [p]
    below = above = p
    for _ in range(count):
        below = math.nextafter(below, 0.0)
        above = math.nextafter(above, 1.0)
        out += [below, above]
    return out


def _normal_grid() -> list[float]:
    grid = list(np.logspace(-300, math.log10(0.5), 3001))
    grid += list(1.0 - np.logspace(-16, -0.31, 2001))
    grid += list(np.linspace(0.001, 0.999, 4001))
    grid += [5e-324, 1e-310, 2.2250738585072014e-308, 1.0 - 2.0**-53, 1.0 - 1e-16, 0.5]
    for boundary in (0.5 - 0.425, 0.5 + 0.425, math.exp(-25.0), -math.expm1(-25.0)):
        grid += _neighbours(boundary)  # |p - 1/2| = 0.425, and r = sqrt(-log(.)) = 5
    grid += [uniform(np.uint32(w)) for w in (0, 1, 2, 0xFFFFFFFE, 0xFFFFFFFF)]
    return [float(p) for p in grid if 0.0 < p < 1.0]


def test_normal_quantile_agrees_with_python_to_four_ulp():
    inv_cdf = NormalDist().inv_cdf
    worst = 0.0
    for p in _normal_grid():
        got, want = normal_quantile(p), inv_cdf(p)
        error = abs(got - want)
        assert error <= max(4 * math.ulp(want), 1e-15 * abs(want)), (p, got, want)
        worst = max(worst, error)
    assert worst < 1e-13


def test_normal_quantile_known_values():
    assert normal_quantile(0.5) == 0.0
    assert normal_quantile(0.975) == pytest.approx(1.959963984540054, rel=1e-15)
    assert normal_quantile(0.025) == pytest.approx(-1.959963984540054, rel=1e-15)
    assert normal_quantile(1e-300) == pytest.approx(-37.0471, rel=1e-5)


def test_normal_quantile_is_monotone_on_the_uniform_grid():
    """Across the branch points, the uniforms the engine can draw give ordered quantiles."""
    for boundary in (0.075, 0.925, math.exp(-25.0), -math.expm1(-25.0)):
        w0 = int(boundary * 2.0**32)
        us = [uniform(np.uint32(w)) for w in range(max(w0 - 200, 0), min(w0 + 200, 2**32))]
        qs = [normal_quantile(u) for u in us]
        assert all(a < b for a, b in zip(qs, qs[1:], strict=False)), boundary


# ---------------------------------------------------------------- encode


def test_encode_reads_each_distribution():
    inf = math.inf
    assert encode(parse_distribution("fixed(12m)")) == (FIXED, 720.0, 0.0, inf, 0.0)
    assert encode(parse_distribution("exponential(mean=30m)")) == (
        EXPONENTIAL, 1800.0, 0.0, inf, 0.0)
    assert encode(parse_distribution("lognormal(median=45m, sigma=0.6)")) == (
        LOGNORMAL, 2700.0, 0.6, inf, 0.0)
    assert encode(parse_distribution("uniform(low=10m, high=1h)")) == (
        UNIFORM, 600.0, 3600.0, inf, 0.0)
    assert encode(parse_distribution("seismic(theta=0.23, plateau=5m)")) == (
        SEISMIC, 0.23, 300.0, inf, 0.23)
    assert encode(parse_distribution("seismic(theta=0.23, plateau=5m, knee=1h, tail=0.5)")) == (
        SEISMIC, 0.23, 300.0, 3600.0, 0.5)
    table = encode_array([parse_distribution(text) for text in ATTENTION])
    assert table.shape == (6, 5)
    assert table[:, 0].tolist() == [EXPONENTIAL, LOGNORMAL, UNIFORM, SEISMIC, FIXED, SEISMIC]
    with pytest.raises(TypeError):
        encode("exponential(mean=30m)")


# ---------------------------------------------------------------- KS on on-demand delays


@pytest.mark.parametrize("text", CONTINUOUS)
def test_on_demand_delays_pass_kolmogorov_smirnov(text):
    dist = parse_distribution(text)
    delays = on_demand(text)
    assert np.all(delays >= 0.0)
    d = ks_statistic(delays, dist)
    assert d <= KS_1PCT, f"{text}: D = {d:.5f} > {KS_1PCT:.5f}"


@pytest.mark.parametrize("text", CONTINUOUS)
def test_on_demand_delays_of_another_replication_also_pass(text):
    d = ks_statistic(on_demand(text, replication=2**31 + 5, item=9), parse_distribution(text))
    assert d <= KS_1PCT, f"{text}: D = {d:.5f} > {KS_1PCT:.5f}"


def test_fixed_delay_is_exact():
    assert np.all(on_demand("fixed(12m)") == 720.0)
    for w in (0, 1, 2**31, 0xFFFFFFFF):
        assert quantile(FIXED, 720.0, 0.0, uniform(np.uint32(w))) == 720.0


def test_ks_statistic_rejects_a_wrong_distribution():
    """The KS check has power: exponential draws are not lognormal, nor a 1% longer mean."""
    delays = on_demand("exponential(mean=30m)")
    assert ks_statistic(delays, parse_distribution("lognormal(median=45m, sigma=0.6)")) > KS_1PCT
    assert ks_statistic(delays, parse_distribution("exponential(mean=31m)")) > KS_1PCT


# ---------------------------------------------------------------- inversion and order


def _u_grid() -> np.ndarray:
    words_ = [0, 1, 2, 3, 2**31 - 1, 2**31, 0xFFFFFFFD, 0xFFFFFFFE, 0xFFFFFFFF]
    grid = [uniform(np.uint32(w)) for w in words_]
    grid += list(np.linspace(1e-6, 1 - 1e-6, 4001))
    grid += list(np.logspace(-9.6, -1, 200)) + list(1.0 - np.logspace(-9.6, -1, 200))
    return np.unique(np.array(grid))


@pytest.mark.parametrize("text", CONTINUOUS)
def test_quantile_inverts_the_cdf(text):
    dist = parse_distribution(text)
    u = _u_grid()
    code, a, b, c, d = encode(dist)
    q = quantiles(code, a, b, u, c, d)
    back = cdf(dist, q)
    worst = np.abs(back - u).max()
    assert worst <= 1e-12, f"{text}: |CDF(quantile(u)) - u| up to {worst:.3g}"


@pytest.mark.parametrize("text", ATTENTION)
def test_quantile_is_monotone(text):
    code, a, b, c, d = encode(parse_distribution(text))
    q = quantiles(code, a, b, _u_grid(), c, d)
    assert np.all(np.diff(q) >= 0.0)
    if code != FIXED:
        assert np.all(np.diff(q) > 0.0)


# ---------------------------------------------------------------- SEISMIC head and tail


@pytest.mark.parametrize("theta", [0.05, 0.23, 0.5, 1.0, 2.0, 7.5])
def test_seismic_boundary_is_the_plateau(theta):
    plateau = 300.0
    head = theta / (1.0 + theta)
    assert quantile(SEISMIC, theta, plateau, head) == pytest.approx(plateau, rel=1e-13)
    # On the uniforms the engine draws, T <= plateau exactly when u < theta / (1 + theta):
    # P(T <= plateau) = #{words below the boundary} / 2**32, within 2**-32 of the head.
    first = math.ceil(head * 2.0**32 - 0.5)  # the first word with uniform(word) >= head
    assert uniform(np.uint32(first - 1)) < head <= uniform(np.uint32(first))
    assert abs(first * 2.0**-32 - head) <= 2.0**-32
    below = [quantile(SEISMIC, theta, plateau, uniform(np.uint32(w)))
             for w in range(first - 100, first)]
    above = [quantile(SEISMIC, theta, plateau, uniform(np.uint32(w)))
             for w in range(first, first + 100)]
    assert max(below) < plateau < min(above)
    assert all(x < y for x, y in zip(below + above, (below + above)[1:], strict=False))
    # The head is flat: the quantile is linear in u below the boundary.
    assert quantile(SEISMIC, theta, plateau, head / 2) == pytest.approx(plateau / 2, rel=1e-15)


def test_seismic_on_demand_head_and_tail_fractions():
    dist = parse_distribution("seismic(theta=0.23, plateau=5m)")
    theta, plateau = dist.theta, dist.plateau
    delays = on_demand("seismic(theta=0.23, plateau=5m)")

    def check(observed: float, p: float, what: str) -> None:
        se = math.sqrt(p * (1.0 - p) / N)
        assert abs(observed - p) <= 4.0 * se, f"{what}: {observed:.5f} vs {p:.5f}"

    check(float(np.mean(delays <= plateau)), theta / (1.0 + theta), "P(T <= plateau)")
    for multiple in (2.0, 10.0, 1e3, 1e6):
        p = multiple**-theta / (1.0 + theta)
        check(float(np.mean(delays > multiple * plateau)), p, f"P(T > {multiple:g} plateau)")


def test_seismic_knee_steepens_the_tail_and_keeps_the_body():
    """Below the knee the kernel is SEISMIC's; beyond it the survival falls as t^-tail."""
    plain = parse_distribution("seismic(theta=0.23, plateau=5m)")
    kneed = parse_distribution("seismic(theta=0.23, plateau=5m, knee=1h, tail=0.5)")
    u = (words(key_array(key_for(ROOT, "action", 99)), np.arange(N, dtype=np.int64), 0, 0)[:, 0]
         + 0.5) * 2.0**-32
    code, a, b, c, d = encode(kneed)
    delays = quantiles(code, a, b, u, c, d)
    code, a, b, c, d = encode(plain)
    same = quantiles(code, a, b, u, c, d)
    body = same <= 3600.0  # the same uniforms give the same delays up to the knee
    assert np.array_equal(delays[body], same[body])
    assert np.all(delays[~body] < same[~body])
    at_knee = 12.0**-0.23 / 1.23
    for hours in (2.0, 24.0, 168.0):
        p = at_knee * hours**-0.5
        observed = float(np.mean(delays > hours * 3600.0))
        assert abs(observed - p) <= 4.0 * math.sqrt(p * (1 - p) / N), (hours, observed, p)
    assert cdf(kneed, np.array([3600.0]))[0] == pytest.approx(cdf(plain, np.array([3600.0]))[0])
