"""The press as a source of exposure that does not feed the cascade (docs/model.md, media).

An article is seen by ``article_reach`` random accounts of the network and by
``offline_audience`` readers outside it, who enter the exposure index at ``offline_weight``.
With an article reach of 0 the articles show the story to nobody on the platform, so the
cascade is the one the same replications give with no press at all (common random numbers:
the pickups have their own draws), and the exposure index is the network's weighted reach
plus the articles' readers. ``scenarios/dominos-video.yaml`` counts views that way.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.scenario import parse_scenario

SCENARIO = """
scenario: press off the platform
seed: 7
horizon: 24h
replications: 30
resolution: 30m
network: {{generator: scale_free, accounts: 20000, mean_follows: 15}}
segments:
  public: {{fraction: 0.7}}
  critics: {{fraction: 0.2, stance: -0.5, weight: 3}}
  journalists: {{fraction: 0.1, media: true, weight: 2}}
behaviour: {{reactions_per_reaction: 0.3}}
incident: {{type: post, author: {{followers: 2000}}}}
media: {{pickup_probability: {pickup}, saturation: 20, writing_delay: 2h,
        article_reach: {reach}, offline_audience: 700, offline_weight: 0.5}}
policies:
  - name: nothing
risk: {{metric: exposure, tiers: {{minor: 10, moderate: 100, major: 1000, severe: 10000}}}}
"""


def _run(pickup: float, reach: int) -> sim.Results:
    text = SCENARIO.format(pickup=pickup, reach=reach)
    return sim.run(parse_scenario(text.encode(), file="press.yaml"), workers=1)


@pytest.fixture(scope="module")
def press_and_silent() -> tuple[sim.Results, sim.Results]:
    """The same replications with a press off the platform, and with no press."""
    return _run(pickup=0.5, reach=0), _run(pickup=0.0, reach=0)


def test_articles_that_reach_nobody_on_the_platform_leave_the_cascade_as_it_was(
        press_and_silent: tuple[sim.Results, sim.Results]) -> None:
    press, silent = press_and_silent
    articles = press.metric("nothing", "articles")
    assert np.median(articles) >= 5, articles  # the press wrote, in most replications
    assert silent.metric("nothing", "articles").sum() == 0
    for metric in ("reach", "reactions", "impressions", "negative_reach"):
        assert np.array_equal(press.metric("nothing", metric),
                              silent.metric("nothing", metric)), metric
    # and articles that are seen on the platform do change it
    seen = _run(pickup=0.5, reach=500)
    assert seen.metric("nothing", "reach").sum() > press.metric("nothing", "reach").sum()


def test_the_exposure_index_is_the_weighted_reach_plus_the_articles_readers(
        press_and_silent: tuple[sim.Results, sim.Results]) -> None:
    press, silent = press_and_silent
    articles = press.metric("nothing", "articles")
    offline = articles * 700 * 0.5
    # the network's part (weights 1, 3 and 2 by segment) is the same with or without a press
    assert np.allclose(press.metric("nothing", "exposure") - offline,
                       silent.metric("nothing", "exposure"))
    assert np.any(offline > 0)
    # the weights count: critics weigh 3, so the network's part exceeds the reach
    assert np.all(silent.metric("nothing", "exposure") >= silent.metric("nothing", "reach"))
    assert np.any(silent.metric("nothing", "exposure") > silent.metric("nothing", "reach"))
