"""The Hurwitz zeta function and the discrete power-law fit (Clauset, Shalizi & Newman 2009)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.stats import MIN_TAIL, _log_moments, fit_power_law, hurwitz_zeta

# zeta(s, 1) at a few exponents, and (s, 1) pairs that span the range the fit uses
KNOWN = [(2.0, math.pi**2 / 6), (4.0, math.pi**4 / 90), (3.0, 1.2020569031595942)]
EXPONENTS = [1.01, 1.3, 2.0, 2.5, 3.7, 6.0, 10.0]


def _zipf_tail(rng: np.random.Generator, alpha: float, xmin: int, n: int) -> np.ndarray:
    """Exact draws of P(X = k) = k^-alpha / zeta(alpha, xmin), k >= xmin.

    numpy's Zipf sampler is exact for xmin = 1 (Devroye's rejection method), and keeping
    the draws >= xmin conditions them exactly on the tail; neither step uses our zeta.
    """
    parts, drawn = [], 0
    while drawn < n:
        draws = rng.zipf(alpha, 4 * n)
        parts.append(draws[draws >= xmin])
        drawn += len(parts[-1])
    return np.concatenate(parts)[:n]


def _standard_error(alpha: float, xmin: int, n: int) -> float:
    """Asymptotic SE of the discrete MLE: 1 / sqrt(n Var(ln X)) (the Fisher information).

    Var(ln X) is summed directly over k < 10^6. For large xmin it tends to 1/(alpha-1)^2,
    which gives the continuous SE (alpha - 1) / sqrt(n); at xmin = 1 the discrete SE is
    up to 13% larger than that.
    """
    k = np.arange(xmin, 10**6, dtype=np.float64)
    weight = k**-alpha
    log = np.log(k)
    mean = (weight * log).sum() / weight.sum()
    variance = (weight * log * log).sum() / weight.sum() - mean * mean
    return 1.0 / math.sqrt(n * variance)


@pytest.mark.parametrize(("s", "expected"), KNOWN)
def test_zeta_at_one_matches_known_values(s: float, expected: float) -> None:
    assert hurwitz_zeta(s, 1.0) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("s", EXPONENTS)
@pytest.mark.parametrize("m", [2, 7, 1000])
def test_zeta_shifts_by_its_first_terms(s: float, m: int) -> None:
    # zeta(s, 1) = sum_{k<m} k^-s + zeta(s, m)
    head = math.fsum(k**-s for k in range(1, m))
    assert head + hurwitz_zeta(s, float(m)) == pytest.approx(hurwitz_zeta(s, 1.0), rel=1e-13)
    if m == 2:  # no cancellation to speak of: zeta(s, 2) itself to 1e-12
        assert hurwitz_zeta(s, 2.0) == pytest.approx(hurwitz_zeta(s, 1.0) - 1.0, rel=1e-12)


@pytest.mark.parametrize("s", [1.01, 2.0, 10.0])
@pytest.mark.parametrize("q", [12345.5, 1e7])
def test_zeta_at_large_q_matches_a_direct_sum_and_integral(s: float, q: float) -> None:
    # 10^5 terms, then the integral and half a term from a = q + 10^5: the next
    # Euler-Maclaurin term is s (s-1) / (12 a^2) of the integral, below 1e-12 here
    count = 100_000
    a = q + count
    reference = (math.fsum((q + k) ** -s for k in range(count))
                 + a ** (1 - s) / (s - 1) + a**-s / 2)
    assert hurwitz_zeta(s, q) == pytest.approx(reference, rel=1e-12)


def test_zeta_is_vectorised_over_q() -> None:
    q = np.array([[1.0, 2.5, 15.9], [16.0, 1e3, 1e7]])
    values = hurwitz_zeta(2.5, q)
    assert values.shape == q.shape
    one_by_one = [hurwitz_zeta(2.5, v) for v in q.ravel()]
    assert values.ravel().tolist() == pytest.approx(one_by_one, rel=1e-15)


@pytest.mark.parametrize(("s", "q"), [(1.0, 1.0), (0.5, 1.0), (2.0, 0.0), (2.0, -1.0)])
def test_zeta_refuses_divergent_arguments(s: float, q: float) -> None:
    with pytest.raises(ValueError, match="hurwitz_zeta needs"):
        hurwitz_zeta(s, q)


@pytest.mark.parametrize("s", [3.5, 5.0])
@pytest.mark.parametrize("q", [1.0, 5.0, 40.0])
def test_log_moments_match_direct_sums(s: float, q: float) -> None:
    # the terms left out beyond k = 10^6 are below 1e-8 of each sum
    k = q + np.arange(10**6, dtype=np.float64)
    weight = k**-s
    log = np.log(k / q)
    mean = (weight * log).sum() / weight.sum()
    variance = (weight * (log - mean) ** 2).sum() / weight.sum()
    zeta, model_mean, model_variance = _log_moments(s, q)
    assert zeta == pytest.approx(hurwitz_zeta(s, q), rel=1e-14)
    assert model_mean == pytest.approx(mean, rel=1e-8)
    assert model_variance == pytest.approx(variance, rel=1e-8)


@pytest.mark.parametrize("s", [1.2, 2.5, 8.0])
@pytest.mark.parametrize("q", [1.0, 5.0, 1e4])
def test_log_moments_are_derivatives_of_log_zeta(s: float, q: float) -> None:
    # mean = -d/ds ln zeta - ln q, variance = d2/ds2 ln zeta; central differences are
    # good to ~1e-8 (step 1e-4) and ~1e-5 (step 1e-3) here
    def log_zeta(t: float) -> float:
        return math.log(hurwitz_zeta(t, q))

    _, mean, variance = _log_moments(s, q)
    h = 1e-4
    assert mean == pytest.approx(-(log_zeta(s + h) - log_zeta(s - h)) / (2 * h) - math.log(q),
                                 rel=1e-7, abs=1e-9)
    h = 1e-3
    second = (log_zeta(s + h) - 2 * log_zeta(s) + log_zeta(s - h)) / h**2
    assert variance == pytest.approx(second, rel=1e-4, abs=1e-9)


@pytest.mark.parametrize("alpha", [2.0, 2.5])
@pytest.mark.parametrize("xmin", [1, 5])
def test_fit_recovers_the_exponent_of_an_exact_discrete_power_law(alpha: float,
                                                                  xmin: int) -> None:
    values = _zipf_tail(np.random.default_rng(20260 + xmin), alpha, xmin, 20_000)
    fit = fit_power_law(values)
    assert fit is not None and fit.xmin >= xmin
    assert abs(fit.exponent - alpha) <= 4 * _standard_error(alpha, fit.xmin, fit.tail), fit


def test_fit_is_the_maximum_of_the_likelihood_and_its_ks_is_exact() -> None:
    # 20,000 values: a few hundred distinct ones, so the KS shortcut skips some blocks
    values = _zipf_tail(np.random.default_rng(8), 2.2, 2, 20_000)
    fit = fit_power_law(values)
    assert fit is not None
    tail = values[values >= fit.xmin].astype(np.float64)
    assert len(tail) == fit.tail

    def likelihood(a: float) -> float:
        return -len(tail) * math.log(hurwitz_zeta(a, fit.xmin)) - a * np.log(tail).sum()

    best = likelihood(fit.exponent)
    assert best > likelihood(fit.exponent - 1e-4) and best > likelihood(fit.exponent + 1e-4)
    # the score is zero: the model's mean of ln(x / xmin) is the data's
    _, mean, _ = _log_moments(fit.exponent, fit.xmin)
    assert mean == pytest.approx(np.log(tail / fit.xmin).mean(), rel=1e-10)
    # KS by brute force over every integer up to the maximum (both CDFs are steps there)
    k = np.arange(fit.xmin, tail.max() + 1)
    model = 1 - hurwitz_zeta(fit.exponent, k + 1.0) / hurwitz_zeta(fit.exponent, fit.xmin)
    empirical = np.searchsorted(np.sort(tail), k, side="right") / len(tail)
    assert fit.ks == pytest.approx(np.abs(model - empirical).max(), rel=1e-9)


def test_fit_needs_at_least_min_tail_values_of_at_least_one() -> None:
    rng = np.random.default_rng(1)
    values = _zipf_tail(rng, 2.5, 1, MIN_TAIL)
    values[:2] = [1, 2]  # at least two distinct values
    assert fit_power_law(values[: MIN_TAIL - 1]) is None
    assert fit_power_law(np.concatenate([values[: MIN_TAIL - 1], np.zeros(500)])) is None
    assert fit_power_law(np.array([], dtype=np.int64)) is None
    fit = fit_power_law(values)
    assert fit is not None and fit.tail == MIN_TAIL


def test_fit_needs_two_distinct_values_in_the_tail() -> None:
    # the likelihood of a single repeated value grows without bound in the exponent
    assert fit_power_law(np.full(500, 7)) is None


def test_xmin_is_where_the_power_law_starts() -> None:
    # a flat body on 1..9 (half the values), then a power law from 10 on. Below 10 the
    # KS distance is large (the body carries half the mass); at or above 10 every xmin is
    # a true power law, and KS picks the lowest few: over 40 seeds, xmin was 10 in 24 and
    # at most 24.
    rng = np.random.default_rng(5)
    values = np.concatenate([rng.integers(1, 10, 10_000), _zipf_tail(rng, 2.5, 10, 10_000)])
    fit = fit_power_law(values)
    assert fit is not None and 10 <= fit.xmin <= 30, fit
    assert abs(fit.exponent - 2.5) <= 4 * _standard_error(2.5, fit.xmin, fit.tail), fit
