"""Flashpoint: simulate social-media incidents and compare response policies."""

from sim._version import __version__
from sim.errors import FlashpointError
from sim.experiment.api import run
from sim.experiment.results import Results
from sim.scenario import Scenario, ScenarioError, dump_resolved, load_scenario

__all__ = [
    "FlashpointError",
    "Results",
    "Scenario",
    "ScenarioError",
    "__version__",
    "dump_resolved",
    "load_scenario",
    "run",
]
