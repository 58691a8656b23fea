"""Scenario files: loading, validating, resolving and writing them back."""

from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import dump_resolved, load_scenario, parse_scenario
from sim.scenario.schema import Scenario

__all__ = [
    "Problem",
    "Scenario",
    "ScenarioError",
    "dump_resolved",
    "load_scenario",
    "parse_scenario",
]
