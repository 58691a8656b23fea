"""Fit the model to an observed incident, and forecast it under each policy.

The model in a large audience is a point process whose likelihood exists
(:mod:`sim.experiment.limit`), so the fit is Bayesian and exact up to a grid: the posterior
of the effective share probability ``p``, novelty's ``half_life`` and ``beta`` given the
reactions observed up to ``until``, with the priors of :data:`PRIORS`. ``p`` is integrated
out numerically on a fine grid for every cell of a grid of ``(half_life, beta)``; draws pick
a cell by its posterior mass, a point uniformly inside it, then ``p`` from its conditional.
docs/calibration.md says why this and not ABC, and what the data can and cannot identify.

The forecast runs the process on from ``at`` for each posterior draw and each policy, with
the same counter-based random numbers for every policy (paired), the observed posts'
remaining exposures included: that is how it conditions on the observed past.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.errors import FlashpointError
from sim.experiment import limit
from sim.experiment.priors import DRAWS, NAMES, PRIORS, TEMPER, Prior
from sim.observed import DERIVED, Timeline
from sim.randomness.distributions import encode, quantile
from sim.randomness.philox import key_array, key_for
from sim.randomness.seeds import stream
from sim.scenario import values
from sim.scenario.branching import segment_multiplier
from sim.scenario.schema import FITTED, Scenario
from sim.scenario.values import HOUR

__all__ = ["DRAWS", "NAMES", "PRIORS", "TEMPER", "Prior"]  # declared in sim.experiment.priors


FIT_BINS = 200
"""Bins of the observed time, for the likelihood."""
FORECAST_BINS = 240
"""Bins of the forecast time, from ``at`` to the horizon."""
GRID = (96, 48)
"""Grid cells of half_life and beta."""
P_POINTS = 96
"""Points of the grid over share_probability, around its most likely value in each cell."""
P_SPREAD = 8.0
"""That grid spans this many standard deviations of log p on either side."""
LEVELS = {"p10": 10.0, "p90": 90.0, "p2_5": 2.5, "p97_5": 97.5, "median": 50.0}
"""The quantiles a forecast or an interval reports, by their names in the JSON files."""
SUPPORTED = ("delete", "statement")
"""Action kinds the large-audience process models (others are left out, with a warning)."""


class CalibrationError(FlashpointError):
    """An observed timeline that the model cannot be fitted to, or a forecast that cannot run."""


@dataclass(frozen=True)
class Posterior:
    """Posterior draws of the fitted parameters.

    Attributes:
        draws: ``float64[n, 3]``: share_probability (effective), half_life (s), beta.
        until_s: the data used: posts at or before this time.
        posts: observed posts up to ``until_s``, the first included.
        effective_draws: the grid's effective sample size (Kish), a check of resolution.
    """

    draws: np.ndarray
    until_s: float
    posts: int
    effective_draws: float

    def column(self, name: str) -> np.ndarray:
        """The draws of parameter ``name``."""
        return self.draws[:, NAMES.index(name)]

    def summary(self) -> dict[str, dict[str, float]]:
        """Each parameter's median and its 80% and 95% intervals."""
        return {name: {key: float(np.percentile(self.column(name), q))
                       for key, q in LEVELS.items()} for name in NAMES}


def _reactions(observed: Timeline) -> tuple[np.ndarray, np.ndarray]:
    if observed.followers is None:
        raise CalibrationError(f"{observed.source}: the model is fitted to who saw each post, "
                               "so the timeline needs a 'followers' column (the author's "
                               "follower count)")
    return observed.times_s, observed.followers.astype(np.float64)


