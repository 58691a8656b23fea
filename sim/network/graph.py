"""The compact follower graph the engine runs on.

Accounts are dense indices ``0..n-1``. An edge ``u -> v`` means *v follows u*:
what u posts reaches v. The followers of every account are stored in CSR form
(``int64`` offsets, ``int32`` indices, sorted within each account); the
reverse direction (the accounts each account follows) is built on first use.
Per-account arrays hold the segment, stance and weight; the original account
ids are kept for reports and exports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from sim.errors import FlashpointError

INDEX = np.int32
OFFSET = np.int64
_CHUNK = 1 << 22


@dataclass(eq=False)
class Graph:
    """A directed follower graph in CSR form.

    Attributes:
        offsets: ``int64[n + 1]``; the followers of ``u`` are
            ``followers[offsets[u]:offsets[u + 1]]``.
        followers: ``int32[follows]``, sorted within each account.
        ids: the original account ids (``int64`` or text), one per account.
        segment: ``int16[n]`` index into ``segment_names``; ``-1`` for the brand.
        segment_names: names of the segments.
        stance: ``float32[n]``, weight: ``float32[n]``.
        brand: index of the brand's account, if there is one.
        author: index of the account made for ``incident.author: {followers: N}`` (generated
            networks, appended last, after the brand's), if there is one.
        dropped_self_loops, dropped_duplicates: what loading removed.
    """

    offsets: np.ndarray
    followers: np.ndarray
    ids: np.ndarray
    segment: np.ndarray
    segment_names: tuple[str, ...] = ("public",)
    stance: np.ndarray | None = None
    weight: np.ndarray | None = None
    brand: int | None = None
    author: int | None = None
    dropped_self_loops: int = 0
    dropped_duplicates: int = 0
    _following: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        n = self.accounts
        if self.stance is None:
            self.stance = np.zeros(n, dtype=np.float32)
        if self.weight is None:
            self.weight = np.ones(n, dtype=np.float32)

    # ------------------------------------------------------------ sizes

    @property
    def accounts(self) -> int:
        """Number of accounts."""
        return len(self.offsets) - 1

    @property
    def follows(self) -> int:
        """Number of follow edges."""
        return len(self.followers)

    @property
    def audience(self) -> int:
        """Accounts of the audience: all but the brand's and an author made for the incident."""
        return self.accounts - (self.brand is not None) - (self.author is not None)

    def follower_counts(self) -> np.ndarray:
        """Followers of every account (``int64[n]``)."""
        return np.diff(self.offsets)

    def following_counts(self) -> np.ndarray:
        """Accounts each account follows (``int64[n]``)."""
        return np.bincount(self.followers, minlength=self.accounts)

    def followers_of(self, account: int) -> np.ndarray:
        """The followers of one account."""
        return self.followers[self.offsets[account]:self.offsets[account + 1]]

    def sources(self) -> np.ndarray:
        """The followed account of every edge, aligned with ``followers`` (``int32``)."""
        return np.repeat(np.arange(self.accounts, dtype=INDEX), self.follower_counts())

    def following(self) -> tuple[np.ndarray, np.ndarray]:
        """CSR of the reverse direction: ``(offsets, followed)``, built once on first use."""
        if self._following is None:
            order = np.argsort(self.followers, kind="stable")
            followed = self.sources()[order]
            offsets = np.zeros(self.accounts + 1, dtype=OFFSET)
            np.cumsum(self.following_counts(), out=offsets[1:])
            self._following = (offsets, followed)
        return self._following

    def nbytes(self) -> int:
        """Bytes held by the graph's arrays (not counting the lazily built reverse CSR)."""
        arrays = [self.offsets, self.followers, self.segment, self.stance, self.weight]
        total = sum(a.nbytes for a in arrays if a is not None)
        if self.ids.dtype == object:
            total += sum(len(str(i)) + 49 for i in self.ids)
        return total + self.ids.nbytes

    def edge_keys(self) -> np.ndarray:
        """Every edge as ``source * n + follower`` (``int64``), sorted."""
        return self.sources().astype(np.int64) * self.accounts + self.followers

    # ------------------------------------------------------------ conversion

    def to_networkx(self) -> nx.DiGraph:
        """A networkx ``DiGraph`` with the original ids as nodes and an edge u -> v per follow.

        Node attributes: ``segment`` (name, or ``"brand"``), ``stance``, ``weight``.
        """
        graph = nx.DiGraph()
        names = [*self.segment_names, "brand"]
        assert self.stance is not None and self.weight is not None
        for index, node in enumerate(self.ids.tolist()):
            graph.add_node(node, segment=names[self.segment[index]],
                           stance=float(self.stance[index]), weight=float(self.weight[index]))
        ids = self.ids.tolist()
        graph.add_edges_from(zip([ids[i] for i in self.sources().tolist()],
                                 [ids[i] for i in self.followers.tolist()], strict=True))
        return graph


def from_edges(
    sources: np.ndarray,
    followers: np.ndarray,
    accounts: int,
    ids: np.ndarray | None = None,
) -> Graph:
    """Build a graph from edge arrays, dropping (and counting) self-loops and duplicates."""
    sources = np.asarray(sources, dtype=np.int64)
    followers = np.asarray(followers, dtype=np.int64)
    if accounts > np.iinfo(INDEX).max:
        raise FlashpointError(f"a graph of {accounts} accounts is too large (at most "
                              f"{np.iinfo(INDEX).max})")
    loops = sources == followers
    keys = sources[~loops] * accounts + followers[~loops]
    keys.sort()
    unique = np.empty(len(keys), dtype=bool)
    unique[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=unique[1:])
    duplicates = int(len(keys) - unique.sum())
    keys = keys[unique]
    graph = from_sorted_keys(keys, accounts, ids)
    graph.dropped_self_loops = int(loops.sum())
    graph.dropped_duplicates = duplicates
    return graph


def from_sorted_keys(keys: np.ndarray, accounts: int, ids: np.ndarray | None = None) -> Graph:
    """Build a graph from sorted, unique edge keys ``source * accounts + follower``."""
    starts = np.arange(accounts + 1, dtype=np.int64) * accounts
    offsets = np.searchsorted(keys, starts).astype(OFFSET)
    followers = np.empty(len(keys), dtype=INDEX)
    for start in range(0, len(keys), _CHUNK):
        np.remainder(keys[start:start + _CHUNK], accounts, out=followers[start:start + _CHUNK],
                     casting="unsafe")
    if ids is None:
        ids = np.arange(accounts, dtype=np.int64)
    return Graph(offsets=offsets, followers=followers, ids=ids,
                 segment=np.zeros(accounts, dtype=np.int16))


def from_networkx(graph: nx.Graph, segment_attribute: str | None = "segment", *,
                  reverse: bool = False) -> Graph:
    """Convert a networkx graph (edge u -> v: v follows u) into a :class:`Graph`.

    Undirected graphs become follows both ways; ``reverse=True`` reads an edge u -> v as
    *u follows v*. If nodes carry ``segment_attribute``, it sets the segments (in order of
    first appearance, unlabelled nodes in ``public``); other attributes are ignored.
    """
    nodes = list(graph.nodes)
    index = {node: i for i, node in enumerate(nodes)}
    edges = np.array([(index[u], index[v]) for u, v in graph.edges()], dtype=np.int64)
    edges = edges.reshape(-1, 2)
    if not graph.is_directed():
        edges = np.concatenate([edges, edges[:, ::-1]])
    followed, follower = (edges[:, 1], edges[:, 0]) if reverse else (edges[:, 0], edges[:, 1])
    result = from_edges(followed, follower, len(nodes), _id_array(nodes))
    if segment_attribute is None:
        return result
    labels = [graph.nodes[n].get(segment_attribute) for n in nodes]
    if any(label is not None for label in labels):
        names = list(dict.fromkeys(str(x) for x in labels if x is not None))
        if any(label is None for label in labels) and "public" not in names:
            names.append("public")
        lookup = {name: i for i, name in enumerate(names)}
        result.segment = np.array([lookup[str(x) if x is not None else "public"]
                                   for x in labels], dtype=np.int16)
        result.segment_names = tuple(names)
    return result


def _id_array(nodes: list[Any]) -> np.ndarray:
    if all(isinstance(n, int | np.integer) and not isinstance(n, bool) for n in nodes):
        return np.array(nodes, dtype=np.int64)
    return np.array([str(n) for n in nodes], dtype=object)
