"""Read follower graphs from edge lists and GraphML files.

Edge lists (``.csv``, ``.tsv``, whitespace-separated ``.txt``, each optionally
``.gz``) are streamed in blocks of whole lines (:data:`BLOCK_BYTES` at a time,
decompressed as they are read), and each block is parsed by numpy's C reader: no
Python loop runs per line. Only the parsed ids are kept. Only when the reader
refuses a block is it scanned line by line, to name the first bad line in the
error message.

A network file is refused, with its line, past these limits:

- :data:`MAX_LINE_BYTES`: a longer line (a file with no line breaks, such as
  ``/dev/zero``, is refused at its first line), as is a NUL byte (binary data);
- :data:`MAX_FILE_EDGES` edge lines, and as many as this machine's memory could
  build (:func:`sim.scenario.resources.estimate_network_bytes`, checked as the file
  is read, so a small ``.gz`` holding a huge file is refused in time);
- :data:`MAX_GZIP_RATIO`: a ``.gz`` that decompresses to more than that many times
  its size (a gzip bomb; real edge lists compress 3 to 10 times).
"""

from __future__ import annotations

import codecs
import gzip
import io
import itertools
import re
import warnings
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

import networkx as nx
import numpy as np

from sim.errors import FlashpointError
from sim.network.graph import Graph, from_edges, from_networkx
from sim.scenario.resources import estimate_network_bytes, human_bytes, machine_memory
from sim.scenario.suggest import did_you_mean

HEADER_WORDS = {
    "src", "trg", "source", "target", "from", "to", "follower", "followed", "followee",
    "following", "u", "v", "a", "b", "account", "user", "node", "id", "segment",
}
MAX_LINE_BYTES = 64 * 1024
"""The longest line of an edge list or segments file, in bytes (without its line break)."""
MAX_FILE_EDGES = 2_000_000_000
"""The most edges (lines holding one) in a network file: 5 times a network of 10^7 accounts
following 40 each; the graph's account indices are 32-bit, its follow offsets 64-bit."""
MAX_GZIP_RATIO = 100
"""A ``.gz`` network file may decompress to at most this many times its size (checked once
more than :data:`GZIP_RATIO_FLOOR` bytes have come out, so tiny files are never refused)."""
GZIP_RATIO_FLOOR = 16 * 1024 * 1024
BLOCK_BYTES = 16 * 1024 * 1024
"""Bytes read (after decompression) at a time."""
_INTEGER = re.compile(r"[+-]?\d+")
_COLUMN_NAME = re.compile(r'[^"]+|"[^"]+"')


class NetworkFileError(FlashpointError):
    """A network or segments file that cannot be read as one."""


class NetworkWarning(UserWarning):
    """Something in a network file was skipped; the run goes on."""


class _TextIds(Exception):
    """An edge list read with ``ids: auto`` holds an id that is not a whole number."""


def load_graph(path: str | Path, *, direction: str = "follows", ids: str = "auto") -> Graph:
    """Load a follower graph from an edge list or a GraphML file.

    Args:
        path: the file.
        direction: ``follows``: a line ``a b`` says a follows b (content flows b -> a);
            ``broadcasts``: a's posts reach b.
        ids: ``integer`` (every id must be a whole number), ``text``, or ``auto``
            (integers if every id is one).

    Raises:
        NetworkFileError: the file cannot be read as a network; the message names the file
            and, where there is one, the line.
    """
    path = Path(path)
    name = path.name.lower()
    if name.endswith(".graphml"):
        return _load_graphml(path, direction)
    first, second = _read_edge_columns(path, ids)
    followed, follower = (second, first) if direction == "follows" else (first, second)
    # The distinct ids, sorted in place (np.unique would sort a second copy), then each
    # edge's ends as indices into them.
    labels = np.concatenate([followed, follower])
    labels.sort()
    distinct = np.empty(len(labels), dtype=bool)
    distinct[:1] = True
    np.not_equal(labels[1:], labels[:-1], out=distinct[1:])
    labels = labels[distinct]
    del distinct
    sources = _indices(labels, followed)
    followers = _indices(labels, follower)
    del first, second, followed, follower  # the parsed ids: only the indices are needed now
    account_ids = labels if labels.dtype.kind in "iu" else labels.astype(object)
    return from_edges(sources, followers, len(labels), account_ids)


