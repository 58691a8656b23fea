"""Observed incident timelines: read and check them, write them, convert SEISMIC cascades.

An observed timeline is a CSV file with one row per post, by time, and a header row naming
its columns (in any order; see docs/observed.md):

- ``time`` (required): seconds since the incident's first post (a number >= 0; the first
  row's is 0), or ISO 8601 timestamps with a time zone (``2012-01-19T15:04:05Z``,
  ``2012-01-19T16:04:05+01:00``), every row the same kind. Timestamps become seconds since
  the first row's; one without a time zone is refused (the moment it names is unknown).
- ``followers``: the author's follower count, a whole number >= 0.
- ``kind``: ``original``, ``reshare`` or ``derived``; the first row's must be ``original``.
- ``id`` and ``parent`` (``parent`` needs ``id``): ids are unique; a row's ``parent`` is the
  id of an earlier row (the post it reshares), or empty.

Rows are sorted by time (non-decreasing). Fields are trimmed; a field may be quoted as in CSV
but must end on its line. A UTF-8 byte order mark is accepted, blank lines at the end are
ignored (a blank line elsewhere is refused).

The file is streamed, line by line, and refused with its line past these limits, so that a
huge or binary file is never read to exhaustion:

- :data:`MAX_LINE_BYTES`: a longer line (a file with no line breaks is refused at its first
  line), as is a NUL byte (binary data);
- :data:`MAX_ROWS` posts;
- :data:`MAX_FOLLOWERS` followers.

Every problem is a :class:`ObservedFileError` whose message names the file and the line
(1-based, the header is line 1) in the scenario errors' template: ``FILE:LINE: column 'NAME'
must be WHAT; got VALUE``. Only the first problem of a file is reported: reading stops there.

:func:`from_seismic` reads one cascade of the SEISMIC data set (Zhao et al., KDD 2015) in the
format TiDeH ships it in: a header ``<retweets> <start time in days>``, then one row
``<seconds since the original tweet> <follower count>`` per tweet, the original first.
"""

from __future__ import annotations

import codecs
import csv
import math
import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from sim.errors import FlashpointError
from sim.io import atomic_write_text, csv_field
from sim.scenario.errors import show
from sim.scenario.suggest import did_you_mean

COLUMNS = ("time", "followers", "kind", "id", "parent")
"""The columns a timeline file may have, in the order :func:`write_timeline` writes them."""
KINDS = ("original", "reshare", "derived")
"""The kinds of post; :attr:`Timeline.kinds` holds their index in this tuple."""
ORIGINAL, RESHARE, DERIVED = 0, 1, 2
MAX_LINE_BYTES = 64 * 1024
"""The longest line of a timeline or cascade file, in bytes (without its line break)."""
MAX_ROWS = 10_000_000
"""The most posts (data rows) in a timeline or cascade file: 500 times the largest cascade
of the SEISMIC sample; the arrays take 25 bytes a post (more with ids)."""
MAX_FOLLOWERS = 10**12
"""The largest follower count accepted (the largest accounts have about 10^8)."""
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_DIGITS = re.compile(r"\+?\d+")
_FIRST_HOUR_S = 3600.0


class ObservedFileError(FlashpointError):
    """An observed timeline or cascade file that cannot be read as one."""


