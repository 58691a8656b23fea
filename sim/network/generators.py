"""Vectorised follower-graph generators, O(follows) in time and memory.

Every generator draws follows from a *sampler* (a function returning arrays of
``(followed, follower)`` pairs) and hands them to :func:`_simple_graph`, which
drops self-loops and duplicates and tops up until the graph has exactly the
requested number of follows. Edges are held as sorted ``int64`` keys
``followed * n + follower``, which are also the graph's CSR order.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.network.graph import Graph, from_sorted_keys

Sampler = Callable[[int], tuple[np.ndarray, np.ndarray]]
FOLLOW_BACK = 1000.0  # followers beyond which an account returns fewer follows (judgement)
CHUNK = 1 << 24
MAX_ROUNDS = 50


def scale_free(accounts: int, mean_follows: float, rng: np.random.Generator, *,
               follower_exponent: float = 2.3, reciprocity: float = 0.3) -> Graph:
    """A directed graph with a power-law tail of follower counts and the given reciprocity.

    A directed Chung-Lu model: each account has a popularity drawn from a Pareto law with
    tail exponent ``follower_exponent - 1`` (so follower counts have pdf tail exponent
    ``follower_exponent``) and an activity drawn from a log-normal law (sigma 1). A follow
    picks the follower by activity and the followed account by popularity.

    Then some follows are returned: ``R = q B`` of the ``B`` first follows, ``q = r / (2 -
    r)``, which makes the share of follows whose reverse also exists ``r = reciprocity``.
    Popular accounts return few: an account expected to have ``E`` followers returns each
    with a chance proportional to ``min(1, FOLLOW_BACK / E)``, so it follows back at most a
    few hundred of them (docs/networks.md: returning a fixed share of every account's
    followers made hubs follow hundreds of thousands of accounts, and every cascade that
    reached one explode; docs/validation.md).
    """
    if follower_exponent <= 2:
        raise ValueError("follower_exponent must be above 2")
    alpha = follower_exponent - 1.0
    popularity = _normalised(rng.pareto(alpha, accounts) + 1.0)
    activity = _normalised(rng.lognormal(0.0, 1.0, accounts))
    returned = reciprocity / (2.0 - reciprocity) if reciprocity < 1 else 1.0
    target = _target(accounts, mean_follows)
    first_target = min(target, int(round(target / (1.0 + returned))))

    def sample(count: int) -> tuple[np.ndarray, np.ndarray]:
        followed = _draw(popularity, count, rng)
        follower = _draw(activity, count, rng)
        rng.shuffle(follower)
        return followed, follower

    keys = _sample_keys(accounts, first_target, sample, rng)
    damp = np.minimum(1.0, FOLLOW_BACK / np.maximum(popularity * first_target, 1e-300))
    starts = np.searchsorted(keys, np.arange(accounts + 1, dtype=np.int64) * accounts)
    total = float(np.diff(starts) @ damp)  # sum of damp[followed] over the first follows
    scale = (target - len(keys)) / total if total > 0 else 0.0
    backs = []
    for start in range(0, len(keys), CHUNK):  # in chunks: no follow-sized temporaries
        chunk = keys[start:start + CHUNK]
        followed = chunk // accounts
        back = rng.random(len(chunk)) < scale * damp[followed]
        backs.append((chunk[back] % accounts) * accounts + followed[back])  # follows back
    returned_keys = np.concatenate(backs) if backs else np.empty(0, dtype=np.int64)
    returned_keys.sort()
    return from_sorted_keys(_top_up(_merge(keys, returned_keys), accounts, target, sample, rng),
                            accounts)


def erdos_renyi(accounts: int, mean_follows: float, rng: np.random.Generator) -> Graph:
    """Directed G(n, p) with ``p = mean_follows / (n - 1)``: every ordered pair independently."""
    pairs = accounts * (accounts - 1)
    p = min(1.0, mean_follows / max(1, accounts - 1))
    total = int(rng.binomial(pairs, p)) if pairs else 0

    def sample(count: int) -> tuple[np.ndarray, np.ndarray]:
        return rng.integers(0, accounts, count), rng.integers(0, accounts, count)

    return _simple_graph(accounts, total, sample, rng)


def small_world(accounts: int, mean_follows: float, rng: np.random.Generator, *,
                rewire: float = 0.1) -> Graph:
    """A directed Watts-Strogatz ring: each account follows its ``k`` nearest neighbours.

    ``k = round(mean_follows)``: ``ceil(k/2)`` clockwise and ``floor(k/2)`` anticlockwise.
    Each follow is rewired, with probability ``rewire``, to a uniformly random account.
    """
    k = min(int(round(mean_follows)), accounts - 1)
    offsets = np.array([d for d in range(1, k // 2 + k % 2 + 1)] +
                       [-d for d in range(1, k // 2 + 1)], dtype=np.int64)
    follower = np.repeat(np.arange(accounts, dtype=np.int64), len(offsets))
    followed = (follower + np.tile(offsets, accounts)) % accounts
    moved = rng.random(len(followed)) < rewire
    followed[moved] = rng.integers(0, accounts, int(moved.sum()))
    lattice = iter([(followed, follower)])

    def sample(count: int) -> tuple[np.ndarray, np.ndarray]:
        first = next(lattice, None)
        if first is not None:
            return first
        return rng.integers(0, accounts, count), rng.integers(0, accounts, count)

    return _simple_graph(accounts, accounts * len(offsets), sample, rng)


def community_of(accounts: int, communities: int) -> np.ndarray:
    """The planted community of every account: contiguous blocks of near-equal size."""
    return (np.arange(accounts, dtype=np.int64) * communities // accounts).astype(np.int32)


def communities(accounts: int, mean_follows: float, rng: np.random.Generator, *,
                communities: int = 20, mixing: float = 0.05) -> Graph:
    """Planted communities of near-equal size (see :func:`community_of`).

    A follow stays inside the follower's community with probability ``1 - mixing``;
    otherwise it goes to a uniformly random account of another community.
    """
    groups = min(communities, accounts)
    starts = np.searchsorted(community_of(accounts, groups), np.arange(groups + 1))
    sizes = np.diff(starts)

    def sample(count: int) -> tuple[np.ndarray, np.ndarray]:
        follower = rng.integers(0, accounts, count)
        group = follower * groups // accounts
        cross = rng.random(count) < mixing if groups > 1 else np.zeros(count, dtype=bool)
        inside = starts[group] + (rng.random(count) * sizes[group]).astype(np.int64)
        others = accounts - sizes[group]
        pick = (rng.random(count) * np.maximum(others, 1)).astype(np.int64)
        outside = np.where(pick < starts[group], pick, pick + sizes[group])
        return np.where(cross, outside, inside), follower

    return _simple_graph(accounts, _target(accounts, mean_follows), sample, rng)


# ---------------------------------------------------------------- shared machinery


def _target(accounts: int, mean_follows: float) -> int:
    return min(int(round(accounts * mean_follows)), accounts * (accounts - 1))


def _normalised(weights: np.ndarray) -> np.ndarray:
    return weights / weights.sum()


def _draw(probabilities: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``count`` indices i.i.d. from ``probabilities``, returned in sorted order.

    A multinomial count per index, then a repeat: O(n + count), with no random memory
    access. The order carries no information, so pairing the result with an independently
    shuffled array gives i.i.d. pairs.
    """
    counts = rng.multinomial(count, probabilities)
    return np.repeat(np.arange(len(probabilities), dtype=np.int64), counts)


