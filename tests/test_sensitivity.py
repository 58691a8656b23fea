"""Sobol' indices against closed forms (Ishigami, linear), the design's shape and scaling."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from sim.sensitivity import Design, Indices, design, indices

PI = math.pi


def _run(model, bounds, n, seed, *, log=None, bootstrap=1000) -> tuple[Design, Indices]:
    plan = design(bounds, n, np.random.default_rng(seed), log=log)
    y = model(plan.points())
    return plan, indices(y, plan.k, np.random.default_rng(seed + 1), bootstrap=bootstrap)


def _assert_near(result: Indices, first: np.ndarray, total: np.ndarray) -> None:
    """Within 4 bootstrap standard errors of the truth, and inside the 95% intervals."""
    assert np.all(np.abs(result.first - first) <= 4 * result.first_se), (result.first, first)
    assert np.all(np.abs(result.total - total) <= 4 * result.total_se), (result.total, total)
    assert np.all((result.first_ci95[:, 0] <= first) & (first <= result.first_ci95[:, 1]))
    assert np.all((result.total_ci95[:, 0] <= total) & (total <= result.total_ci95[:, 1]))
    assert np.all(result.first_se > 0) and np.all(result.total_se > 0)


# --- Ishigami: f = sin x1 + a sin^2 x2 + b x3^4 sin x1, x uniform on [-pi, pi]^3 ---------

A_ISHIGAMI, B_ISHIGAMI = 7.0, 0.1


def ishigami(x: np.ndarray, a: float = A_ISHIGAMI, b: float = B_ISHIGAMI) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_truth(a: float = A_ISHIGAMI, b: float = B_ISHIGAMI) -> tuple[np.ndarray, ...]:
    """The closed forms of the first-order and total indices (Ishigami & Homma 1990)."""
    variance = a**2 / 8 + b * PI**4 / 5 + b**2 * PI**8 / 18 + 0.5
    v1 = 0.5 * (1 + b * PI**4 / 5) ** 2
    v2 = a**2 / 8
    v3 = 0.0
    v13 = b**2 * PI**8 * (1 / 18 - 1 / 50)  # the only interaction
    first = np.array([v1, v2, v3]) / variance
    total = np.array([v1 + v13, v2, v3 + v13]) / variance
    return first, total


def test_the_ishigami_closed_forms_are_the_published_values() -> None:
    first, total = ishigami_truth()
    np.testing.assert_allclose(first, [0.3139, 0.4424, 0.0], atol=5e-5)
    np.testing.assert_allclose(total, [0.5576, 0.4424, 0.2437], atol=5e-5)


def test_ishigami_indices_match_the_closed_forms() -> None:
    _, result = _run(ishigami, [(-PI, PI)] * 3, 2**13, seed=20100101)
    _assert_near(result, *ishigami_truth())


def test_the_indices_do_not_depend_on_a_constant_added_to_the_model() -> None:
    plan = design([(-PI, PI)] * 3, 2**10, np.random.default_rng(5))
    y = ishigami(plan.points())
    plain = indices(y, 3, np.random.default_rng(6))
    shifted = indices(y + 1e6, 3, np.random.default_rng(6))
    for name in ("first", "first_ci95", "first_se", "total", "total_ci95", "total_se"):
        np.testing.assert_allclose(getattr(shifted, name), getattr(plain, name), atol=1e-8)


def _iid_points(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """A Saltelli design from independent uniform draws on [-pi, pi]^k (no Sobol')."""
    a, b = rng.uniform(-PI, PI, (n, k)), rng.uniform(-PI, PI, (n, k))
    ab = np.repeat(a[np.newaxis], k, axis=0)
    ab[np.arange(k), :, np.arange(k)] = b.T
    return np.concatenate([a, b, ab.reshape(-1, k)])


def test_the_bootstrap_is_calibrated_on_independent_rows() -> None:
    # The bootstrap treats the n rows as independent; on an i.i.d. design they are, so over
    # many designs its standard errors should match the estimates' spread, its intervals
    # cover 95% of the time, and the estimates centre on the truth.
    rng = np.random.default_rng(2024)
    n, k, designs = 256, 3, 200
    first_true, total_true = ishigami_truth()
    runs = [indices(ishigami(_iid_points(n, k, rng)), k, rng, bootstrap=200)
            for _ in range(designs)]
    for name, truth in (("first", first_true), ("total", total_true)):
        estimates = np.array([getattr(r, name) for r in runs])
        spread = estimates.std(axis=0, ddof=1)  # its relative SE is 1/sqrt(2 * 199), 5%
        ratio = np.mean([getattr(r, name + "_se") for r in runs], axis=0) / spread
        assert np.all((0.8 <= ratio) & (ratio <= 1.25)), (name, ratio)
        assert np.all(np.abs(estimates.mean(axis=0) - truth) <= 4 * spread / math.sqrt(designs))
        ci = np.array([getattr(r, name + "_ci95") for r in runs])
        coverage = np.mean((ci[:, :, 0] <= truth) & (truth <= ci[:, :, 1]), axis=0)
        assert np.all(np.abs(coverage - 0.95) <= 4 * math.sqrt(0.95 * 0.05 / designs)), \
            (name, coverage)


def test_each_resample_is_the_estimator_on_the_resampled_rows() -> None:
    # one resample: its interval is [s, s], s the estimate from the rows it drew, and the
    # rows of A, B and every AB_i are drawn together
    n, k = 64, 3
    y = ishigami(_iid_points(n, k, np.random.default_rng(14))).reshape(k + 2, n)
    result = indices(y.ravel(), k, np.random.default_rng(15), bootstrap=1)
    rows = np.random.default_rng(15).integers(0, n, size=(1, n))[0]
    again = indices(y[:, rows].ravel(), k, np.random.default_rng(0), bootstrap=0)
    np.testing.assert_allclose(result.first_ci95, np.c_[again.first, again.first], atol=1e-12)
    np.testing.assert_allclose(result.total_ci95, np.c_[again.total, again.total], atol=1e-12)
    assert np.all(np.isnan(result.first_se))


# --- a linear model: S_i = ST_i = c_i^2 var(x_i) / sum_j c_j^2 var(x_j) ---------------------

def _uniform_variance(low: float, high: float) -> float:
    return (high - low) ** 2 / 12


def _log_uniform_variance(low: float, high: float) -> float:
    span = math.log(high / low)
    mean = (high - low) / span
    return (high**2 - low**2) / (2 * span) - mean**2


def test_linear_model_indices_are_the_shares_of_variance() -> None:
    coefficients = np.array([3.0, -1.0, 1.0, 4.0])
    bounds = [(0.0, 1.0), (-1.0, 3.0), (1.0, 10.0), (10.0, 10.5)]
    log = [False, False, True, False]
    variances = np.array([_log_uniform_variance(*b) if is_log else _uniform_variance(*b)
                          for b, is_log in zip(bounds, log, strict=True)])
    shares = coefficients**2 * variances / np.sum(coefficients**2 * variances)
    _, result = _run(lambda x: x @ coefficients, bounds, 2**12, seed=1999, log=log)
    _assert_near(result, shares, shares)
    # additive: nothing interacts, so each first-order index is its total index
    spread = np.hypot(result.first_se, result.total_se)
    assert np.all(np.abs(result.first - result.total) <= 4 * spread)


# --- exact zeros ----------------------------------------------------------------------------

def test_an_ignored_input_gets_indices_of_exactly_zero() -> None:
    _, result = _run(lambda x: x[:, 0] + x[:, 1] ** 2, [(0, 1), (0, 1), (0, 1)], 2**8, seed=3)
    assert result.first[2] == 0.0 and result.total[2] == 0.0
    assert result.first_ci95[2].tolist() == [0.0, 0.0]
    assert result.total_ci95[2].tolist() == [0.0, 0.0]
    assert result.first_se[2] == 0.0 and result.total_se[2] == 0.0
    assert np.all(result.total[:2] > 0.1)


@pytest.mark.parametrize("value", [0.0, 0.1, 5.0, 1e6 + 0.1])
def test_a_constant_model_gives_zeros_without_warnings(value: float) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, result = _run(lambda x: np.full(len(x), value), [(0, 1), (1, 2)], 2**6, seed=4)
    for array in (result.first, result.first_ci95, result.first_se,
                  result.total, result.total_ci95, result.total_se):
        assert np.all(array == 0.0), array


def test_resamples_with_a_constant_output_count_as_zero_without_warnings() -> None:
    # one row of A differs from every other output: a resample missing it has V == 0
    n, k = 8, 2
    y = np.zeros(n * (k + 2))
    y[0] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = indices(y, k, np.random.default_rng(7), bootstrap=200)
    for array in (result.first, result.first_ci95, result.first_se,
                  result.total, result.total_ci95, result.total_se):
        assert np.all(np.isfinite(array)), array
    assert result.first_ci95[0, 0] == 0.0  # over a third of the resamples miss row 0


@pytest.mark.parametrize("value", [0.1, 0.3, 7.77, 1e6 + 0.1])
@pytest.mark.parametrize("n", [8, 10, 16])
def test_a_resample_with_constant_f_a_and_f_b_is_zero_even_after_rounding(value: float,
                                                                         n: int) -> None:
    # f(A), f(B) constant but for row 0, f(AB_0) differing at row 1: a resample with row 1
    # but not row 0 has V == 0 up to rounding and d_0 != 0; dividing would give ~1e17
    k = 2
    y = np.full(n * (k + 2), value)
    y[0], y[2 * n + 1] = 1.5 * value, 2 * value
    result = indices(y, k, np.random.default_rng(7), bootstrap=500)
    for array in (result.first_ci95, result.first_se, result.total_ci95, result.total_se):
        assert np.all(np.abs(array) < 100), array


# --- indices: reproducibility, output and refusals --------------------------------------------

def test_the_same_rng_gives_the_same_indices() -> None:
    plan = design([(-PI, PI)] * 3, 2**8, np.random.default_rng(8))
    y = ishigami(plan.points())
    one = indices(y, 3, np.random.default_rng(9), bootstrap=100)
    two = indices(y, 3, np.random.default_rng(9), bootstrap=100)
    assert one.as_json("abc") == two.as_json("abc")
    assert np.array_equal(one.first_se, two.first_se)


def test_without_resamples_the_intervals_are_nan() -> None:
    plan = design([(-PI, PI)] * 3, 2**8, np.random.default_rng(8))
    result = indices(ishigami(plan.points()), 3, np.random.default_rng(9), bootstrap=0)
    assert np.all(np.isfinite(result.first)) and np.all(np.isfinite(result.total))
    assert np.all(np.isnan(result.first_ci95)) and np.all(np.isnan(result.total_se))


def test_as_json_gives_plain_numbers_by_name() -> None:
    _, result = _run(ishigami, [(-PI, PI)] * 3, 2**6, seed=10, bootstrap=50)
    out = result.as_json(["x1", "x2", "x3"])
    assert list(out) == ["x1", "x2", "x3"]
    assert out["x2"] == {"first": float(result.first[1]),
                         "first_ci95": result.first_ci95[1].tolist(),
                         "total": float(result.total[1]),
                         "total_ci95": result.total_ci95[1].tolist()}
    assert all(type(v["first"]) is float and type(v["total_ci95"][0]) is float
               for v in out.values())
    json.dumps(out)
    with pytest.raises(ValueError, match=r"one name per input \(3\); got 2"):
        result.as_json(["x1", "x2"])
    with pytest.raises(ValueError, match="distinct names"):
        result.as_json(["x1", "x1", "x3"])


@pytest.mark.parametrize(("y", "k", "bootstrap", "message"), [
    (np.zeros(20), 0, 10, "k, the number of inputs, at least 1"),
    (np.zeros(21), 3, 10, r"n \* \(k \+ 2\) = n \* 5 outputs.*shape \(21,\)"),
    (np.zeros(5), 3, 10, r"n >= 2.*shape \(5,\)"),
    (np.zeros((4, 5)), 3, 10, r"shape \(4, 5\)"),
    (np.array([0.0] * 7 + [math.nan] + [0.0] * 2), 3, 10, r"y\[7\] is nan \(1 not finite\)"),
    (np.zeros(20), 3, -1, "bootstrap a whole number >= 0; got -1"),
])
def test_indices_refuses_bad_input(y: np.ndarray, k: int, bootstrap: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        indices(y, k, np.random.default_rng(0), bootstrap=bootstrap)


# --- design ----------------------------------------------------------------------------------

BOUNDS = [(-1.0, 2.0), (1.0, 1e4), (0.5, 0.75)]
LOG = [False, True, False]


@pytest.fixture(scope="module")
def plan() -> Design:
    return design(BOUNDS, 2**10, np.random.default_rng(11), log=LOG)


def test_design_shapes_and_the_order_of_points(plan: Design) -> None:
    n, k = 2**10, 3
    assert (plan.n, plan.k) == (n, k)
    assert plan.a.shape == plan.b.shape == (n, k) and plan.ab.shape == (k, n, k)
    points = plan.points()
    assert points.shape == (n * (k + 2), k)
    assert np.array_equal(points[:n], plan.a) and np.array_equal(points[n:2 * n], plan.b)
    for i in range(k):
        assert np.array_equal(points[(2 + i) * n:(3 + i) * n], plan.ab[i])
    points[0, 0] = 99.0  # a copy: the design itself is read-only
    assert plan.a[0, 0] != 99.0
    with pytest.raises(ValueError, match="read-only"):
        plan.a[0, 0] = 99.0


def test_each_ab_matrix_is_a_with_one_column_from_b(plan: Design) -> None:
    for i in range(plan.k):
        others = [j for j in range(plan.k) if j != i]
        assert np.array_equal(plan.ab[i][:, i], plan.b[:, i])
        assert np.array_equal(plan.ab[i][:, others], plan.a[:, others])
    assert not np.any(plan.a == plan.b)  # A and B are different points


def test_design_respects_the_bounds(plan: Design) -> None:
    low, high = np.array(BOUNDS).T
    for matrix in (plan.a, plan.b, *plan.ab):
        assert np.all((low <= matrix) & (matrix <= high))


@pytest.mark.parametrize("matrix", ["a", "b"])
def test_columns_are_uniform_or_log_uniform(plan: Design, matrix: str) -> None:
    x = getattr(plan, matrix)
    n = len(x)
    for i, ((low, high), is_log) in enumerate(zip(BOUNDS, LOG, strict=True)):
        scale = np.log if is_log else np.asarray
        u = (scale(x[:, i]) - scale(low)) / (scale(high) - scale(low))  # uniform on [0, 1)
        for q in (0.1, 0.25, 0.5, 0.75, 0.9):  # within 4 SE of a uniform's CDF
            assert abs(np.mean(u < q) - q) <= 4 * math.sqrt(q * (1 - q) / n), (i, q)
    logged = x[:, 1]
    geometric, arithmetic = math.sqrt(1.0 * 1e4), (1.0 + 1e4) / 2
    assert abs(math.log(np.median(logged) / geometric)) <= 4 * 0.5 / math.sqrt(n) * math.log(1e4)
    assert np.median(logged) < arithmetic / 10


def test_the_same_seed_gives_the_same_design() -> None:
    one = design(BOUNDS, 2**6, np.random.default_rng(12), log=LOG)
    two = design(BOUNDS, 2**6, np.random.default_rng(12), log=LOG)
    other = design(BOUNDS, 2**6, np.random.default_rng(13), log=LOG)
    assert np.array_equal(one.points(), two.points())
    assert not np.array_equal(one.points(), other.points())


@pytest.mark.parametrize("n", [0, 1, 3, 1000, 1023, -4, 1024.0, True])
def test_design_refuses_n_not_a_power_of_2(n: object) -> None:
    with pytest.raises(ValueError, match=r"n a power of 2 of at least 2 \(e\.g\. 1024\); got"):
        design([(0, 1)], n, np.random.default_rng(0))  # type: ignore[arg-type]


@pytest.mark.parametrize(("bounds", "log", "message"), [
    ([(1.0, 1.0)], None, r"bounds\[0\] must be finite with low < high; got \(1.0, 1.0\)"),
    ([(0, 1), (2.0, 1.0)], None, r"bounds\[1\] must be finite.*got \(2.0, 1.0\)"),
    ([(0, math.inf)], None, r"bounds\[0\] must be finite"),
    ([(0.0, 1.0)], [True], r"bounds\[0\] is log-uniform, so low must be > 0; got \(0.0, 1.0\)"),
    ([(1, 2), (1, 2)], [True], r"one log flag per input \(2\)"),
    ([], None, "non-empty list of \\(low, high\\)"),
    ([(0, 1, 2)], None, "non-empty list of \\(low, high\\)"),
])
def test_design_refuses_bad_bounds(bounds: list, log: list | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        design(bounds, 8, np.random.default_rng(0), log=log)
