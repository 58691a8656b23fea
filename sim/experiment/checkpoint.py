"""Checkpoints: completed replications in ``DIR/results.sqlite``, so that nothing is lost.

The database is SQLite in WAL mode. Each finished batch of replications is written in
one transaction, so a crash (even SIGKILL) leaves every committed batch intact and
nothing half-written. Values are stored as the exact float64 bytes, so a resumed run
gives byte-identical outputs. The ``run`` table records what was run: the hash of the
resolved scenario (a resume with anything else is refused), the Flashpoint version and
the resolved scenario itself (``flashpoint report`` rebuilds a report from it).

Nothing read back is trusted blindly: every replication's row carries a BLAKE2b checksum
of its replication number, metrics, series and actions; the ``run`` table carries one of
what it recorded at the start and one of the ending (with the report's snapshot). They
are checked on every load (``--resume`` and ``flashpoint report``); a mismatch, a blob
of the wrong size or a database SQLite cannot read is refused with a
:class:`~sim.errors.FlashpointError` that names the damaged replications and says how to
recover. SQLite's own integrity check does not see silent changes inside a blob (4 KiB
of zeros over a page of series passes it); the checksums do. Checkpoints of the format
before the checksums (no ``checkpoint_format`` key) are refused too.

A replication's series are one row's blob, cheap to append. Nothing reads them all into
memory: resuming loads the metric rows and action times only, and the series are read
back by :class:`sim.experiment.series.SeriesStore`, one replication at a time.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
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
FORMAT = "3"  # 3: actions' decision hours too; 2: checksums on every replication and on the
# run table; 1 had none
Shapes = tuple[tuple[int, ...], ...]  # of one replication's metrics, series and actions
_SCHEMA = """
CREATE TABLE IF NOT EXISTS run (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS replication (
    replication INTEGER PRIMARY KEY,
    metrics BLOB NOT NULL,
    series BLOB NOT NULL,
    actions BLOB NOT NULL,
    checksum BLOB NOT NULL
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
            entries = {
                "checkpoint_format": FORMAT,
                "scenario_hash": digest,
                "flashpoint_version": __version__,
                "shapes": json.dumps(shapes),
                "resolved_scenario": dump_resolved(scenario),
                "source": source or "",
            }
            entries["run_checksum"] = _run_checksum(entries)
            with db:
                db.executescript(_SCHEMA)
                db.executemany("INSERT INTO run (key, value) VALUES (?, ?)", entries.items())
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

        Not their series, which stay on disk (:meth:`series`); but every row is checked
        against its checksum, series included, one replication at a time.

        Raises:
            FlashpointError: a replication's row is damaged (named in the message), or
                the database cannot be read.
        """
        metrics_shape, _, actions_shape = self._shapes
        sizes = tuple(8 * int(np.prod(shape)) for shape in self._shapes)
        out = {}
        damaged = []
        try:
            for replication, metrics, series, actions, checksum in self._db.execute(
                    "SELECT replication, metrics, series, actions, checksum FROM replication "
                    "ORDER BY replication"):
                blobs = (metrics, series, actions)
                if (not all(isinstance(b, bytes) for b in (*blobs, checksum))
                        or tuple(len(b) for b in blobs) != sizes
                        or checksum != _row_checksum(replication, *blobs)):
                    damaged.append(replication)
                    continue
                out[replication] = ReplicationRow(
                    replication,
                    np.frombuffer(metrics, dtype=np.float64).reshape(metrics_shape).copy(),
                    np.frombuffer(actions, dtype=np.float64).reshape(actions_shape).copy())
        except (sqlite3.Error, ValueError, TypeError) as exc:
            raise FlashpointError(_damage(self.path, f"SQLite cannot read it ({exc})")) from None
        if damaged:
            raise FlashpointError(_damage(self.path, "", damaged))
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
        rows = []
        for r in results:
            blobs = (_blob(r.metrics), _blob(r.series), _blob(r.actions))
            rows.append((r.replication, *blobs, _row_checksum(r.replication, *blobs)))
        if not rows:
            return
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO replication "
                    "(replication, metrics, series, actions, checksum) "
                    "VALUES (?, ?, ?, ?, ?)", rows)
        except sqlite3.Error as exc:
            raise FlashpointError(f"{self.path}: cannot save replications: {exc}") from None

    def finish(self, stopped_by: str, replications: int, precision: dict[str, Any] | None,
               snapshot: dict[str, Any] | None) -> None:
        """Record how the run ended, and the report's representative incident."""
        ending = json.dumps({"stopped_by": stopped_by, "replications": replications,
                             "precision": precision, "snapshot": snapshot})
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO run (key, value) VALUES (?, ?)",
                                     [("ending", ending),
                                      ("ending_checksum", _text_checksum(ending))])
        except sqlite3.Error as exc:
            raise FlashpointError(f"{self.path}: cannot record the end of the run: "
                                  f"{exc}") from None

    def close(self) -> None:
        """Close the database (everything saved is already committed)."""
        self._db.close()


def open_finished(directory: str | Path) -> tuple[dict[str, Any], Checkpoint]:
    """Open the checkpoint of a finished run (for rebuilding outputs without simulating)."""
    path = Path(directory) / FILENAME
    db, info = _open_run(path, f"{directory}: no Flashpoint run here (no {FILENAME})")
    if json.loads(info.get("shapes") or "[]")[1:2] == [[0]]:  # no series: design points
        db.close()
        raise FlashpointError(f"{directory}: this folder holds a robustness run, not a run "
                              f"of replications; its outputs are robustness.json and "
                              f"robustness.html (flashpoint robustness SCENARIO --out "
                              f"{directory} --resume writes them again)")
    if "ending" not in info:
        db.close()
        raise FlashpointError(f"{directory}: the run did not finish; finish it first with "
                              f"flashpoint run SCENARIO --out {directory} --resume")
    if info.get("ending_checksum") != _text_checksum(info["ending"]):
        db.close()
        raise FlashpointError(_damage(path, "how the run ended and the report's snapshot "
                                            "do not match their checksum"))
    try:
        shapes = tuple(tuple(int(n) for n in shape) for shape in json.loads(info["shapes"]))
        if len(shapes) != 3:
            raise ValueError(f"3 shapes expected, got {len(shapes)}")
        json.loads(info["ending"])
    except (ValueError, TypeError) as exc:
        db.close()
        raise FlashpointError(_damage(path, f"its records cannot be decoded ({exc})")) from None
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
        info = dict(db.execute("SELECT key, value FROM run").fetchall())
        db.execute("SELECT replication, checksum FROM replication LIMIT 0").fetchall()
    except sqlite3.Error as exc:
        if db is not None:
            db.close()
        if not _writable(path):  # not damage: SQLite writes beside the file, even to read
            raise FlashpointError(
                f"{path.parent}: the run folder (or {path.name}) is not writable, and SQLite "
                f"needs to write beside the checkpoint even to read it ({exc}); make it "
                f"writable, or copy the folder somewhere writable and use the copy") from None
        raise FlashpointError(_damage(path, f"SQLite cannot read it as a Flashpoint "
                                            f"checkpoint ({exc})")) from None
    refusal = None
    if "checkpoint_format" not in info and "scenario_hash" in info:
        refusal = (f"{path}: this checkpoint was written by an older Flashpoint, without "
                   "checksums, so it cannot be checked for damage and is not used. "
                   f"{_RECOVER.format(path=path)}")
    elif info.get("checkpoint_format") != FORMAT:
        refusal = (f"{path}: checkpoint format {info.get('checkpoint_format')!r}; this "
                   f"Flashpoint reads format {FORMAT!r}. {_RECOVER.format(path=path)}")
    elif info.get("run_checksum") != _run_checksum(info):
        refusal = _damage(path, "the run's records (scenario, hash, version) do not match "
                                "their checksum")
    if refusal:
        db.close()
        raise FlashpointError(refusal)
    return db, info


def _writable(path: Path) -> bool:
    """Whether the checkpoint and its folder can be written (SQLite's -wal and -shm files)."""
    return os.access(path, os.R_OK | os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


_RUN_KEYS = ("checkpoint_format", "scenario_hash", "flashpoint_version", "shapes",
             "resolved_scenario", "source")
_RECOVER = ("To recover, remove {path} (with any {path}-wal and {path}-shm beside it) and "
            "run the scenario again with the same --out; its outputs will be the same.")


def _damage(path: Path, detail: str, replications: list[int] | None = None) -> str:
    """The refusal of a damaged checkpoint: what is damaged and how to recover."""
    if replications:
        shown = ", ".join(str(r) for r in replications[:20])
        more = f" and {len(replications) - 20} more" if len(replications) > 20 else ""
        detail = (f"the stored results of replication{'s' if len(replications) > 1 else ''} "
                  f"{shown}{more} do not match their checksum")
    advice = _RECOVER.format(path=path)
    if replications:
        listed = ", ".join(str(r) for r in replications)
        advice += (" Or rerun only those replications (each always draws the same random "
                   "streams, so the outputs are the same): delete their rows with sqlite3 "
                   f"{shlex.quote(str(path))} \"DELETE FROM replication WHERE replication "
                   f"IN ({listed})\", then flashpoint run SCENARIO --out "
                   f"{shlex.quote(str(path.parent))} --resume, with the options of the run.")
    return f"{path}: the checkpoint is damaged: {detail}. Its results are not used. {advice}"


def _hasher() -> Any:
    return hashlib.blake2b(digest_size=16, person=b"flashpoint-ckpt")


def _row_checksum(replication: int, metrics: bytes, series: bytes, actions: bytes) -> bytes:
    """BLAKE2b of one replication's row: its number and its blobs, each length-prefixed."""
    digest = _hasher()
    digest.update(int(replication).to_bytes(8, "little", signed=True))
    for blob in (metrics, series, actions):
        digest.update(len(blob).to_bytes(8, "little"))
        digest.update(blob)
    return digest.digest()


def _text_checksum(text: str | None) -> str | None:
    """BLAKE2b (hex) of a text stored in the ``run`` table; None for no text."""
    if not isinstance(text, str):
        return None
    digest = _hasher()
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _run_checksum(info: dict[str, str]) -> str:
    """BLAKE2b (hex) of what the ``run`` table records at the start of a run."""
    return _text_checksum(json.dumps([[key, info.get(key)] for key in _RUN_KEYS])) or ""


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
