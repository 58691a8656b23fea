"""Summaries of a follower graph: size, reciprocity, follower-count tail, connectivity."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from sim.network.graph import Graph
from sim.stats import fit_power_law


def reciprocity(graph: Graph) -> float:
    """Share of follows whose reverse follow also exists."""
    if graph.follows == 0:
        return 0.0
    keys = graph.edge_keys()
    reverse = graph.followers.astype(np.int64) * graph.accounts + graph.sources()
    reverse.sort()  # sorted needles make the search below cache-friendly
    position = np.minimum(np.searchsorted(keys, reverse), len(keys) - 1)
    return int(np.count_nonzero(keys[position] == reverse)) / graph.follows


def weak_components(graph: Graph) -> np.ndarray:
    """Label of the weakly connected component of every account (the smallest index in it)."""
    n = graph.accounts
    labels = np.arange(n, dtype=np.int64)
    out_offsets = graph.offsets
    in_offsets, followed = graph.following()
    has_out = np.diff(out_offsets) > 0
    has_in = np.diff(in_offsets) > 0
    while True:
        new = labels.copy()
        if graph.follows:
            out_min = np.minimum.reduceat(labels[graph.followers], out_offsets[:-1][has_out])
            new[has_out] = np.minimum(new[has_out], out_min)
            in_min = np.minimum.reduceat(labels[followed], in_offsets[:-1][has_in])
            new[has_in] = np.minimum(new[has_in], in_min)
        while True:  # pointer jumping: follow labels to their roots
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, labels):
            return labels
        labels = new


def describe(graph: Graph) -> dict[str, Any]:
    """Everything ``flashpoint network describe`` reports, as plain data."""
    counts = graph.follower_counts()
    fit = fit_power_law(counts)
    labels = weak_components(graph)
    largest = int(np.bincount(labels).max()) if graph.accounts else 0
    segments = np.bincount(graph.segment[graph.segment >= 0],
                           minlength=len(graph.segment_names))
    p50, p90, p99 = (float(v) for v in np.percentile(counts, [50, 90, 99]))
    return {
        "accounts": graph.accounts,
        "follows": graph.follows,
        "mean_follows": graph.follows / graph.accounts if graph.accounts else 0.0,
        "reciprocity": reciprocity(graph),
        "followers": {"p50": p50, "p90": p90, "p99": p99, "max": int(counts.max())},
        "tail_exponent": asdict(fit) if fit else None,
        "largest_weak_component_share": largest / graph.accounts if graph.accounts else 0.0,
        "segments": {name: int(c) for name, c in zip(graph.segment_names, segments,
                                                     strict=True)},
        "brand": None if graph.brand is None else {
            "id": _plain(graph.ids[graph.brand]),
            "followers": int(counts[graph.brand]),
        },
        "author": None if graph.author is None else {
            "id": _plain(graph.ids[graph.author]),
            "followers": int(counts[graph.author]),
        },
        "dropped_self_loops": graph.dropped_self_loops,
        "dropped_duplicates": graph.dropped_duplicates,
        "memory_bytes": graph.nbytes(),
    }


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
