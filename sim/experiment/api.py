"""``sim.run``: the Python entry point that the command line is a thin layer over."""

from __future__ import annotations

import fcntl
import json
import numbers
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import FlashpointError
from sim.experiment import capacity
from sim.experiment.checkpoint import (
    FILENAME,
    Checkpoint,
    Shapes,
    open_finished,
    scenario_hash,
)
from sim.experiment.checks import audience_of
from sim.experiment.results import Results, row_of
from sim.experiment.runner import (
    DECIDED,
    TOOK_EFFECT,
    ReplicationResult,
    ReplicationRow,
    max_actions,
    run_replication,
    run_until_stopped,
)
from sim.experiment.series import SeriesSource
from sim.experiment.snapshot import snapshot
from sim.experiment.stopping import rule_for
from sim.interrupts import raise_if_interrupted
from sim.metrics import METRICS, SERIES, time_grid
from sim.network.build import audience
from sim.network.graph import Graph
from sim.scenario.loader import check_scenario, parse_scenario
from sim.scenario.schema import Scenario
from sim.scenario.suggest import did_you_mean
from sim.scenario.values import HOUR, REPLICATIONS_EXPECTED, BadValue, parse_replications

EXECUTORS = ("processes", "dask")
# a Dask scheduler's address: tcp://, tls://, ucx:// or inproc://, or a bare host:port
SCHEDULER_ADDRESS = re.compile(r"((tcp|tls|ucx|inproc)://)?[\w.\-\[\]:]+(:\d+)?/?")


def run(
    scenario: Scenario,
    replications: int | str | None = None,
    seed: int | None = None,
    workers: int | None = 1,
    *,
    policies: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    checkpoint: str | Path | None = None,
    resume: bool = False,
    executor: str = "processes",
    scheduler: str | None = None,
    source: str | None = None,
    check_memory: bool = True,
    views: Callable[[Results, Graph | None], dict[str, Any]] | None = None,
) -> Results:
    """Run every policy of ``scenario`` for every replication.

    The scenario is validated again first (:func:`sim.scenario.loader.check_scenario`), so
    one changed in Python with ``model_copy(update=...)``, which skips validation, is refused
    with the same messages as a scenario file.

    Args:
        scenario: a scenario from :func:`sim.load_scenario`.
        replications: how many, or ``"auto"`` (default: the scenario's ``replications``).
        seed: root seed (default: the scenario's ``seed``).
        workers: worker processes (or, with ``executor="dask"`` and no ``scheduler``, local
            Dask workers); the results are identical for any number. ``None``: as many as
            this machine's cores and memory allow (:mod:`sim.experiment.capacity`).
        policies: run only these policies (the baseline, the scenario's first, always runs).
        progress: called as ``progress(done, total)`` as replications finish (with
            ``"auto"``, ``total`` grows from stage to stage).
        checkpoint: a folder: finished replications are saved in its ``results.sqlite``.
            Without one, they are saved in a temporary folder, deleted with the returned
            :class:`Results` (the run's time series are read from there, see
            :mod:`sim.experiment.series`).
        resume: continue the interrupted run checkpointed in ``checkpoint``.
        executor: ``"processes"`` (this machine) or ``"dask"`` (a local Dask cluster, or
            the one at ``scheduler``).
        scheduler: address of a Dask scheduler, such as ``tcp://10.0.0.5:8786``.
        source: the scenario's file name, recorded in ``scenario.resolved.yaml``.
        check_memory: refuse up front a run whose memory estimate does not fit this
            machine (:mod:`sim.experiment.capacity`); False runs it anyway, with
            ``workers`` (default one per core), for those who know better.
        views: called once the run is done, as ``views(results, graph)`` (``graph``: the
            run's network, or None if none was built); the plain-JSON mapping it returns is
            added to ``results.snapshot`` and saved with it, so that what it simulates
            for a view is not simulated again when the outputs are rewritten.

    Raises:
        ScenarioError: the scenario has a bad value (a :class:`FlashpointError`).
        FlashpointError: a bad argument, or the run cannot be done.
    """
    if not isinstance(scenario, Scenario):
        raise FlashpointError(f"the scenario must be a Scenario (from sim.load_scenario); got "
                              f"{type(scenario).__name__}")
    scenario = configure(check_scenario(scenario), replications, seed, policies)
    workers = workers_for(scenario, workers, executor, scheduler, check_memory)
    if resume and checkpoint is None:
        raise FlashpointError("--resume needs the folder of the interrupted run (--out DIR)")
    digest = scenario_hash(scenario)
    shapes = shapes_of(scenario)
    temporary = checkpoint is None  # then the run's store lives as long as its Results
    folder = tempfile.mkdtemp(prefix="flashpoint-") if checkpoint is None else checkpoint
    try:
        with checkpoint_store(folder, scenario, digest, shapes, resume=resume, source=source,
                              temporary=temporary) as store:
            with LazyExecutor(scenario, workers, executor, scheduler) as runner:
                rows, decision = run_until_stopped(rule_for(scenario), runner, store=store,
                                                   progress=progress)
            results = collect(scenario, rows,
                              store.series(len(rows), temporary=temporary),
                              stopped_by=str(decision.stopped_by), scenario_hash=digest,
                              precision=decision.details, source=source)
            if runner.graph is not None:
                results.audience = audience_of(runner.graph)
            results.snapshot = snapshot(results, runner.graph)  # so the report never simulates
            if views is not None:
                results.snapshot.update(views(results, runner.graph))
            if not temporary:
                store.finish(results.stopped_by, len(rows), results.precision,
                             results.snapshot)
    except BaseException:
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return results


