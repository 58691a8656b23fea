"""The engine against closed forms: branching means, percolation sizes, delay laws.

Fixed seeds; tolerances are 4 standard errors unless the issue fixes them.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.metrics import first_exposures
from sim.randomness.distributions import cdf
from sim.scenario import values
from tests.engine.helpers import er_scenario, exposures, simulate_one, star_scenario


def test_subcritical_branching_mean_is_r_over_1_minus_r() -> None:
    c, p = 4.0, 0.15
    results = sim.run(er_scenario(20_000, c, p, replications=2000, seed=11), workers=2)
    reactions = results.metric("none", "reactions")
    r = c * p
    se = reactions.std(ddof=1) / math.sqrt(len(reactions))
    assert abs(reactions.mean() - r / (1 - r)) <= 4 * se, (reactions.mean(), se)


def test_supercritical_percolation_final_size() -> None:
    c, p, n = 4.0, 0.5, 20_000
    runs = 160
    results = sim.run(er_scenario(n, c, p, replications=runs, seed=12), workers=2)
    # the author is not a reaction: a story's final size counts it too
    size = (results.metric("none", "reactions") + 1) / n
    s = 0.5
    for _ in range(200):  # S = 1 - exp(-c p S), by fixed-point iteration
        s = 1 - math.exp(-c * p * s)
    large = size > 0.1
    assert abs(size[large].mean() - s) <= 0.02
    share = large.mean()
    assert abs(share - s) <= 4 * math.sqrt(s * (1 - s) / runs)


ATTENTIONS = [
    "exponential(mean=30m)",
    "lognormal(median=45m, sigma=0.6)",
    "uniform(low=10m, high=1h)",
    "seismic(theta=0.23, plateau=5m)",
]


def _star_delays(tmp_path: Path, attention: str, horizon: str = "2000h") -> np.ndarray:
    scenario = star_scenario(tmp_path, 50_000, p=0.0, attention=attention, horizon=horizon)
    run = simulate_one(scenario)
    _, first = first_exposures(run)  # the engine's own count: each follower is exposed once
    assert np.array_equal(np.sort(first), np.sort(exposures(run).times))  # the reference agrees
    return first


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_exposure_delays_follow_the_attention_distribution(tmp_path: Path,
                                                           attention: str) -> None:
    dist = sim.scenario.values.parse_distribution(attention)
    horizon = 2000 * 3600.0
    times = np.sort(_star_delays(tmp_path, attention))
    expected = cdf(dist, times) / cdf(dist, np.array([horizon]))[0]
    n = len(times)
    empirical_hi = np.arange(1, n + 1) / n
    empirical_lo = np.arange(0, n) / n
    ks = max(np.max(np.abs(empirical_hi - expected)), np.max(np.abs(expected - empirical_lo)))
    assert ks < 1.63 / math.sqrt(n), ks  # Kolmogorov's 1% critical value
    if attention.startswith("seismic"):
        assert n < 50_000  # about a tenth of SEISMIC's mass lies beyond 2000h: not exposed


def test_fixed_attention_is_exact(tmp_path: Path) -> None:
    times = _star_delays(tmp_path, "fixed(12m)")
    assert len(times) == 50_000 and np.all(times == 720.0)


def test_exposures_after_the_horizon_do_not_happen(tmp_path: Path) -> None:
    times = _star_delays(tmp_path, "uniform(low=0s, high=2h)", horizon="1h")
    assert times.max() <= 3600.0
    assert abs(len(times) - 25_000) <= 4 * math.sqrt(50_000 * 0.25)


@pytest.mark.parametrize("attention", ["exponential(mean=30m)", "seismic(theta=0.23, plateau=5m)"])
def test_novelty_scales_mean_reactions(tmp_path: Path, attention: str) -> None:
    p, n = 0.2, 50_000
    novelty = "stretched_exp(half_life=1h, beta=0.4)"
    horizon = 200 * 3600.0
    scenario = star_scenario(tmp_path, n, p=p, attention=attention, novelty=novelty,
                             horizon="200h")
    reactions = len(simulate_one(scenario).cascade.reaction_times)
    dist = values.parse_distribution(attention)
    curve = values.parse_novelty(novelty)
    grid = np.concatenate([np.linspace(0, 3600, 20_001), np.geomspace(3600, horizon, 20_001)[1:]])
    mass = np.diff(cdf(dist, grid))
    middle = (grid[1:] + grid[:-1]) / 2
    novelty = np.exp(-math.log(2.0) * (middle / curve.half_life) ** curve.beta)  # MODEL.md
    q = p * float(np.sum(novelty * mass))
    assert abs(reactions - n * q) <= 4 * math.sqrt(n * q * (1 - q))
