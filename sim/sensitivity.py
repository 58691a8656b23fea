"""Variance-based global sensitivity: Sobol' indices from a Saltelli design.

Two steps, with the model evaluated by the caller in between:

1. :func:`design` draws the base matrices A and B from a scrambled Sobol' sequence, scaled
   to each input's bounds (uniform, or log-uniform), and builds the k matrices AB_i (A with
   column i taken from B). :meth:`Design.points` stacks every row to evaluate, in the order
   A, B, AB_0, ..., AB_{k-1}.
2. :func:`indices` takes the model's outputs in that order and gives each input's
   first-order index (the share of the output's variance explained by that input alone)
   and total index (the share it has a hand in, interactions included), with bootstrap 95%
   intervals and standard errors.

The inputs are taken as independent. The estimators are those recommended by Saltelli,
Annoni, Azzini, Campolongo, Ratto & Tarantola, "Variance based sensitivity analysis of model
output. Design and estimator for the total sensitivity index", Computer Physics
Communications 181 (2010) 259-270: theirs for the first-order index (table 2, (b)) and
Jansen's for the total index (table 2, (f); M. J. W. Jansen, "Analysis of variance designs
for model output", Computer Physics Communications 117 (1999) 35-43). A design of n base
rows costs ``n * (k + 2)`` model runs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import qmc

__all__ = ["Design", "Indices", "design", "indices", "sample", "to_unit"]

BOOTSTRAP_RESAMPLES = 1000
_LEVELS = (0.025, 0.975)  # the percentile interval's quantiles
_CELLS = 1 << 21  # resampled row numbers held at a time (memory: 3 x 8 bytes each)
_ROUNDING = 64 * np.finfo(np.float64).eps  # variances below this share of E[f^2] are 0


@dataclass(frozen=True, eq=False)
class Design:
    """A Saltelli design: the rows at which to evaluate a model, in input units.

    The arrays are read-only.

    Attributes:
        a: The base matrix A, ``n x k``: one row per base sample, one column per input.
        b: The base matrix B, ``n x k``, drawn independently of A.
        ab: The k matrices AB_i stacked, ``k x n x k``: ``ab[i]`` is A with column i
            taken from B.
    """

    a: np.ndarray
    b: np.ndarray
    ab: np.ndarray

    @property
    def n(self) -> int:
        """The number of base rows (a power of 2)."""
        return int(self.a.shape[0])

    @property
    def k(self) -> int:
        """The number of inputs."""
        return int(self.a.shape[1])

    def points(self) -> np.ndarray:
        """Every row to evaluate, ``n * (k + 2) x k``, in the order :func:`indices` reads.

        The n rows of A come first, then the n rows of B, then the n rows of AB_0, of
        AB_1, ..., of AB_{k-1}. Evaluate the model once per row, in order, and hand the
        outputs to :func:`indices`.

        Returns:
            A new (writable) array.
        """
        return np.concatenate([self.a, self.b, self.ab.reshape(-1, self.k)])


@dataclass(frozen=True, eq=False)
class Indices:
    """First-order and total Sobol' indices of k inputs, with bootstrap uncertainty.

    Each array has one entry (or row) per input, in the design's column order. The
    estimates are not clipped: sampling error can put them slightly below 0 or above 1.

    Attributes:
        first: The first-order indices S_i (Saltelli et al. 2010).
        first_ci95: ``k x 2``: the 95% bootstrap percentile interval of each S_i.
        first_se: The bootstrap standard error of each S_i.
        total: The total indices ST_i (Jansen 1999).
        total_ci95: ``k x 2``: the 95% bootstrap percentile interval of each ST_i.
        total_se: The bootstrap standard error of each ST_i.
    """

    first: np.ndarray
    first_ci95: np.ndarray
    first_se: np.ndarray
    total: np.ndarray
    total_ci95: np.ndarray
    total_se: np.ndarray

    def as_json(self, names: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The indices by input name, as plain floats and lists ready for ``json.dump``.

        Args:
            names: One name per input, in the design's column order.

        Returns:
            ``{name: {"first": s1, "first_ci95": [lo, hi], "total": st,
            "total_ci95": [lo, hi]}}``, in the order of ``names``.

        Raises:
            ValueError: If there is not one name per input, or a name is repeated.
        """
        names = list(names)
        if len(names) != len(self.first):
            raise ValueError(f"as_json needs one name per input ({len(self.first)}); "
                             f"got {len(names)}: {names}")
        if len(set(names)) != len(names):
            raise ValueError(f"as_json needs distinct names; got {names}")
        return {
            name: {
                "first": float(self.first[i]),
                "first_ci95": [float(x) for x in self.first_ci95[i]],
                "total": float(self.total[i]),
                "total_ci95": [float(x) for x in self.total_ci95[i]],
            }
            for i, name in enumerate(names)
        }


