"""Sampling delay distributions and evaluating novelty, vectorised.

Times inside the engine are seconds, as in the resolved scenario.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from sim.scenario import values


def sample(dist: values.Distribution, rng: np.random.Generator, size: int) -> np.ndarray:
    """Draw ``size`` delays (seconds) from ``dist``."""
    if isinstance(dist, values.Exponential):
        return rng.exponential(dist.mean, size)
    if isinstance(dist, values.LogNormal):
        return dist.median * np.exp(dist.sigma * rng.standard_normal(size))
    if isinstance(dist, values.Fixed):
        return np.full(size, dist.value)
    if isinstance(dist, values.Uniform):
        return rng.uniform(dist.low, dist.high, size)
    if isinstance(dist, values.Seismic):
        return seismic_quantile(dist, rng.random(size))
    raise TypeError(f"not a distribution: {dist!r}")


def sample_by_segment(segment: np.ndarray, attentions: Sequence[object],
                      rng: np.random.Generator) -> np.ndarray:
    """One delay per entry of ``segment``, from that segment's attention distribution.

    ``attentions[k]`` is segment k's distribution; the brand (segment -1) takes the first.
    Segments are drawn in order, so the same inputs always consume the same draws.
    """
    if len(set(attentions)) == 1:
        return sample(attentions[0], rng, len(segment))  # type: ignore[arg-type]
    out = np.empty(len(segment), dtype=np.float64)
    for index, dist in enumerate(attentions):
        mask = segment == index
        out[mask] = sample(dist, rng, int(mask.sum()))  # type: ignore[arg-type]
    brand = segment < 0
    out[brand] = sample(attentions[0], rng, int(brand.sum()))  # type: ignore[arg-type]
    return out


def seismic_quantile(dist: values.Seismic, u: np.ndarray) -> np.ndarray:
    """Inverse CDF of the SEISMIC kernel.

    Density ``c`` on ``[0, s]`` and ``c (t/s)^-(1+theta)`` beyond, ``c = theta / (s (1+theta))``:
    ``P(T <= s) = theta / (1 + theta)`` and ``P(T > t) = (t/s)^-theta / (1 + theta)`` for t > s.
    """
    theta, s = dist.theta, dist.plateau
    head = theta / (1.0 + theta)
    out = u * (s / head)
    tail = u >= head
    out[tail] = s * ((1.0 - u[tail]) * (1.0 + theta)) ** (-1.0 / theta)
    return out


def cdf(dist: values.Distribution, t: np.ndarray) -> np.ndarray:
    """The cumulative distribution function of ``dist`` at ``t`` (for tests and docs)."""
    t = np.asarray(t, dtype=np.float64)
    if isinstance(dist, values.Exponential):
        return 1.0 - np.exp(-np.maximum(t, 0) / dist.mean)
    if isinstance(dist, values.LogNormal):
        z = (np.log(np.maximum(t, 1e-300)) - math.log(dist.median)) / dist.sigma
        erf = np.vectorize(math.erf)
        return np.where(t > 0, 0.5 * (1.0 + erf(z / math.sqrt(2.0))), 0.0)
    if isinstance(dist, values.Fixed):
        return (t >= dist.value).astype(np.float64)
    if isinstance(dist, values.Uniform):
        return np.clip((t - dist.low) / (dist.high - dist.low), 0.0, 1.0)
    if isinstance(dist, values.Seismic):
        theta, s = dist.theta, dist.plateau
        head = theta / (1.0 + theta)
        with np.errstate(divide="ignore"):
            tail = 1.0 - (np.maximum(t, s) / s) ** (-theta) / (1.0 + theta)
        return np.where(t <= 0, 0.0, np.where(t < s, head * t / s, tail))
    raise TypeError(f"not a distribution: {dist!r}")


def mean(dist: values.Distribution) -> float:
    """The mean delay (``inf`` for SEISMIC kernels with theta <= 1)."""
    if isinstance(dist, values.Exponential):
        return dist.mean
    if isinstance(dist, values.LogNormal):
        return dist.median * math.exp(dist.sigma**2 / 2)
    if isinstance(dist, values.Fixed):
        return dist.value
    if isinstance(dist, values.Uniform):
        return (dist.low + dist.high) / 2
    if isinstance(dist, values.Seismic):
        if dist.theta <= 1:
            return math.inf
        theta, s = dist.theta, dist.plateau
        head = theta / (1.0 + theta)
        return head * s / 2 + (1 / (1 + theta)) * s * theta / (theta - 1)
    raise TypeError(f"not a distribution: {dist!r}")


def novelty(curve: values.Novelty, age: np.ndarray) -> np.ndarray:
    """Novelty of the story at ``age`` seconds after it started."""
    age = np.maximum(np.asarray(age, dtype=np.float64), 0.0)
    if isinstance(curve, values.NoNovelty):
        return np.ones_like(age)
    return np.exp(-math.log(2.0) * (age / curve.half_life) ** curve.beta)