def _keys(sampler: Sampler, count: int, accounts: int) -> np.ndarray:
    """Sample about ``count`` follows as sorted unique keys, without self-loops."""
    parts = []
    done = 0
    while done < count:
        followed, follower = sampler(min(CHUNK, count - done))
        done += len(followed) if len(followed) else count
        keep = followed != follower
        parts.append(followed[keep] * accounts + follower[keep])
    keys = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
    keys.sort()
    return _unique_sorted(keys)


def _merge(keys: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """The sorted union of sorted unique ``keys`` and sorted ``extra``."""
    extra = _unique_sorted(extra)
    position = np.searchsorted(keys, extra)
    inside = position < len(keys)
    known = np.zeros(len(extra), dtype=bool)
    known[inside] = keys[position[inside]] == extra[inside]
    return np.insert(keys, position[~known], extra[~known])


def _unique_sorted(keys: np.ndarray) -> np.ndarray:
    if len(keys) < 2:
        return keys
    mask = np.empty(len(keys), dtype=bool)
    mask[0] = True
    np.not_equal(keys[1:], keys[:-1], out=mask[1:])
    return keys[mask]


def _simple_graph(accounts: int, target: int, sampler: Sampler,
                  rng: np.random.Generator) -> Graph:
    """Sample follows until exactly ``target`` distinct non-loop follows exist."""
    return from_sorted_keys(_sample_keys(accounts, target, sampler, rng), accounts)


def _sample_keys(accounts: int, target: int, sampler: Sampler,
                 rng: np.random.Generator) -> np.ndarray:
    """Exactly ``target`` distinct non-loop follows, as sorted keys."""
    return _top_up(_keys(sampler, target, accounts), accounts, target, sampler, rng)


def _top_up(keys: np.ndarray, accounts: int, target: int, sampler: Sampler,
            rng: np.random.Generator) -> np.ndarray:
    """Add sampled follows to the sorted ``keys`` (or drop random ones) until ``target``."""
    for _ in range(MAX_ROUNDS):
        missing = target - len(keys)
        if missing <= 0:
            break
        keys = _merge(keys, _keys(sampler, int(missing * 1.25) + 1000, accounts))
    if len(keys) > target:
        drop = rng.choice(len(keys), size=len(keys) - target, replace=False)
        keep = np.ones(len(keys), dtype=bool)
        keep[drop] = False
        keys = keys[keep]
    return keys
