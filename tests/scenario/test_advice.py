"""Warnings about a scenario's design: near the epidemic threshold, and a self-feeding press."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.scenario import parse_scenario
from sim.scenario.advice import articles_per_article, scenario_warnings

TEXT = """\
scenario: advice
horizon: 24h
network: {{generator: erdos_renyi, accounts: {accounts}, mean_follows: 40}}
segments:
  public: {{fraction: 0.98}}
  journalists: {{fraction: 0.02, media: true}}
behaviour: {behaviour}
incident: {{type: post, author: random, outrage: 1.5}}
media: {media}
policies: [{{name: none}}]
"""


def _scenario(accounts: int = 1_000_000, behaviour: str = "{}", media: str = "{}"):
    return parse_scenario(TEXT.format(accounts=accounts, behaviour=behaviour,
                                      media=media).encode())


@pytest.mark.parametrize("accounts", [20_000, 1_000_000, 10_000_000])
def test_the_default_press_brings_a_fixed_share_of_an_article_per_article(accounts) -> None:
    """20 x the journalists' share (2%): 0.4, at any audience size (pickup 1,000 / N)."""
    scenario = _scenario(accounts)
    assert articles_per_article(scenario) == pytest.approx(0.4)
    assert scenario_warnings(scenario) == []


def test_a_fixed_pickup_chance_in_a_large_audience_is_a_press_chain_reaction() -> None:
    """The former default 0.05 at a million accounts: 20,000 readers, 400 journalists, 20."""
    scenario = _scenario(media="{pickup_probability: 0.05}")
    assert articles_per_article(scenario) == pytest.approx(20.0)
    (warning,) = scenario_warnings(scenario)
    assert warning.startswith("media: ") and "about 20.0 more articles" in warning
    assert scenario_warnings(_scenario(20_000, media="{pickup_probability: 0.05}")) == []


def test_a_story_near_the_threshold_is_warned_about() -> None:
    (warning,) = scenario_warnings(_scenario(behaviour="{share_probability: 0.025}"))
    assert "1.00 new reactions per reaction" in warning


def test_validate_prints_the_warnings_and_still_passes(tmp_path: Path, cli) -> None:
    path = tmp_path / "chain.yaml"
    path.write_text(TEXT.format(accounts=1_000_000, behaviour="{}",
                                media="{pickup_probability: 0.05}"))
    code, out, err = cli("validate", str(path))
    assert code == 0 and out.strip() == f"{path}: ok"
    assert err.startswith(f"warning: {path}: media: each article's readers")


def test_a_run_lists_the_design_warnings_with_its_own() -> None:
    scenario = _scenario(2000, media="{pickup_probability: 1, article_reach: 1000}")
    results = sim.run(scenario, replications=2, workers=1)
    assert any(w.startswith("media: ") for w in results.summary()["warnings"])
