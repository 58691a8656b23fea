"""Philox4x32-10: known answers, an independent reference, uniforms, picks, keys, independence."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit

from sim.randomness.philox import (
    DRAWS,
    draw,
    key_array,
    key_for,
    philox,
    pick,
    uniform,
    words,
)

MASK = 0xFFFFFFFF
N_PAIRS = 1_000_000
ROOT = 20240601

# ---------------------------------------------------------------- reference

# Random123's published known-answer vectors for philox4x32 with 10 rounds: the file
# tests/kat_vectors of https://github.com/DEShawResearch/random123 (release v1.14.0), whose
# lines are "name rounds counter[4] key[2]   expected[4]" (wrapped here before the expected words):
#   philox4x32 10 00000000 00000000 00000000 00000000 00000000 00000000
#                 6627e8d5 e169c58d bc57ac4c 9b00dbd8
#   philox4x32 10 ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff
#                 408f276d 41c83b0e a20bc7c6 6d5451fd
#   philox4x32 10 243f6a88 85a308d3 13198a2e 03707344 a4093822 299f31d0
#                 d16cfe09 94fdcceb 5001e420 24126ea1
KAT = [
    ((0x00000000, 0x00000000, 0x00000000, 0x00000000), (0x00000000, 0x00000000),
     (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF),
     (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]

# Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as 1, 2, 3" (SC 2011),
# table 2 and Random123's philox.h: PHILOX_M4x32_0/1 and the Weyl key increments W32_0/1.
REF_M0 = 0xD2511F53
REF_M1 = 0xCD9E8D57
REF_W0 = 0x9E3779B9
REF_W1 = 0xBB67AE85


def _mulhilo(a: int, b: int) -> tuple[int, int]:
    product = a * b
    return product >> 32, product & MASK


def _round(ctr: tuple[int, int, int, int], key: tuple[int, int]) -> tuple[int, int, int, int]:
    hi0, lo0 = _mulhilo(REF_M0, ctr[0])
    hi1, lo1 = _mulhilo(REF_M1, ctr[2])
    return hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0


def _bumpkey(key: tuple[int, int]) -> tuple[int, int]:
    return (key[0] + REF_W0) & MASK, (key[1] + REF_W1) & MASK


def reference(counter: tuple[int, ...], key: tuple[int, ...], rounds: int = 10) -> tuple[int, ...]:
    """Philox4x32-R in plain Python integers, as in Random123's philox.h."""
    ctr = tuple(int(c) & MASK for c in counter)
    k = (int(key[0]) & MASK, int(key[1]) & MASK)
    ctr = _round(ctr, k)
    for _ in range(rounds - 1):
        k = _bumpkey(k)
        ctr = _round(ctr, k)
    return ctr


@njit(cache=False)  # a cache would keep a stale inlined copy of uniform or pick
def _uniforms(w: np.ndarray) -> np.ndarray:
    out = np.empty(w.shape)
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            out[i, j] = uniform(w[i, j])
    return out


@njit(cache=False)  # a cache would keep a stale inlined copy of uniform or pick
def _picks(w: np.ndarray, n: int) -> np.ndarray:
    out = np.empty(w.shape[0], dtype=np.int64)
    for i in range(w.shape[0]):
        out[i] = pick(w[i, 0], w[i, 1], n)
    return out


# ---------------------------------------------------------------- exact agreement


@pytest.mark.parametrize(("counter", "key", "expected"), KAT)
def test_reference_matches_known_answers(counter, key, expected):
    assert reference(counter, key) == expected


@pytest.mark.parametrize(("counter", "key", "expected"), KAT)
def test_philox_matches_known_answers(counter, key, expected):
    assert tuple(int(w) for w in philox(*key, *counter)) == expected


@pytest.mark.parametrize(("counter", "key", "expected"), KAT)
def test_draw_and_words_match_known_answers(counter, key, expected):
    index = counter[0] | (counter[1] << 32)
    k = key_array(key)
    got = draw(k, np.uint64(index), counter[2], counter[3])
    assert tuple(int(w) for w in got) == expected
    if index < 2**63:  # a Python int or an int64 array of indices
        assert tuple(int(w) for w in draw(k, index, counter[2], counter[3])) == expected
        got = words(k, np.array([index], dtype=np.int64), counter[2], counter[3])
        assert tuple(int(w) for w in got[0]) == expected


def _random_words(rng: np.random.Generator, shape) -> np.ndarray:
    """Random 32-bit words, with the edge values 0, 1 and 2**32 - 1 mixed in."""
    w = rng.integers(0, 2**32, size=shape, dtype=np.uint64)
    edges = np.array([0, 1, MASK], dtype=np.uint64)
    mask = rng.random(shape) < 0.1
    w[mask] = rng.choice(edges, size=int(mask.sum()))
    return w