@dataclass(frozen=True, eq=False)
class Timeline:
    """An observed incident: one entry per post, by time.

    The arrays are read-only copies; all have one entry per post. A timeline always holds
    at least the first post.

    Attributes:
        times_s: float64 seconds since the first post, non-decreasing; ``times_s[0] == 0``.
        followers: int64 follower count of each post's author, or None when not known.
        kinds: int8 index into :data:`KINDS` (0 original, 1 reshare, 2 derived), or None.
        parents: int64 index of the post each one reshares (always an earlier one), -1 for
            none; or None when the file has no ``parent`` column.
        source: the file it was read from ("" when built in Python).
        start: the first post's moment (timezone-aware) when the file gave ISO 8601
            timestamps, else None.
    """

    times_s: np.ndarray
    followers: np.ndarray | None = None
    kinds: np.ndarray | None = None
    parents: np.ndarray | None = None
    source: str = ""
    start: datetime | None = None

    def __post_init__(self) -> None:
        times = np.array(self.times_s, dtype=np.float64)
        if times.ndim != 1 or not len(times):
            raise ValueError("times_s must be a non-empty 1-D array")
        if not np.isfinite(times).all() or times[0] != 0 or (np.diff(times) < 0).any():
            raise ValueError("times_s must be finite and non-decreasing, starting at 0")
        times += 0.0  # -0.0 -> 0.0
        self._set("times_s", times)
        n = len(times)
        if self.followers is not None:
            followers = self._column("followers", np.int64, n)
            if ((followers < 0) | (followers > MAX_FOLLOWERS)).any():
                raise ValueError(f"followers must be in [0, {MAX_FOLLOWERS:,}] (MAX_FOLLOWERS)")
        if self.kinds is not None:
            kinds = self._column("kinds", np.int8, n)
            if ((kinds < 0) | (kinds >= len(KINDS))).any():
                raise ValueError(f"kinds must be indices into {KINDS}")
        if self.parents is not None:
            parents = self._column("parents", np.int64, n)
            if ((parents < -1) | (parents >= np.arange(n))).any():
                raise ValueError("parents must be -1 or the index of an earlier post")
        if self.start is not None and self.start.utcoffset() is None:
            raise ValueError("start must be timezone-aware")

    def _set(self, name: str, values: np.ndarray) -> None:
        values.setflags(write=False)
        object.__setattr__(self, name, values)

    def _column(self, name: str, dtype: type, n: int) -> np.ndarray:
        values = np.array(getattr(self, name))
        if values.ndim != 1 or len(values) != n:
            raise ValueError(f"{name} must have one entry per post ({n}); got shape "
                             f"{values.shape}")
        if values.dtype.kind not in "iu":
            raise ValueError(f"{name} must hold whole numbers; got dtype {values.dtype}")
        cast = values.astype(dtype)
        if not np.array_equal(cast, values):
            raise ValueError(f"{name} must fit in {np.dtype(dtype).name}")
        values = cast
        self._set(name, values)
        return values

    def __len__(self) -> int:
        """The number of posts."""
        return len(self.times_s)

    def until(self, seconds: float) -> Timeline:
        """The posts at or before ``seconds`` since the first post (at least the first post).

        Raises:
            ValueError: ``seconds`` is negative or NaN.
        """
        if not seconds >= 0:
            raise ValueError(f"seconds must be >= 0; got {seconds!r}")
        n = int(self.count_at(seconds))
        cut = slice(0, n)
        return Timeline(
            self.times_s[cut],
            None if self.followers is None else self.followers[cut],
            None if self.kinds is None else self.kinds[cut],
            None if self.parents is None else self.parents[cut],
            self.source, self.start)

    def count_at(self, seconds: np.ndarray | float) -> np.ndarray:
        """The number of posts at or before each of ``seconds`` (int64, the shape of it).

        Raises:
            ValueError: a value of ``seconds`` is NaN.
        """
        at = np.asarray(seconds, dtype=np.float64)
        if np.isnan(at).any():
            raise ValueError("seconds must not be NaN")
        return np.asarray(np.searchsorted(self.times_s, at, side="right"), dtype=np.int64)


def read_timeline(path: str | Path) -> Timeline:
    """Read an observed timeline from a CSV file (the format: this module's docstring).

    Args:
        path: the CSV file.

    Returns:
        The timeline, with ``source`` the path as given.

    Raises:
        ObservedFileError: the file cannot be read as a timeline; the message names the
            file and, where there is one, the line.
    """
    path = Path(path)
    first, rows = _Lines(path, "timeline file").header(
        f"a header row naming its columns ({', '.join(COLUMNS)})")
    reader = _TimelineReader(path, *first)
    for number, text in rows:
        reader.row(number, text)
    return reader.timeline()


