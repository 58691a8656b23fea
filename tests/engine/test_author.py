"""``incident.author: {followers: N}``: an account made for the incident posts it."""

from __future__ import annotations

import numpy as np

import sim
from sim.engine.world import World
from sim.metrics import compute
from sim.network.build import audience
from sim.scenario import parse_scenario
from tests.engine.helpers import simulate_one

SCENARIO = """\
scenario: author with followers
seed: 11
horizon: 24h
replications: 4
resolution: 1h
network: {{generator: scale_free, accounts: {accounts}, mean_follows: 20{resample}}}
segments:
  public: {{fraction: 0.9}}
  critics: {{fraction: 0.1, stance: -0.8}}
behaviour: {{share_probability: 0.02}}
incident:
  author: {{followers: {followers}}}
  brand_followers: 1000
{incident}policies:
  - name: none
  - name: delete
    actions: [{{do: delete, at: 1h}}]
"""


CAMPAIGN = """\
  type: hashtag_campaign
  promotion: {impressions_per_hour: 200, duration: 2h}
  trending: {threshold_per_hour: 50, impressions_per_reaction: 5}
"""


def _scenario(followers: int, accounts: int = 50_000, resample: bool = False,
              incident: str = CAMPAIGN) -> sim.Scenario:
    text = SCENARIO.format(followers=followers, accounts=accounts, incident=incident,
                           resample=", resample: true" if resample else "")
    return parse_scenario(text.encode())


def test_the_author_account_posts_in_every_replication() -> None:
    scenario = _scenario(300, accounts=5000)
    graph = audience(scenario)
    world = World(scenario, graph)
    assert graph.author == 5001 and world.brand == 5000
    for index in range(12):
        replication = world.replication(index)
        assert replication.author == graph.author
        for policy in scenario.policies:
            run = simulate_one(scenario, scenario.policies.index(policy), index, world)
            values, _ = compute(run)
            assert values["impressions"] >= values["reach"] > 0
            assert values["reach"] >= values["reactions"] - 1  # as for any non-brand author
            world.release(replication.author)


def test_the_author_account_with_a_fresh_network_per_replication() -> None:
    results = sim.run(_scenario(300, accounts=3000, resample=True), replications=3)
    assert results.metrics.shape[:2] == (2, 3)
    assert np.all(results.metric("none", "reach") > 0)
    assert np.all(results.metric("none", "reach") >= results.metric("none", "reactions"))


def test_reactions_grow_with_the_authors_followers() -> None:
    # the same network and seed, a post with no promotion or trending: the post reaches 100
    # times as many followers directly (expected direct reactions: about 4 against 400)
    few = sim.run(_scenario(200, incident="  type: post\n")).metric("none", "reactions")
    many = sim.run(_scenario(20_000, incident="  type: post\n")).metric("none", "reactions")
    assert len(few) == len(many) == 4
    assert many.mean() > 10 * max(few.mean(), 1.0)
    assert many.min() > few.max()
