"""Each action's exact effect, checked on the run's own records."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.engine import layout
from sim.engine.cascade import PROMOTION, TRIGGER
from sim.engine.layout import KIND_DERIVED
from sim.engine.world import World
from sim.metrics import compute, first_exposures, time_grid
from sim.network.build import audience
from sim.randomness.distributions import EXPONENTIAL, quantiles
from sim.randomness.philox import words
from sim.scenario import parse_scenario
from tests.engine.helpers import exposures, simulate_one, star_scenario

HASHTAG = """\
scenario: actions
seed: 5
horizon: 12h
replications: 1
resolution: 15m
network: {{generator: scale_free, accounts: 20000, mean_follows: 20}}
segments:
  public: {{fraction: 0.9}}
  critics: {{fraction: 0.1, stance: -0.8, share_multiplier: 2}}
behaviour: {{share_probability: 0.06, derived_fraction: 0.5}}
incident:
  type: hashtag_campaign
  brand_followers: 1000
  outrage: 1.5
  promotion: {{impressions_per_hour: 3000, duration: 10h}}
monitoring: {{interval: 5m}}
policies:
  - name: baseline
  - name: policy
    actions:
{actions}
"""


def _run(actions: str, policy: int = 1, interval: str = "5m"):
    text = HASHTAG.format(actions=actions).replace("interval: 5m", f"interval: {interval}")
    scenario = parse_scenario(text.encode())
    return simulate_one(scenario, policy)


def test_delete_voids_trigger_and_reshares_but_not_derived_posts() -> None:
    deleted = 20 * 60.0
    run = _run("      - {do: delete, at: 20m}")
    cascade = run.cascade
    posts = cascade.post_time.copy()
    roots = cascade.post_root.copy()
    kinds = cascade.root_kind[roots]
    # no reshare of the trigger after the deletion, and no trigger exposure either
    assert np.all(posts[roots == TRIGGER] <= deleted)
    seen = exposures(run)
    assert not np.any((seen.roots == TRIGGER) & (seen.times > deleted))
    assert not np.any((seen.roots == PROMOTION) & (seen.times > deleted))
    # derived posts go on after it
    assert np.sum((kinds == KIND_DERIVED) & (posts > deleted)) > 10
    assert np.any((cascade.root_kind[seen.roots] == KIND_DERIVED) & (seen.times > deleted))
    # the ledger counted exactly the valid exposures
    values, _ = compute(run)
    assert values["impressions"] == len(seen.times)
    assert values["reach"] == len(np.unique(seen.accounts))


def test_stop_promotion_ends_promoted_impressions() -> None:
    stopped = 90 * 60.0
    run = _run("      - {do: stop_promotion, at: 90m}")
    seen = exposures(run)
    promoted = seen.times[seen.roots == PROMOTION]
    assert promoted.max() <= stopped
    assert abs(len(promoted) - 4500) <= 4 * np.sqrt(4500)  # 3000 an hour for 90 minutes
    baseline = exposures(_run("      - {do: stop_promotion, at: 90m}", policy=0))
    assert np.sum(baseline.roots == PROMOTION) > 2 * len(promoted)


def test_the_promotion_shows_the_same_impressions_under_every_policy() -> None:
    pulled = _run("      - {do: stop_promotion, at: 90m}")
    kept = pulled.cascade.state.x_time[: pulled.cascade.meta[layout.EXTRA]].copy()
    accounts = pulled.cascade.state.x_account[: pulled.cascade.meta[layout.EXTRA]].copy()
    pulled.world.release(pulled.replication.author)
    base = simulate_one(pulled.world.scenario, 0, world=pulled.world)
    state = base.cascade.state
    first = len(kept)
    assert first > 3000
    assert np.array_equal(state.x_time[:first], kept)
    assert np.array_equal(state.x_account[:first], accounts)


def test_when_trigger_fires_at_the_first_sample_after_the_crossing_then_waits() -> None:
    run = _run("      - {do: statement, strategy: holding, when: {metric: reactions, above: 40},"
               " delay: 10m}")
    reactions = run.cascade.reaction_times
    interval = 300.0
    sample = interval
    while np.sum(reactions < sample) <= 40:
        sample += interval
    assert run.response_times == [sample + 600.0]


def test_at_action_waits_its_delay_exactly() -> None:
    run = _run("      - {do: statement, strategy: holding, at: 1h, delay: fixed(15m)}")
    assert run.response_times == [4500.0]


def test_statement_changes_the_odds_of_exactly_those_who_saw_it(tmp_path: Path) -> None:
    policies = ("  - name: silent\n  - name: apology\n"
                "    actions: [{do: statement, strategy: apology, at: 0}]\n")
    scenario = star_scenario(tmp_path, 20_000, p=0.3, attention="exponential(mean=30m)",
                             policies=policies, horizon="48h")
    world = World(scenario, audience(scenario))
    graph = world.graph
    followers = graph.followers_of(graph.brand)
    start = graph.offsets[graph.brand]
    follows = np.arange(start, start + len(followers), dtype=np.int64)
    drawn = words(world.keys[layout.KEY_STORY], follows, 0, 0)
    uniform = (drawn[:, 0] + 0.5) * 2.0**-32
    exposed_at = quantiles(EXPONENTIAL, 1800.0, 0.0, (drawn[:, 1] + 0.5) * 2.0**-32)
    in_time = exposed_at <= 48 * 3600
    silent = simulate_one(scenario, 0, world=world)
    silent_reacted = (world.state.bits[followers] & layout.HAS_REACTED) > 0
    world.release(silent.replication.author)
    simulate_one(scenario, 1, world=world)
    seen_at = world.state.seen[0, followers]
    saw_it = seen_at <= exposed_at
    expected = (uniform < 0.3 * np.where(saw_it, 0.5, 1.0)) & in_time
    assert np.array_equal((world.state.bits[followers] & layout.HAS_REACTED) > 0, expected)
    assert np.array_equal(silent_reacted, (uniform < 0.3) & in_time)
    assert 0.2 < saw_it.mean() < 0.8  # both groups are large: the test has teeth


def test_statements_and_stories_have_their_own_draws(tmp_path: Path) -> None:
    """The statement's delays through the brand's follows are not the story's."""
    policies = ("  - name: silent\n  - name: apology\n"
                "    actions: [{do: statement, strategy: apology, at: 0}]\n")
    scenario = star_scenario(tmp_path, 20_000, p=0.0, attention="exponential(mean=30m)",
                             policies=policies, horizon="48h")
    run = simulate_one(scenario, 1)
    followers = run.world.graph.followers_of(run.world.graph.brand)
    reached, first = first_exposures(run)
    story = np.full(run.world.accounts, np.inf)
    story[reached] = first
    seen = run.world.state.seen[0, followers]
    both = np.isfinite(seen) & np.isfinite(story[followers])
    assert both.sum() > 10_000
    correlation = np.corrcoef(seen[both], story[followers][both])[0, 1]
    assert abs(correlation) <= 4 / np.sqrt(both.sum())