class _TimelineReader:
    """The columns of a timeline file, filled a row at a time, checking each value."""

    def __init__(self, path: Path, number: int, header: str) -> None:
        self.path = path
        self.names = _header(path, number, header)
        self.at = {name: index for index, name in enumerate(self.names)}
        self.times = array("d")
        self.followers = array("q") if "followers" in self.at else None
        self.kinds = array("b") if "kind" in self.at else None
        self.parents = array("q") if "parent" in self.at else None
        self.ids: dict[str, int] | None = {} if "id" in self.at else None
        self.start: datetime | None = None
        self.timestamps = False
        self.previous = ("", 0.0)  # the time of the row above, as written and in seconds

    def fail(self, number: int, column: str, expected: str, raw: str) -> ObservedFileError:
        return ObservedFileError(f"{self.path}:{number}: column '{column}' must be {expected}; "
                                 f"got {_shown(raw)}")

    def row(self, number: int, text: str) -> None:
        row = len(self.times)
        if row >= MAX_ROWS:
            raise ObservedFileError(f"{self.path}:{number}: the file must hold at most "
                                    f"{MAX_ROWS:,} posts (MAX_ROWS); got more by this line")
        fields = _fields(self.path, number, text)
        if len(fields) != len(self.names):
            raise ObservedFileError(
                f"{self.path}:{number}: a row must have {len(self.names)} fields, one per "
                f"column ({', '.join(self.names)}); got {len(fields)}: {show(text.strip())}")
        at = self.at
        self.times.append(self._time(number, fields[at["time"]], row))
        if self.followers is not None:
            self.followers.append(self._followers(number, fields[at["followers"]]))
        kind = ORIGINAL
        if self.kinds is not None:
            raw = fields[at["kind"]]
            if raw not in KINDS:
                raise self.fail(number, "kind", f"one of {', '.join(KINDS)}"
                                f"{did_you_mean(raw, KINDS)}", raw)
            kind = KINDS.index(raw)
            if row == 0 and kind != ORIGINAL:
                raise self.fail(number, "kind", "original on the first row (the incident's "
                                "first post)", raw)
            self.kinds.append(kind)
        if self.parents is not None:
            self.parents.append(self._parent(number, fields[at["parent"]], row, kind))
        if self.ids is not None:
            self._id(number, fields[at["id"]], row)

    def _time(self, number: int, raw: str, row: int) -> float:
        if _NUMBER.fullmatch(raw):
            if self.timestamps:
                raise self.fail(number, "time", "an ISO 8601 timestamp like the rows above "
                                "(every row the same kind)", raw)
            seconds = float(raw) + 0.0
            if not math.isfinite(seconds) or seconds < 0:
                raise self.fail(number, "time", "a number of seconds >= 0", raw)
            if row == 0 and seconds != 0:
                raise self.fail(number, "time", "0 on the first row (the incident's first post: "
                                "times are seconds since it)", raw)
        else:
            moment = _timestamp(raw)
            if row and not self.timestamps:
                raise self.fail(number, "time", "a number of seconds >= 0" if moment is None
                                else "a number of seconds like the rows above (every row the "
                                "same kind)", raw)
            if moment is None:
                raise self.fail(number, "time", "an ISO 8601 timestamp with a time zone like "
                                "the rows above" if row else "seconds since the first post (a "
                                "number >= 0) or an ISO 8601 timestamp with a time zone, such "
                                "as 2012-01-19T15:04:05Z", raw)
            if moment.utcoffset() is None:
                raise self.fail(number, "time", "an ISO 8601 timestamp with a time zone (Z or "
                                "an offset such as +01:00; without one the moment is unknown)",
                                raw)
            if row == 0:
                self.timestamps, self.start = True, moment
            assert self.start is not None
            seconds = (moment - self.start).total_seconds() + 0.0
        before, previous = self.previous
        if seconds < previous:
            raise self.fail(number, "time", f"at or after {show(before)}, the time on line "
                            f"{number - 1} (rows sorted by time)", raw)
        self.previous = (raw, seconds)
        return seconds

    def _followers(self, number: int, raw: str) -> int:
        count = _whole(raw)
        if count is None or not 0 <= count <= MAX_FOLLOWERS:
            raise self.fail(number, "followers", f"a whole number >= 0 (at most "
                            f"{MAX_FOLLOWERS:,}, MAX_FOLLOWERS)", raw)
        return count

    def _parent(self, number: int, raw: str, row: int, kind: int) -> int:
        if not raw:
            return -1
        if row == 0:
            raise self.fail(number, "parent", "empty on the first row (the incident's first "
                            "post)", raw)
        assert self.ids is not None
        parent = self.ids.get(raw)
        if parent is None:
            raise self.fail(number, "parent", "the id of an earlier row, or empty", raw)
        if kind == ORIGINAL:
            raise ObservedFileError(
                f"{self.path}:{number}: column 'kind' must be reshare or derived for a post "
                f"with a parent; got 'original' (parent {show(raw)})")
        return parent

    def _id(self, number: int, raw: str, row: int) -> None:
        assert self.ids is not None
        if not raw:
            raise self.fail(number, "id", "a non-empty id", raw)
        earlier = self.ids.setdefault(raw, row)
        if earlier != row:  # rows are lines 2, 3, ...: a blank line inside the file is refused
            raise self.fail(number, "id", f"unique (line {earlier + 2} has the same id)", raw)

    def timeline(self) -> Timeline:
        if not self.times:
            raise ObservedFileError(f"{self.path}:1: the file must hold at least one post "
                                    "after its header; got only the header")
        return Timeline(
            np.frombuffer(self.times, dtype=np.float64),
            None if self.followers is None else np.frombuffer(self.followers, dtype=np.int64),
            None if self.kinds is None else np.frombuffer(self.kinds, dtype=np.int8),
            None if self.parents is None else np.frombuffer(self.parents, dtype=np.int64),
            str(self.path), self.start)


