"""A polynomial surrogate of a noisy model, and its Sobol' indices with their noise.

A stochastic model run a few times at each of N points gives, at each point, a mean that
carries Monte Carlo noise. Saltelli's estimators (:mod:`sim.sensitivity`) on those means
would need N * (k + 2) runs, each with enough replications to drown the noise. Instead, a
least-squares polynomial in the inputs (a polynomial chaos expansion: products of
orthonormal Legendre polynomials of the inputs on the unit cube, Sudret 2008) is fitted to
the N means; it averages the noise across points. Saltelli's estimators are then applied to
the surrogate on a large design, where evaluating it costs nothing, so their own sampling
error is negligible (and reported).

The basis is every term of total degree 2 (each input's first and second Legendre
polynomial, and every product of two inputs) when there are at least
:data:`POINTS_PER_TERM` points per term, else the terms of one input each (no
interactions). The fit is validated by K-fold cross-validation (:func:`cross_validated_r2`):
the share of the spread of the held-out means that the surrogate predicts.

The uncertainty of the indices has two parts, each from a bootstrap:

- the standard errors (and the 95% intervals, 1.96 of them either side) resample the
  points and the replications together and refit, so they hold the sampling of the points
  and the Monte Carlo noise;
- the noise alone resamples the replications only (the points held): the standard
  deviation of those indices is each index's Monte Carlo standard error.

B. Sudret, "Global sensitivity analysis using polynomial chaos expansions", Reliability
Engineering & System Safety 93 (2008) 964-979.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from sim.sensitivity import Indices, design, indices

POINTS_PER_TERM = 3
"""The fewest points per term of the basis for a fit with interactions."""
BASE_ROWS = 8192
"""Base rows of the Saltelli design the surrogate is evaluated on."""
FOLDS = 10
"""Folds of the cross-validation."""
Z95 = 1.959963984540054
"""The standard normal's 97.5% quantile."""

Term = tuple[tuple[int, int], ...]  # (input, degree) pairs; () is the constant


def basis(k: int, points: int) -> list[Term]:
    """The terms of the polynomial: total degree 2, or main effects when points are few.

    Raises:
        ValueError: fewer than :data:`POINTS_PER_TERM` points per term even without
            interactions.
    """
    main: list[Term] = [((i, d),) for i in range(k) for d in (1, 2)]
    pairs: list[Term] = [((i, 1), (j, 1)) for i, j in combinations(range(k), 2)]
    full = [(), *main, *pairs]
    if points >= POINTS_PER_TERM * len(full):
        return full
    if points >= POINTS_PER_TERM * (1 + len(main)):
        return [(), *main]
    raise ValueError(f"a surrogate of {k} inputs needs at least "
                     f"{POINTS_PER_TERM * (1 + len(main))} points; got {points}")


def _legendre(degree: int, z: np.ndarray) -> np.ndarray:
    """The orthonormal Legendre polynomial of ``degree`` (1 or 2) on [-1, 1]."""
    if degree == 1:
        return np.sqrt(3.0) * z
    return np.sqrt(5.0) * (1.5 * z * z - 0.5)


def features(u: np.ndarray, terms: list[Term]) -> np.ndarray:
    """The basis at unit-cube points ``u`` (``points x k``): ``points x terms``."""
    z = 2.0 * np.asarray(u, dtype=np.float64) - 1.0
    columns = []
    for term in terms:
        column = np.ones(len(z))
        for i, degree in term:
            column = column * _legendre(degree, z[:, i])
        columns.append(column)
    return np.column_stack(columns)


@dataclass(frozen=True)
class Polynomial:
    """A fitted surrogate: its terms and their coefficients."""

    terms: list[Term]
    coefficients: np.ndarray

    def __call__(self, u: np.ndarray) -> np.ndarray:
        """The surrogate at unit-cube points ``u`` (``points x k``)."""
        return features(u, self.terms) @ self.coefficients


def fit(u: np.ndarray, y: np.ndarray, terms: list[Term]) -> Polynomial:
    """The least-squares polynomial of ``terms`` through ``y`` at unit-cube points ``u``."""
    coefficients, *_ = np.linalg.lstsq(features(u, terms), y, rcond=None)
    return Polynomial(terms, coefficients)


def cross_validated_r2(u: np.ndarray, y: np.ndarray, terms: list[Term],
                       rng: np.random.Generator, folds: int = FOLDS) -> float:
    """The share of the spread of held-out points' values that the surrogate predicts.

    ``1 - mean((y - prediction)^2) / var(y)``, each point predicted by a fit without its
    fold. Noise in ``y`` that no surrogate could predict lowers it too.
    """
    order = rng.permutation(len(y))
    predicted = np.empty(len(y))
    for held in np.array_split(order, folds):
        kept = np.setdiff1d(order, held)
        predicted[held] = fit(u[kept], y[kept], terms)(u[held])
    spread = float(np.var(y))
    return 1.0 - float(np.mean((y - predicted) ** 2)) / spread if spread > 0 else 1.0


