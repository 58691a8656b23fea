"""Where documented figures fall in the model's band: how each figure is read, and the verdict."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import sim
from sim.experiment.documented import compare, quantity
from sim.scenario.documented import Figure
from sim.scenario.loader import parse_scenario
from tests.scenario.test_documented import FIGURE, SCENARIO


def _figure(**given: Any) -> Figure:
    return Figure.model_validate({"figure": "f", "use": "check", "source": "s", **given})


@dataclass
class _Results:
    """The parts of Results that the comparison reads: one policy's metrics and curves."""

    scenario: Any
    values: dict[str, np.ndarray] = field(default_factory=dict)
    curve: np.ndarray | None = None
    times_h: np.ndarray = field(default_factory=lambda: np.arange(0.0, 25.0))
    policies: list[str] = field(default_factory=lambda: ["do nothing", "apologise"])

    def metric(self, policy: str, name: str) -> np.ndarray:
        return self.values[name]

    def curves(self, policy: str, name: str) -> np.ndarray:
        assert name == "reactions"
        return self.curve


def _with(figure: Figure, **results: Any) -> Any:
    scenario = parse_scenario((SCENARIO + FIGURE).encode())
    documented = scenario.documented.model_copy(update={"figures": [figure]})
    return compare(_Results(scenario.model_copy(update={"documented": documented}), **results))[0]


def test_the_band_is_the_10_to_90_percent_of_the_replications() -> None:
    values = np.arange(1.0, 101.0)  # 1..100: the 10% and 90% points are 10 and 90
    inside = _with(_figure(metric="articles", value=50), values={"articles": values})
    assert (inside.low, inside.median, inside.high) == (10, 50, 90)
    assert inside.inside and inside.width == 9 and not inside.narrow
    assert inside.verdict == "band too wide (x9)" and not inside.reproduced
    wide_allowed = _with(_figure(metric="articles", value=50, band=10, why="few articles"),
                         values={"articles": values})
    assert wide_allowed.reproduced
    outside = _with(_figure(metric="articles", value=95), values={"articles": values})
    assert not outside.inside and outside.verdict == "outside the band"


def test_a_range_is_reproduced_when_it_overlaps_the_band() -> None:
    values = np.linspace(100.0, 200.0, 101)  # band 110 to 190
    assert _with(_figure(metric="articles", **{"from": 24, "to": 115}),
                 values={"articles": values}).reproduced
    assert not _with(_figure(metric="articles", **{"from": 24, "to": 105}),
                     values={"articles": values}).inside
    assert not _with(_figure(metric="articles", **{"from": 195, "to": 300}),
                     values={"articles": values}).inside


def test_a_time_that_never_came_is_later_than_every_time() -> None:
    values = np.array([10.0] * 85 + [math.nan] * 15)  # no article in 15 of 100
    c = _with(_figure(metric="first_article_h", value=10), values={"first_article_h": values})
    assert c.low == 10 and c.high == math.inf and not c.reproduced
    assert c.to_json()["band"] == [10, None]


def test_a_figure_at_a_time_reads_the_cumulative_curve_and_the_hour_before() -> None:
    hours = np.arange(0.0, 25.0)
    rates = np.array([10.0, 20.0, 30.0])[:, None]
    curve = rates * hours  # 10, 20 and 30 reactions an hour, steadily
    by = _with(_figure(metric="reactions", at="150m", value=25), curve=curve)
    assert list(by.values) == [25, 50, 75]
    hourly = _with(_figure(metric="reactions_per_hour", at="3h", value=20), curve=curve)
    assert list(hourly.values) == [10, 20, 30]


def test_a_real_run_s_figures_agree_with_its_own_metrics() -> None:
    scenario = parse_scenario((SCENARIO + FIGURE.replace("at: 6h", "at: 24h")).encode())
    results = sim.run(scenario, replications=6, workers=1, policies=["apologise"])
    [c] = compare(results)
    # the reactions series at the horizon is the run's count of reactions, replication by one
    assert np.array_equal(c.values, results.metric("apologise", "reactions"))
    figure = _figure(metric="peak_reactions_per_hour", value=1)
    assert np.array_equal(quantity(results, "apologise", figure),
                          results.metric("apologise", "peak_reactions_per_hour"))


def test_without_a_documented_section_there_is_nothing_to_compare() -> None:
    scenario = parse_scenario(SCENARIO.encode())
    with pytest.raises(ValueError, match="no documented: section"):
        compare(_Results(scenario))
