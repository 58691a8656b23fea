"""Dask: the same bytes as a serial run, even when a worker dies mid-run."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

import sim
from sim.errors import FlashpointError
from tests.conftest import FLAGSHIP
from tests.engine.test_runs import _short

distributed = pytest.importorskip("dask.distributed")

N = 24


@pytest.fixture(scope="module")
def short(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _short(FLAGSHIP, tmp_path_factory.mktemp("cluster"), horizon="6h")


@pytest.fixture(scope="module")
def serial(short: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("serial")
    sim.run(sim.load_scenario(short), replications=N).write(out)
    return out


def _same(out: Path, reference: Path) -> None:
    for name in ("summary.json", "replications.csv", "timeseries.csv"):
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name


def test_a_local_dask_cluster_gives_the_serial_bytes(short: Path, serial: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """And the scenario and network go to the workers once, not with every task."""
    from sim.network.graph import Graph
    from sim.scenario.schema import Scenario

    scattered: list[type] = []
    submitted: list[list[type]] = []
    scatter, submit = distributed.Client.scatter, distributed.Client.submit

    def spy_scatter(self: object, data: object, *args: object, **kwargs: object) -> object:
        scattered.append(type(data))
        return scatter(self, data, *args, **kwargs)

    def spy_submit(self: object, function: object, *args: object, **kwargs: object) -> object:
        submitted.append([type(a) for a in args])
        return submit(self, function, *args, **kwargs)

    monkeypatch.setattr(distributed.Client, "scatter", spy_scatter)
    monkeypatch.setattr(distributed.Client, "submit", spy_submit)
    results = sim.run(sim.load_scenario(short), replications=N, workers=2, executor="dask")
    results.write(tmp_path)
    _same(tmp_path, serial)
    assert scattered == [Scenario, Graph]
    assert len(submitted) == N
    assert not any(t in (Scenario, Graph) for args in submitted for t in args)


def test_a_killed_worker_does_not_change_the_result(short: Path, serial: Path,
                                                    tmp_path: Path) -> None:
    """Two worker processes; SIGKILL one after the third result; Dask reschedules."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        pids = client.run(os.getpid)
        assert len(pids) == 2
        victim = sorted(pids.values())[0]
        killed = []

        def progress(done: int, total: int) -> None:
            if done == 3 and not killed:
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        results = sim.run(sim.load_scenario(short), replications=N,
                          scheduler=cluster.scheduler_address, progress=progress)
        assert killed == [victim]
        assert victim not in client.run(os.getpid).values()  # it really died (and restarted)
    results.write(tmp_path)
    _same(tmp_path, serial)


def test_without_dask_the_message_says_how_to_install(short: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(FlashpointError, match=r"pip install .*flashpoint-sim\[dask\]"):
        sim.run(sim.load_scenario(short), replications=2, executor="dask")


def test_the_command_line_runs_on_a_local_dask_cluster(short: Path, serial: Path,
                                                       tmp_path: Path, cli) -> None:
    code, stdout, err = cli("run", str(short), "--out", str(tmp_path / "dask"),
                            "--replications", str(N), "--executor", "dask", "--workers", "2",
                            "--quiet")
    assert code == 0, err
    assert stdout.startswith(f"results written to {tmp_path / 'dask'}/\n")
    for name in ("replications.csv", "timeseries.csv"):
        assert (tmp_path / "dask" / name).read_bytes() == (serial / name).read_bytes()