@dataclass(frozen=True)
class SurrogateIndices:
    """Sobol' indices of a noisy model's mean, from a surrogate, with their uncertainty.

    Attributes:
        indices: the indices, with standard errors from the bootstrap of points and
            replications together and 95% intervals of 1.96 of them either side.
        noise_first: the Monte Carlo standard error of each first-order index.
        noise_total: the Monte Carlo standard error of each total index.
        r2: the surrogate's cross-validated R^2 (:func:`cross_validated_r2`).
        terms: how many terms the surrogate has.
        estimator_se: the largest standard error of Saltelli's estimators on the surrogate
            itself (the error of evaluating it on a finite design).
    """

    indices: Indices
    noise_first: np.ndarray
    noise_total: np.ndarray
    r2: float
    terms: int
    estimator_se: float


def surrogate_indices(u: np.ndarray, y: np.ndarray, combine: Callable[[np.ndarray], np.ndarray],
                      rng: np.random.Generator, *, bootstrap: int = 200,
                      base_rows: int = BASE_ROWS) -> SurrogateIndices:
    """Sobol' indices of ``combine(mean over replications of y)`` as a function of ``u``.

    Args:
        u: ``points x k``: the points, on the unit cube (inputs uniform on it).
        y: ``points x replications x outputs``: each replication's outputs at each point,
            replication r with the same random numbers at every point (common random
            numbers).
        combine: maps the outputs' means ``[point, output]`` to one value per point.
        rng: the stream of the cross-validation's folds, the evaluation design and the
            bootstraps.
        bootstrap: resamples in each of the two bootstraps (at least 2).
        base_rows: base rows of the Saltelli design the surrogate is evaluated on.

    Raises:
        ValueError: too few points for a surrogate, fewer than 2 replications, or
            ``bootstrap < 2``.
    """
    u = np.asarray(u, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    points, k = u.shape
    if y.ndim != 3 or len(y) != points or y.shape[1] < 2:
        raise ValueError(f"surrogate_indices needs y as points x replications x outputs with "
                         f"{points} points and at least 2 replications; got {y.shape}")
    if bootstrap < 2:
        raise ValueError(f"surrogate_indices needs bootstrap >= 2; got {bootstrap}")
    terms = basis(k, points)
    count = y.shape[1]
    evaluation = features(design([(0.0, 1.0)] * k, base_rows, rng).points(), terms)
    at_points = features(u, terms)

    def surrogate(rows: np.ndarray | slice, values: np.ndarray) -> np.ndarray:
        """The surrogate fitted to ``values`` at the points ``rows``, on the design."""
        coefficients, *_ = np.linalg.lstsq(at_points[rows], values, rcond=None)
        return evaluation @ coefficients

    def output(weights: np.ndarray) -> np.ndarray:
        return np.asarray(combine(np.einsum("pro,r->po", y, weights)), dtype=np.float64)

    central_y = output(np.full(count, 1.0 / count))
    r2 = cross_validated_r2(u, central_y, terms, rng)
    central = indices(surrogate(slice(None), central_y), k, rng, bootstrap=100)
    joint_first, joint_total = np.empty((bootstrap, k)), np.empty((bootstrap, k))
    noise_first, noise_total = np.empty((bootstrap, k)), np.empty((bootstrap, k))
    for b in range(bootstrap):
        weights = np.bincount(rng.integers(0, count, count), minlength=count) / count
        resampled = output(weights)
        noise = indices(surrogate(slice(None), resampled), k, rng, bootstrap=0)
        noise_first[b], noise_total[b] = noise.first, noise.total
        rows = rng.integers(0, points, points)
        joint = indices(surrogate(rows, resampled[rows]), k, rng, bootstrap=0)
        joint_first[b], joint_total[b] = joint.first, joint.total
    first_se, total_se = joint_first.std(axis=0, ddof=1), joint_total.std(axis=0, ddof=1)
    found = Indices(central.first, _interval(central.first, first_se), first_se,
                    central.total, _interval(central.total, total_se), total_se)
    estimator_se = float(np.nanmax(np.concatenate([central.first_se, central.total_se])))
    return SurrogateIndices(found, noise_first.std(axis=0, ddof=1),
                            noise_total.std(axis=0, ddof=1), r2, len(terms), estimator_se)


def _interval(estimate: np.ndarray, se: np.ndarray) -> np.ndarray:
    """The 95% interval ``estimate +- 1.96 se``, ``k x 2``.

    Not the bootstrap's percentiles: a fit to resampled points (some repeated, so fewer
    distinct) overfits, and its indices of the inputs that matter least are biased upward,
    so their percentile interval can lie wholly above the estimate.
    """
    return np.column_stack([estimate - Z95 * se, estimate + Z95 * se])
