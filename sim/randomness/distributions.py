"""The delay distributions' inverse CDFs (compiled, for on-demand draws) and CDFs.

A delay is ``quantile(code, a, b, u)`` of one uniform ``u`` in (0, 1): inversion, so one
counter-based uniform gives one delay and common random numbers carry over to delays.
Each distribution of :mod:`sim.scenario.values` declares its code, the four numbers
(seconds or shape) that :func:`quantile` reads and its distribution function (``cdf``),
which the tests hold the draws against; :func:`encode` and :func:`cdf` read those
declarations, with no ladder of ``isinstance`` tests.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.scenario import values
from sim.scenario.values import EXPONENTIAL, FIXED, LOGNORMAL, SEISMIC, UNIFORM

__all__ = ["COLUMNS", "EXPONENTIAL", "FIXED", "LOGNORMAL", "SEISMIC", "UNIFORM", "cdf", "encode",
           "encode_array", "normal_quantile", "quantile", "quantiles"]
Encoded = tuple[int, float, float, float, float]
COLUMNS = 5  # code, a, b, c, d


def encode(dist: values.Distribution) -> Encoded:
    """``(code, a, b, c, d)`` of a distribution, as :func:`quantile` reads it.

    Each distribution declares its code and numbers (:mod:`sim.scenario.values`). Only
    ``seismic`` uses ``c`` and ``d`` (its knee and the tail exponent beyond it; with no
    knee, ``c`` is infinite and ``d`` is ``theta``); the others leave them ``inf, 0``.
    """
    if not isinstance(dist, values.Distribution):
        raise TypeError(f"not a distribution: {dist!r}")
    return (dist.code, *dist.numbers())


def encode_array(dists: list[values.Distribution]) -> np.ndarray:
    """Several encoded distributions as rows of a ``float64[len, COLUMNS]`` table."""
    table = np.zeros((max(1, len(dists)), COLUMNS))
    for row, dist in enumerate(dists):
        table[row] = encode(dist)
    return table


@njit(cache=True, inline="always")
def quantile(code: int, a: float, b: float, u: float, c: float = np.inf,
             d: float = 0.0) -> float:
    """The ``u``-quantile (``0 < u < 1``) of the distribution encoded as ``(code, a, b, c, d)``.

    - fixed: ``a``;
    - exponential (mean ``a``): ``-a log(1 - u)``;
    - lognormal (median ``a``, sigma ``b``): ``a exp(b Phi^-1(u))``;
    - uniform (``a`` to ``b``): ``a + (b - a) u``;
    - seismic (theta ``a``, plateau ``b``, knee ``c``, tail ``d``): density ``k`` on
      ``[0, b]`` and ``k (t/b)^-(1+a)`` beyond, so ``P(T <= b) = a / (1 + a)`` and, from the
      plateau to the knee, ``P(T > t) = (t/b)^-a / (1 + a)``; beyond the knee
      ``P(T > t) = P(T > c) (t/c)^-d``;
    - any other code: ``nan``.
    """
    if code == FIXED:
        return a
    if code == EXPONENTIAL:
        return -a * math.log(1.0 - u)  # 1 - u is exact for the uniforms of philox.uniform
    if code == LOGNORMAL:
        return a * math.exp(b * normal_quantile(u))
    if code == UNIFORM:
        return a + (b - a) * u
    if code == SEISMIC:
        head = a / (1.0 + a)
        if u < head:
            return u * (b / head)
        survival = 1.0 - u
        t = b * (survival * (1.0 + a)) ** (-1.0 / a)
        if t <= c:
            return t
        at_knee = (c / b) ** -a / (1.0 + a)
        return c * (survival / at_knee) ** (-1.0 / d)
    return np.nan  # not a code of encode(): no delay (raising would cost every call a check)


@njit(cache=True)
def normal_quantile(p: float) -> float:
    """The standard normal's inverse CDF: Wichura's algorithm AS 241 (PPND16).

    Relative accuracy about 1e-16 (Applied Statistics 37(3), 1988, 477-484); the same
    algorithm as Python's ``statistics.NormalDist.inv_cdf``, which the tests compare with.
    """
    q = p - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        num = (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r
                    + 6.7265770927008700853e+4) * r + 4.5921953931549871457e+4) * r
                  + 1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r
                + 1.3314166789178437745e+2) * r + 3.3871328727963666080e+0) * q
        den = (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r
                    + 3.9307895800092710610e+4) * r + 2.1213794301586595867e+4) * r
                  + 5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r
                + 4.2313330701600911252e+1) * r + 1.0)
        return num / den
    r = p if q <= 0.0 else 1.0 - p
    r = math.sqrt(-math.log(r))
    if r <= 5.0:
        r -= 1.6
        num = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r
                    + 2.41780725177450611770e-1) * r + 1.27045825245236838258e+0) * r
                  + 3.64784832476320460504e+0) * r + 5.76949722146069140550e+0) * r
                + 4.63033784615654529590e+0) * r + 1.42343711074968357734e+0)
        den = (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r
                    + 1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r
                  + 6.89767334985100004550e-1) * r + 1.67638483018380384940e+0) * r
                + 2.05319162663775882187e+0) * r + 1.0)
    else:
        r -= 5.0
        num = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r
                    + 1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r
                  + 2.96560571828504891230e-1) * r + 1.78482653991729133580e+0) * r
                + 5.46378491116411436990e+0) * r + 6.65790464350110377720e+0)
        den = (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r
                    + 1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r
                  + 1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r
                + 5.99832206555887937690e-1) * r + 1.0)
    x = num / den
    return -x if q < 0.0 else x


@njit(cache=True)
def quantiles(code: int, a: float, b: float, u: np.ndarray, c: float = np.inf,
              d: float = 0.0) -> np.ndarray:
    """:func:`quantile` of many uniforms (for tests and vectorised callers)."""
    out = np.empty(len(u))
    for i in range(len(u)):
        out[i] = quantile(code, a, b, u[i], c, d)
    return out


def cdf(dist: values.Distribution, t: np.ndarray) -> np.ndarray:
    """The cumulative distribution function of ``dist`` at ``t`` (seconds)."""
    return dist.cdf(t)
