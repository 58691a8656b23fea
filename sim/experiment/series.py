"""Every replication's time series, kept on disk and summarised by streaming.

A run's series (``[policy, series, time]`` per replication) would grow without bound in
memory, so they stay where the run saved them: in the checkpoint ``results.sqlite``, one
blob per replication, appended with its metric rows (:mod:`sim.experiment.checkpoint`).

``timeseries.csv`` and the report need, per policy, series and time, the mean and the
10th, 50th and 90th percentiles over the replications: a percentile needs every
replication's value at that time at once. :class:`SeriesStore` gets them with a
transposition through a temporary file beside the checkpoint:

1. One pass over the blobs, in replication order, :data:`GROUP_BYTES` of them at a time,
   writes each (policy, series, block of :data:`BLOCK` time steps) of the group to its
   place in the file, where the blocks lie one after another, each ``replications x
   block`` float64.
2. Each block is then read back whole, for every replication, and handed over.

The statistics are computed block by block with the same numpy functions as over the
whole array, so each value is the one the whole array gives (:func:`block_bounds` says
why no block is one step wide). Memory holds one group and one block, never every
series; the temporary file holds a copy of the series while it is being read, and is
deleted when reading ends (even if the process dies, on POSIX systems). It goes beside
the checkpoint, which is on a disk with room for the series, or in the system's
temporary folder if that folder cannot be written.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import numpy as np

from sim.errors import FlashpointError

BLOCK = 16  # time steps per block, read for every replication at once
GROUP_BYTES = 8 << 20  # the replications' series held at once while transposing

Block = tuple[int, int, int, int, np.ndarray]  # policy, series, start, stop, [rep, time]


def block_bounds(steps: int, block: int = BLOCK) -> list[tuple[int, int]]:
    """The ``(start, stop)`` time indices of each block of a ``steps``-long series.

    Blocks are ``block`` steps long; the last takes the remainder, and a lone last step
    joins the block before it: numpy sums a one-column array in another order (pairwise)
    than a wider one (row after row, as it sums the whole array), so a mean over a
    one-step block could differ in its last bit from the whole array's.
    """
    starts = list(range(0, steps, block))
    if len(starts) > 1 and steps - starts[-1] == 1:
        starts.pop()
    return list(zip(starts, [*starts[1:], steps], strict=True))


@dataclass(frozen=True)
class Timeseries:
    """Statistics of every series over the replications, each ``[policy, series, time]``.

    Attributes:
        mean: the mean over the replications.
        p10: the 10th percentile (``np.percentile``, linear interpolation).
        p50: the median.
        p90: the 90th percentile.
    """

    mean: np.ndarray
    p10: np.ndarray
    p50: np.ndarray
    p90: np.ndarray


class SeriesSource(Protocol):
    """Where a run's series are read from: :class:`SeriesStore` or :class:`ArraySeries`."""

    def blocks(self) -> Iterator[Block]:
        """Every (policy, series, block of time) for every replication, in turn."""
        ...

    def curves(self, policy: int, series: int) -> np.ndarray:
        """One series of one policy, ``[replication, time]``."""
        ...

    def replication(self, position: int) -> np.ndarray:
        """Every series of one replication (by its position), ``[policy, series, time]``."""
        ...


def summarise(source: SeriesSource, policies: int, series: int, steps: int) -> Timeseries:
    """Mean and 10th, 50th and 90th percentiles of every series, block by block."""
    out = np.full((4, policies, series, steps), np.nan)
    for p, s, start, stop, values in source.blocks():
        out[0, p, s, start:stop] = values.mean(axis=0)
        out[1:, p, s, start:stop] = np.percentile(values, [10, 50, 90], axis=0)
    return Timeseries(*out)


class ArraySeries:
    """Series held in memory, ``[policy, replication, series, time]``.

    For results built by hand (tests, notebooks); a run's are in a :class:`SeriesStore`.
    """

    def __init__(self, values: np.ndarray) -> None:
        self.values = np.asarray(values, dtype=np.float64)

    def blocks(self) -> Iterator[Block]:
        """Each whole series (one block)."""
        policies, _, count, steps = self.values.shape
        for p in range(policies):
            for s in range(count):
                yield p, s, 0, steps, self.values[p, :, s, :]

    def curves(self, policy: int, series: int) -> np.ndarray:
        """A copy of one series of one policy, ``[replication, time]``."""
        return self.values[policy, :, series, :].copy()

    def replication(self, position: int) -> np.ndarray:
        """A copy of every series of one replication, ``[policy, series, time]``."""
        return self.values[:, position].copy()

    def __repr__(self) -> str:
        return f"ArraySeries(shape={self.values.shape})"


