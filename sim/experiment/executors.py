"""Where replications run: in this process, or in a pool of worker processes.

An executor maps a task, :func:`sim.experiment.runner.run_replication` unless told
otherwise, over indices (replications; a robustness run's design points) and yields the
results as they finish, in any order; the runner puts them back in order, so the outputs
never depend on the executor. A task is a module-level function ``task(scenario, graph,
index)``, pure in its index; ``scenario`` is whatever the task reads (a robustness run
passes its plan). The Dask executor (for clusters) is in :mod:`sim.experiment.cluster`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sim.experiment.runner import ReplicationResult, run_replication
from sim.network.graph import Graph

Task = Callable[[Any, Graph | None, int], Any]
"""``task(scenario, graph, index)``: one unit of work, a module-level function."""


class SerialExecutor:
    """Runs replications one after the other in this process."""

    def __init__(self, scenario: Any, graph: Graph | None,
                 task: Task = run_replication) -> None:
        self.scenario = scenario
        self.graph = graph
        self.task = task

    def run(self, replications: Sequence[int]) -> Iterator[ReplicationResult]:
        """Yield results in order."""
        for r in replications:
            yield self.task(self.scenario, self.graph, r)

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


_WORKER: dict[str, object] = {}


PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies


def _die_with_parent() -> None:
    """Have the kernel kill this worker when its parent dies (Linux), however it dies.

    Without it, a parent killed outright (SIGKILL, a calling script's timeout) leaves its
    workers computing as orphans. Elsewhere the worker checks its parent between tasks.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _orphaned() -> bool:
    """Whether the process that started this worker is gone (its parent changed)."""
    return os.getppid() != _WORKER.get("parent")


def _init_worker(scenario: Any, graph: Graph | None, parent: int, task: Task) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's own handler is not ours
    _WORKER["scenario"] = scenario
    _WORKER["graph"] = graph
    _WORKER["parent"] = parent
    _WORKER["task"] = task
    _die_with_parent()
    if _orphaned():  # the parent died before the kernel was told to watch it
        os._exit(1)


def _in_worker(replication: int) -> ReplicationResult:
    if _orphaned():
        os._exit(1)
    graph = _WORKER["graph"]
    task: Any = _WORKER["task"]
    result: ReplicationResult = task(_WORKER["scenario"],
                                     graph if isinstance(graph, Graph) else None, replication)
    return result


class PoolExecutor:
    """Runs replications in ``workers`` worker processes on this machine.

    The scenario and the network go to each worker once, when it starts. Workers ignore
    Ctrl-C; on an interruption (or any error) the parent terminates them, and if the parent
    dies outright the workers die with it.
    """

    def __init__(self, scenario: Any, graph: Graph | None, workers: int,
                 task: Task = run_replication) -> None:
        self.scenario = scenario
        self.graph = graph
        self.workers = min(workers, os.cpu_count() or 1)
        self.task = task
        self._pool: multiprocessing.pool.Pool | None = None

    def __enter__(self) -> PoolExecutor:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self._pool = context.Pool(self.workers, initializer=_init_worker,
                                  initargs=(self.scenario, self.graph, os.getpid(),
                                            self.task))
        return self

    def run(self, replications: Sequence[int]) -> Iterator[ReplicationResult]:
        """Yield results as the workers finish them."""
        assert self._pool is not None, "use the executor in a with block"
        yield from self._pool.imap_unordered(_in_worker, replications, chunksize=1)

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if self._pool is None:
            return
        if exc_type is None:
            self._pool.close()
        else:
            self._pool.terminate()
        self._pool.join()
        self._pool = None