def _indices(labels: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The index of every value in ``labels`` (sorted, distinct, holding every value).

    Integer ids spanning a range not much wider than their number go through a lookup table
    (linear time); others are searched for.
    """
    if labels.dtype.kind in "iu":
        low = int(labels[0])
        span = int(labels[-1]) - low + 1
        if span <= 8 * len(labels) + (1 << 20):
            lookup = np.empty(span, dtype=np.int64)
            lookup[labels - low] = np.arange(len(labels))
            return lookup[values - low if low else values]
    return np.searchsorted(labels, values)


def _blocks(path: Path) -> Iterator[tuple[int, str]]:
    """The text of a file in blocks of whole lines, each with the number of its first line.

    At most :data:`BLOCK_BYTES` (after decompression, for ``.gz``) are read at a time, so
    memory stays bounded whatever the file holds.

    Raises:
        NetworkFileError: the file cannot be read, holds a NUL byte or a line longer than
            :data:`MAX_LINE_BYTES`, is not UTF-8, or is a ``.gz`` that is not gzip or
            decompresses to more than :data:`MAX_GZIP_RATIO` times its size.
    """
    compressed = path.name.lower().endswith(".gz")
    try:
        size = path.stat().st_size
        handle: IO[bytes] = gzip.open(path, "rb") if compressed else path.open("rb")
    except OSError as exc:
        raise NetworkFileError(f"{path}: cannot read the network file: {exc.strerror}") from None
    most = max(GZIP_RATIO_FLOOR, size * MAX_GZIP_RATIO)
    line, carry, total, first = 1, b"", 0, True
    with handle:
        while True:
            block = _read_block(handle, path, line, compressed)
            total += len(block)
            if compressed and total > most:
                raise NetworkFileError(
                    f"{path}:{line}: a .gz network file must decompress to at most "
                    f"{MAX_GZIP_RATIO} times its size (MAX_GZIP_RATIO; {size:,} bytes here); "
                    f"got more than {total:,} bytes (a gzip bomb?)")
            data = carry + block
            nul = data.find(b"\x00")
            if nul >= 0:
                where = line + data.count(b"\n", 0, nul)
                raise NetworkFileError(f"{path}:{where}: the file must be text; got binary data "
                                       "(a NUL byte)")
            cut = data.rfind(b"\n") + 1 if block else len(data)
            whole, carry = data[:cut], data[cut:]
            _check_line_lengths(path, whole, line)
            if len(carry) > MAX_LINE_BYTES:
                _long_line(path, line + whole.count(b"\n"))
            if whole:
                yield line, _decode(path, whole, line, first)
                line += whole.count(b"\n")
                first = False
            if not block:
                return


def _read_block(handle: IO[bytes], path: Path, line: int, compressed: bool) -> bytes:
    try:
        return handle.read(BLOCK_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        if compressed:
            raise NetworkFileError(f"{path}:{line}: the file must be gzip-compressed (its name "
                                   f"ends in .gz); got {exc}") from None
        raise NetworkFileError(f"{path}: cannot read the network file: "
                               f"{getattr(exc, 'strerror', None) or exc}") from None


def _check_line_lengths(path: Path, whole: bytes, line: int) -> None:
    """Refuse a line of ``whole`` (whole lines, the first numbered ``line``) that is too long."""
    if len(whole) <= MAX_LINE_BYTES:
        return
    ends = np.flatnonzero(np.frombuffer(whole, dtype=np.uint8) == ord("\n"))
    lengths = np.diff(ends, prepend=-1) - 1  # without the line break
    too_long = np.flatnonzero(lengths > MAX_LINE_BYTES)
    if too_long.size:
        _long_line(path, line + int(too_long[0]))


def _long_line(path: Path, line: int) -> None:
    raise NetworkFileError(f"{path}:{line}: a line must be at most {MAX_LINE_BYTES:,} bytes long "
                           "(MAX_LINE_BYTES); got a longer one (is this a text file?)")


def _decode(path: Path, raw: bytes, line: int, first: bool) -> str:
    if first and raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = line + raw.count(b"\n", 0, exc.start)
        raise NetworkFileError(f"{path}:{where}: the file must be UTF-8 text; got byte "
                               f"0x{raw[exc.start]:02x}") from None


def _delimiter(path: Path) -> str | None:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return ","
    if name.endswith(".tsv"):
        return "\t"
    return None


def _data_lines(text: str, first: int = 1, most: int = 2) -> list[tuple[int, str]]:
    """The first ``most`` non-blank, non-comment lines with their line numbers."""
    found = []
    for number, line in enumerate(io.StringIO(text), start=first):
        stripped = line.split("#", 1)[0].strip()
        if stripped:
            found.append((number, stripped))
            if len(found) == most:
                break
    return found


def _split(line: str, delimiter: str | None) -> list[str]:
    return [field.strip() for field in line.split(delimiter)]


def _read_edge_columns(path: Path, ids: str) -> tuple[np.ndarray, np.ndarray]:
    delimiter = _delimiter(path)
    if ids == "auto":  # integers if every id is one, else text (read again from the start)
        try:
            return _read_edges(path, delimiter, ids, np.int64)
        except _TextIds:
            return _read_edges(path, delimiter, ids, str)
    return _read_edges(path, delimiter, ids, np.int64 if ids == "integer" else str)


def _read_edges(path: Path, delimiter: str | None, ids: str,
                dtype: type) -> tuple[np.ndarray, np.ndarray]:
    """Stream the edge list: the two id columns, refusing what the limits refuse."""
    blocks = _blocks(path)
    buffered, header = _header(path, blocks, delimiter, ids)
    have = machine_memory()
    tables, edges = [], 0
    for line, text in itertools.chain(buffered, blocks):
        table = _parse_block(path, text, line, max(0, header - line + 1), delimiter, ids, dtype)
        if not len(table):
            continue
        tables.append(table)
        edges += len(table)
        last = line + text.count("\n") - 1
        if edges > MAX_FILE_EDGES:
            raise NetworkFileError(f"{path}:{last}: the file must hold at most "
                                   f"{MAX_FILE_EDGES:,} edges (MAX_FILE_EDGES); got more by "
                                   "this line")
        need = estimate_network_bytes(0, edges)
        if need > have:
            raise NetworkFileError(
                f"{path}:{last}: the network must fit in this machine's memory; got "
                f"{edges:,} edges by this line, which need about {human_bytes(need)} to build "
                f"(this machine has {human_bytes(have)})")
    if not tables:
        raise NetworkFileError(f"{path}:1: the file must hold at least one edge; got none")
    table = tables[0] if len(tables) == 1 else np.concatenate(tables)
    del tables
    return table[:, 0], table[:, 1]


def _header(path: Path, blocks: Iterator[tuple[int, str]], delimiter: str | None,
            ids: str) -> tuple[list[tuple[int, str]], int]:
    """Read blocks until the first two data lines: the blocks read and the header's line.

    The header's line is 0 if the file has no header.
    """
    buffered: list[tuple[int, str]] = []
    lines: list[tuple[int, str]] = []
    for line, text in blocks:
        buffered.append((line, text))
        lines += _data_lines(text, line, 2 - len(lines))
        if len(lines) == 2:
            break
    if not lines:
        raise NetworkFileError(f"{path}:1: the file must hold at least one edge (two account "
                               "ids per line); got an empty file")
    following = _split(lines[1][1], delimiter) if len(lines) > 1 else None
    if not _is_header(_split(lines[0][1], delimiter), following, ids):
        return buffered, 0
    if len(lines) == 1:
        raise NetworkFileError(f"{path}:{lines[0][0]}: the file must hold at least one edge "
                               "after its header; got only the header")
    return buffered, lines[0][0]


def _parse_block(path: Path, text: str, first: int, skip: int, delimiter: str | None,
                 ids: str, dtype: type) -> np.ndarray:
    """The two id columns of one block of lines (the first numbered ``first``).

    Raises:
        _TextIds: ``ids`` is ``auto``, ``dtype`` integer, and the block has a non-integer id.
        NetworkFileError: a line without two ids, an empty id (``,5``), a quoted id, or (with
            ``ids: integer``) an id that is not a whole number.
    """
    if '"' in text:
        _refuse_quotes(path, text, first, skip)
    try:
        table = _loadtxt(text, delimiter, skip, dtype)
    except ValueError:
        if ids == "auto" and dtype is not str:
            raise _TextIds from None
        raise _first_bad_line(path, text, delimiter, skip, ids, first) from None
    if dtype is str and len(table):
        table = np.char.strip(table)  # "a, b" names the account "b", as a whole number would
        if (table == "").any():
            raise _first_bad_line(path, text, delimiter, skip, ids, first)
    return table


def _refuse_quotes(path: Path, text: str, first: int, skip: int) -> None:
    """Refuse the first data line holding a double quote (ids are never quoted)."""
    for number, line in enumerate(io.StringIO(text), start=first):
        data = line.split("#", 1)[0].strip()
        if number - first >= skip and '"' in data:
            raise NetworkFileError(f"{path}:{number}: account ids must not be quoted (quotes "
                                   f"are not read as CSV quoting); got {data!r}")


def _is_header(fields: list[str], following: list[str] | None, ids: str) -> bool:
    """Whether the first data line is a header.

    It is if it names its columns (``src,trg``, ``follower,followed``), or if its ids are
    not whole numbers while the next line's are (``ids: auto``) or must be (``ids: integer``).
    A line with an empty name among its first two, or a stray quote (``"a,b",0`` split in
    two), is not a header: it is read as data, and refused.
    """
    if len(fields) < 2 or not all(_COLUMN_NAME.fullmatch(f) for f in fields[:2]):
        return False
    if any(f.strip('"').lower() in HEADER_WORDS for f in fields[:2]):
        return True
    integers = all(_INTEGER.fullmatch(f) for f in fields[:2])
    if ids == "integer":
        return not integers
    if ids == "auto" and following is not None:
        return not integers and all(_INTEGER.fullmatch(f) for f in following[:2])
    return False


def _loadtxt(text: str, delimiter: str | None, skip: int, dtype: type) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        table = np.loadtxt(io.StringIO(text), dtype=dtype, delimiter=delimiter, comments="#",
                           skiprows=skip, usecols=(0, 1), ndmin=2)
    return table


def _first_bad_line(path: Path, text: str, delimiter: str | None, skip: int,
                    ids: str, first: int = 1) -> NetworkFileError:
    """Scan for the first line the fast reader refused (only on the error path).

    ``text`` is a block of whole lines, the first numbered ``first``; its first ``skip``
    lines are not data.
    """
    for number, line in enumerate(io.StringIO(text), start=first):
        if number - first < skip:
            continue
        stripped = line.split("#", 1)[0].strip()
        if not stripped:
            continue
        fields = _split(stripped, delimiter)
        if len(fields) < 2 or not all(fields[:2]):
            return NetworkFileError(f"{path}:{number}: each line must hold two account ids "
                                    f"(follower and followed); got {stripped!r}")
        if ids == "integer":
            bad = [f for f in fields[:2] if not _INTEGER.fullmatch(f)]
            if bad:
                return NetworkFileError(f"{path}:{number}: account ids must be whole numbers "
                                        f"(network.ids is integer); got {bad[0]!r}")
    return NetworkFileError(f"{path}: the file must be an edge list with two account ids per "
                            "line; numpy could not read it")


def _load_graphml(path: Path, direction: str) -> Graph:
    _check_graphml(path)
    try:
        graph = nx.read_graphml(path)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else 1
        raise NetworkFileError(
            f"{path}:{line}: the file must be GraphML (XML); got {exc}") from None
    except (nx.NetworkXError, KeyError, ValueError) as exc:
        raise NetworkFileError(f"{path}:1: the file must be GraphML; got {exc}") from None
    except OSError as exc:
        raise NetworkFileError(f"{path}: cannot read the network file: {exc.strerror}") from None
    if graph.number_of_nodes() == 0:
        raise NetworkFileError(f"{path}:1: the file must hold at least one account; got none")
    if all(isinstance(n, str) and _INTEGER.fullmatch(n) for n in graph.nodes):
        graph = nx.relabel_nodes(graph, int)
    return from_networkx(graph, segment_attribute=None, reverse=direction == "follows")


class _GraphMLCheck:
    """A streaming pass over a GraphML file before networkx reads it.

    It refuses, with the element's line, an ``<edge>`` without a ``source`` or ``target``
    (networkx would make an account named ``None``) and a ``<node>`` without an ``id``, and
    counts the edges against :data:`MAX_FILE_EDGES` and this machine's memory.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.edges = 0
        self.have = machine_memory()
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self.start

    def start(self, name: str, attributes: dict[str, str]) -> None:
        """Check one element as the parser opens it."""
        tag = name.rsplit(" ", 1)[-1]
        line = self.parser.CurrentLineNumber
        if tag == "node" and not attributes.get("id"):
            raise NetworkFileError(f"{self.path}:{line}: a <node> must have an id; got "
                                   f"{_shown(attributes)}")
        if tag != "edge":
            return
        self.edges += 1
        for key in ("source", "target"):
            if not attributes.get(key):
                raise NetworkFileError(
                    f"{self.path}:{line}: an <edge> must have a source and a target (edge "
                    f"{self.edges:,} of the file); got {_shown(attributes)}")
        if self.edges > MAX_FILE_EDGES:
            raise NetworkFileError(f"{self.path}:{line}: the file must hold at most "
                                   f"{MAX_FILE_EDGES:,} edges (MAX_FILE_EDGES); got more")
        if self.edges % 1_000_000 == 0 and estimate_network_bytes(0, self.edges) > self.have:
            raise NetworkFileError(
                f"{self.path}:{line}: the network must fit in this machine's memory; got "
                f"{self.edges:,} edges by this line, which need about "
                f"{human_bytes(estimate_network_bytes(0, self.edges))} to build (this "
                f"machine has {human_bytes(self.have)})")

    def run(self) -> None:
        """Parse the whole file, :data:`BLOCK_BYTES` at a time."""
        try:
            with self.path.open("rb") as handle:
                while block := handle.read(BLOCK_BYTES):
                    self.parser.Parse(block, False)
                self.parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise NetworkFileError(f"{self.path}:{exc.lineno}: the file must be GraphML (XML); "
                                   f"got {exc}") from None
        except OSError as exc:
            raise NetworkFileError(f"{self.path}: cannot read the network file: "
                                   f"{exc.strerror}") from None


def _check_graphml(path: Path) -> None:
    _GraphMLCheck(path).run()


def _shown(attributes: dict[str, Any]) -> str:
    return " ".join(f'{key}="{value}"' for key, value in attributes.items()) or "no attributes"


def read_segments(path: str | Path, graph: Graph, names: list[str]) -> np.ndarray:
    """Segment index per account from a CSV ``account,segment`` file (header optional).

    Accounts not listed get the segment ``public``. An unknown segment name is an error
    naming its line; unknown accounts are skipped with a :class:`NetworkWarning`. The file is
    read with the limits of an edge list (:data:`MAX_LINE_BYTES`, no NUL bytes, UTF-8,
    :data:`MAX_GZIP_RATIO`).
    """
    path = Path(path)
    text = _segments_text(path)
    lines = _data_lines(text)
    public = names.index("public") if "public" in names else -2
    segment = np.full(graph.accounts, public, dtype=np.int16)
    if not lines:
        return segment
    fields = _split(lines[0][1], ",")
    skip = lines[0][0] if len(fields) > 1 and fields[1].lower() == "segment" else 0
    try:
        table = _loadtxt(text, ",", skip, str)
    except ValueError:
        raise _first_bad_line(path, text, ",", skip, "text") from None
    accounts, labels = table[:, 0], table[:, 1]
    known = np.isin(labels, np.array(names, dtype=str))
    if not known.all():
        bad = str(labels[~known][0])
        raise NetworkFileError(
            f"{path}:{_line_of_field(text, skip, 1, bad)}: the segment must be one of the "
            f"scenario's segments ({', '.join(names)}){did_you_mean(bad, names)}; got {bad!r}")
    distinct, inverse = np.unique(labels, return_inverse=True)
    codes = np.array([names.index(str(d)) for d in distinct], dtype=np.int16)[inverse]
    graph_ids = graph.ids.astype(str)
    order = np.argsort(graph_ids)
    ordered = graph_ids[order]
    position = np.minimum(np.searchsorted(ordered, accounts), max(len(ordered) - 1, 0))
    found = ordered[position] == accounts
    segment[order[position[found]]] = codes[found]
    missing = int((~found).sum())
    if missing:
        warnings.warn(f"{path}: {missing} account(s) are not in the network and were skipped "
                      f"(the first: {str(accounts[~found][0])!r})", NetworkWarning, stacklevel=2)
    return segment


def _segments_text(path: Path) -> str:
    """The whole text of a segments file, read in bounded blocks."""
    parts: list[str] = []
    lines = 0
    for line, text in _blocks(path):
        parts.append(text)
        lines = line + text.count("\n")
        if lines > MAX_FILE_EDGES:
            raise NetworkFileError(f"{path}:{lines}: a segments file must hold at most "
                                   f"{MAX_FILE_EDGES:,} lines (MAX_FILE_EDGES); got more")
    return "".join(parts)


def _line_of_field(text: str, skip: int, column: int, value: str) -> int:
    """The first line (after ``skip``) whose ``column`` holds ``value`` (error path only)."""
    for number, line in enumerate(io.StringIO(text), start=1):
        fields = _split(line.split("#", 1)[0], ",")
        if number > skip and len(fields) > column and fields[column] == value:
            return number
    return 1
