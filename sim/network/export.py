"""Write a follower graph for other tools: CSV edge lists and GraphML (for Gephi)."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import networkx as nx
import numpy as np

from sim.errors import FlashpointError
from sim.io import atomic_writer, csv_field
from sim.network.graph import Graph

_ROWS = 1 << 20


def export_graph(graph: Graph, path: str | Path) -> None:
    """Write ``graph`` to ``path`` (``.csv`` or ``.graphml``) atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".graphml"):
        raise FlashpointError(f"{path}: the output must end in .csv or .graphml; got "
                              f"{suffix or 'no extension'!r}")
    with atomic_writer(path) as handle:
        if suffix == ".csv":
            _write_csv(graph, handle)
        else:
            nx.write_graphml(graph.to_networkx(), handle)


def _write_csv(graph: Graph, handle: BinaryIO) -> None:
    """One ``follower,followed`` row per follow, with a header, in CSR order."""
    write = handle.write
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
            text = "\n".join(f"{csv_field(a)},{csv_field(b)}" for a, b in zip(follower, followed,
                                                                    strict=True))
        write(text.encode("utf-8") + b"\n")