def workers_for(scenario: Scenario, workers: int | None, executor: str,
                scheduler: str | None, check_memory: bool = True) -> int:
    """Check where a run is to go (``run``'s arguments); how many workers it gets.

    On this machine (no ``scheduler``) a run whose memory estimate does not fit is refused
    (:mod:`sim.experiment.capacity`), unless ``check_memory`` is False.

    Raises:
        FlashpointError: a bad ``workers``, ``executor`` or ``scheduler``, or a run that
            cannot fit this machine.
    """
    if workers is not None and not (_whole(workers) and workers >= 1):
        raise FlashpointError(f"--workers must be a whole number >= 1; got {workers!r}")
    workers = None if workers is None else int(workers)
    if scheduler is None and check_memory:  # a run on this machine: refuse what cannot fit
        workers = capacity.plan(scenario, workers).workers
    elif scheduler is None and workers is None:
        workers = os.cpu_count() or 1
    if executor not in EXECUTORS:
        raise FlashpointError(f"--executor must be one of: {', '.join(EXECUTORS)}; "
                              f"got {executor!r}")
    if scheduler is not None and not SCHEDULER_ADDRESS.fullmatch(str(scheduler)):
        raise FlashpointError(f"--scheduler must be a Dask scheduler's address, such as "
                              f"tcp://10.0.0.5:8786; got {scheduler!r}")
    return workers or 1


@contextmanager
def checkpoint_store(folder: str | Path, scenario: Scenario, digest: str, shapes: Shapes, *,
                     resume: bool, source: str | None,
                     temporary: bool = False) -> Iterator[Checkpoint]:
    """The checkpoint of a run in ``folder``: a new one, or the interrupted one to resume.

    The folder is locked while the run uses it (one run per folder; a ``temporary`` store,
    not durable and deleted with its run, needs no lock), and the store is closed after.

    Raises:
        FlashpointError: another run holds the folder, or the checkpoint is not this run's
            (:class:`sim.experiment.checkpoint.Checkpoint`).
    """
    path = Path(folder) / FILENAME
    lock = _lock(path) if resume else None
    try:
        store = (Checkpoint.resume(folder, digest, shapes) if resume
                 else Checkpoint.create(folder, scenario, digest, shapes, source,
                                        durable=not temporary))
        if lock is None and not temporary:
            lock = _lock(path)
        try:
            yield store
        finally:
            store.close()
    finally:
        if lock is not None:
            os.close(lock)  # closing the descriptor releases the lock


