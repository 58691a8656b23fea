"""Nothing is lost: killed, interrupted and resumed runs give the uninterrupted outputs."""

from __future__ import annotations

import os
import shlex
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import FLAGSHIP, like_a_terminal
from tests.engine.test_runs import _short

OUTPUTS = ("summary.json", "replications.csv", "timeseries.csv", "scenario.resolved.yaml")
N = "40"


@pytest.fixture(scope="module")
def short(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _short(FLAGSHIP, tmp_path_factory.mktemp("checkpoint"), horizon="6h")


def _command(scenario: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "sim", "run", str(scenario), "--out", str(out),
            "--replications", N, "--quiet", *extra]


def _finish(scenario: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_command(scenario, out, *extra), capture_output=True, text=True,
                          timeout=300, check=False)


@pytest.fixture(scope="module")
def reference(short: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reference") / "run"
    done = _finish(short, out, "--workers", "1")
    assert done.returncode == 0, done.stderr
    return out


def _paused(scenario: Path, out: Path, point: str, *extra: str,
            command: list[str] | None = None) -> subprocess.Popen[str]:
    """Start a run that pauses at ``point``; return once it has paused there."""
    env = dict(os.environ, FLASHPOINT_FAULT_PAUSE=point)
    process = subprocess.Popen(command or _command(scenario, out, *extra),
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                               env=env, preexec_fn=like_a_terminal)
    watchdog = threading.Timer(240, process.kill)
    watchdog.start()
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
    finally:
        watchdog.cancel()
    assert line.strip() == f"flashpoint-fault: paused at {point}", line
    return process


def _saved(out: Path) -> int:
    with sqlite3.connect(out / "results.sqlite") as db:
        count: int = db.execute("SELECT COUNT(*) FROM replication").fetchone()[0]
    return count


def _same_outputs(out: Path, reference: Path) -> None:
    for name in OUTPUTS:
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name
    assert not list(out.glob(".*.tmp"))


@pytest.mark.parametrize(("point", "saved"), [
    ("result:3", 0),    # before the first checkpoint
    ("saved:2", 20),    # mid-way: two batches of 10 committed
    ("outputs", 40),    # while writing the output files
])
def test_sigkill_then_resume_gives_the_uninterrupted_outputs(
        short: Path, reference: Path, tmp_path: Path, point: str, saved: int) -> None:
    out = tmp_path / "run"
    process = _paused(short, out, point, "--workers", "1")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert _saved(out) == saved
    if point == "outputs":
        assert (out / "replications.csv").exists() and not (out / "summary.json").exists()
    resumed = _finish(short, out, "--workers", "1", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert _saved(out) == 40
    _same_outputs(out, reference)


def test_ctrl_c_keeps_finished_replications_says_how_to_resume_and_exits_130(
        short: Path, reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    process = _paused(short, out, "result:15", "--workers", "2")
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Traceback" not in err
    assert "interrupted" in err and "results.sqlite" in err
    prefix, _, command = err.strip().splitlines()[-1].partition("resume with: ")
    words = shlex.split(command)
    assert prefix == "" and words[:2] == ["flashpoint", "run"] and "--resume" in words
    assert _saved(out) >= 15  # every finished replication, not only the full batches
    # the command it printed is the one that resumes
    resumed = subprocess.run([sys.executable, "-m", "sim", *words[1:], "--quiet"],
                             capture_output=True, text=True, timeout=300, check=False)
    assert resumed.returncode == 0, resumed.stderr
    _same_outputs(out, reference)


def test_resume_refuses_a_different_scenario_or_options(short: Path, reference: Path,
                                                        tmp_path: Path) -> None:
    changed = subprocess.run(_command(short, reference, "--seed", "7", "--resume"),
                             capture_output=True, text=True, timeout=120, check=False)
    assert changed.returncode == 2
    assert "cannot resume" in changed.stderr and "Traceback" not in changed.stderr
    edited = tmp_path / "edited.yaml"
    edited.write_text(short.read_text().replace("horizon: 6h", "horizon: 7h"))
    other = _finish(edited, reference, "--resume")
    assert other.returncode == 2 and "cannot resume" in other.stderr


def test_a_folder_holding_a_run_is_not_overwritten_without_resume(short: Path,
                                                                  reference: Path) -> None:
    again = _finish(short, reference)
    assert again.returncode == 2
    assert "already holds a run" in again.stderr and "--resume" in again.stderr


def test_resume_of_an_empty_folder_says_there_is_nothing_to_resume(short: Path,
                                                                    tmp_path: Path) -> None:
    done = _finish(short, tmp_path / "nothing", "--resume")
    assert done.returncode == 2 and "nothing to resume" in done.stderr


def test_a_run_that_saved_nothing_does_not_block_a_fresh_start(short: Path, tmp_path: Path,
                                                               cli) -> None:
    """E.g. a wrong --scheduler address: the checkpoint exists but holds no replication."""
    import sim
    from sim.experiment.api import configure, shapes_of
    from sim.experiment.checkpoint import Checkpoint, scenario_hash

    scenario = configure(sim.load_scenario(short), 2, None, None)
    Checkpoint.create(tmp_path, scenario, scenario_hash(scenario), shapes_of(scenario)).close()
    code, _, err = cli("run", str(short), "--out", str(tmp_path), "--replications", "2",
                       "--quiet", "--workers", "1")
    assert code == 0, err
    (tmp_path / "results.sqlite").write_bytes(b"not a checkpoint")  # something else: kept
    code, _, err = cli("run", str(short), "--out", str(tmp_path), "--quiet")
    assert code == 2 and "already holds a run" in err
    assert (tmp_path / "results.sqlite").read_bytes() == b"not a checkpoint"


def test_a_finished_run_reads_back_without_simulating(reference: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.experiment.runner as runner
    from sim.errors import FlashpointError
    from sim.experiment.api import load_results

    def no_simulation(*args: object) -> None:
        raise AssertionError("load_results must not simulate")

    monkeypatch.setattr(runner, "run_replication", no_simulation)
    load_results(reference).write(tmp_path / "again")
    _same_outputs(tmp_path / "again", reference)
    with pytest.raises(FlashpointError, match="no Flashpoint run here"):
        load_results(tmp_path)


def test_an_auto_run_killed_between_stages_resumes_to_the_same_stop(short: Path,
                                                                   tmp_path: Path) -> None:
    auto = tmp_path / "auto.yaml"
    auto.write_text(short.read_text() + "precision: 1\nmax_replications: 70\n")

    def command(out: Path, *extra: str) -> list[str]:
        return [sys.executable, "-m", "sim", "run", str(auto), "--out", str(out),
                "--replications", "auto", "--quiet", "--workers", "1", *extra]

    reference = subprocess.run(command(tmp_path / "reference"), capture_output=True,
                               text=True, timeout=300, check=False)
    assert reference.returncode == 0, reference.stderr
    process = _paused(auto, tmp_path / "run", "saved:6",  # in the second stage
                      command=command(tmp_path / "run"))
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert _saved(tmp_path / "run") == 60
    resumed = subprocess.run(command(tmp_path / "run", "--resume"), capture_output=True,
                             text=True, timeout=300, check=False)
    assert resumed.returncode == 0, resumed.stderr
    _same_outputs(tmp_path / "run", tmp_path / "reference")
    assert '"stopped_by": "max_replications"' in (tmp_path / "run" / "summary.json").read_text()
