"""Counter-based random numbers: Philox4x32-10, computed where a draw is needed.

Every random number of a replication is a pure function of what it is for. A draw is
``philox(key, counter)``: the 64-bit *key* names the kind of draw (a story exposure, a
statement exposure, an account's own draws, one action's delay...) and comes from the
root seed through a named ``SeedSequence`` (:func:`key_for`); the 128-bit *counter* names
the instance: ``(index low 32 bits, index high 32 bits, item, replication)``, where the
index is a follow, an account or an arrival number, and the item tells apart draws of the
same index (a statement's number, a supportive post's number). So the same follow in the
same replication gives the same numbers under every policy (common random numbers stay
exact), nothing is drawn that is not used, and the order in which a replication's events
happen never shifts anyone else's draws.

Why Philox4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as
1, 2, 3", SC 2011): it is a keyed bijection of the counter, built for exactly this use; it
passes TestU01's BigCrush for any key and for counters that differ in a single bit, and
it needs only 32x32-bit multiplications, which numba compiles to a few instructions
(about 8 ns a call here, for four 32-bit words). Its published known-answer vectors
(Random123's ``kat_vectors``) pin the implementation down (``tests/randomness/``).

The item and the replication are 32-bit words (the engine's items, replications and
accounts stay far below 2**32), and the index is below 2**64.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.randomness.seeds import seed_sequence

# What each key is for. The numbers are part of the results: never renumber, only add.
DRAWS: dict[str, int] = {
    "story": 0,       # a story post's exposure through a follow (index: the follow)
    "statement": 1,   # a statement's exposure through a follow (item: the statement's number)
    "account": 2,     # an account's own draws (index: the account)
    "author": 3,      # who posts the trigger
    "promotion": 4,   # paid impressions (index: the impression's number)
    "trending": 5,    # trending impressions (index: the impression's number)
    "article": 6,     # an article's readers (index: the reader, item: the journalist)
    "action": 7,      # an action's delays (one key per action of the policy)
    "advocate": 8,    # an advocates action's posts (one key per action; index: the post)
    "support": 9,     # a supportive post's exposures (one key per action; item: the post)
    "forecast": 10,   # a forecast's new posts (index: the bin, item: the post, by replication)
}

_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint32(0x9E3779B9)
_W1 = np.uint32(0xBB67AE85)
_LOW = np.uint64(0xFFFFFFFF)
_32 = np.uint64(32)
TWO_M32 = 2.0**-32
TWO_M53 = 2.0**-53


def key_for(root: int, kind: str, *path: int) -> tuple[int, int]:
    """The Philox key of draw kind ``kind`` (below ``path``, e.g. an action's index)."""
    words = seed_sequence(root, "draws", DRAWS[kind], *path).generate_state(2, np.uint32)
    return int(words[0]), int(words[1])


@njit(cache=True, inline="always")
def philox(k0: int, k1: int, c0: int, c1: int, c2: int,
           c3: int) -> tuple[np.uint32, np.uint32, np.uint32, np.uint32]:
    """Philox4x32-10 of counter ``(c0, c1, c2, c3)`` under key ``(k0, k1)``: four words."""
    x0 = np.uint32(c0)
    x1 = np.uint32(c1)
    x2 = np.uint32(c2)
    x3 = np.uint32(c3)
    a = np.uint32(k0)
    b = np.uint32(k1)
    for r in range(10):
        if r > 0:
            a = np.uint32(a + _W0)
            b = np.uint32(b + _W1)
        p0 = _M0 * np.uint64(x0)
        p1 = _M1 * np.uint64(x2)
        y0 = np.uint32(p1 >> _32) ^ x1 ^ a
        y2 = np.uint32(p0 >> _32) ^ x3 ^ b
        x1 = np.uint32(p1 & _LOW)
        x3 = np.uint32(p0 & _LOW)
        x0 = y0
        x2 = y2
    return np.uint32(x0), np.uint32(x1), np.uint32(x2), np.uint32(x3)


@njit(cache=True, inline="always")
def draw(key: np.ndarray, index: int, item: int,
         replication: int) -> tuple[np.uint32, np.uint32, np.uint32, np.uint32]:
    """The four words of ``(index, item, replication)`` under ``key`` (``uint32[2]``)."""
    return philox(key[0], key[1], np.uint64(index) & _LOW, np.uint64(index) >> _32, item,
                  replication)


@njit(cache=True, inline="always")
def uniform(word: np.uint32) -> float:
    """A uniform in the open interval (0, 1) from one word: ``(word + 1/2) / 2**32``."""
    return (np.float64(word) + 0.5) * TWO_M32


@njit(cache=True, inline="always")
def pick(high: np.uint32, low: np.uint32, n: int) -> int:
    """A uniform integer in ``[0, n)`` from two words (53 bits: bias below ``n / 2**53``).

    ``n`` must be at least 1 (callers check that there is something to pick from).
    """
    u = (np.float64(high >> np.uint32(5)) * 67108864.0
         + np.float64(low >> np.uint32(6))) * TWO_M53
    return min(int(u * n), n - 1)


@njit(cache=True)
def words(key: np.ndarray, indices: np.ndarray, item: int, replication: int) -> np.ndarray:
    """The words of many indices at once (``uint32[len(indices), 4]``), for tests and tools."""
    out = np.empty((len(indices), 4), dtype=np.uint32)
    for i in range(len(indices)):
        w0, w1, w2, w3 = draw(key, indices[i], item, replication)
        out[i, 0] = w0
        out[i, 1] = w1
        out[i, 2] = w2
        out[i, 3] = w3
    return out


def key_array(key: tuple[int, int]) -> np.ndarray:
    """A key as the ``uint32[2]`` array the compiled code takes."""
    return np.array(key, dtype=np.uint32)
