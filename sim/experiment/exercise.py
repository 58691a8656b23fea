"""An exercise's paths: every combination of its decisions' options, run as policies.

A *path* chooses one option at each decision point of a scenario's ``exercise:`` section
(:mod:`sim.scenario.exercise`). Its policy holds the chosen options' actions, in decision
order, each given its decision's ``at`` or ``when`` and the option's ``delay`` added to its
own. All paths run as the policies of one run, so they share every incident (common random
numbers): an action's draws are keyed by its place in its policy (docs/architecture.md,
"draw kinds"), and two paths that agree on the first k decisions have the same first
actions at the same places, hence identical replications until decision k+1 acts.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any

import numpy as np

from sim.errors import FlashpointError
from sim.experiment.api import run
from sim.experiment.results import Results, csv_number, csv_text
from sim.io import atomic_write_text
from sim.metrics import METRICS
from sim.scenario.exercise import PATH_SEPARATOR, Decision, Option, add_delays
from sim.scenario.loader import check_scenario
from sim.scenario.schema import Action, Policy, Scenario

DEFAULT_REPLICATIONS = 100  # at least this many per path, unless asked otherwise
PATHS_FILE = "paths.csv"


@dataclass(frozen=True)
class Path:
    """One path through an exercise.

    Attributes:
        name: the chosen options' names joined with ``" / "`` (unique).
        choices: the chosen option's name at each decision, in order.
        policy: the path as a policy: the chosen options' actions, in decision order.
    """

    name: str
    choices: tuple[str, ...]
    policy: Policy


def paths(scenario: Scenario) -> list[Path]:
    """Every path of ``scenario``'s exercise; the first (first option everywhere) is the baseline.

    Paths are in the order of :func:`itertools.product` over the decisions' options: the
    last decision varies fastest.

    Raises:
        FlashpointError: the scenario has no ``exercise:`` section.
    """
    if scenario.exercise is None:
        raise FlashpointError(f"the scenario {scenario.scenario!r} has no exercise: section "
                              "(see docs/scenarios.md, Exercises)")
    decisions = scenario.exercise.decisions
    out = []
    for options in itertools.product(*(d.options for d in decisions)):
        choices = tuple(option.name for option in options)
        name = PATH_SEPARATOR.join(choices)
        actions = [_timed(action, decision, option)
                   for decision, option in zip(decisions, options, strict=True)
                   for action in option.actions]
        description = "; ".join(f"{d.prompt} {o.name}" for d, o in
                                zip(decisions, options, strict=True))
        out.append(Path(name, choices, Policy(name=name, description=description,
                                              actions=actions)))
    return out


def _timed(action: Action, decision: Decision, option: Option) -> Action:
    """An option's action with its decision's time or trigger and the option's delay."""
    delay = add_delays(option.delay, action.delay)
    assert delay is not None  # the schema refuses options whose delays do not add up
    return action.model_copy(update={"at": decision.at, "when": decision.when,
                                     "delay": delay})


def path_scenario(scenario: Scenario, replications: int | None = None) -> Scenario:
    """``scenario`` with its exercise's paths as its policies, validated again.

    Args:
        scenario: a scenario with an ``exercise:`` section.
        replications: per path (default: the scenario's, but at least
            :data:`DEFAULT_REPLICATIONS`; a scenario's ``auto`` counts as that default).
    """
    if replications is None:
        own = scenario.replications
        replications = max(DEFAULT_REPLICATIONS, own if isinstance(own, int) else 0)
    policies = [path.policy for path in paths(scenario)]
    return check_scenario(scenario.model_copy(update={"policies": policies,
                                                      "replications": replications}))


def run_exercise(scenario: Scenario, replications: int | None = None,
                 **options: Any) -> tuple[list[Path], Results]:
    """Run every path of ``scenario``'s exercise as the policies of one run.

    Args:
        scenario: a scenario with an ``exercise:`` section.
        replications: per path (see :func:`path_scenario`).
        **options: passed to :func:`sim.run` (``workers``, ``checkpoint``, ``resume``,
            ``progress``, ``source``...).

    Returns:
        The paths, and the run's results, with one policy per path (named as the path).
    """
    planned = path_scenario(scenario, replications)
    return paths(scenario), run(planned, **options)


def paths_csv(results: Results, path_list: list[Path]) -> str:
    """The text of ``paths.csv``: one row per path and metric.

    Columns: ``path``, ``decision_1`` ... ``decision_K`` (the option chosen), ``metric``
    (the names of :data:`sim.metrics.METRICS`), and the ``mean``, ``p10``, ``p50`` and
    ``p90`` of the metric over the replications where it is defined (empty if none).
    User text is written with :func:`sim.experiment.results.csv_text`.
    """
    count = len(path_list[0].choices) if path_list else 0
    buffer = io.StringIO()
    buffer.write(",".join(["path", *(f"decision_{k + 1}" for k in range(count)), "metric",
                           "mean", "p10", "p50", "p90"]) + "\n")
    for path in path_list:
        cells = [csv_text(path.name), *(csv_text(choice) for choice in path.choices)]
        p = results.policies.index(path.name)
        for m, metric in enumerate(METRICS):
            values = results.metrics[p, :, m]
            values = values[~np.isnan(values)]
            if len(values):
                stats = [float(values.mean()), *np.percentile(values, [10, 50, 90]).tolist()]
            else:
                stats = [None] * 4
            buffer.write(",".join([*cells, metric, *(csv_number(v) for v in stats)]) + "\n")
    return buffer.getvalue()


def write_paths(results: Results, path_list: list[Path], directory: str | FilePath) -> FilePath:
    """Write ``paths.csv`` into ``directory`` atomically; return its path."""
    target = FilePath(directory) / PATHS_FILE
    try:
        atomic_write_text(target, paths_csv(results, path_list))
    except OSError as exc:
        raise FlashpointError(f"{target}: cannot write it: {exc.strerror}") from None
    return target


