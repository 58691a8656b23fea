"""A 4-ary min-heap of timed rows, compiled: the cascade's candidates.

A row is a key ``[time, sequence]`` (ordered by time, ties by sequence: first pushed,
first out) and four ``int32`` data words. Keys live apart from the data, so the four
children of a node are 64 contiguous bytes: one cache line per level, and half the
levels of a binary heap. The caller guarantees capacity; ``meta[slot]`` holds the size.
"""

from __future__ import annotations

import numpy as np
from numba import njit

ARITY = 4


@njit(cache=True, inline="always")
def _before(key: np.ndarray, i: int, t: float, s: float) -> bool:
    """Whether row ``i`` comes before the key ``(t, s)``."""
    return key[i, 0] < t or (key[i, 0] == t and key[i, 1] < s)


@njit(cache=True, inline="always")
def _move(key: np.ndarray, data: np.ndarray, to: int, source: int) -> None:
    """Copy row ``source`` (key and data) onto row ``to``."""
    key[to, 0] = key[source, 0]
    key[to, 1] = key[source, 1]
    for c in range(4):
        data[to, c] = data[source, c]


@njit(cache=True, inline="always")
def _sift_up(key: np.ndarray, data: np.ndarray, i: int, t: float, s: float) -> int:
    """Move the hole at row ``i`` up past the rows that come after ``(t, s)``; its new row."""
    while i > 0:
        parent = (i - 1) >> 2
        if _before(key, parent, t, s):
            break
        _move(key, data, i, parent)
        i = parent
    return i


@njit(cache=True)
def push(key: np.ndarray, data: np.ndarray, meta: np.ndarray, slot: int, t: float, s: float,
         d0: int, d1: int, d2: int, d3: int) -> None:
    """Add the row ``(t, s; d0..d3)``: sift a hole up from the end, then fill it."""
    i = _sift_up(key, data, meta[slot], t, s)
    meta[slot] += 1
    key[i, 0] = t
    key[i, 1] = s
    data[i, 0] = d0
    data[i, 1] = d1
    data[i, 2] = d2
    data[i, 3] = d3


@njit(cache=True)
def pop(key: np.ndarray, data: np.ndarray, meta: np.ndarray, slot: int) -> None:
    """Remove the first row (read row 0 before).

    Bottom-up: the hole at the top moves down along the earliest children to a leaf, without
    comparing them with the last row, then the last row sifts up from there. The last row
    belongs near the bottom, so it rarely moves up, and each level costs the three
    comparisons among four children instead of four (docs/performance.md).
    """
    last = meta[slot] - 1
    meta[slot] = last
    if last == 0:
        return
    i = 0
    while True:
        first = ARITY * i + 1
        if first >= last:
            break
        best = first
        best_t = key[first, 0]
        best_s = key[first, 1]
        for child in range(first + 1, min(first + ARITY, last)):
            if _before(key, child, best_t, best_s):
                best = child
                best_t = key[child, 0]
                best_s = key[child, 1]
        _move(key, data, i, best)
        i = best
    _move(key, data, _sift_up(key, data, i, key[last, 0], key[last, 1]), last)
