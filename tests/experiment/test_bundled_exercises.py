"""The bundled exercises validate and have the decision trees their briefs promise."""

from __future__ import annotations

import pytest

import sim
from sim.experiment.exercise import paths
from tests.conftest import ROOT

EXERCISES = sorted((ROOT / "scenarios" / "exercises").glob("*.yaml"))


def test_both_exercises_are_bundled() -> None:
    assert [p.stem for p in EXERCISES] == ["mcdstories", "police-officer-post"]


@pytest.mark.parametrize("path", EXERCISES, ids=[p.stem for p in EXERCISES])
def test_a_bundled_exercise_validates_and_expands(path) -> None:
    scenario = sim.load_scenario(path)
    assert scenario.exercise is not None
    expanded = paths(scenario)
    names = [p.name for p in expanded]
    assert len(set(names)) == len(names)
    if path.stem == "mcdstories":  # a comms team's drill: at least 3 decisions, 27 paths
        assert len(scenario.exercise.decisions) >= 3 and len(expanded) >= 27
    assert scenario.exercise.injects and scenario.exercise.posts
