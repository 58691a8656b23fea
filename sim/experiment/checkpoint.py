"""Checkpoints: completed replications in ``DIR/results.sqlite``, so that nothing is lost.

The database is SQLite in WAL mode. Each finished batch of replications is written in
one transaction, so a crash (even SIGKILL) leaves every committed batch intact and
nothing half-written. Values are stored as the exact float64 bytes, so a resumed run
gives byte-identical outputs. The ``run`` table records what was run: the hash of the
resolved scenario (a resume with anything else is refused), the Flashpoint version and
the resolved scenario itself (``flashpoint report`` rebuilds a report from it).

A replication's series are one row's blob, cheap to append. Nothing reads them all into
memory: resuming loads the metric rows and action times only, and the series are read
back by :class:`sim.experiment.series.SeriesStore`, one replication at a time.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from sim._version import __version__
from sim.errors import FlashpointError
from sim.experiment.runner import ReplicationResult, ReplicationRow
from sim.experiment.series import SeriesStore
from sim.scenario.loader import dump_resolved
from sim.scenario.schema import Scenario

FILENAME = "results.sqlite"
Shapes = tuple[tuple[int, ...], ...]  # of one replication's metrics, series and actions
_SCHEMA = """
CREATE TABLE IF NOT EXISTS run (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS replication (
    replication INTEGER PRIMARY KEY,
    metrics BLOB NOT NULL,
    series BLOB NOT NULL,
    actions BLOB NOT NULL
);
"""


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario and of the content of every network file it reads."""
    digest = hashlib.sha256()
    digest.update(json.dumps(scenario.model_dump(mode="json"), sort_keys=True).encode())
    network = scenario.network
    for path in (network.file, network.segments_file):
        if path is not None:
            digest.update(b"\0file\0")
            try:
                with open(path, "rb") as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(block)
            except OSError as exc:
                raise FlashpointError(f"{path}: cannot read the network file: "
                                      f"{exc.strerror}") from None
    return digest.hexdigest()


class Checkpoint:
    """The replications of one run that are safely on disk.

    Use :meth:`create` for a new run and :meth:`resume` to continue one.
    """

    def __init__(self, path: Path, connection: sqlite3.Connection, shapes: Shapes) -> None:
        self.path = path
        self._db = connection
        self._shapes = shapes

    @classmethod
    def create(cls, directory: str | Path, scenario: Scenario, digest: str,
               shapes: Shapes, source: str | None = None, *,
               durable: bool = True) -> Checkpoint:
        """Start the checkpoint of a new run in ``directory`` (refused if one is there).

        ``durable=False``, for a temporary store that dies with its run anyway: no
        journal and no waits for the disk (``fsync``), so saving costs little more than
        writing the bytes, and a crash can leave the file damaged.
        """
        path = Path(directory) / FILENAME
        if path.exists():
            if _saved_count(path) != 0:  # -1: not ours, or unreadable: leave it
                raise FlashpointError(
                    f"{path}: this folder already holds a run; continue it with --resume, or "
                    "choose another --out")
            for leftover in (path, path.with_name(FILENAME + "-wal"),
                             path.with_name(FILENAME + "-shm")):
                leftover.unlink(missing_ok=True)  # a run that stopped before saving anything
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = _connect(path, durable)
            with db:
                db.executescript(_SCHEMA)
                db.executemany("INSERT INTO run (key, value) VALUES (?, ?)", [
                    ("scenario_hash", digest),
                    ("flashpoint_version", __version__),
                    ("shapes", json.dumps(shapes)),
                    ("resolved_scenario", dump_resolved(scenario)),
                    ("source", source or ""),
                ])
        except sqlite3.Error as exc:
            raise FlashpointError(f"{path}: cannot create the checkpoint: {exc}") from None
        except OSError as exc:
            raise FlashpointError(f"{path}: cannot create the checkpoint: {exc.strerror}") from None
        return cls(path, db, shapes)

    @classmethod
    def resume(cls, directory: str | Path, digest: str,
               shapes: Shapes) -> Checkpoint:
        """Open the checkpoint of an interrupted run, refusing a different scenario."""
        path = Path(directory) / FILENAME
        db, stored = _open_run(path, f"{path}: nothing to resume (no checkpoint in {directory}); "
                                     "run without --resume to start")
        refusal = None
        if stored.get("scenario_hash") != digest:
            refusal = (
                f"{path}: cannot resume: the scenario or the options (seed, replications, "
                f"policies) differ from the interrupted run's (scenario hash "
                f"{str(stored.get('scenario_hash'))[:12]} stored, {digest[:12]} now); rerun "
                "with the same ones, or start afresh in another --out folder")
        elif stored.get("flashpoint_version") != __version__:
            refusal = (
                f"{path}: cannot resume: the run was made by Flashpoint "
                f"{stored.get('flashpoint_version')} and this is {__version__}; results of "
                "two versions must not be mixed. Start afresh in another --out folder")
        if refusal:
            db.close()
            raise FlashpointError(refusal)
        return cls(path, db, shapes)

    def load(self) -> dict[int, ReplicationRow]:
        """The metric rows and action times of every replication already saved.

        Not their series, which stay on disk (:meth:`series`).
        """
        metrics_shape, _, actions_shape = self._shapes
        out = {}
        for replication, metrics, actions in self._db.execute(
                "SELECT replication, metrics, actions FROM replication ORDER BY replication"):
            out[replication] = ReplicationRow(
                replication,
                np.frombuffer(metrics, dtype=np.float64).reshape(metrics_shape).copy(),
                np.frombuffer(actions, dtype=np.float64).reshape(actions_shape).copy())
        return out

    def series(self, replications: int, *, temporary: bool = False) -> SeriesStore:
        """The saved series of replications ``0..replications-1``, read on demand.

        ``temporary``: the checkpoint's folder belongs to the returned store, and is
        deleted with it.
        """
        _, shape, _ = self._shapes
        return SeriesStore(self.path, replications, shape, temporary=temporary)

    def save(self, results: Iterable[ReplicationResult]) -> None:
        """Save a batch of finished replications in one transaction."""
        rows = [(r.replication, _blob(r.metrics), _blob(r.series), _blob(r.actions))
                for r in results]
        if not rows:
            return
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO replication (replication, metrics, series, actions) "
                    "VALUES (?, ?, ?, ?)", rows)
        except sqlite3.Error as exc:
            raise FlashpointError(f"{self.path}: cannot save replications: {exc}") from None

    def finish(self, stopped_by: str, replications: int, precision: dict[str, Any] | None,
               snapshot: dict[str, Any] | None) -> None:
        """Record how the run ended, and the report's representative incident."""
        ending = json.dumps({"stopped_by": stopped_by, "replications": replications,
                             "precision": precision, "snapshot": snapshot})
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO run (key, value) VALUES ('ending', ?)",
                             (ending,))

    def close(self) -> None:
        """Close the database (everything saved is already committed)."""
        self._db.close()


