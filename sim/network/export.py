"""Write a follower graph for other tools: CSV edge lists and GraphML (for Gephi)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import networkx as nx
import numpy as np

from sim.errors import FlashpointError
from sim.network.graph import Graph

_ROWS = 1 << 20


def export_graph(graph: Graph, path: str | Path) -> None:
    """Write ``graph`` to ``path`` (``.csv`` or ``.graphml``) atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".graphml"):
        raise FlashpointError(f"{path}: the output must end in .csv or .graphml; got "
                              f"{suffix or 'no extension'!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            if suffix == ".csv":
                _write_csv(graph, handle)
            else:
                nx.write_graphml(_for_graphml(graph), handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_csv(graph: Graph, handle: object) -> None:
    """One ``follower,followed`` row per follow, with a header, in CSR order."""
    write = handle.write  # type: ignore[attr-defined]
    write(b"follower,followed\n")
    ids = graph.ids
    sources = graph.sources()
    numeric = ids.dtype.kind in "iu"
    for start in range(0, graph.follows, _ROWS):
        stop = start + _ROWS
        follower = ids[graph.followers[start:stop]]
        followed = ids[sources[start:stop]]
        if numeric:
            rows = np.column_stack([follower, followed])
            text = "\n".join(f"{a},{b}" for a, b in rows.tolist())
        else:
            text = "\n".join(f"{_csv(a)},{_csv(b)}" for a, b in zip(follower, followed,
                                                                    strict=True))
        write(text.encode("utf-8") + b"\n")


def _csv(value: object) -> str:
    text = str(value)
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _for_graphml(graph: Graph) -> nx.DiGraph:
    """GraphML wants text or number attributes; ids become node names."""
    return graph.to_networkx()