class SeriesStore:
    """The series of replications ``0..replications-1`` in a checkpoint's ``results.sqlite``.

    ``shape`` is one replication's ``(policies, series, steps)``. Each read opens the
    database and closes it when done, so nothing stays open between reads. With
    ``temporary``, the folder holding the database belongs to this object: it is deleted
    when the object is garbage-collected, or at the latest when the interpreter exits.
    """

    def __init__(self, path: str | Path, replications: int, shape: tuple[int, ...], *,
                 temporary: bool = False) -> None:
        self.path = Path(path)
        self.replications = replications
        self.shape = (int(shape[0]), int(shape[1]), int(shape[2]))
        if temporary:
            weakref.finalize(self, shutil.rmtree, self.path.parent, ignore_errors=True)

    def curves(self, policy: int, series: int) -> np.ndarray:
        """One series of one policy for every replication, ``[replication, time]``.

        One pass over the stored series; memory: the returned array.
        """
        out = np.empty((self.replications, self.shape[2]))
        for r, values in self._replications():
            out[r] = values[policy, series]
        return out

    def replication(self, position: int) -> np.ndarray:
        """Every series of replication ``position``, ``[policy, series, time]``: one row read."""
        with _reading(self.path) as db:
            found = db.execute("SELECT series FROM replication WHERE replication = ?",
                               (position,)).fetchone()
        size = 8 * self.shape[0] * self.shape[1] * self.shape[2]
        if not 0 <= position < self.replications or found is None or len(found[0]) != size:
            raise FlashpointError(f"{self.path}: the series of replication {position} are "
                                  "missing or malformed; the checkpoint is damaged")
        return np.frombuffer(found[0], dtype=np.float64).reshape(self.shape).copy()

    def blocks(self) -> Iterator[Block]:
        """Every (policy, series, block) for every replication, through a temporary file."""
        policies, count, steps = self.shape
        n = self.replications
        bounds = block_bounds(steps)
        group = np.empty((max(1, min(n, GROUP_BYTES // (8 * policies * count * steps))),
                          policies, count, steps))
        with _spill_file(self.path.parent) as spill:
            filled = 0
            for r, values in self._replications():
                group[r - filled] = values
                if r + 1 - filled == len(group) or r + 1 == n:
                    self._spill(spill, group[:r + 1 - filled], filled, bounds)
                    filled = r + 1
            for p in range(policies):
                for s in range(count):
                    for start, stop in bounds:
                        values = np.empty((n, stop - start))
                        spill.seek(self._offset(p, s, start))
                        if spill.readinto(memoryview(values).cast("B")) != values.nbytes:
                            raise FlashpointError(f"{self.path}: could not read back the "
                                                  "series from the temporary file")
                        yield p, s, start, stop, values

    def _spill(self, spill: BinaryIO, group: np.ndarray, first: int,
               bounds: list[tuple[int, int]]) -> None:
        """Write replications ``first..`` (``group``) to their places in the file."""
        policies, count, _ = self.shape
        for p in range(policies):
            for s in range(count):
                for start, stop in bounds:
                    spill.seek(self._offset(p, s, start) + 8 * first * (stop - start))
                    spill.write(np.ascontiguousarray(group[:, p, s, start:stop]))

    def _offset(self, policy: int, series: int, start: int) -> int:
        """Where the block of (``policy``, ``series``) starting at ``start`` begins.

        The file holds, for each (policy, series), its blocks one after another, each
        ``replications x width`` float64 in replication order.
        """
        _, count, steps = self.shape
        return 8 * self.replications * ((policy * count + series) * steps + start)

    def _replications(self) -> Iterator[tuple[int, np.ndarray]]:
        """``(r, series[policy, series, time])`` for each replication, in order."""
        size = 8 * self.shape[0] * self.shape[1] * self.shape[2]
        expected = 0
        with _reading(self.path) as db:
            for r, blob in db.execute(
                    "SELECT replication, series FROM replication WHERE replication < ? "
                    "ORDER BY replication", (self.replications,)):
                if r != expected or len(blob) != size:
                    break
                yield r, np.frombuffer(blob, dtype=np.float64).reshape(self.shape)
                expected += 1
        if expected != self.replications:
            raise FlashpointError(f"{self.path}: the series of replication {expected} are "
                                  "missing or malformed; the checkpoint is damaged")

    def __repr__(self) -> str:
        return f"SeriesStore({str(self.path)!r}, replications={self.replications})"


def _spill_file(folder: Path) -> BinaryIO:
    """A nameless temporary file in ``folder``, or in the system's if it is read-only."""
    try:
        return tempfile.TemporaryFile(dir=folder)
    except OSError:
        return tempfile.TemporaryFile()


@contextmanager
def _reading(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection for reading, closed on exit; SQLite's errors become clear ones."""
    if not path.is_file():
        raise FlashpointError(f"{path}: the run's series are gone (the file was deleted or "
                              "moved)")
    db = None
    try:
        db = sqlite3.connect(path)
        yield db
    except sqlite3.Error as exc:
        raise FlashpointError(f"{path}: cannot read the series: {exc}") from None
    finally:
        if db is not None:
            db.close()