def test_philox_and_draw_match_reference_on_random_keys_and_counters():
    rng = np.random.default_rng(1)
    keys = _random_words(rng, (3000, 2))
    counters = _random_words(rng, (3000, 4))
    for key, ctr in zip(keys.tolist(), counters.tolist(), strict=True):
        expected = reference(ctr, key)
        assert tuple(int(w) for w in philox(*key, *ctr)) == expected, (key, ctr)
        index = ctr[0] | (ctr[1] << 32)  # indices above 2**32 fill the high word
        got = draw(key_array(tuple(key)), np.uint64(index), ctr[2], ctr[3])
        assert tuple(int(w) for w in got) == expected, (key, ctr)
        if index < 2**63:
            got = draw(key_array(tuple(key)), index, ctr[2], ctr[3])
            assert tuple(int(w) for w in got) == expected, (key, ctr)


def test_words_matches_reference_for_large_indices_items_and_replications():
    rng = np.random.default_rng(2)
    near_boundary = np.arange(2**32 - 50, 2**32 + 50, dtype=np.int64)  # carry into the high word
    indices = np.concatenate([
        np.arange(50, dtype=np.int64),
        near_boundary,
        rng.integers(0, 2**63 - 1, size=300, dtype=np.int64),
        np.array([2**63 - 1], dtype=np.int64),
    ])
    cases = [(0, 0), (1, 1), (7, 2**31 - 1), (2**31, 2**31), (MASK, MASK), (12, MASK - 1)]
    for item, replication in cases:
        key = tuple(int(x) for x in _random_words(rng, 2))
        got = words(key_array(key), indices, item, replication)
        assert got.dtype == np.uint32
        assert got.shape == (len(indices), 4)
        for index, row in zip(indices.tolist(), got.tolist(), strict=True):
            counter = (index & MASK, index >> 32, item, replication)
            assert tuple(row) == reference(counter, key), (key, index, item, replication)


# ---------------------------------------------------------------- uniform and pick


def test_uniform_is_strictly_inside_the_unit_interval():
    low = uniform(np.uint32(0))
    high = uniform(np.uint32(MASK))
    assert low == 0.5 * 2.0**-32
    assert high == 1.0 - 0.5 * 2.0**-32
    assert 0.0 < low < high < 1.0
    assert 1.0 - high > 0.0
    w = np.array([[0, 1, MASK - 1, MASK]], dtype=np.uint32)
    assert np.array_equal(_uniforms(w)[0], (w[0].astype(np.float64) + 0.5) / 2.0**32)


def _chi_square_bound(df: int, z: float = 4.0) -> float:
    """Upper ``1 - Phi(z)`` point of chi-square(df), Wilson and Hilferty's approximation."""
    c = 2.0 / (9.0 * df)
    return df * (1.0 - c + z * math.sqrt(c)) ** 3


def _pick_words(seed_index: int, n: int = N_PAIRS) -> np.ndarray:
    key = key_array(key_for(ROOT, "author", seed_index))
    return words(key, np.arange(n, dtype=np.int64), 0, 0)


@pytest.mark.parametrize("n", [2, 7, 1000])
def test_pick_covers_the_range_uniformly(n):
    got = _picks(_pick_words(n), n)
    assert got.min() == 0
    assert got.max() == n - 1
    counts = np.bincount(got, minlength=n)
    assert len(counts) == n  # never n or more
    expected = len(got) / n
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert chi2 <= _chi_square_bound(n - 1), chi2