def design(bounds: Sequence[tuple[float, float]], n: int, rng: np.random.Generator, *,
           log: Sequence[bool] | None = None) -> Design:
    """A Saltelli design of n base rows over k independent inputs.

    One scrambled Sobol' sequence in 2k dimensions (``scipy.stats.qmc.Sobol``, scrambled
    with ``rng``) gives n points; its first k columns are A and its last k are B, as
    Saltelli et al. (2010) recommend, so A and B are independent. Each column is then
    scaled to its input's bounds: uniformly, or log-uniformly (uniform in the logarithm)
    where ``log[i]``. The same ``rng`` state gives the same design.

    Args:
        bounds: ``(low, high)`` of each input, finite, with ``low < high`` (and
            ``low > 0`` for a log-uniform input).
        n: The number of base rows: a power of 2 (the Sobol' sequence is balanced only
            at powers of 2), at least 2. The model is run ``n * (k + 2)`` times.
        rng: The stream that scrambles the sequence.
        log: Whether each input is log-uniform; all uniform when ``None``.

    Returns:
        The design; :meth:`Design.points` lists the rows to evaluate.

    Raises:
        ValueError: If ``n`` is not a power of 2 of at least 2, a bound is not finite or
            ``low >= high``, a log-uniform input's ``low <= 0``, or ``log`` does not have
            one entry per input.
    """
    _power_of_two(n, "design")
    inputs = _inputs(bounds, log, "design")
    k = len(inputs[0])
    unit = qmc.Sobol(d=2 * k, scramble=True, rng=rng).random_base2(int(n).bit_length() - 1)
    a, b = _scale(unit[:, :k], inputs, bounds), _scale(unit[:, k:], inputs, bounds)
    ab = np.repeat(a[np.newaxis], k, axis=0)
    columns = np.arange(k)
    ab[columns, :, columns] = b.T
    for array in (a, b, ab):
        array.flags.writeable = False
    return Design(a, b, ab)


def sample(bounds: Sequence[tuple[float, float]], n: int, rng: np.random.Generator, *,
           log: Sequence[bool] | None = None) -> np.ndarray:
    """Points spread evenly over k independent inputs: a scrambled Sobol' sequence.

    Each column is scaled to its input's bounds as :func:`design` scales them (uniformly,
    or uniformly in the logarithm where ``log[i]``).

    Args:
        bounds: ``(low, high)`` of each input (as for :func:`design`).
        n: How many points: a power of 2, at least 2.
        rng: The stream that scrambles the sequence.
        log: Whether each input is log-uniform; all uniform when ``None``.

    Returns:
        ``n x k``, in input units.

    Raises:
        ValueError: As :func:`design`.
    """
    _power_of_two(n, "sample")
    inputs = _inputs(bounds, log, "sample")
    unit = qmc.Sobol(d=len(inputs[0]), scramble=True, rng=rng).random_base2(
        int(n).bit_length() - 1)
    return _scale(unit, inputs, bounds)


def to_unit(x: np.ndarray, bounds: Sequence[tuple[float, float]], *,
            log: Sequence[bool] | None = None) -> np.ndarray:
    """Points in input units back on the unit cube (the inverse of the scaling above)."""
    low, high, logs = _inputs(bounds, log, "to_unit")
    x = np.array(x, dtype=np.float64)
    x[:, logs] = np.log(x[:, logs])
    return (x - low) / (high - low)


def _power_of_two(n: int, caller: str) -> None:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2 or n & (n - 1):
        raise ValueError(f"{caller} needs n a power of 2 of at least 2 (e.g. 1024); "
                         f"got {n!r}")


