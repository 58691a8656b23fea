"""Fitting the model to an observed incident and forecasting it (sim.experiment.calibration)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.experiment import calibration as cal
from sim.experiment import limit
from sim.observed import Timeline
from sim.scenario.loader import parse_scenario
from sim.scenario.schema import DEFAULT_ATTENTION

HOUR = 3600.0
POOL = np.minimum(np.round(np.random.default_rng(7).lognormal(math.log(200), 1.5, 5000)), 1e7)
SCENARIO = """
scenario: forecast test
seed: 5
horizon: 48h
network: {generator: scale_free, accounts: 10000000, mean_follows: 10}
incident: {type: post, author: brand, brand_followers: 1000}
behaviour: {derived_fraction: 0.3}
policies:
  - name: do nothing
  - name: delete now
    actions: [{do: delete, at: 0h}]
  - name: silence at 3h
    actions: [{do: statement, at: 3h, strategy: apology, effect: 0.0}]
  - name: advocates
    actions: [{do: advocates, at: 0h, segment: public, rate_per_hour: 5}]
"""


@pytest.fixture(scope="module")
def cases() -> list[tuple[tuple[float, float, float], Timeline]]:
    """200 timelines simulated by the process, with parameters drawn from a realistic box.

    The box gives first hours of 10 to 10,000 posts (a real incident's range): share
    probability 3e-4 to 3e-3, half-life 30 min to 1000 h, beta 0.1 to 1.5, the first
    author's followers 1e5 to 3e6 (fixed seed).
    """
    rng = np.random.default_rng(7)
    out = []
    for case in range(200):
        truth = (10 ** rng.uniform(math.log10(3e-4), math.log10(3e-3)),
                 HOUR * 10 ** rng.uniform(math.log10(0.5), 3), rng.uniform(0.1, 1.5))
        first = 10 ** rng.uniform(5, 6.5)
        out.append((truth, cal.synthetic(1, case, truth, first, POOL, DEFAULT_ATTENTION, HOUR)))
    return out


def _coverage(cases: list, temper: float) -> tuple[np.ndarray, float]:
    covered = np.zeros((len(cases), 3), dtype=bool)
    widths = []
    for row, (truth, timeline) in enumerate(cases):
        summary = cal.fit(timeline, DEFAULT_ATTENTION, HOUR, 1, 1000, temper=temper).summary()
        for column, name in enumerate(cal.NAMES):
            covered[row, column] = summary[name]["p2_5"] <= truth[column] <= summary[name]["p97_5"]
        p = summary["share_probability"]
        widths.append(math.log10(p["p97_5"]) - math.log10(p["p2_5"]))
    return covered.mean(axis=0), float(np.median(widths))


def test_the_fit_recovers_known_parameters(cases: list) -> None:
    # the acceptance study: with the shipped settings, every parameter's 95% interval covers
    # the truth in at least 89% of 200 cases, and share_probability's is narrow
    coverage, width = _coverage(cases, cal.TEMPER)
    assert (coverage >= 0.89).all(), dict(zip(cal.NAMES, coverage, strict=True))
    assert width <= cal.PRIORS[0].span() / 4, width
    sizes = [len(t) for _, t in cases]
    assert np.median(sizes) >= 100  # cases of a real incident's size, not a handful of posts


def test_the_untempered_posterior_is_calibrated(cases: list) -> None:
    # temper 1 is the exact posterior of the process: its 95% intervals must cover about 95%
    # (SE 1.5% at 200 cases: 4 SE either side), so the machinery is right, not just wide
    coverage, _ = _coverage(cases, 1.0)
    assert (np.abs(coverage - 0.95) <= 4 * math.sqrt(0.95 * 0.05 / 200)).all(), coverage


ENGINE = """
scenario: engine recovery
seed: {seed}
horizon: 1h
network: {{generator: scale_free, accounts: 200000, mean_follows: 20}}
behaviour: {{share_probability: {p}, novelty: "stretched_exp(half_life={h}s, beta={b})"}}
incident: {{type: post, author: {{followers: 20000}}}}
policies: [{{name: nothing}}]
"""


@pytest.fixture(scope="module")
def engine_cases() -> list[tuple[tuple[float, float, float], Timeline]]:
    """200 first hours simulated by the network engine (200,000 accounts), known parameters.

    Share probability 0.005 to 0.02, half-life 30 min to 1000 h, beta 0.1 to 1.5; the author
    has 20,000 followers; each post's follower count is read from the graph (fixed seed).
    """
    from sim.engine.kernel import simulate
    from sim.engine.world import World
    from sim.network.build import audience
    from sim.policies.actions import RULES

    rng = np.random.default_rng(3)
    graph = None
    out = []
    for case in range(200):
        truth = (10 ** rng.uniform(math.log10(5e-3), math.log10(2e-2)),
                 float(round(HOUR * 10 ** rng.uniform(math.log10(0.5), 3))),
                 round(rng.uniform(0.1, 1.5), 3))
        scenario = parse_scenario(ENGINE.format(seed=case, p=truth[0], h=truth[1],
                                                b=truth[2]).encode())
        graph = audience(scenario) if graph is None else graph
        world = World(scenario, graph)
        world.prepare()
        replication = world.replication(case)
        cascade = simulate(world, scenario.policies[0], replication, RULES).cascade
        followers = graph.follower_counts()
        order = np.argsort(cascade.reaction_times, kind="stable")
        author = int(cascade.post_account[0])
        out.append((truth, Timeline(
            np.concatenate([[0.0], cascade.reaction_times[order]]),
            np.concatenate([[followers[author]],
                            followers[cascade.reaction_accounts[order]]]).astype(np.int64))))
        world.release(replication.author)
    return out


def test_the_fit_recovers_what_the_network_engine_simulated(engine_cases: list) -> None:
    # the fit's process is the model in a large audience: on the engine's own timelines (a
    # finite graph whose followers overlap) the 95% intervals still cover the truth
    for temper in (cal.TEMPER, 1.0):
        coverage, width = _coverage(engine_cases, temper)
        assert (coverage >= 0.89).all(), (temper, dict(zip(cal.NAMES, coverage, strict=True)))
    assert np.median([len(t) for _, t in engine_cases]) >= 100


def test_a_fit_uses_only_the_posts_up_to_until() -> None:
    truth = (1e-3, 5 * HOUR, 0.7)
    timeline = cal.synthetic(3, 0, truth, 1e6, POOL, DEFAULT_ATTENTION, HOUR)
    late = Timeline(np.concatenate([timeline.times_s, [2.5 * HOUR] * 5000]),
                    np.concatenate([timeline.followers, [10**6] * 5000]))
    first = cal.fit(timeline, DEFAULT_ATTENTION, HOUR, 1, 300).draws
    assert np.array_equal(first, cal.fit(late, DEFAULT_ATTENTION, HOUR, 1, 300).draws)
    assert not np.array_equal(first, cal.fit(late, DEFAULT_ATTENTION, 3 * HOUR, 1, 300).draws)


def test_fitting_needs_follower_counts_and_someone_who_saw() -> None:
    with pytest.raises(cal.CalibrationError, match="followers"):
        cal.fit(Timeline(np.array([0.0, 5.0])), DEFAULT_ATTENTION, HOUR, 1)
    with pytest.raises(cal.CalibrationError, match="no follower saw"):
        cal.fit(Timeline(np.array([0.0, 5.0]), np.array([0, 0])), DEFAULT_ATTENTION, HOUR, 1)


def _posterior(p: float, half_life: float = math.inf, beta: float = 1.0) -> cal.Posterior:
    return cal.Posterior(np.array([[p, half_life, beta]]), HOUR, 1, 1.0)


def test_the_forecast_of_a_first_generation_matches_its_expectation() -> None:
    # with followerless new posts, the posts to come are Poisson with mean
    # p * sum_i n_i (F(H - t_i) - F(at - t_i)) (no novelty): the simulated mean must agree
    scenario = parse_scenario(SCENARIO.encode())
    times = np.array([0.0, 60.0, 600.0, 1800.0])
    followers = np.array([100_000, 0, 0, 0])  # the pool is the reshares': all 0
    observed = Timeline(times, followers)
    p = 2e-3
    result = cal.forecast(scenario, observed, HOUR, _posterior(p), draws=2000)
    horizon = float(scenario.horizon)
    cdf = DEFAULT_ATTENTION.cdf
    expected = p * 100_000 * (cdf(np.array([horizon]))[0] - cdf(np.array([HOUR]))[0])
    new = result.finals["do nothing"] - 4
    assert abs(new.mean() - expected) <= 4 * math.sqrt(expected / 2000), (new.mean(), expected)
    assert abs(new.var() / expected - 1) < 0.15  # Poisson: the variance is the mean


def test_policies_are_paired_and_act_from_the_forecast_on() -> None:
    scenario = parse_scenario(SCENARIO.encode())
    truth = (8e-4, 20 * HOUR, 0.5)
    observed = cal.synthetic(9, 0, truth, 1e6, POOL, DEFAULT_ATTENTION, 2 * HOUR)
    result = cal.forecast(scenario, observed, HOUR, draws=300)
    nothing = result.paths["do nothing"]
    deleted = result.paths["delete now"]
    silenced = result.paths["silence at 3h"]
    # common random numbers: removing exposures can only remove posts, in every replication
    assert (deleted <= nothing).all() and (silenced <= nothing).all()
    assert (deleted[:, -1] < nothing[:, -1]).mean() > 0.9
    # a statement with effect 0 at 3h: nothing new after it, and the same paths before it
    after = result.times_s >= 3 * HOUR
    first_after = int(np.argmax(after))
    assert (silenced[:, after] == silenced[:, [first_after]]).all()
    assert np.array_equal(silenced[:, :first_after + 1], nothing[:, :first_after + 1])
    # delete at 0h is due at the forecast's time, 1h (it has not been done yet): every
    # observed post is the trigger or a reshare of it, so nothing more comes at all
    assert (deleted == result.observed).all()
    # every path starts from what was observed
    assert (nothing[:, 0] == len(observed.until(HOUR))).all()
    assert any("advocates" in w for w in result.warnings)


def test_forecast_json_has_the_shape_the_issue_gives() -> None:
    scenario = parse_scenario(SCENARIO.encode())
    observed = cal.synthetic(9, 1, (8e-4, 20 * HOUR, 0.5), 1e6, POOL, DEFAULT_ATTENTION, HOUR)
    data = cal.forecast(scenario, observed, HOUR, draws=200).as_json()
    assert data["at_h"] == 1.0 and data["observed"] == len(observed)
    finals = data["policies"]["do nothing"]["final_size"]
    assert finals["p2_5"] <= finals["p10"] <= finals["median"] <= finals["p90"] <= finals["p97_5"]
    timeline = data["policies"]["do nothing"]["timeline"]
    assert timeline[0]["t_h"] == 1.0 and timeline[-1]["t_h"] == 48.0
    assert timeline[-1]["median"] == finals["median"]


def test_a_forecast_refuses_a_time_past_the_horizon() -> None:
    scenario = parse_scenario(SCENARIO.encode())
    observed = Timeline(np.array([0.0, 5.0]), np.array([1000, 10]))
    with pytest.raises(cal.CalibrationError, match="horizon"):
        cal.forecast(scenario, observed, 49 * HOUR)


def test_the_fitted_scenario_gives_back_the_effective_probability() -> None:
    text = SCENARIO + """segments:
  public: {fraction: 0.8}
  critics: {fraction: 0.2, stance: -0.5, share_multiplier: 2}
"""
    scenario = parse_scenario(text.replace("brand_followers: 1000}",
                                           "brand_followers: 1000, outrage: 1}").encode())
    posterior = _posterior(1e-3, 2 * HOUR, 0.5)
    fitted = cal.fitted_scenario(scenario, posterior, "fitted to x.csv up to 1h")
    # segments' mean multiplier: 0.8 * 1 + 0.2 * 2 * (1 + 0.5) = 1.4
    assert fitted.behaviour.share_probability == pytest.approx(1e-3 / 1.4, rel=5e-3)
    assert fitted.behaviour.novelty.half_life == 2 * HOUR and fitted.behaviour.novelty.beta == 0.5
    assert fitted.fitted == {"behaviour.share_probability": "fitted to x.csv up to 1h",
                             "behaviour.novelty": "fitted to x.csv up to 1h"}


def test_bins_put_every_action_time_on_an_edge() -> None:
    edges = limit.bins(HOUR, 48 * HOUR, 50, (2 * HOUR + 7.0, 0.5 * HOUR, 60 * HOUR))
    assert edges[0] == HOUR and edges[-1] == 48 * HOUR
    assert 2 * HOUR + 7.0 in edges and (np.diff(edges) > 0).all()
    assert edges[1] - edges[0] == limit.FIRST_BIN_S
