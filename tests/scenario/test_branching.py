"""The story's share probability from the branching factor, and the near-threshold warning."""

from __future__ import annotations

import pytest

from sim.engine.world import World
from sim.network.build import audience
from sim.scenario import ScenarioError, parse_scenario
from sim.scenario.branching import reactions_per_reaction, share_probability, threshold_warning

TEXT = """\
scenario: branching
horizon: 24h
network: {{generator: erdos_renyi, accounts: 2000, mean_follows: {follows}}}
{segments}behaviour: {behaviour}
incident: {{type: post, author: random, brand_followers: 0, outrage: 1.5}}
policies: [{{name: none}}]
"""


def _scenario(follows: float = 40, behaviour: str = "{}", segments: str = ""):
    return parse_scenario(TEXT.format(follows=follows, behaviour=behaviour,
                                      segments=segments).encode())


def test_default_is_two_tenths_of_a_reaction_per_reaction_whatever_the_follows() -> None:
    for follows in (10, 40, 200):
        scenario = _scenario(follows)
        assert share_probability(scenario, follows) == pytest.approx(0.2 / follows)
        assert reactions_per_reaction(scenario, follows) == pytest.approx(0.2)
        assert World(scenario, audience(scenario)).story_probability == pytest.approx(
            0.2 / follows)


def test_a_stated_share_probability_is_kept_and_its_branching_reported() -> None:
    scenario = _scenario(40, "{share_probability: 0.02}")
    assert share_probability(scenario, 40) == 0.02
    assert reactions_per_reaction(scenario, 40) == pytest.approx(0.8)
    assert "0.80 new reactions per reaction" in (threshold_warning(scenario, 40) or "")
    assert threshold_warning(_scenario(40), 40) is None  # 0.2: far from the threshold
    assert threshold_warning(_scenario(40, "{share_probability: 0.05}"), 40) is None  # 2.0


def test_segments_weigh_the_branching_factor() -> None:
    segments = ("segments:\n  public: {fraction: 0.5}\n"
                "  critics: {fraction: 0.5, stance: -0.4, share_multiplier: 2}\n")
    scenario = _scenario(40, "{reactions_per_reaction: 0.5}", segments)
    # public 1 x 1, critics 2 x (1 + 1.5 x 0.4) = 3.2: mean multiplier 2.1
    assert reactions_per_reaction(scenario, 40) == pytest.approx(0.5 * 2.1)
    assert threshold_warning(scenario, 40) is not None


def test_setting_both_forms_is_refused() -> None:
    with pytest.raises(ScenarioError, match="reactions_per_reaction"):
        _scenario(40, "{share_probability: 0.01, reactions_per_reaction: 0.3}")
