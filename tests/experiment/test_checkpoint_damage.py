"""A damaged ``results.sqlite`` is never trusted: resume and report refuse it cleanly.

And a full disk while writing the outputs says what was saved and how to finish.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_flashpoint

SCENARIO = """\
scenario: damage
seed: 4
horizon: 6h
replications: 30
resolution: 1h
network: {generator: erdos_renyi, accounts: 500, mean_follows: 5}
behaviour: {share_probability: 0.05}
incident: {type: post, author: random}
policies:
  - name: nothing
"""
RUN = ("--quiet", "--workers", "1")


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A finished run of 30 replications: (scenario file, its --out folder)."""
    folder = tmp_path_factory.mktemp("damage")
    scenario = folder / "damage.yaml"
    scenario.write_text(SCENARIO)
    out = folder / "run"
    done = run_flashpoint("run", str(scenario), "--out", str(out), *RUN)
    assert done.returncode == 0, done.stderr
    return scenario, out


def _copy(finished: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    scenario, out = finished
    copy = tmp_path / "run"
    shutil.copytree(out, copy)
    return scenario, copy


def _blob(db_path: Path, replication: int, column: str = "series") -> bytes:
    with sqlite3.connect(db_path) as db:
        value: bytes = db.execute(f"SELECT {column} FROM replication WHERE replication = ?",
                                  (replication,)).fetchone()[0]
    db.close()
    return value


def _execute(db_path: Path, statement: str) -> None:
    db = sqlite3.connect(db_path)
    with db:
        db.execute(statement)
    db.close()


def _truncate_file(path: Path) -> None:
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size - 3)


def _truncate_blob(path: Path) -> None:
    _execute(path, "UPDATE replication SET series = substr(series, 1, length(series) - 3) "
                   "WHERE replication = 20")


def _series_at(path: Path, replication: int) -> tuple[int, bytes]:
    """Where a replication's series blob lies in the file, and the blob."""
    series, actions, checksum = (_blob(path, replication, column)
                                 for column in ("series", "actions", "checksum"))
    assert series != bytes(len(series))
    data = path.read_bytes()
    row = series + actions + checksum  # a row's values lie one after another; the
    at = data.find(row)                # checksum (of the replication number too) is unique
    assert at > 0 and data.find(row, at + 1) == -1
    return at, series


def _zero_blob_in_file(path: Path) -> None:
    """Silent corruption: replication 20's series become zeros, behind SQLite's back."""
    at, series = _series_at(path, 20)
    data = bytearray(path.read_bytes())
    data[at:at + len(series)] = bytes(len(series))
    path.write_bytes(bytes(data))
    with sqlite3.connect(path) as db:  # SQLite itself finds nothing wrong
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


