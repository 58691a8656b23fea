"""Read follower graphs from edge lists and GraphML files.

Edge lists (``.csv``, ``.tsv``, whitespace-separated ``.txt``, each optionally
``.gz``) are parsed by numpy's C reader: no Python loop runs per line. Only when
the reader refuses a file is it scanned line by line, to name the first bad line
in the error message.
"""

from __future__ import annotations

import gzip
import io
import re
import warnings
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import networkx as nx
import numpy as np

from sim.errors import FlashpointError
from sim.network.graph import Graph, from_edges, from_networkx
from sim.scenario.suggest import did_you_mean

HEADER_WORDS = {
    "src", "trg", "source", "target", "from", "to", "follower", "followed", "followee",
    "following", "u", "v", "a", "b", "account", "user", "node", "id", "segment",
}
_INTEGER = re.compile(r"[+-]?\d+")


class NetworkFileError(FlashpointError):
    """A network or segments file that cannot be read as one."""


class NetworkWarning(UserWarning):
    """Something in a network file was skipped; the run goes on."""


def load_graph(path: str | Path, *, direction: str = "follows", ids: str = "auto") -> Graph:
    """Load a follower graph from an edge list or a GraphML file.

    Args:
        path: the file.
        direction: ``follows``: a line ``a b`` says a follows b (content flows b -> a);
            ``broadcasts``: a's posts reach b.
        ids: ``integer`` (every id must be a whole number), ``text``, or ``auto``
            (integers if every id is one).
    """
    path = Path(path)
    name = path.name.lower()
    if name.endswith(".graphml"):
        return _load_graphml(path, direction)
    first, second = _read_edge_columns(path, ids)
    followed, follower = (second, first) if direction == "follows" else (first, second)
    labels, inverse = np.unique(np.concatenate([followed, follower]), return_inverse=True)
    inverse = inverse.reshape(-1)
    half = len(followed)
    account_ids = labels if labels.dtype.kind in "iu" else labels.astype(object)
    return from_edges(inverse[:half], inverse[half:], len(labels), account_ids)


def _open_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NetworkFileError(f"{path}: cannot read the network file: {exc.strerror}") from None
    if path.name.lower().endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise NetworkFileError(f"{path}:1: the file must be gzip-compressed (its name "
                                   f"ends in .gz); got {exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise NetworkFileError(f"{path}:{line}: the file must be UTF-8 text; got byte "
                               f"0x{raw[exc.start]:02x}") from None


def _delimiter(path: Path) -> str | None:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return ","
    if name.endswith(".tsv"):
        return "\t"
    return None


def _data_lines(text: str) -> list[tuple[int, str]]:
    """The first few non-blank, non-comment lines with their line numbers."""
    found = []
    for number, line in enumerate(io.StringIO(text), start=1):
        stripped = line.split("#", 1)[0].strip()
        if stripped:
            found.append((number, stripped))
            if len(found) == 2:
                break
    return found


def _split(line: str, delimiter: str | None) -> list[str]:
    return [field.strip() for field in line.split(delimiter)]


def _read_edge_columns(path: Path, ids: str) -> tuple[np.ndarray, np.ndarray]:
    text = _open_text(path)
    delimiter = _delimiter(path)
    lines = _data_lines(text)
    if not lines:
        raise NetworkFileError(f"{path}:1: the file must hold at least one edge (two account "
                               "ids per line); got an empty file")
    skip = 0
    following = _split(lines[1][1], delimiter) if len(lines) > 1 else None
    if _is_header(_split(lines[0][1], delimiter), following, ids):
        skip = lines[0][0]
        if len(lines) == 1:
            raise NetworkFileError(f"{path}:{lines[0][0]}: the file must hold at least one edge "
                                   "after its header; got only the header")
    kinds = {"integer": (np.int64,), "text": (str,), "auto": (np.int64, str)}[ids]
    for dtype in kinds:  # auto: integers if every id is one, else text
        try:
            table = _loadtxt(text, delimiter, skip, dtype)
            break
        except ValueError:
            continue
    else:
        raise _first_bad_line(path, text, delimiter, skip, ids)
    if table.shape[0] == 0:
        raise NetworkFileError(f"{path}:1: the file must hold at least one edge; got none")
    return table[:, 0], table[:, 1]


def _is_header(fields: list[str], following: list[str] | None, ids: str) -> bool:
    """Whether the first data line is a header.

    It is if it names its columns (``src,trg``, ``follower,followed``), or if its ids are
    not whole numbers while the next line's are (``ids: auto``) or must be (``ids: integer``).
    """
    if any(f.lower() in HEADER_WORDS for f in fields[:2]):
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
                    ids: str) -> NetworkFileError:
    """Scan for the first line the fast reader refused (only on the error path)."""
    for number, line in enumerate(io.StringIO(text), start=1):
        if number <= skip:
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


def read_segments(path: str | Path, graph: Graph, names: list[str]) -> np.ndarray:
    """Segment index per account from a CSV ``account,segment`` file (header optional).

    Accounts not listed get the segment ``public``. An unknown segment name is an error
    naming its line; unknown accounts are skipped with a :class:`NetworkWarning`.
    """
    path = Path(path)
    text = _open_text(path)
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


def _line_of_field(text: str, skip: int, column: int, value: str) -> int:
    """The first line (after ``skip``) whose ``column`` holds ``value`` (error path only)."""
    for number, line in enumerate(io.StringIO(text), start=1):
        fields = _split(line.split("#", 1)[0], ",")
        if number > skip and len(fields) > column and fields[column] == value:
            return number
    return 1
