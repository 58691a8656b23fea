"""Flashpoint: simulate social-media incidents and compare response policies.

The public API is imported on first use (module ``__getattr__``), so that ``import sim``
and the command line's ``--help``, ``--version`` and ``validate`` do not load the engine
(numba), the report (plotly) or the executors (dask).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from sim._version import __version__

if TYPE_CHECKING:
    from sim.errors import FlashpointError
    from sim.experiment.api import replay, run
    from sim.experiment.results import Results
    from sim.scenario import Scenario, ScenarioError, dump_resolved, load_scenario

_WHERE = {
    "FlashpointError": "sim.errors",
    "Results": "sim.experiment.results",
    "Scenario": "sim.scenario",
    "ScenarioError": "sim.scenario",
    "dump_resolved": "sim.scenario",
    "load_scenario": "sim.scenario",
    "replay": "sim.experiment.api",
    "run": "sim.experiment.api",
}

__all__ = [
    "FlashpointError",
    "Results",
    "Scenario",
    "ScenarioError",
    "__version__",
    "dump_resolved",
    "load_scenario",
    "replay",
    "run",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use and keep it in the module."""
    if name not in _WHERE:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