def _lock(path: Path) -> int | None:
    """Hold an exclusive lock on the run's checkpoint while it runs (one run per folder).

    Returns the open descriptor (closing it releases the lock), or None when the file is
    not there (the checkpoint's own checks then say what is wrong).

    Raises:
        FlashpointError: another run holds it.
    """
    try:
        handle = os.open(path, os.O_RDWR)
    except OSError:
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(handle)
        raise FlashpointError(f"{path.parent}: another Flashpoint run is using this folder; "
                              f"wait for it to finish, or choose another --out") from None
    return handle


def load_results(directory: str | Path) -> Results:
    """The results of a finished run, read back from its folder (no simulation)."""
    info, store = open_finished(directory)
    try:
        rows = store.load()
    finally:
        store.close()
    ending = json.loads(info["ending"])
    scenario = parse_scenario(info["resolved_scenario"].encode(), file=str(directory))
    count = ending["replications"]
    missing = [r for r in range(count) if r not in rows]
    if missing:
        listed = ", ".join(str(r) for r in missing[:20]) + (" ..." if len(missing) > 20 else "")
        raise FlashpointError(
            f"{directory}: the checkpoint lacks replication{'s' if len(missing) > 1 else ''} "
            f"{listed} (it was damaged or changed); rerun them (exactly the same results) "
            f"with flashpoint run SCENARIO --out {directory} --resume, with the options of "
            "the run")
    results = collect(scenario, [rows[r] for r in range(count)], store.series(count),
                      stopped_by=ending["stopped_by"], scenario_hash=info["scenario_hash"],
                      precision=ending["precision"], source=info.get("source") or None)
    results.snapshot = ending.get("snapshot")
    return results


def replay(scenario: Scenario, replication: int, seed: int | None = None) -> list[dict[str, Any]]:
    """Run one replication again: its rows of ``replications.csv``, one per policy.

    A row is identified by the scenario, its ``seed`` (the run's root seed) and its
    ``replication`` index: every draw is keyed by them (docs/architecture.md), so this gives
    exactly the row the run wrote, for any number of workers.
    """
    scenario = configure(check_scenario(scenario), None, seed, None)
    if not (_whole(replication) and replication >= 0):
        raise FlashpointError(f"the replication must be a whole number >= 0; got "
                              f"{replication!r}")
    graph = None if scenario.network.resample else audience(scenario)
    result = run_replication(scenario, graph, int(replication))
    return [row_of(policy.name, replication, scenario.seed, result.metrics[p])
            for p, policy in enumerate(scenario.policies)]


def configure(scenario: Scenario, replications: int | str | None, seed: int | None,
              policies: Sequence[str] | None) -> Scenario:
    """The scenario as it will run: with the seed, replications and policies asked for."""
    if not scenario.policies:  # an exercise's scenario may leave them out
        raise FlashpointError(f"the scenario {scenario.scenario!r} has no policies, only an "
                              "exercise: run its paths with flashpoint exercise (or give it "
                              "policies)")
    update: dict[str, Any] = {}
    if seed is not None:
        if not (_whole(seed) and seed >= 0):
            raise FlashpointError(f"the seed must be a whole number >= 0; got {seed!r}")
        update["seed"] = int(seed)
    if replications is not None:
        try:
            parse_replications(replications)
        except BadValue:
            raise FlashpointError(f"replications must be {REPLICATIONS_EXPECTED}; "
                                  f"got {replications!r}") from None
        update["replications"] = replications if replications == "auto" else int(replications)
    if policies:
        names = [p.name for p in scenario.policies]
        for name in policies:
            if name not in names:
                raise FlashpointError(f"--policy must name a policy of the scenario (one of: "
                                      f"{', '.join(names)}){did_you_mean(name, names)}; "
                                      f"got {name!r}")
        update["policies"] = [p for i, p in enumerate(scenario.policies)
                              if i == 0 or p.name in policies]
    return scenario.model_copy(update=update) if update else scenario