def _header(path: Path, number: int, text: str) -> list[str]:
    """The column names of the header line, checked."""
    names = _fields(path, number, text)
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if name not in COLUMNS:
            hint = did_you_mean(name, COLUMNS)
            if not hint and name[:1].isdigit():
                hint = (" (the first line must be the header row; a SEISMIC cascade file must "
                        "be converted first, see docs/observed.md)")
            got = show(name) if name else f"an empty name (column {position})"
            raise ObservedFileError(f"{path}:{number}: each column of the header must be one "
                                    f"of {', '.join(COLUMNS)}{hint}; got {got}")
        if name in seen:
            raise ObservedFileError(f"{path}:{number}: each column of the header must appear "
                                    f"once; got {show(name)} as columns {seen[name]} and "
                                    f"{position}")
        seen[name] = position
    if "time" not in seen:
        raise ObservedFileError(f"{path}:{number}: the header must have a 'time' column; got "
                                f"the columns {', '.join(names)}")
    if "parent" in seen and "id" not in seen:
        raise ObservedFileError(f"{path}:{number}: the header must have an 'id' column when it "
                                "has a 'parent' column (a parent is the id of an earlier row); "
                                "got no 'id' column")
    return names


def _fields(path: Path, number: int, text: str) -> list[str]:
    """The trimmed comma-separated fields of one line (CSV quoting, closed on the line)."""
    if '"' not in text:
        return [field.strip() for field in text.split(",")]
    try:
        fields = next(csv.reader([text], strict=True, skipinitialspace=True))
    except csv.Error:
        raise ObservedFileError(f"{path}:{number}: a row must be comma-separated fields, each "
                                "quoted one closed on its line; got "
                                f"{show(text.strip())}") from None
    return [field.strip() for field in fields]


def _timestamp(raw: str) -> datetime | None:
    if not raw[:4].isdigit():  # fromisoformat reads more than timestamps
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def _whole(raw: str) -> int | None:
    """``raw`` as a whole number (``12``, ``12.0``, ``1.2e7``), or None."""
    if _DIGITS.fullmatch(raw):
        return int(raw)
    if _NUMBER.fullmatch(raw):
        value = float(raw)
        if math.isfinite(value) and value.is_integer():
            return int(value)
    return None


def _shown(raw: str) -> str:
    return show(raw) if raw else "an empty field"


