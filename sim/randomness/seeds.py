"""Named random streams, all derived from one root seed.

Each stream is a child of ``SeedSequence(root)`` with a fixed spawn key per name,
so adding a stream, a policy or a replication never changes the draws of
another. Code that needs randomness takes a ``numpy.random.Generator``
argument; nothing touches global random state.
"""

from __future__ import annotations

import numpy as np

STREAMS: dict[str, int] = {  # the numbers are part of the results: never renumber
    "network": 0,    # the follower graph (below the replication with network.resample)
    "bootstrap": 6,  # the summary's resampling (below the policy and the metric)
    "draws": 7,      # the keys of the engine's counter-based draws (sim.randomness.philox)
    "fit": 8,        # the posterior draws of a fit to an observed incident
    "robustness": 9,  # a robustness run's design (0) and its bootstraps (1)
}


def seed_sequence(root: int, name: str, *path: int) -> np.random.SeedSequence:
    """The seed sequence of stream ``name`` (optionally below ``path``, e.g. a replication)."""
    if name not in STREAMS:
        raise KeyError(f"unknown random stream {name!r}; streams: {', '.join(STREAMS)}")
    return np.random.SeedSequence(entropy=root, spawn_key=(STREAMS[name], *path))


def stream(root: int, name: str, *path: int) -> np.random.Generator:
    """A fresh ``Generator`` for stream ``name`` of root seed ``root``."""
    return np.random.default_rng(seed_sequence(root, name, *path))


def bootstrap_stream(root: int, policy: int, metric: int) -> np.random.Generator:
    """The resampling stream of one policy's paired-difference interval in one metric.

    The same wherever that interval is computed (the summary, the ``auto`` rule).
    """
    return stream(root, "bootstrap", policy, metric)


def mean_stream(root: int, policy: int, metric: int) -> np.random.Generator:
    """The resampling stream of one policy's interval of its mean in one metric.

    Below the paired intervals' stream of the same policy and metric, so it is distinct.
    """
    return stream(root, "bootstrap", policy, metric, 1)
