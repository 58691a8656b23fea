"""How a generated network's accounts are shared among the segments: exact counts."""

from __future__ import annotations

import numpy as np


def segment_counts(fractions: list[float], accounts: int) -> np.ndarray:
    """Exact counts per segment, by largest remainder: they sum to ``accounts``."""
    quotas = np.array(fractions, dtype=np.float64) * accounts
    counts = np.floor(quotas).astype(np.int64)
    short = accounts - int(counts.sum())
    if short > 0:
        order = np.argsort(-(quotas - counts), kind="stable")
        counts[order[:short]] += 1
    return counts
