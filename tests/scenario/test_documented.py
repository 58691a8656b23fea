"""The documented: section and fitted: keys: what a scenario of a real incident declares."""

from __future__ import annotations

import pytest

import sim
from sim.report.assumptions import rows
from sim.scenario.loader import parse_scenario
from sim.scenario.uncertain import uncertain_parameters

SCENARIO = """\
scenario: documented test
seed: 5
horizon: 24h
network: {generator: scale_free, accounts: 3000, mean_follows: 12}
incident: {type: post, author: brand, brand_followers: 300, outrage: 1.0}
segments:
  public: {fraction: 0.79}
  critics: {fraction: 0.2, stance: -0.8}
  journalists: {fraction: 0.01, media: true}
media: {pickup_probability: 0.01}
policies:
  - name: do nothing
  - name: apologise
    actions: [{do: statement, at: 1h, strategy: apology}]
"""

FIGURE = """\
documented:
  policy: apologise
  figures:
    - figure: hundreds of posts
      metric: reactions
      at: 6h
      from: 100
      to: 999
      use: check
      source: http://example.org/a
"""


def _parse(text: str) -> sim.Scenario:
    return parse_scenario(text.encode(), "s.yaml")


def test_a_documented_section_is_read_with_its_figures() -> None:
    scenario = _parse(SCENARIO + FIGURE)
    documented = scenario.documented
    assert documented is not None and documented.policy == "apologise"
    figure = documented.figures[0]
    assert (figure.low, figure.high, figure.at, figure.use) == (100, 999, 6 * 3600, "check")
    assert figure.shown == "100 to 999"
    assert figure.quantity == "reactions by 6h"


@pytest.mark.parametrize(("change", "message"), [
    (("policy: apologise", "policy: apologize"),
     "s.yaml:16: documented.policy must be one of the policies' names: do nothing, "
     "apologise; got 'apologize'"),
    (("at: 6h", "at: 30h"),
     "s.yaml:20: documented.figures[0].at must be at most the horizon (24h); got 30h"),
    (("metric: reactions", "metric: peak_reactions_per_hour"),
     "s.yaml:19: documented.figures[0].metric must be with `at`: one of reach, "
     "negative_reach, impressions, reactions, exposure, articles, reactions_per_hour; got "
     "'peak_reactions_per_hour'"),
    (("      at: 6h\n", "      value: 5\n"),
     "s.yaml:18: documented.figures[0] must be either `value` (a number) or both `from` and "
     "`to`"),
    (("to: 999", "to: 50"),
     "s.yaml:22: documented.figures[0].to must be greater than `from` (100); got 50"),
    (("use: check", "use: context"),
     "s.yaml:18: documented.figures[0].why must be the reason the figure is context"),
    (("use: check", "use: check\n      band: 10"),
     "s.yaml:18: documented.figures[0].why must be the reason for a band other than 3"),
    (("use: check", "use: guess"),
     "s.yaml:23: documented.figures[0].use must be one of: fit, check, context; got 'guess'"),
    (("source: http://example.org/a\n", ""),
     "s.yaml:18: documented.figures[0].source must be given"),
])
def test_a_bad_documented_section_is_refused_at_its_line(change: tuple[str, str],
                                                        message: str) -> None:
    text = SCENARIO + FIGURE.replace(*change)
    with pytest.raises(sim.ScenarioError) as caught:
        _parse(text)
    assert str(caught.value).startswith(message), str(caught.value)


def test_a_timed_metric_without_a_time_says_to_give_at() -> None:
    text = SCENARIO + FIGURE.replace("      at: 6h\n", "").replace(
        "metric: reactions", "metric: reactions_per_hour")
    with pytest.raises(sim.ScenarioError) as caught:
        _parse(text)
    assert "documented.figures[0].metric must be a metric of replications.csv, or give `at`" \
        in str(caught.value)


def test_a_searched_value_marked_fitted_is_shown_as_fitted_and_not_varied() -> None:
    fitted = ("fitted:\n  media.pickup_probability: searched to the first article\n"
              "  media.writing_delay: median searched too\n")
    scenario = _parse(SCENARIO + fitted)
    origin = {path: source for path, _, source in rows(scenario)}
    assert origin["media.pickup_probability"] == "fitted: searched to the first article"
    assert origin["media.writing_delay"] == "fitted: median searched too"
    varied, held = uncertain_parameters(scenario)
    touched = {p for u in varied for p in u.paths} | {h.path for h in held}
    assert not any(p.startswith(("media.pickup_probability", "media.writing_delay"))
                   for p in touched)
    # without the fitted: key, the same value is a judgement with a range
    plain, _ = uncertain_parameters(_parse(SCENARIO))
    assert "media.pickup_probability" in {p for u in plain for p in u.paths}


def test_one_parameter_of_a_distribution_can_be_marked_fitted() -> None:
    fitted = "fitted:\n  media.writing_delay.median: searched to the first article\n"
    scenario = _parse(SCENARIO + fitted)
    origin = {path: source for path, _, source in rows(scenario)}
    # the writing delay is a default here (media: gives only the pickup)
    assert origin["media.writing_delay"].startswith(
        "fitted (median): searched to the first article; the rest default: "), origin
    varied, held = uncertain_parameters(scenario)
    touched = {p for u in varied for p in u.paths} | {h.path for h in held}
    assert not any(p.startswith("media.writing_delay") for p in touched)
    # without the fitted: key its median is varied by default
    plain, _ = uncertain_parameters(_parse(SCENARIO))
    assert "media.writing_delay.median" in {p for u in plain for p in u.paths}


def test_a_fitted_parameter_that_the_distribution_does_not_have_is_refused() -> None:
    text = SCENARIO + "fitted:\n  media.writing_delay.mean: searched\n"
    with pytest.raises(sim.ScenarioError) as caught:
        _parse(text)
    message = str(caught.value)
    assert message.startswith("s.yaml:16: fitted['media.writing_delay.mean'] must be a value "
                              "the scenario sets"), message
    assert "one parameter of a distribution it sets" in message
    assert message.endswith("got 'media.writing_delay.mean'"), message


def test_a_fitted_parameter_that_the_distribution_leaves_unset_is_refused() -> None:
    text = (SCENARIO + "behaviour: {attention: 'seismic(theta=0.2, plateau=5m)'}\n"
            "fitted:\n  behaviour.attention.knee: searched\n")
    with pytest.raises(sim.ScenarioError) as caught:
        _parse(text)
    assert str(caught.value).startswith("s.yaml:17: fitted['behaviour.attention.knee'] must be"), \
        str(caught.value)
    # the same distribution's theta is a parameter it sets
    scenario = _parse(text.replace("attention.knee", "attention.theta"))
    assert "behaviour.attention.theta" in (scenario.fitted or {})


def test_a_fitted_key_that_is_not_a_value_of_the_scenario_is_refused_at_its_line() -> None:
    text = SCENARIO + "fitted:\n  media.pickup_probabilty: searched\n"
    with pytest.raises(sim.ScenarioError) as caught:
        _parse(text)
    assert str(caught.value).startswith(
        "s.yaml:16: fitted['media.pickup_probabilty'] must be a value the scenario sets, by its "
        "dotted path as in the report's assumptions table, or one parameter of a distribution "
        "it sets, such as media.writing_delay.median (did you mean "
        "'media.pickup_probability'?); got 'media.pickup_probabilty'"), str(caught.value)
