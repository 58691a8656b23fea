"""``sim.run`` validates what it is given: the scenario again, and its own arguments."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.scenario import ScenarioError, parse_scenario
from sim.scenario.loader import check_scenario
from tests.conftest import SCENARIOS

SMALL = """\
scenario: api
seed: 4
horizon: 6h
replications: 2
resolution: 1h
network: {generator: erdos_renyi, accounts: 500, mean_follows: 5}
behaviour: {share_probability: 0.05}
incident: {type: post, author: random}
policies:
  - name: nothing
"""

REPLICATIONS = "replications must be a whole number in [1, 100,000] or 'auto'"


@pytest.fixture(scope="module")
def scenario() -> sim.Scenario:
    return parse_scenario(SMALL.encode())


def test_a_bad_value_put_in_by_model_copy_is_refused(scenario: sim.Scenario) -> None:
    bad = scenario.model_copy(update={"replications": "lots"})
    with pytest.raises(ScenarioError) as caught:
        sim.run(bad)
    assert str(caught.value) == REPLICATIONS + "; got 'lots'"
    assert isinstance(caught.value, sim.FlashpointError)


def test_bad_nested_values_are_named_by_their_path(scenario: sim.Scenario) -> None:
    incident = scenario.incident.model_copy(update={"outrage": -1, "start": "soon"})
    bad = scenario.model_copy(update={"incident": incident, "horizon": "lots"})
    with pytest.raises(ScenarioError) as caught:
        sim.run(bad)
    assert [p.path for p in caught.value.problems] == ["horizon", "incident.outrage",
                                                       "incident.start"]
    assert "incident.outrage must be a number >= 0; got -1" in str(caught.value)
    assert "got 'soon'" in str(caught.value)


@pytest.mark.parametrize(("argument", "says"), [
    ({"replications": "lots"}, REPLICATIONS + "; got 'lots'"),
    ({"replications": 0}, REPLICATIONS + "; got 0"),
    ({"replications": True}, REPLICATIONS + "; got True"),
    ({"seed": -1}, "the seed must be a whole number >= 0; got -1"),
    ({"seed": "7"}, "the seed must be a whole number >= 0; got '7'"),
    ({"workers": 0}, "--workers must be a whole number >= 1; got 0"),
    ({"workers": 1.5}, "--workers must be a whole number >= 1; got 1.5"),
])
def test_bad_arguments_are_refused(scenario: sim.Scenario, argument: dict[str, object],
                                   says: str) -> None:
    with pytest.raises(sim.FlashpointError) as caught:
        sim.run(scenario, **argument)  # type: ignore[arg-type]
    assert str(caught.value) == says


def test_not_a_scenario_is_refused() -> None:
    with pytest.raises(sim.FlashpointError, match="must be a Scenario"):
        sim.run({"scenario": "x"})  # type: ignore[arg-type]


def test_numpy_integers_are_whole_numbers(scenario: sim.Scenario) -> None:
    results = sim.run(scenario, replications=np.int64(2), seed=np.int64(9))  # type: ignore[arg-type]
    assert results.replications == [0, 1] and results.scenario.seed == 9


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_checking_a_loaded_scenario_changes_nothing(path) -> None:
    loaded = sim.load_scenario(path)
    assert check_scenario(loaded) == loaded
