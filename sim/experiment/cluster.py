"""Replications on a Dask cluster: an existing one (``--scheduler ADDRESS``) or a local one.

The scenario and the network are scattered to the workers once (broadcast), and each
task names them by their futures, so they do not travel with every task. Dask
reschedules the tasks of a worker that dies; a task is a pure function of its
replication index, so a rerun gives the same result, and the runner puts results back
in order: the outputs equal a serial run's byte for byte. Needs the ``dask`` extra.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sim.errors import FlashpointError
from sim.experiment.runner import ReplicationResult, run_replication
from sim.network.graph import Graph

INSTALL = ("pip install 'flashpoint-sim[dask]' (in a checkout: "
           ".venv/bin/pip install -e '.[dask]')")


def _distributed() -> Any:
    try:
        import dask.distributed
    except ImportError:
        raise FlashpointError(f"running on Dask needs the dask extra: {INSTALL}") from None
    return dask.distributed


@contextmanager
def _interrupts_ignored() -> Iterator[None]:
    """Start processes that ignore Ctrl-C (they inherit it): it is the parent's to handle.

    A terminal's Ctrl-C reaches every process of the foreground group, so a local cluster's
    nannies and workers would each print their own traceback while the parent saves the run.
    The price: a Ctrl-C in the second or two while the cluster starts is not seen (press it
    again). Blocking the signal instead did not keep it from the workers.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class DaskExecutor:
    """Runs replications as Dask tasks.

    Args:
        scenario, graph: what every task needs (scattered once).
        workers: worker processes of the local cluster started when there is no
            ``scheduler`` (one thread each: the engine is single-threaded).
        scheduler: address of a running Dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
        task: what a task runs, ``task(scenario, graph, index)`` (a module-level function;
            :func:`sim.experiment.runner.run_replication` by default).
    """

    def __init__(self, scenario: Any, graph: Graph | None, workers: int,
                 scheduler: str | None, task: Any = run_replication) -> None:
        self.task = task
        self.scenario = scenario
        self.graph = graph
        self.workers = workers
        self.scheduler = scheduler
        self._client: Any = None
        self._cluster: Any = None
        self._shared: list[Any] = []

    def __enter__(self) -> DaskExecutor:
        distributed = _distributed()
        try:
            if self.scheduler:
                self._client = distributed.Client(self.scheduler, timeout="30s")
            else:
                with _interrupts_ignored():
                    self._cluster = distributed.LocalCluster(
                        n_workers=self.workers, threads_per_worker=1, processes=True,
                        dashboard_address=None, silence_logs=logging.CRITICAL)
                self._client = distributed.Client(self._cluster)
        except (OSError, ValueError, TimeoutError) as exc:
            self.__exit__(None)
            where = self.scheduler or "a local cluster"
            raise FlashpointError(f"cannot connect to the Dask scheduler at {where}: {exc}; "
                                  "is it running (dask scheduler) and reachable?") from None
        self._shared = [self._client.scatter(self.scenario, broadcast=True),
                        self._client.scatter(self.graph, broadcast=True)
                        if self.graph is not None else None]
        return self

    def run(self, replications: Sequence[int]) -> Iterator[ReplicationResult]:
        """Submit every replication; yield results as they finish."""
        distributed = _distributed()
        scenario, graph = self._shared
        futures = [self._client.submit(self.task, scenario, graph, r, pure=False,
                                       key=f"flashpoint-replication-{r}-{id(self)}")
                   for r in replications]
        try:
            # on this executor's client's loop: with another client in the process (a
            # notebook's), the default one's loop would wait on these futures
            for future in distributed.as_completed(futures, loop=self._client.loop):
                try:
                    result: ReplicationResult = future.result()
                except distributed.KilledWorker as exc:
                    raise FlashpointError(f"Dask gave up on a replication after its workers "
                                          f"died repeatedly: {exc}") from None
                future.release()
                yield result
        finally:
            for future in futures:
                future.cancel()

    def __exit__(self, exc_type: Any = None, *exc: Any) -> None:
        if exc_type is not None:  # interrupted or failed: the cancelled tasks' shutdown noise
            logging.getLogger("distributed").setLevel(logging.CRITICAL + 1)
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