@pytest.mark.parametrize("n", [2**31 - 1, 2**31, 2**31 + 1])
def test_pick_near_two_to_the_31_is_in_range_and_uniform(n):
    got = _picks(_pick_words(n % 97), n)
    assert got.min() >= 0
    assert got.max() < n
    bins = 100
    which = got * bins // n
    counts = np.bincount(which, minlength=bins)
    assert len(counts) == bins
    edges = -(-np.arange(bins + 1, dtype=object) * n // bins)  # first integer of each bin
    expected = np.diff(edges).astype(np.float64) * len(got) / n
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert chi2 <= _chi_square_bound(bins - 1), chi2


@pytest.mark.parametrize("n", [1, 2, 3, 1000, 2**31 - 1, 2**31, 2**32 + 1, 2**52 + 3])
def test_pick_extreme_words_stay_in_range(n):
    top = np.uint32(MASK)
    assert pick(top, top, n) == n - 1
    assert pick(np.uint32(0), np.uint32(0), n) == 0
    for high in (MASK, MASK - 1, MASK - 31, MASK - 32):
        for low in (MASK, MASK - 63, MASK - 64, 0):
            assert 0 <= pick(np.uint32(high), np.uint32(low), n) < n


def test_pick_of_one_is_always_zero():
    assert np.all(_picks(_pick_words(1, 10_000), 1) == 0)


def test_pick_uses_53_bits_exactly():
    """``pick`` is floor(m n / 2**53) with m the top 27 bits of ``high`` and 26 of ``low``."""
    w = _pick_words(3, 100_000)
    m = (w[:, 0].astype(object) >> 5) * 2**26 + (w[:, 1].astype(object) >> 6)
    for n in (7, 1000, 2**31 - 1):
        exact = np.array([int(x) * n >> 53 for x in m], dtype=np.int64)
        assert np.array_equal(_picks(w, n), exact)


# ---------------------------------------------------------------- keys


def test_key_for_differs_by_kind_path_and_root():
    keys = [key_for(ROOT, kind) for kind in DRAWS]
    keys += [key_for(ROOT, "action", i) for i in range(20)]
    keys += [key_for(ROOT, "support", i, j) for i in range(3) for j in range(3)]
    keys += [key_for(ROOT + 1, kind) for kind in DRAWS]
    assert len(set(keys)) == len(keys)
    for k0, k1 in keys:
        assert 0 <= k0 <= MASK and 0 <= k1 <= MASK


def test_key_for_is_stable():
    """Pinned values: a silent change of the key derivation would change every result."""
    assert key_for(ROOT, "story") == (187671735, 759909438)
    assert key_for(ROOT, "action", 3) == (1083073954, 3508736537)
    assert key_for(ROOT, "story") == key_for(ROOT, "story")


def test_draw_kind_numbers_are_never_renumbered():
    pinned = {"story": 0, "statement": 1, "account": 2, "author": 3, "promotion": 4,
              "trending": 5, "article": 6, "action": 7, "advocate": 8, "support": 9}
    assert {kind: DRAWS[kind] for kind in pinned} == pinned
    assert len(set(DRAWS.values())) == len(DRAWS)


def test_key_for_rejects_an_unknown_kind():
    with pytest.raises(KeyError):
        key_for(ROOT, "no such kind")


def test_key_array_is_two_uint32_words():
    k = key_array((MASK, 5))
    assert k.dtype == np.uint32
    assert k.tolist() == [MASK, 5]


# ---------------------------------------------------------------- independence

SE_BOUND = 4.0 / math.sqrt(N_PAIRS)  # SE of Pearson's r under independence is 1/sqrt(n)


def _assert_uncorrelated(a: np.ndarray, b: np.ndarray, what: str) -> None:
    ua, ub = _uniforms(a), _uniforms(b)
    for j in range(4):
        r = np.corrcoef(ua[:, j], ub[:, j])[0, 1]
        assert abs(r) <= SE_BOUND, f"{what}, word {j}: r = {r:.5f}"


def _story_key() -> np.ndarray:
    return key_array(key_for(ROOT, "story"))


@pytest.mark.parametrize("start", [0, 2**32 - N_PAIRS // 2, 2**40 + 17])
def test_neighbouring_follows_are_uncorrelated(start):
    w = words(_story_key(), np.arange(start, start + N_PAIRS + 1, dtype=np.int64), 0, 0)
    _assert_uncorrelated(w[:-1], w[1:], f"index i vs i+1 from {start}")


@pytest.mark.parametrize("replication", [0, 41, MASK - 1])
def test_neighbouring_replications_are_uncorrelated(replication):
    indices = np.arange(N_PAIRS, dtype=np.int64)
    a = words(_story_key(), indices, 0, replication)
    b = words(_story_key(), indices, 0, replication + 1)
    _assert_uncorrelated(a, b, f"replication {replication} vs {replication + 1}")


@pytest.mark.parametrize("item", [0, 5, MASK - 1])
def test_neighbouring_items_are_uncorrelated(item):
    indices = np.arange(N_PAIRS, dtype=np.int64)
    key = key_array(key_for(ROOT, "statement"))
    _assert_uncorrelated(words(key, indices, item, 3), words(key, indices, item + 1, 3),
                         f"item {item} vs {item + 1}")


@pytest.mark.parametrize(("first", "second"), [
    (("story",), ("statement",)),
    (("account",), ("author",)),
    (("action", 0), ("action", 1)),
])
def test_draw_kinds_are_uncorrelated(first, second):
    indices = np.arange(N_PAIRS, dtype=np.int64)
    a = words(key_array(key_for(ROOT, *first)), indices, 0, 0)
    b = words(key_array(key_for(ROOT, *second)), indices, 0, 0)
    _assert_uncorrelated(a, b, f"{first} vs {second}")


def test_words_of_one_draw_are_uncorrelated_and_centred():
    u = _uniforms(words(_story_key(), np.arange(N_PAIRS, dtype=np.int64), 0, 7))
    for i in range(4):
        for j in range(i + 1, 4):
            r = np.corrcoef(u[:, i], u[:, j])[0, 1]
            assert abs(r) <= SE_BOUND, f"word {i} vs word {j}: r = {r:.5f}"
    se_mean = math.sqrt(1.0 / 12.0 / N_PAIRS)
    for j in range(4):
        assert abs(u[:, j].mean() - 0.5) <= 4.0 * se_mean, j


def test_uniforms_are_uniform_in_deciles():
    u = _uniforms(words(_story_key(), np.arange(N_PAIRS, dtype=np.int64), 1, 1))
    counts = np.bincount((u * 10).astype(np.int64).ravel(), minlength=10)
    assert len(counts) == 10
    expected = u.size / 10
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert chi2 <= _chi_square_bound(9), chi2