class _Lines:
    """The non-blank lines of a text file with their numbers, checked as they are read.

    The file is read a line at a time: a line longer than :data:`MAX_LINE_BYTES`, a NUL
    byte, a line that is not UTF-8 or a blank line followed by more text is refused with its
    line. A UTF-8 byte order mark is skipped; blank lines at the end are ignored.
    """

    def __init__(self, path: Path, what: str) -> None:
        self.path = path
        self.what = what
        self.count = 0  # lines read

    def header(self, expected: str) -> tuple[tuple[int, str], Iterator[tuple[int, str]]]:
        """The first line, and an iterator over the rest.

        Raises:
            ObservedFileError: the file has no line but blank ones (it must start with
                ``expected``).
        """
        rows = iter(self)
        first = next(rows, None)
        if first is None:
            got = "only blank lines" if self.count else "an empty file"
            raise ObservedFileError(f"{self.path}:1: the file must start with {expected}; "
                                    f"got {got}")
        return first, rows

    def _cannot(self, exc: OSError) -> ObservedFileError:
        return ObservedFileError(f"{self.path}: cannot read the {self.what}: "
                                 f"{exc.strerror or exc}")

    def __iter__(self) -> Iterator[tuple[int, str]]:
        path = self.path
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise self._cannot(exc) from None
        blank = 0
        with handle:
            while True:
                try:
                    raw = handle.readline(MAX_LINE_BYTES + 2)
                except OSError as exc:
                    raise self._cannot(exc) from None
                if not raw:
                    return
                self.count += 1
                number = self.count
                if b"\x00" in raw:
                    raise ObservedFileError(f"{path}:{number}: the file must be text; got "
                                            "binary data (a NUL byte)")
                if raw.endswith(b"\n"):
                    raw = raw[:-1]
                elif len(raw) > MAX_LINE_BYTES + 1:  # the line goes on
                    self._long(number)
                if raw.endswith(b"\r"):
                    raw = raw[:-1]
                if len(raw) > MAX_LINE_BYTES:
                    self._long(number)
                if number == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8):]
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise ObservedFileError(f"{path}:{number}: the file must be UTF-8 text; got "
                                            f"byte 0x{raw[exc.start]:02x}") from None
                if not text.strip():
                    blank = blank or number
                    continue
                if blank:
                    raise ObservedFileError(f"{path}:{blank}: a line must not be blank, except "
                                            "at the end of the file; got a blank line")
                yield number, text

    def _long(self, number: int) -> None:
        raise ObservedFileError(f"{self.path}:{number}: a line must be at most "
                                f"{MAX_LINE_BYTES:,} bytes long (MAX_LINE_BYTES); got a longer "
                                "one (is this a text file?)")


def write_timeline(timeline: Timeline, path: str | Path) -> Path:
    """Write ``timeline`` as a CSV timeline file, atomically; return the path.

    Times are written as seconds since the first post (whole seconds without a decimal
    point, others as the shortest text that reads back as the same float64), so
    :func:`read_timeline` gives back the same times, followers, kinds and parents.
    ``start`` is not written. With parents, the ids written are the row numbers (1 for the
    first post).

    Args:
        timeline: what to write.
        path: the CSV file to write (replaced if it exists).

    Returns:
        ``path``, as a :class:`~pathlib.Path`.

    Raises:
        ObservedFileError: the file cannot be written.
    """
    path = Path(path)
    columns: list[list[str]] = [[_seconds(t) for t in timeline.times_s.tolist()]]
    header = ["time"]
    if timeline.followers is not None:
        header.append("followers")
        columns.append([str(f) for f in timeline.followers.tolist()])
    if timeline.kinds is not None:
        header.append("kind")
        columns.append([KINDS[k] for k in timeline.kinds.tolist()])
    if timeline.parents is not None:
        header += ["id", "parent"]
        columns.append([str(i) for i in range(1, len(timeline) + 1)])
        columns.append([str(p + 1) if p >= 0 else "" for p in timeline.parents.tolist()])
    lines = [",".join(csv_field(name) for name in header)]
    lines += [",".join(row) for row in zip(*columns, strict=True)]
    try:
        atomic_write_text(path, "\n".join(lines) + "\n")
    except OSError as exc:
        raise ObservedFileError(f"{path}: cannot write the timeline file: "
                                f"{exc.strerror or exc}") from None
    return path


def _seconds(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)