def _whole(value: Any) -> bool:
    """Whether ``value`` is a whole number (a Python or numpy integer, not a bool)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def shapes_of(scenario: Scenario) -> tuple[tuple[int, ...], ...]:
    """Shapes of one replication's metrics, series and action-time arrays."""
    policies = len(scenario.policies)
    steps = len(time_grid(scenario.horizon, scenario.resolution))
    return ((policies, len(METRICS)), (policies, len(SERIES), steps),
            (policies, 2, max_actions(scenario)))


class LazyExecutor:
    """Builds the network and starts the executor only when there is work.

    A resumed run that had already finished needs neither. The executor runs ``task``
    (replications, by default) with ``context`` (the scenario, by default) on the network
    of ``scenario``.
    """

    def __init__(self, scenario: Scenario, workers: int, kind: str,
                 scheduler: str | None, *, task: Any = run_replication,
                 context: Any = None) -> None:
        self.scenario = scenario
        self.workers = workers
        self.kind = "dask" if scheduler else kind
        self.scheduler = scheduler
        self.task = task  # task(context, graph, index): see sim.experiment.executors
        self.context = scenario if context is None else context
        self._executor: Any = None
        self.graph: Any = None  # the network, once built (None with network.resample)

    def run(self, replications: Sequence[int]) -> Iterator[ReplicationResult]:
        """Yield the task's result for each index of ``replications``, in any order.

        Between results it raises an interrupt that arrived but was swallowed on the way
        (:mod:`sim.interrupts`), so that a Ctrl-C always stops the work.
        """
        if not replications:
            return
        raise_if_interrupted()
        if self._executor is None:
            self._executor = self._start()
        raise_if_interrupted()  # one dropped while the network was built
        for result in self._executor.run(replications):
            yield result
            raise_if_interrupted()

    def _start(self) -> Any:
        from sim.experiment.executors import PoolExecutor, SerialExecutor

        graph = None if self.scenario.network.resample else audience(self.scenario)
        self.graph = graph
        if self.kind == "dask":
            from sim.experiment.cluster import DaskExecutor

            executor: Any = DaskExecutor(self.context, graph, self.workers, self.scheduler,
                                         self.task)
        elif self.workers > 1:
            executor = PoolExecutor(self.context, graph, self.workers, self.task)
        else:
            executor = SerialExecutor(self.context, graph, self.task)
        return executor.__enter__()

    def __enter__(self) -> LazyExecutor:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._executor is not None:
            self._executor.__exit__(*exc)


def collect(scenario: Scenario, results: list[ReplicationRow], series: SeriesSource, *,
            stopped_by: str = "replications", scenario_hash: str = "",
            precision: dict[str, Any] | None = None, source: str | None = None) -> Results:
    """Assemble per-replication rows, and where their series are, into :class:`Results`."""
    metrics = np.stack([r.metrics for r in results], axis=1)
    actions = np.stack([r.actions for r in results], axis=1)  # [policy, rep, 2, action]
    return Results(
        scenario=scenario,
        policies=[p.name for p in scenario.policies],
        replications=[r.replication for r in results],
        metrics=metrics,
        series_store=series,
        times_h=time_grid(scenario.horizon, scenario.resolution) / HOUR,
        actions_h=actions[:, :, TOOK_EFFECT],
        decided_h=actions[:, :, DECIDED],
        stopped_by=stopped_by,
        scenario_hash=scenario_hash,
        precision=precision,
        source=source,
    )