def _inputs(bounds: Sequence[tuple[float, float]], log: Sequence[bool] | None,
            caller: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each input's scale's ends (their logarithms where log-uniform), and the log flags.

    Raises:
        ValueError: A bound is not finite or ``low >= high``, a log-uniform input's
            ``low <= 0``, or ``log`` does not have one entry per input.
    """
    bounds_array = np.asarray(bounds, dtype=np.float64)
    if bounds_array.ndim != 2 or bounds_array.shape[1] != 2 or len(bounds_array) == 0:
        raise ValueError(f"{caller} needs bounds as a non-empty list of (low, high); "
                         f"got {bounds!r}")
    k = len(bounds_array)
    logs = np.zeros(k, dtype=bool) if log is None else np.asarray(log, dtype=bool)
    if logs.shape != (k,):
        raise ValueError(f"{caller} needs one log flag per input ({k}); got {log!r}")
    low, high = bounds_array[:, 0].copy(), bounds_array[:, 1].copy()
    for i in range(k):
        if not (math.isfinite(low[i]) and math.isfinite(high[i]) and low[i] < high[i]):
            raise ValueError(f"bounds[{i}] must be finite with low < high; "
                             f"got ({low[i]}, {high[i]})")
        if logs[i] and not low[i] > 0:
            raise ValueError(f"bounds[{i}] is log-uniform, so low must be > 0; "
                             f"got ({low[i]}, {high[i]})")
    low[logs], high[logs] = np.log(low[logs]), np.log(high[logs])
    return low, high, logs


def _scale(u: np.ndarray, inputs: tuple[np.ndarray, np.ndarray, np.ndarray],
           bounds: Sequence[tuple[float, float]]) -> np.ndarray:
    """Unit-cube points in input units (``inputs``: what :func:`_inputs` gave for them)."""
    low, high, logs = inputs
    x = low + u * (high - low)
    x[:, logs] = np.exp(x[:, logs])
    ends = np.asarray(bounds, dtype=np.float64)
    return np.clip(x, ends[:, 0], ends[:, 1])  # rounding at the ends


def indices(y: np.ndarray, k: int, rng: np.random.Generator, *,
            bootstrap: int = BOOTSTRAP_RESAMPLES) -> Indices:
    """First-order and total Sobol' indices from a model's outputs on a Saltelli design.

    With f(A), f(B) and f(AB_i) the outputs on the rows of A, B and AB_i (the order of
    :meth:`Design.points`), and V the variance of the 2n outputs f(A) and f(B):

    - first order (Saltelli et al. 2010, table 2 (b)):
      ``S_i = mean(f(B) * (f(AB_i) - f(A))) / V``;
    - total (Jansen 1999; Saltelli et al. 2010, table 2 (f)):
      ``ST_i = mean((f(A) - f(AB_i))^2) / 2 / V``.

    Before the first-order estimator the outputs are centred on the mean of f(A) and f(B).
    Its expected value does not change (to order 1/n), but the estimate then does not
    depend on a constant added to the model, as the index itself does not; without it,
    an output with a large mean and a small spread (a difference between two policies,
    say) would get a needlessly noisy estimate.

    The uncertainty comes from a bootstrap over the n base rows: each resample draws n row
    numbers with replacement from ``rng`` and takes the rows of A, B and every AB_i
    together, so all the indices of one resample come from the same rows. The interval
    is the 2.5% and 97.5% percentiles of the resampled indices, the standard error their
    standard deviation. The rows of a scrambled Sobol' design are more evenly spread than
    independent draws, so both are somewhat conservative.

    A constant output (V == 0, to rounding) has no variance to share out: every index,
    interval end and standard error is then 0, with nothing divided by zero. So is every
    index of a resample whose f(A) and f(B) happen to be constant. An input the model
    ignores gets a total index of exactly 0 (f(AB_i) equals f(A) row by row), and so does
    its first-order index.

    Args:
        y: The ``n * (k + 2)`` outputs, finite, in the order of :meth:`Design.points`.
        k: The number of inputs.
        rng: The stream of the bootstrap's row numbers.
        bootstrap: How many resamples; 0 gives point estimates alone (``nan`` intervals
            and standard errors), and 1 a ``nan`` standard error.

    Returns:
        The indices, with their intervals and standard errors.

    Raises:
        ValueError: If ``k < 1``, ``y`` is not one-dimensional with a length a multiple of
            ``k + 2`` (at least ``2 * (k + 2)``), an output is not finite, or
            ``bootstrap < 0``.
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"indices needs k, the number of inputs, at least 1; got {k!r}")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int | np.integer) \
            or bootstrap < 0:
        raise ValueError(f"indices needs bootstrap a whole number >= 0; got {bootstrap!r}")
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 1 or len(y) % (k + 2) or len(y) < 2 * (k + 2):
        raise ValueError(f"indices needs y one-dimensional with n * (k + 2) = n * {k + 2} "
                         f"outputs, n >= 2 (the order of Design.points()); "
                         f"got shape {y.shape}")
    bad = np.flatnonzero(~np.isfinite(y))
    if len(bad):
        raise ValueError(f"indices needs finite outputs; y[{bad[0]}] is {y[bad[0]]} "
                         f"({len(bad)} not finite)")
    n = len(y) // (k + 2)
    rows = _row_terms(y.reshape(k + 2, n), k)
    first, total = _estimate(rows.mean(axis=0, keepdims=True), k)
    if bootstrap == 0:
        nan_pairs = np.full((k, 2), math.nan)
        nans = np.full(k, math.nan)
        return Indices(first[0], nan_pairs, nans.copy(), total[0], nan_pairs.copy(), nans)
    first_resampled = np.empty((bootstrap, k))
    total_resampled = np.empty((bootstrap, k))
    chunk = max(1, _CELLS // n)
    for start in range(0, bootstrap, chunk):
        stop = min(start + chunk, bootstrap)
        count = stop - start
        picks = rng.integers(0, n, size=(count, n))
        picks += n * np.arange(count)[:, np.newaxis]
        weights = np.bincount(picks.ravel(), minlength=count * n).reshape(count, n)
        weights = weights.astype(np.float64)
        means = (weights @ rows) / n
        first_resampled[start:stop], total_resampled[start:stop] = _estimate(means, k)
    return Indices(first[0], _percentiles(first_resampled), _sd(first_resampled),
                   total[0], _percentiles(total_resampled), _sd(total_resampled))


def _row_terms(outputs: np.ndarray, k: int) -> np.ndarray:
    """The per-row terms whose means over (resampled) rows give every index.

    ``outputs`` is ``(k + 2) x n``: f(A), f(B), f(AB_0), ... The outputs are first centred
    on the mean of f(A) and f(B), so that E[f^2] - E[f]^2 loses no precision. The columns
    of the ``n x (2 + 3k)`` result are f(A) + f(B), f(A)^2 + f(B)^2, then f(B) d_i, d_i
    and d_i^2 for each i, with d_i = f(AB_i) - f(A).
    """
    centred = outputs - outputs[:2].mean()
    fa, fb, fab = centred[0], centred[1], centred[2:]
    d = (fab - fa).T  # n x k
    return np.column_stack([fa + fb, fa * fa + fb * fb, fb[:, np.newaxis] * d, d, d * d])


def _estimate(means: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """First-order and total indices from the row terms' means (one row per resample).

    The first-order numerator uses f(B) centred on the same rows' mean of f(A) and f(B):
    mean(f(B) d_i) - mean(f) mean(d_i). Where V is 0 (to rounding), every index is 0.
    """
    mean = means[:, 0] / 2
    square = means[:, 1] / 2
    variance = square - mean * mean
    fb_d, d, d2 = means[:, 2:2 + k], means[:, 2 + k:2 + 2 * k], means[:, 2 + 2 * k:]
    first_numerator = fb_d - mean[:, np.newaxis] * d
    total_numerator = d2 / 2
    varies = variance > _ROUNDING * square
    inverse = np.zeros_like(variance)
    inverse[varies] = 1.0 / variance[varies]
    return first_numerator * inverse[:, np.newaxis], total_numerator * inverse[:, np.newaxis]


def _percentiles(resampled: np.ndarray) -> np.ndarray:
    """The 95% percentile interval of each column, ``k x 2``."""
    return np.quantile(resampled, _LEVELS, axis=0).T


def _sd(resampled: np.ndarray) -> np.ndarray:
    """The standard deviation of each column (the bootstrap standard error)."""
    if len(resampled) < 2:
        return np.full(resampled.shape[1], math.nan)
    return resampled.std(axis=0, ddof=1)
