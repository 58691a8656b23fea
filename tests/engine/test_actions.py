"""Each action's exact effect, checked on the run's own records."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.engine.cascade import KIND_DERIVED, PROMOTION, TRIGGER
from sim.engine.kernel import simulate
from sim.engine.world import make_world
from sim.metrics import exposures
from sim.network.build import audience
from sim.scenario import parse_scenario
from tests.engine.helpers import star_scenario

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


def _run(actions: str, policy: int = 1):
    scenario = parse_scenario(HASHTAG.format(actions=actions).encode())
    world = make_world(scenario, audience(scenario), 0)
    return simulate(world, scenario.policies[policy])


def test_delete_voids_trigger_and_reshares_but_not_derived_posts() -> None:
    deleted = 20 * 60.0
    run = _run("      - {do: delete, at: 20m}")
    cascade = run.cascade
    posts = np.array(cascade.post_time)
    roots = np.array(cascade.post_root)
    kinds = np.array(cascade.root_kind)[roots]
    # no reshare of the trigger after the deletion, and no trigger exposure either
    assert np.all(posts[roots == TRIGGER] <= deleted)
    seen = exposures(run)
    assert not np.any((seen.roots == TRIGGER) & (seen.times > deleted))
    assert not np.any((seen.roots == PROMOTION) & (seen.times > deleted))
    # derived posts go on after it
    assert np.sum((kinds == KIND_DERIVED) & (posts > deleted)) > 10
    assert np.any((np.array(cascade.root_kind)[seen.roots] == KIND_DERIVED)
                  & (seen.times > deleted))


def test_stop_promotion_ends_promoted_impressions() -> None:
    stopped = 90 * 60.0
    run = _run("      - {do: stop_promotion, at: 90m}")
    seen = exposures(run)
    promoted = seen.times[seen.roots == PROMOTION]
    assert promoted.max() <= stopped
    assert len(promoted) > 3000  # about 3000 an hour for 90 minutes
    baseline = exposures(_run("      - {do: stop_promotion, at: 90m}", policy=0))
    assert np.sum(baseline.roots == PROMOTION) > 2 * len(promoted)


def test_when_trigger_fires_at_the_first_sample_after_the_crossing_then_waits() -> None:
    run = _run("      - {do: statement, strategy: holding, when: {metric: reactions, above: 40},"
               " delay: 10m}")
    reactions = np.array(run.cascade.reaction_times)
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
    world = make_world(scenario, audience(scenario), 0)
    silent = simulate(world, scenario.policies[0]).cascade
    apology = simulate(world, scenario.policies[1]).cascade
    graph = world.graph
    followers = graph.followers_of(graph.brand)
    start = graph.offsets[graph.brand]
    exposed_at = world.edge_delay[start:start + len(followers)]
    uniform = world.edge_uniform[start:start + len(followers)]
    seen_at = apology.statements[0].seen[followers]
    saw_it = seen_at <= exposed_at
    expected = (uniform < 0.3 * np.where(saw_it, 0.5, 1.0)) & (exposed_at <= 48 * 3600)
    assert np.array_equal(np.isfinite(apology.reacted_at[followers]), expected)
    assert np.array_equal(np.isfinite(silent.reacted_at[followers]),
                          (uniform < 0.3) & (exposed_at <= 48 * 3600))
    assert 0.2 < saw_it.mean() < 0.8  # both groups are large: the test has teeth


def test_takedown_removes_the_most_reshared_derived_posts() -> None:
    run = _run("      - {do: takedown, top: 3, at: 2h, platform_delay: 30m}")
    cascade = run.cascade
    removed = [r for r, t in enumerate(cascade.removed_at) if t == 2.5 * 3600]
    assert len(removed) == 3
    assert all(cascade.root_kind[r] == KIND_DERIVED for r in removed)
    seen = exposures(run)
    assert not np.any(np.isin(seen.roots, removed) & (seen.times > 2.5 * 3600))


def test_reach_trigger_sees_exactly_the_reach_at_each_sample() -> None:
    run = _run("      - {do: statement, strategy: holding, when: {metric: reach, above: 2500}}")
    seen = exposures(run)
    first = np.full(run.world.graph.accounts, np.inf)
    np.minimum.at(first, seen.accounts, seen.times)
    reach_times = np.sort(first[np.isfinite(first)])
    sample = 300.0
    while np.searchsorted(reach_times, sample, side="right") <= 2500:
        sample += 300.0
    assert run.response_times == [sample]