def fit(observed: Timeline, attention: values.Distribution, until_s: float, seed: int,
        draws: int = DRAWS, priors: tuple[Prior, ...] = PRIORS,
        temper: float = TEMPER) -> Posterior:
    """The posterior of ``share_probability``, ``half_life`` and ``beta`` given ``observed``.

    Args:
        observed: the timeline; posts after ``until_s`` are not looked at.
        attention: the attention distribution (the scenario's).
        until_s: the time up to which the data are used (> 0).
        seed: the root seed (the draws are from its ``fit`` stream).
        draws: how many posterior draws.
        priors: the priors, in the order of :data:`NAMES`.
        temper: the likelihood is raised to ``1 / temper`` (:data:`TEMPER`; 1: as if the
            process were exact).

    Raises:
        CalibrationError: the timeline has no follower counts or nobody saw anything.
    """
    if not until_s > 0:
        raise CalibrationError(f"until must be after the first post; got {until_s} s")
    times, followers = _reactions(observed.until(until_s))
    edges = limit.bins(0.0, until_s, FIT_BINS)
    counts = np.histogram(times[1:], bins=edges)[0].astype(np.float64) / temper
    exposed = limit.exposure(times, followers, edges, attention) / temper
    if not exposed.sum() > 0:
        raise CalibrationError(f"{observed.source}: no follower saw a post before {until_s:g} s "
                               "(every follower count is 0), so nothing can be fitted")
    mid = limit.mids(edges)
    p_prior, h_prior, b_prior = priors
    n_h, n_b = GRID
    log_h = np.linspace(math.log(h_prior.low), math.log(h_prior.high), n_h + 1)
    betas = np.linspace(b_prior.low, b_prior.high, n_b + 1)
    h_mid = np.exp(0.5 * (log_h[1:] + log_h[:-1]))
    b_mid = 0.5 * (betas[1:] + betas[:-1])
    total = counts.sum()
    bounds = (math.log(p_prior.low), math.log(p_prior.high))

    def cell_terms(h: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``S`` (expected reactions over p) and ``sum c log novelty`` at (h, b) pairs."""
        log_nov = -limit.LN2 * (mid[None, :] / h[:, None]) ** b[:, None]
        return np.exp(log_nov) @ exposed, log_nov @ counts

    hh, bb = np.meshgrid(h_mid, b_mid, indexing="ij")
    s, shape_term = cell_terms(hh.ravel(), bb.ravel())
    log_p, log_like = _p_grid(total, s, bounds)
    top = log_like.max(axis=1)
    step = log_p[:, 1] - log_p[:, 0]
    log_mass = (top + np.log(np.exp(log_like - top[:, None]).sum(axis=1) * step)
                + shape_term)
    weights = np.exp(log_mass - log_mass.max())
    weights /= weights.sum()
    rng = stream(seed, "fit")
    cells = rng.choice(len(weights), size=draws, p=weights)
    i, j = np.divmod(cells, n_b)
    h = np.exp(log_h[i] + rng.random(draws) * (log_h[1] - log_h[0]))
    b = betas[j] + rng.random(draws) * (betas[1] - betas[0])
    s_draw, _ = cell_terms(h, b)
    log_p, log_like = _p_grid(total, s_draw, bounds)
    cumulative = np.cumsum(np.exp(log_like - log_like.max(axis=1)[:, None]), axis=1)
    u = rng.random(draws) * cumulative[:, -1]
    k = np.minimum((cumulative < u[:, None]).sum(axis=1), P_POINTS - 1)
    step = log_p[:, 1] - log_p[:, 0]
    p = np.exp(np.clip(log_p[np.arange(draws), k] + (rng.random(draws) - 0.5) * step,
                       *bounds))
    ess = 1.0 / float(np.sum(weights**2))
    return Posterior(np.column_stack([p, h, b]), until_s, len(times), ess)


def _p_grid(total: float, s: np.ndarray, bounds: tuple[float, float]
            ) -> tuple[np.ndarray, np.ndarray]:
    """For each ``S``: a grid of log p and the log likelihood ``C log p - p S`` on it.

    With the log-uniform prior, ``p``'s conditional posterior is a Gamma(``C``, ``S``)
    cut to the prior's range: sharp (its log has standard deviation ``1 / sqrt(C)``), so
    the grid spans :data:`P_SPREAD` of them around the mode ``C / S``; the whole range
    when there are fewer than one reaction's worth of data.
    """
    low, high = bounds
    width = P_SPREAD / math.sqrt(max(total, 1.0))
    if total >= 1.0:
        centre = np.log(total / s)
        start = np.clip(centre - width, low, high)
        stop = np.clip(centre + width, low, high)
    else:
        start = np.full(len(s), low)
        stop = np.full(len(s), high)
    stop = np.maximum(stop, start + 1e-12)
    log_p = start[:, None] + (stop - start)[:, None] * np.linspace(0.0, 1.0, P_POINTS)[None, :]
    return log_p, total * log_p - np.exp(log_p) * s[:, None]


@dataclass(frozen=True)
class Timing:
    """When a policy's actions take effect in a forecast, and what each does."""

    deleted_s: float
    statements: tuple[tuple[float, float], ...]
    left_out: tuple[str, ...]


def policy_timing(scenario: Scenario, policy_index: int, at_s: float) -> Timing:
    """The times of a policy's modelled actions in a forecast made at ``at_s``.

    An action due before ``at_s`` has not been taken (the forecast is for deciding now): it
    is due at ``at_s``. Its delay is its distribution's median. Actions the process does not
    model (:data:`SUPPORTED`) and ``when`` triggers are left out, by name.
    """
    deleted = math.inf
    statements: list[tuple[float, float]] = []
    left_out: list[str] = []
    for number, act in enumerate(scenario.policies[policy_index].actions):
        label = f"{act.do} (action {number + 1})"
        if act.do not in SUPPORTED or act.at is None:
            left_out.append(label + (" has a 'when' trigger" if act.at is None else ""))
            continue
        code, a, b, c, d = encode(act.delay)
        due = max(act.at, at_s) + float(quantile(code, a, b, 0.5, c, d))
        if act.do == "delete":
            deleted = min(deleted, due)
        else:
            assert act.effect is not None
            statements.append((due, float(act.effect)))
    return Timing(deleted, tuple(statements), tuple(left_out))


@dataclass
class Forecast:
    """A forecast of an observed incident under each policy.

    Attributes:
        at_s: the time of the forecast.
        observed: posts observed up to ``at_s``.
        horizon_s: the forecast runs to this time.
        times_s: the times of the timeline's points.
        finals: policy name to ``int64[draws]``: total posts at the horizon.
        paths: policy name to ``int64[draws, len(times_s)]``: total posts at each time.
        posterior: the fit the forecast draws from.
        warnings: what the reader should know (actions left out...).
    """

    at_s: float
    observed: int
    horizon_s: float
    times_s: np.ndarray
    finals: dict[str, np.ndarray]
    paths: dict[str, np.ndarray]
    posterior: Posterior
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """``forecast.json``: the final size's quantiles and the timeline, per policy."""
        policies = {}
        for name, finals in self.finals.items():
            bands = np.percentile(self.paths[name], list(LEVELS.values()), axis=0)
            policies[name] = {
                "final_size": {key: float(np.percentile(finals, q)) for key, q in LEVELS.items()},
                "timeline": [{"t_h": float(t / HOUR),
                              **{key: float(bands[n, i]) for n, key in enumerate(LEVELS)}}
                             for i, t in enumerate(self.times_s)]}
        return {"at_h": self.at_s / HOUR, "observed": self.observed,
                "horizon_h": self.horizon_s / HOUR, "policies": policies,
                "fit": self.posterior.summary(), "warnings": self.warnings}


def forecast(scenario: Scenario, observed: Timeline, at_s: float,
             posterior: Posterior | None = None, draws: int = DRAWS) -> Forecast:
    """Forecast the incident's total posts up to the scenario's horizon, for each policy.

    Args:
        scenario: a resolved scenario: its attention, derived fraction, audience, horizon,
            seed and policies are used.
        observed: the timeline; only posts at or before ``at_s`` are looked at.
        at_s: the time of the forecast (> 0, before the horizon).
        posterior: a fit to the same data (default: fitted here, up to ``at_s``).
        draws: replications per policy (the posterior's draws are reused in turn).

    Raises:
        CalibrationError: the timeline cannot be fitted, or ``at_s`` is past the horizon.
    """
    horizon = float(scenario.horizon)
    if not 0 < at_s < horizon:
        raise CalibrationError(f"--at must be after the first post and before the scenario's "
                               f"horizon ({horizon / HOUR:g}h); got {at_s / HOUR:g}h")
    seen = observed.until(at_s)
    times, followers = _reactions(seen)
    attention = scenario.behaviour.attention
    if posterior is None:
        posterior = fit(seen, attention, at_s, scenario.seed, draws)
    timings = [policy_timing(scenario, i, at_s) for i in range(len(scenario.policies))]
    extra = tuple(t for timing in timings
                  for t in (timing.deleted_s, *(s for s, _ in timing.statements)))
    edges = limit.bins(at_s, horizon, FORECAST_BINS, extra)
    kept = np.zeros(len(times), dtype=bool)
    if seen.kinds is not None:
        kept = seen.kinds == DERIVED
    source_void = limit.exposure(times[~kept], followers[~kept], edges, attention)
    source_kept = limit.exposure(times[kept], followers[kept], edges, attention)
    kernel = limit.kernel_matrix(edges, attention)
    pool = followers[1:] if len(followers) > 1 else followers
    audience = float(scenario.network.accounts) if scenario.network.accounts else math.inf
    key = key_array(key_for(scenario.seed, "forecast"))
    mid = limit.mids(edges)
    count = len(seen)
    used = posterior.draws[np.arange(draws) % len(posterior.draws)]  # replication r's draw
    novelties = [limit.novelty(mid, h, b) for _, h, b in used]  # the same for every policy
    finals: dict[str, np.ndarray] = {}
    paths: dict[str, np.ndarray] = {}
    warnings = []
    for policy, timing in zip(scenario.policies, timings, strict=True):
        if timing.left_out:
            warnings.append(f"policy {policy.name!r}: the forecast leaves out "
                            f"{', '.join(timing.left_out)}: the large-audience process models "
                            f"only {' and '.join(SUPPORTED)} at a time (docs/calibration.md)")
        alive = (edges[:-1] < timing.deleted_s).astype(np.float64)
        factor = np.ones(len(mid))
        for due, effect in timing.statements:
            factor[edges[:-1] >= due] *= effect
        runs = np.empty((draws, len(mid)), dtype=np.int64)
        for r in range(draws):
            runs[r] = limit.simulate(key, r, used[r, 0], novelties[r], factor, alive,
                                     source_void, source_kept, kernel, pool,
                                     scenario.behaviour.derived_fraction, audience,
                                     float(count - 1), edges)[0]
        cumulative = count + np.cumsum(runs, axis=1)
        paths[policy.name] = np.column_stack([np.full(draws, count), cumulative])
        finals[policy.name] = cumulative[:, -1]
    return Forecast(at_s, count, horizon, edges, finals, paths, posterior, warnings)


def fitted_values(scenario: Scenario, posterior: Posterior) -> dict[str, Any]:
    """The scenario values the fit sets (:data:`sim.scenario.schema.FITTED`), at the medians.

    The share probability is the effective one divided by the segments' mean multiplier,
    so that the scenario's segments give back the fitted effective value. Values are
    rounded to 3 significant figures, the half-life to the minute.
    """
    p = float(np.median(posterior.column("share_probability")))
    h = float(np.median(posterior.column("half_life")))
    b = float(np.median(posterior.column("beta")))
    share = min(1.0, _rounded(p / segment_multiplier(scenario)))
    minutes = round(h / 60.0)  # a half-life to the minute (its intervals are hours wide)
    half_life = max(1, minutes) * 60.0
    out = {"behaviour.share_probability": share,
           "behaviour.novelty": str(values.StretchedExp(half_life=half_life,
                                                        beta=_rounded(b)))}
    assert tuple(out) == FITTED
    return out


def _rounded(value: float, digits: int = 3) -> float:
    """``value`` to ``digits`` significant figures (a fit is not known closer than that)."""
    return float(f"{value:.{digits - 1}e}")


def fitted_scenario(scenario: Scenario, posterior: Posterior, note: str) -> Scenario:
    """``scenario`` with the fitted values set, each marked with ``note`` (``fitted to ...``)."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    fitted = fitted_values(scenario, posterior)
    for path, value in fitted.items():
        section, key = path.split(".")
        data.setdefault(section, {})[key] = value
    data["behaviour"].pop("reactions_per_reaction", None)  # replaced by share_probability
    data["fitted"] = {path: note for path in fitted}
    return Scenario.model_validate(data)


MIN_POSTS = 20
"""Fewer observed posts than this draw a warning: the intervals are mostly the prior's."""


def fit_warnings(posterior: Posterior) -> list[str]:
    """What the reader of a fit should know: too little data, a parameter at its prior's edge."""
    out = []
    if posterior.posts < MIN_POSTS:
        out.append(f"only {posterior.posts} posts up to {posterior.until_s / HOUR:g}h: the "
                   "intervals say mostly what the priors say")
    for prior in PRIORS[1:]:
        low, high = np.percentile(posterior.column(prior.name), [2.5, 97.5])
        scale = (lambda v: math.log(v)) if prior.log else (lambda v: v)
        span = scale(prior.high) - scale(prior.low)
        if scale(high) - scale(low) > 0.8 * span:
            out.append(f"{prior.name} ({prior.meaning}) is not identified by these data: its "
                       "95% interval covers most of its prior range")
    return out


def fit_json(posterior: Posterior, scenario: Scenario, observed: str, temper: float
             ) -> dict[str, Any]:
    """``fit.json``: each parameter's estimate, 80% and 95% intervals, prior; what was set."""
    summary = posterior.summary()
    return {"observed": observed, "until_h": posterior.until_s / HOUR,
            "posts": posterior.posts, "temper": temper,
            "parameters": {prior.name: {**summary[prior.name], "unit": prior.unit,
                                        "meaning": prior.meaning,
                                        "prior": [prior.low, prior.high],
                                        "prior_scale": "log" if prior.log else "linear"}
                           for prior in PRIORS},
            "fitted": fitted_values(scenario, posterior),
            "effective_grid_cells": posterior.effective_draws}


def cumulative(timeline: Timeline, until_s: float | None = None,
               points: int = 2000) -> dict[str, list[float]]:
    """The observed cumulative posts as a step line (at most about ``points`` points)."""
    seen = timeline if until_s is None else timeline.until(until_s)
    times = seen.times_s
    if len(times) > points:
        times = np.unique(np.quantile(times, np.linspace(0.0, 1.0, points)))
    counts = seen.count_at(times)
    return {"times_h": (times / HOUR).tolist(), "counts": counts.tolist()}


def fit_page_data(scenario: Scenario, timeline: Timeline, posterior: Posterior,
                  observed: str, band: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    """What the fit report page shows (:func:`sim.report.calibration.fit_page`)."""
    summary = posterior.summary()
    return {"scenario": scenario.scenario,
            "observed": {"file": observed, "until_h": posterior.until_s / HOUR,
                         **cumulative(timeline)},
            "band": band,
            "parameters": [{"name": prior.name, "meaning": prior.meaning, "unit": prior.unit,
                            "prior": [prior.low, prior.high], "log": prior.log,
                            "estimate": summary[prior.name],
                            "draws": posterior.column(prior.name).tolist()}
                           for prior in PRIORS],
            "fitted": fitted_values(scenario, posterior), "warnings": warnings}


def forecast_page_data(scenario: Scenario, timeline: Timeline, result: Forecast,
                       observed: str) -> dict[str, Any]:
    """What the forecast report page shows (:func:`sim.report.calibration.forecast_page`)."""
    out = result.as_json()
    return {"scenario": scenario.scenario, "at_h": out["at_h"], "horizon_h": out["horizon_h"],
            "observed": {"file": observed, **cumulative(timeline, result.at_s)},
            "policies": out["policies"], "warnings": result.warnings}


def _paths(seed: int, name: str, posterior: Posterior, start: Timeline, edges: np.ndarray,
           attention: values.Distribution, derived_fraction: float, draws: int,
           pool: np.ndarray) -> np.ndarray:
    """Cumulative posts at ``edges`` of the process run from ``start``'s posts, per draw."""
    times, followers = _reactions(start)
    key = key_array(key_for(seed, "forecast", FIT_PATHS[name]))
    source = limit.exposure(times, followers, edges, attention)
    kernel = limit.kernel_matrix(edges, attention)
    mid = limit.mids(edges)
    ones = np.ones(len(mid))
    out = np.empty((draws, len(edges)), dtype=np.int64)
    for r in range(draws):
        p, h, b = posterior.draws[r % len(posterior.draws)]
        counts = limit.simulate(key, r, p, limit.novelty(mid, h, b), ones, ones, source,
                                np.zeros(len(mid)), kernel, pool, derived_fraction,
                                math.inf, float(len(times) - 1), edges)[0]
        out[r] = len(times) + np.concatenate([[0], np.cumsum(counts)])
    return out


FIT_PATHS = {"band": 1, "synthetic": 2}
"""Sub-keys of the ``forecast`` draws for the fit's own simulations (forecasts use none)."""


def model_band(observed: Timeline, posterior: Posterior, attention: values.Distribution,
               seed: int, draws: int = 400) -> dict[str, Any]:
    """The fitted model's cumulative posts from the first post to ``posterior.until_s``.

    Run from the first post alone, with new posts' follower counts drawn from the observed
    ones: a check of the fit (does the observed curve lie in the band?).
    """
    until = posterior.until_s
    seen = observed.until(until)
    _, followers = _reactions(seen)
    edges = limit.bins(0.0, until, 120)
    pool = followers[1:] if len(followers) > 1 else followers
    paths = _paths(seed, "band", posterior, seen.until(0.0), edges, attention, 0.0, draws, pool)
    bands = np.percentile(paths, list(LEVELS.values()), axis=0)
    return {"times_h": (edges / HOUR).tolist(),
            **{key: bands[n].tolist() for n, key in enumerate(LEVELS)}}


def synthetic(seed: int, case: int, truth: tuple[float, float, float], first_followers: float,
              pool: np.ndarray, attention: values.Distribution, until_s: float,
              most: int = 20_000) -> Timeline:
    """A timeline simulated by the process with known parameters (for the recovery study).

    Args:
        seed: the root seed.
        case: the case's number (its draws are keyed by it).
        truth: share_probability (effective), half_life (s), beta.
        first_followers: the first post's author's followers.
        pool: follower counts the new posts' authors are drawn from.
        attention: the attention distribution.
        until_s: how long to simulate.
        most: the most posts recorded (a runaway case is cut there, at its time).
    """
    edges = limit.bins(0.0, until_s, FIT_BINS)
    source = limit.exposure(np.zeros(1), np.array([first_followers]), edges, attention)
    kernel = limit.kernel_matrix(edges, attention)
    p, h, b = truth
    key = key_array(key_for(seed, "forecast", FIT_PATHS["synthetic"]))
    _, times, followers = limit.simulate(
        key, case, p, limit.novelty(limit.mids(edges), h, b), np.ones(len(edges) - 1),
        np.ones(len(edges) - 1), source, np.zeros(len(edges) - 1), kernel,
        np.asarray(pool, dtype=np.float64), 0.0, math.inf, 0.0, edges, most)
    order = np.argsort(times, kind="stable")
    return Timeline(np.concatenate([[0.0], times[order]]),
                    np.concatenate([[first_followers], followers[order]]).astype(np.int64),
                    source=f"synthetic case {case}")