def test_takedown_removes_the_most_reshared_derived_posts() -> None:
    run = _run("      - {do: takedown, top: 3, at: 2h, platform_delay: 30m}")
    cascade = run.cascade
    removed = [r for r, t in enumerate(cascade.removed_at) if t == 2.5 * 3600]
    assert len(removed) == 3
    assert all(cascade.root_kind[r] == KIND_DERIVED for r in removed)
    seen = exposures(run)
    assert not np.any(np.isin(seen.roots, removed) & (seen.times > 2.5 * 3600))


def _reach_at(run, samples: np.ndarray) -> np.ndarray:
    _, first = first_exposures(run)
    return np.searchsorted(np.sort(first), samples, side="right")


def test_reach_trigger_fires_on_the_reach_the_metrics_report() -> None:
    """Interval equal to the resolution: the trigger reads the reported reach series."""
    run = _run("      - {do: statement, strategy: holding, when: {metric: reach, above: 2500}}",
               interval="15m")
    _, series = compute(run)
    grid = time_grid(run.world.scenario.horizon, run.world.scenario.resolution)
    first = int(np.argmax(series["reach"] > 2500))
    assert 0 < first < len(grid) - 1 and series["reach"][first - 1] <= 2500
    assert run.response_times == [grid[first]]


def test_reach_trigger_fires_at_the_first_sample_above_with_another_interval() -> None:
    run = _run("      - {do: statement, strategy: holding, when: {metric: reach, above: 2500}}",
               interval="7m")
    samples = np.arange(1, 200) * 420.0
    reach = _reach_at(run, samples)
    fired = samples[int(np.argmax(reach > 2500))]
    assert reach[0] <= 2500 and run.response_times == [fired]
    # and the reference count of every valid exposure agrees with the ledger's
    seen = exposures(run)
    reference = np.full(run.world.accounts, np.inf)
    np.minimum.at(reference, seen.accounts, seen.times)
    assert np.array_equal(np.sort(reference[np.isfinite(reference)]),
                          np.sort(first_exposures(run)[1]))


def test_a_statement_with_newsworthiness_zero_stops_every_later_article() -> None:
    # newsworthiness: 0 used to be read as "not given" and became 1.0
    text = """\
scenario: news
seed: 3
horizon: 48h
replications: 6
resolution: 1h
network: {generator: scale_free, accounts: 5000, mean_follows: 20}
segments:
  public: {fraction: 0.95}
  journalists: {fraction: 0.05, media: true}
behaviour: {share_probability: 0.06}
incident:
  type: hashtag_campaign
  brand_followers: 500
  promotion: {impressions_per_hour: 2000, duration: 24h}
media: {pickup_probability: 0.5, saturation: 100, writing_delay: 1h, article_reach: 100}
policies:
  - name: baseline
  - name: silent
    actions:
      - {do: statement, strategy: holding, at: 1m, newsworthiness: 0}
"""
    import sim

    results = sim.run(parse_scenario(text.encode()), replications=6)
    assert results.metric("baseline", "articles").sum() > 0
    first = results.metric("silent", "first_article_h")
    # an article is published an hour after its journalist files: none filed after 1 minute
    assert np.all(np.isnan(first) | (first <= 1.0 + 1 / 60 + 1e-9))
