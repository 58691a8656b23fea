"""Signals and closed pipes end the command line cleanly: no traceback, a saved run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import like_a_terminal

SLOW = """\
scenario: slow
horizon: 72h
replications: 100000
network: {generator: erdos_renyi, accounts: 20000, mean_follows: 10}
behaviour: {share_probability: 0.2}
incident: {type: post, author: random}
policies: [{name: none}]
"""


def _start(tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    scenario = tmp_path / "slow.yaml"
    scenario.write_text(SLOW)
    return subprocess.Popen([sys.executable, "-m", "sim", "run", str(scenario), "--quiet",
                             "--out", str(tmp_path / "out"), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=like_a_terminal)


def _when_running(tmp_path: Path, process: subprocess.Popen[str]) -> None:
    """Wait until the run has saved a replication."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if (tmp_path / "out" / "results.sqlite").exists():
            time.sleep(1.0)
            return
        time.sleep(0.1)


def _when_saved(tmp_path: Path, process: subprocess.Popen[str]) -> None:
    """Wait until the run has saved a replication in its checkpoint."""
    import sqlite3

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with sqlite3.connect(tmp_path / "out" / "results.sqlite") as db:
                if db.execute("SELECT COUNT(*) FROM replication").fetchone()[0] > 0:
                    return
        except sqlite3.Error:
            pass
        time.sleep(0.2)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_saves_the_run_and_says_how_to_resume(tmp_path: Path, signum: int) -> None:
    process = _start(tmp_path, "--workers", "2")
    _when_running(tmp_path, process)
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert "resume with: flashpoint run" in err and "--resume" in err


def test_an_interrupt_in_the_first_moments_has_no_traceback(tmp_path: Path) -> None:
    process = _start(tmp_path, "--workers", "1")
    time.sleep(0.5)  # loading the scenario or building the network
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    # 130 from Flashpoint, or -SIGINT when the signal came before Python could handle it
    assert process.returncode in (130, -signal.SIGINT) and "Traceback" not in err, err


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text('scenario: x\ndescription: "' + "word " * 40_000 + '"\nhorizon: 12h\n'
                   "network: {generator: erdos_renyi, accounts: 500, mean_follows: 5}\n"
                   "incident: {type: post, author: random}\npolicies: [{name: a}]\n")
    process = subprocess.Popen([sys.executable, "-m", "sim", "validate", "--resolved",
                                str(big)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()  # as `| head -1` does
    err = process.stderr.read().decode()
    process.wait(timeout=60)
    assert process.returncode == 141 and "Traceback" not in err, err


def test_two_resumes_into_one_folder_are_refused(tmp_path: Path) -> None:
    first = _start(tmp_path, "--workers", "1")
    _when_running(tmp_path, first)
    first.send_signal(signal.SIGINT)
    first.communicate(timeout=60)
    resumed = _start(tmp_path, "--workers", "1", "--resume")
    try:
        time.sleep(3)  # it holds the folder while it runs
        assert resumed.poll() is None
        second = subprocess.run(
            [sys.executable, "-m", "sim", "run", str(tmp_path / "slow.yaml"), "--quiet",
             "--out", str(tmp_path / "out"), "--resume", "--workers", "1"],
            capture_output=True, text=True, timeout=120, check=False)
        assert second.returncode == 2, second.stderr
        assert "another Flashpoint run is using this folder" in second.stderr
    finally:
        resumed.send_signal(signal.SIGINT)
        resumed.communicate(timeout=60)
    assert resumed.returncode == 130


@pytest.mark.parametrize("address", ["not a url", "http://127.0.0.1:8786"])
def test_a_bad_scheduler_address_is_refused_before_anything_runs(tmp_path: Path, cli,
                                                                  address: str) -> None:
    scenario = tmp_path / "slow.yaml"
    scenario.write_text(SLOW)
    code, _, err = cli("run", str(scenario), "--executor", "dask", "--scheduler", address,
                       "--out", str(tmp_path / "out"))
    assert code == 2 and "--scheduler must be a Dask scheduler's address" in err, err
    assert not (tmp_path / "out").exists()


def test_an_interrupt_while_writing_the_outputs_says_how_to_write_them(tmp_path: Path, cli,
                                                                       monkeypatch) -> None:
    scenario = tmp_path / "quick.yaml"
    scenario.write_text(SLOW.replace("replications: 100000", "replications: 3"))

    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.report.html.write", interrupted)
    code, _, err = cli("run", str(scenario), "--quiet", "--workers", "1",
                       "--out", str(tmp_path / "out"))
    assert code == 130 and "interrupted while writing the outputs" in err
    assert "--resume" in err
    monkeypatch.undo()
    code, _, err = cli("run", str(scenario), "--quiet", "--workers", "1", "--resume",
                       "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert (tmp_path / "out" / "report.html").exists()


def test_ctrl_c_on_a_local_dask_cluster_saves_the_run_without_tracebacks(tmp_path: Path) -> None:
    """A terminal's Ctrl-C reaches the whole process group: the cluster's processes too."""
    pytest.importorskip("distributed")
    scenario = tmp_path / "slow.yaml"
    scenario.write_text(SLOW.replace("replications: 100000", "replications: 5000"))
    process = subprocess.Popen(
        [sys.executable, "-m", "sim", "run", str(scenario), "--quiet", "--out",
         str(tmp_path / "out"), "--executor", "dask", "--workers", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=like_a_terminal)
    try:
        _when_saved(tmp_path, process)  # the cluster has started (docs: a Ctrl-C while it
        os.killpg(process.pid, signal.SIGINT)  # starts is not seen)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "resume with: flashpoint run" in err, err