def _zero_page(path: Path) -> None:
    """4 KiB of zeros over the page that holds replication 20's series."""
    at, _ = _series_at(path, 20)
    with open(path, "r+b") as handle:
        handle.seek(at // 4096 * 4096)
        handle.write(bytes(4096))


def _zero_middle(path: Path) -> None:
    """4 KiB of zeros in the middle of the file."""
    with open(path, "r+b") as handle:
        handle.seek(path.stat().st_size // 2 // 4096 * 4096)
        handle.write(bytes(4096))


def _drop_replications(path: Path) -> None:
    _execute(path, "DROP TABLE replication")


def _drop_run(path: Path) -> None:
    _execute(path, "DROP TABLE run")


def _change_snapshot(path: Path) -> None:
    _execute(path, "UPDATE run SET value = replace(value, '\"snapshot\": {', "
                   "'\"snapshot\": {\"x\": 1, ') WHERE key = 'ending'")


def _not_a_database(path: Path) -> None:
    path.write_bytes(b"this is not a database\n" * 300)


DAMAGES: dict[str, tuple[Callable[[Path], None], str | None]] = {
    # name: (damage, the replication the message must name, if one is known)
    "truncated-file": (_truncate_file, None),
    "truncated-blob": (_truncate_blob, "replication 20 "),
    "zeroed-blob": (_zero_blob_in_file, "replication 20 "),
    "zeroed-page": (_zero_page, None),
    "zeroed-middle": (_zero_middle, None),
    "dropped-replication-table": (_drop_replications, None),
    "dropped-run-table": (_drop_run, None),
    "changed-snapshot": (_change_snapshot, None),
    "not-a-database": (_not_a_database, None),
}


@pytest.mark.parametrize("command", ["resume", "report"])
@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_checkpoint_is_refused_with_a_message_and_no_traceback(
        finished: tuple[Path, Path], tmp_path: Path, damage: str, command: str) -> None:
    scenario, out = _copy(finished, tmp_path)
    harm, named = DAMAGES[damage]
    harm(out / "results.sqlite")
    argv = (["run", str(scenario), "--out", str(out), "--resume", *RUN] if command == "resume"
            else ["report", str(out)])
    done = run_flashpoint(*argv)
    if damage == "changed-snapshot" and command == "resume":
        # A resume does not use the stored ending: it makes it again, and the report is
        # then rebuilt from the new one.
        assert done.returncode == 0, done.stderr
        assert run_flashpoint("report", str(out)).returncode == 0
        return
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    assert "results.sqlite" in done.stderr
    assert "remove" in done.stderr, done.stderr  # says how to recover
    if named:
        assert named in done.stderr, done.stderr
    if damage != "dropped-run-table" and damage != "not-a-database":
        assert "damaged" in done.stderr, done.stderr


def test_deleting_the_damaged_rows_and_resuming_gives_the_same_outputs(
        finished: tuple[Path, Path], tmp_path: Path) -> None:
    scenario, out = _copy(finished, tmp_path)
    _zero_blob_in_file(out / "results.sqlite")
    done = run_flashpoint("report", str(out))
    assert done.returncode == 2 and "DELETE FROM replication WHERE replication IN (20)" in (
        done.stderr), done.stderr
    _execute(out / "results.sqlite", "DELETE FROM replication WHERE replication IN (20)")
    done = run_flashpoint("run", str(scenario), "--out", str(out), "--resume", *RUN)
    assert done.returncode == 0, done.stderr
    for name in ("summary.json", "replications.csv", "timeseries.csv"):
        assert (out / name).read_bytes() == (finished[1] / name).read_bytes(), name


def test_a_checkpoint_without_checksums_is_refused_as_an_old_format(
        finished: tuple[Path, Path], tmp_path: Path) -> None:
    scenario, out = _copy(finished, tmp_path)
    _execute(out / "results.sqlite", "DELETE FROM run WHERE key = 'checkpoint_format'")
    for argv in (["run", str(scenario), "--out", str(out), "--resume", *RUN],
                 ["report", str(out)]):
        done = run_flashpoint(*argv)
        assert done.returncode == 2, done.stderr
        assert "older Flashpoint" in done.stderr and "Traceback" not in done.stderr


def _full_disk(*_: object, **__: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_while_writing_the_report_says_what_is_saved(
        finished: tuple[Path, Path], tmp_path: Path, cli: Callable[..., tuple[int, str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    scenario, out = _copy(finished, tmp_path)
    (out / "report.html").unlink()
    monkeypatch.setattr("sim.report.html.atomic_write_text", _full_disk)
    code, _, err = cli("report", str(out))
    assert code == 2
    assert "No space left on device" in err and "results.sqlite" in err
    assert f"flashpoint report {out}" in err
    fresh = tmp_path / "fresh"
    code, _, err = cli("run", str(scenario), "--out", str(fresh), *RUN)
    assert code == 2
    assert "cannot write the report: No space left on device" in err
    assert "results.sqlite (every replication), scenario.resolved.yaml, replications.csv" in err
    assert f"flashpoint report {fresh}" in err
    assert not (fresh / "report.html").exists()
    monkeypatch.undo()  # once there is room
    code, _, err = cli("report", str(fresh))
    assert code == 0, err


def test_a_full_disk_while_writing_the_results_says_what_is_saved(
        finished: tuple[Path, Path], tmp_path: Path, cli: Callable[..., tuple[int, str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.experiment.results as results

    write = results.atomic_write_text

    def full_at_timeseries(path: Path, text: str) -> None:
        if Path(path).name == "timeseries.csv":
            _full_disk()
        write(path, text)

    scenario = finished[0]
    out = tmp_path / "run"
    monkeypatch.setattr(results, "atomic_write_text", full_at_timeseries)
    code, _, err = cli("run", str(scenario), "--out", str(out), *RUN)
    assert code == 2
    assert "No space left on device" in err
    assert "results.sqlite (every replication), scenario.resolved.yaml, replications.csv" in err
    assert "timeseries.csv" not in err.split("saved in")[1].split("\n")[0]
    assert "--resume" in err
    monkeypatch.undo()
    done = run_flashpoint("run", str(scenario), "--out", str(out), "--resume", *RUN)
    assert done.returncode == 0, done.stderr
    for name in ("summary.json", "replications.csv", "timeseries.csv"):
        assert (out / name).read_bytes() == (finished[1] / name).read_bytes(), name


def test_a_read_only_run_folder_is_not_called_damaged(finished: tuple[Path, Path],
                                                      tmp_path: Path, cli, monkeypatch) -> None:
    """SQLite cannot open a checkpoint in a folder it cannot write; that is not damage.

    (The tests run as any user, root included, whom permissions do not stop: SQLite's
    failure and the permissions are simulated.)
    """
    from sim.experiment import checkpoint

    scenario, out = _copy(finished, tmp_path)

    def unopenable(*_: object, **__: object) -> None:
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(checkpoint, "_connect", unopenable)
    monkeypatch.setattr(checkpoint, "_writable", lambda path: False)
    for argv in (["run", str(scenario), "--out", str(out), "--resume", *RUN],
                 ["report", str(out)]):
        code, _, err = cli(*argv)
        assert code == 2, err
        assert "is not writable" in err and "damaged" not in err and "remove" not in err, err
