"""The polynomial surrogate: exact indices of a polynomial, noise reported, fits validated."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import qmc

from sim.surrogate import POINTS_PER_TERM, basis, cross_validated_r2, surrogate_indices

K = 4


def _points(n: int, seed: int) -> np.ndarray:
    return qmc.Sobol(K, rng=np.random.default_rng(seed)).random_base2(int(np.log2(n)))


def _model(u: np.ndarray) -> np.ndarray:
    """a L1(z0) + b L2(z1) + c L1(z0) L1(z2), orthonormal Legendre terms; z3 unused.

    Its variance is a^2 + b^2 + c^2 (orthonormal terms), so S_0 = a^2 / V,
    ST_0 = (a^2 + c^2) / V, S_1 = ST_1 = b^2 / V, S_2 = 0, ST_2 = c^2 / V, and 0 for z3.
    """
    z = 2 * u - 1
    return (1.0 * np.sqrt(3) * z[:, 0] + 0.5 * np.sqrt(5) * (1.5 * z[:, 1] ** 2 - 0.5)
            + 0.5 * 3 * z[:, 0] * z[:, 2])


EXACT_FIRST = np.array([1.0, 0.25, 0.0, 0.0]) / 1.5
EXACT_TOTAL = np.array([1.25, 0.25, 0.25, 0.0]) / 1.5


def _difference(means: np.ndarray) -> np.ndarray:
    return means[:, 0] - means[:, 1]


def test_a_noisy_polynomial_s_indices_are_recovered_within_4_standard_errors() -> None:
    rng = np.random.default_rng(7)
    u = _points(256, 1)
    noisy = _model(u)[:, None] + rng.normal(0, 0.5, (256, 10))  # independent at each point
    y = np.stack([noisy, np.zeros_like(noisy)], axis=2)
    found = surrogate_indices(u, y, _difference, np.random.default_rng(2))
    se_first = np.hypot(found.indices.first_se, found.estimator_se)
    se_total = np.hypot(found.indices.total_se, found.estimator_se)
    assert np.all(np.abs(found.indices.first - EXACT_FIRST) < 4 * se_first)
    assert np.all(np.abs(found.indices.total - EXACT_TOTAL) < 4 * se_total)
    assert np.all(found.noise_total[:3] > 0)  # the noise at each point reaches the indices
    assert 0.5 < found.r2 < 1  # the noise at each point is not predictable


def test_noise_common_to_every_point_cancels_exactly() -> None:
    rng = np.random.default_rng(3)
    u = _points(128, 4)
    shared = rng.normal(0, 1, 8)  # replication r's luck, the same at every point (CRN)
    a = _model(u)[:, None] + shared[None, :]
    y = np.stack([a, np.broadcast_to(shared, a.shape)], axis=2)
    found = surrogate_indices(u, y, _difference, np.random.default_rng(5), bootstrap=20)
    assert np.all(found.noise_first < 1e-9) and np.all(found.noise_total < 1e-9)
    assert found.r2 == pytest.approx(1.0)
    assert found.indices.first == pytest.approx(EXACT_FIRST, abs=3 * found.estimator_se)


def test_the_basis_drops_interactions_when_points_are_few_and_refuses_too_few() -> None:
    assert len(basis(K, 200)) == 1 + 2 * K + K * (K - 1) // 2
    assert len(basis(K, POINTS_PER_TERM * (1 + 2 * K))) == 1 + 2 * K
    with pytest.raises(ValueError, match="needs at least 27 points; got 26"):
        basis(K, 26)


def test_cross_validation_tells_a_fit_from_noise() -> None:
    rng = np.random.default_rng(9)
    u = _points(128, 6)
    terms = basis(K, 128)
    assert cross_validated_r2(u, _model(u), terms, rng) == pytest.approx(1.0)
    assert cross_validated_r2(u, rng.normal(size=128), terms, rng) < 0.1