def open_finished(directory: str | Path) -> tuple[dict[str, Any], Checkpoint]:
    """Open the checkpoint of a finished run (for rebuilding outputs without simulating)."""
    path = Path(directory) / FILENAME
    db, info = _open_run(path, f"{directory}: no Flashpoint run here (no {FILENAME})")
    if "ending" not in info:
        db.close()
        raise FlashpointError(f"{directory}: the run did not finish; finish it first with "
                              f"flashpoint run SCENARIO --out {directory} --resume")
    shapes = tuple(tuple(shape) for shape in json.loads(info["shapes"]))
    return info, Checkpoint(path, db, shapes)


def _open_run(path: Path, missing: str) -> tuple[sqlite3.Connection, dict[str, str]]:
    """Open an existing checkpoint and read its ``run`` table.

    ``missing`` is the error to give when there is no checkpoint at ``path``.
    """
    if not path.is_file():
        raise FlashpointError(missing)
    db = None
    try:
        db = _connect(path)
        return db, dict(db.execute("SELECT key, value FROM run").fetchall())
    except sqlite3.Error as exc:
        if db is not None:
            db.close()
        raise FlashpointError(f"{path}: not a Flashpoint checkpoint ({exc})") from None


def _saved_count(path: Path) -> int:
    """Replications saved in the checkpoint at ``path`` (-1 if it cannot be read)."""
    try:
        db = sqlite3.connect(path)
        try:
            count: int = db.execute("SELECT COUNT(*) FROM replication").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return -1
    return count


def _connect(path: Path, durable: bool = True) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level="DEFERRED")
    db.execute(f"PRAGMA journal_mode={'WAL' if durable else 'OFF'}")
    db.execute(f"PRAGMA synchronous={'FULL' if durable else 'OFF'}")
    return db


def _blob(array: np.ndarray) -> bytes:
    return np.ascontiguousarray(array, dtype=np.float64).tobytes()