def from_seismic(path: str | Path) -> Timeline:
    """Read one retweet cascade in the SEISMIC/TiDeH format.

    The first line is ``<retweets> <start time of the original tweet, in days>``; each other
    line ``<seconds since the original tweet> <follower count>``, space separated, the
    original tweet first (time 0), sorted by time. The header's number of retweets must be
    the number of rows less one (the original): a file that disagrees is refused, as a
    truncated or edited one. The start time is dropped (its days have no calendar origin):
    ``start`` is None. The kinds are ``original`` for the first row, ``reshare`` for the
    others; there are no parents (the data have no tree).

    Args:
        path: the cascade file (such as ``RT1.txt``).

    Returns:
        The timeline, with follower counts and kinds.

    Raises:
        ObservedFileError: the file cannot be read as a cascade; the message names the
            file and, where there is one, the line.
    """
    path = Path(path)
    (number, text), rows = _Lines(path, "cascade file").header(
        "a header line '<retweets> <start time in days>'")
    header = text.split()
    if len(header) != 2:
        raise ObservedFileError(f"{path}:{number}: the header must be two numbers, the number "
                                "of retweets and the start time in days; got "
                                f"{show(text.strip())}")
    count = _whole(header[0])
    if count is None or count < 0:
        raise ObservedFileError(f"{path}:{number}: the header's number of retweets (field 1) "
                                f"must be a whole number >= 0; got {show(header[0])}")
    days = float(header[1]) if _NUMBER.fullmatch(header[1]) else math.nan
    if not (math.isfinite(days) and days >= 0):
        raise ObservedFileError(f"{path}:{number}: the header's start time (field 2) must be "
                                f"a number of days >= 0; got {show(header[1])}")
    times, followers = array("d"), array("q")
    previous = ("", 0.0)
    for number, text in rows:
        fields = text.split()
        if len(fields) != 2:
            raise ObservedFileError(f"{path}:{number}: a row must be two numbers, the seconds "
                                    "since the original tweet and the follower count; got "
                                    f"{show(text.strip())}")
        if len(times) >= MAX_ROWS:
            raise ObservedFileError(f"{path}:{number}: the file must hold at most "
                                    f"{MAX_ROWS:,} tweets (MAX_ROWS); got more by this line")
        raw = fields[0]
        seconds = float(raw) + 0.0 if _NUMBER.fullmatch(raw) else math.nan
        if not (math.isfinite(seconds) and seconds >= 0):
            raise ObservedFileError(f"{path}:{number}: the time (field 1) must be a number of "
                                    f"seconds >= 0; got {show(raw)}")
        if not times and seconds != 0:
            raise ObservedFileError(f"{path}:{number}: the time (field 1) must be 0 on the "
                                    f"first row (the original tweet); got {show(raw)}")
        if seconds < previous[1]:
            raise ObservedFileError(f"{path}:{number}: the time (field 1) must be at or after "
                                    f"{show(previous[0])}, the time on line {number - 1} (rows "
                                    f"sorted by time); got {show(raw)}")
        previous = (raw, seconds)
        count_here = _whole(fields[1])
        if count_here is None or not 0 <= count_here <= MAX_FOLLOWERS:
            raise ObservedFileError(f"{path}:{number}: the follower count (field 2) must be a "
                                    f"whole number >= 0 (at most {MAX_FOLLOWERS:,}, "
                                    f"MAX_FOLLOWERS); got {show(fields[1])}")
        times.append(seconds)
        followers.append(count_here)
    if not times:
        raise ObservedFileError(f"{path}:1: the file must hold the original tweet after its "
                                "header; got only the header")
    if count != len(times) - 1:
        raise ObservedFileError(
            f"{path}:1: the header's number of retweets must be {len(times) - 1:,}, one less "
            f"than the {len(times):,} rows below it (the first is the original tweet); got "
            f"{show(header[0])} (a truncated or edited file?)")
    kinds = np.full(len(times), RESHARE, dtype=np.int8)
    kinds[0] = ORIGINAL
    return Timeline(np.frombuffer(times, dtype=np.float64),
                    np.frombuffer(followers, dtype=np.int64), kinds, None, str(path), None)


def first_hour(timeline: Timeline) -> int:
    """The number of posts at or before one hour after the first."""
    return int(timeline.count_at(_FIRST_HOUR_S))


def summary(timeline: Timeline) -> str:
    """One line about ``timeline``: posts, span, posts in the first hour, largest account."""
    span = float(timeline.times_s[-1]) / 3600
    followers = ("no follower counts" if timeline.followers is None else
                 f"max followers {int(timeline.followers.max()):,}")
    start = "" if timeline.start is None else f"; first post {timeline.start.isoformat()}"
    posts = f"{len(timeline):,} post{'' if len(timeline) == 1 else 's'}"
    return (f"{posts} over {span:,.1f} hours; {first_hour(timeline):,} in the "
            f"first hour; {followers}{start}")
