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

from sim.engine.kernel import simulate
from sim.errors import FlashpointError
from sim.experiment.api import run
from sim.experiment.results import Results, csv_number, csv_text
from sim.experiment.runner import world_for
from sim.experiment.snapshot import representative
from sim.io import atomic_write_text
from sim.metrics import METRICS
from sim.network.graph import Graph
from sim.policies.actions import RULES
from sim.scenario.exercise import PATH_SEPARATOR, Decision, Option, add_delays
from sim.scenario.loader import check_scenario
from sim.scenario.schema import Action, Policy, Scenario
from sim.scenario.values import HOUR

DEFAULT_REPLICATIONS = 100  # at least this many per path, unless asked otherwise
PATHS_FILE = "paths.csv"
FEED_KEY = "exercise_feed"  # where the feed is kept in the results' snapshot
FEED_TARGET = 1500  # reactions shown as posts in the baseline's representative incident
FEED_CAP = 4500  # and at most this many on any path (its earliest)...
FEED_BUDGET = 200_000  # ...and on all paths together (a page of 243 paths stays small)
_SPREAD = 0x9E3779B97F4A7C15  # Knuth's multiplicative hash: which accounts' posts are shown


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


def decision_actions(path: Path, scenario: Scenario) -> list[range]:
    """The indices, in ``path.policy``'s actions, of each decision's chosen actions."""
    assert scenario.exercise is not None
    out, start = [], 0
    for decision, choice in zip(scenario.exercise.decisions, path.choices, strict=True):
        count = len(next(o for o in decision.options if o.name == choice).actions)
        out.append(range(start, start + count))
        start += count
    return out


def decided(results: Results, path_list: list[Path]) -> np.ndarray:
    """When each decision arose on each path, ``[path, replication, decision]``, in hours.

    A decision at a time arises then; one on a trigger when the trigger fired (``nan``: it
    never did). Where a path's option at a decision does nothing (no action to record the
    trigger's time), the time is read from a path that differs from it only there: up to
    the moment the decision arises, its choice changes nothing.
    """
    scenario = results.scenario
    assert scenario.exercise is not None and results.decided_h is not None
    decisions = scenario.exercise.decisions
    where = {path.choices: p for p, path in enumerate(path_list)}
    out = np.full((len(path_list), len(results.replications), len(decisions)), np.nan)
    for p, path in enumerate(path_list):
        for j, decision in enumerate(decisions):
            if decision.at is not None:
                out[p, :, j] = decision.at / HOUR
                continue
            for option in decision.options:
                if option.actions:
                    choices = (*path.choices[:j], option.name, *path.choices[j + 1:])
                    q = where[choices]
                    first = decision_actions(path_list[q], scenario)[j][0]
                    out[p, :, j] = results.decided_h[q, :, first]
                    break
    return out


def feed(results: Results, path_list: list[Path], graph: Graph | None) -> dict[str, Any]:
    """Posts to show in the exercise's feed: reactions of the representative incident.

    The representative replication (:func:`sim.experiment.snapshot.representative`) is
    simulated again on every path (replications are pure functions of the scenario and
    their index, so this is the very incident that was counted). A reaction is shown when
    its account is among a fixed share of the accounts (chosen by a hash of the account,
    so that the share is the same on every path and two paths that agree up to a decision
    show the same posts up to it), by segments that have example posts. The share gives
    about :data:`FEED_TARGET` posts on the first path; any path keeps its earliest
    :func:`feed_cap` (:data:`FEED_CAP`, less when there are so many paths that their posts
    together would pass :data:`FEED_BUDGET`).

    Returns:
        Plain JSON: ``replication``; ``accounts``, the audience's size; ``segments``, the
        network's segment names; and
        ``paths``: per path a list of ``[hours, segment index, post index]``, by time; the
        post index picks one of the segment's example posts (by account).
    """
    scenario = results.scenario
    assert scenario.exercise is not None
    replication, _ = representative(results)
    world = world_for(scenario, graph, replication)
    drawn = world.replication(replication)
    names = world.graph.segment_names
    texts = np.array([len(scenario.exercise.posts.get(name, [])) for name in names] + [0])
    share = None
    cap = feed_cap(len(path_list))
    out = []
    for path in path_list:
        ran = simulate(world, scenario.policies[results.policies.index(path.name)], drawn,
                       RULES)
        accounts = ran.cascade.reaction_accounts.astype(np.uint64)
        times = ran.cascade.reaction_times / HOUR
        segments = world.graph.segment[ran.cascade.reaction_accounts].astype(np.int64)
        world.release(drawn.author)
        counts = texts[segments]  # the brand's segment, -1, has none
        shown = counts > 0
        if share is None:
            share = min(1.0, FEED_TARGET / max(1, int(shown.sum())))
        spread = (accounts * np.uint64(_SPREAD)) >> np.uint64(11)  # wraps: a hash
        shown &= spread.astype(np.float64) < share * 2.0**53
        keep = np.flatnonzero(shown)
        keep = keep[np.argsort(times[keep], kind="stable")[:cap]]  # the earliest
        posts = accounts[keep] % counts[keep].astype(np.uint64)
        out.append([[round(t, 5), s, k] for t, s, k in zip(
            times[keep].tolist(), segments[keep].tolist(), posts.tolist(), strict=True)])
    return {"replication": int(replication), "accounts": int(world.graph.audience),
            "segments": list(names), "paths": out}


def feed_cap(count: int) -> int:
    """The most posts the feed keeps on each of ``count`` paths (the earliest)."""
    return min(FEED_CAP, FEED_BUDGET // max(1, count))


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

    The run also keeps the exercise's feed (:func:`feed`) in ``results.snapshot``, under
    :data:`FEED_KEY`, for the exercise page.

    Returns:
        The paths, and the run's results, with one policy per path (named as the path).
    """
    planned = path_scenario(scenario, replications)
    path_list = paths(scenario)

    def views(results: Results, graph: Graph | None) -> dict[str, Any]:
        return {FEED_KEY: feed(results, path_list, graph)}

    return path_list, run(planned, views=views, **options)


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
            stats = path_stats(results.metrics[p, :, m])
            buffer.write(",".join([*cells, metric, *(csv_number(v) for v in stats)]) + "\n")
    return buffer.getvalue()


def path_stats(values: np.ndarray) -> list[float | None]:
    """The ``mean``, ``p10``, ``p50`` and ``p90`` of ``paths.csv``, over the defined values.

    None for each when no value is defined (``nan`` everywhere).
    """
    values = values[~np.isnan(values)]
    if not len(values):
        return [None] * 4
    return [float(values.mean()), *(float(v) for v in np.percentile(values, [10, 50, 90]))]


def write_paths(results: Results, path_list: list[Path], directory: str | FilePath) -> FilePath:
    """Write ``paths.csv`` into ``directory`` atomically; return its path."""
    target = FilePath(directory) / PATHS_FILE
    try:
        atomic_write_text(target, paths_csv(results, path_list))
    except OSError as exc:
        raise FlashpointError(f"{target}: cannot write it: {exc.strerror}") from None
    return target


