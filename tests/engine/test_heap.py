"""The candidate heap gives rows back in time order, ties first in, first out, data with them."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import heap


def _run(times: np.ndarray, pops_after: np.ndarray) -> list[tuple[float, float, int]]:
    """Push ``times`` in order (sequence = push number), popping ``pops_after[i]`` after push i."""
    key = np.zeros((len(times) + 1, 2))
    data = np.zeros((len(times) + 1, 4), dtype=np.int32)
    meta = np.zeros(1, dtype=np.int64)
    out = []

    def pop_one() -> None:
        out.append((key[0, 0], key[0, 1], int(data[0, 0])))
        assert data[0, 1] == -data[0, 0] and data[0, 3] == 3 * data[0, 0]  # rows stay whole
        heap.pop(key, data, meta, 0)

    for i, t in enumerate(times):
        heap.push(key, data, meta, 0, float(t), float(i), i, -i, 7, 3 * i)
        for _ in range(min(int(pops_after[i]), int(meta[0]))):
            pop_one()
    while meta[0] > 0:
        pop_one()
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pops_come_in_time_order_with_ties_first_in_first_out(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 5000
    # coarse times make many ties; pops interleaved with pushes, as in a cascade
    times = np.floor(rng.exponential(20.0, n))
    pops_after = rng.integers(0, 3, n)
    out = _run(times, pops_after)
    assert len(out) == n
    assert sorted(i for _, _, i in out) == list(range(n))
    # every pop is the earliest row present at that moment: check against a simple model
    present: list[tuple[float, int]] = []
    expected = []
    for i, t in enumerate(times):
        present.append((float(t), i))
        for _ in range(min(int(pops_after[i]), len(present))):
            present.sort()
            expected.append(present.pop(0))
    expected.extend(sorted(present))
    assert [(t, i) for t, _, i in out] == expected
    for t, s, i in out:
        assert t == times[i] and s == i
