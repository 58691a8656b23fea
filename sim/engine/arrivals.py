"""Exposures from outside the follower graph: paid promotion, trending and articles.

Each is drawn from the counter-based generator, keyed by what it is for, so that every
policy of a replication sees the same impressions and the same readers:

- Promotion and trending impressions are Poisson processes, drawn in the scale of their
  cumulative intensity: arrival ``j`` sits at level ``E_0 + ... + E_j`` (unit
  exponential gaps keyed by ``j``), and the time at which the intensity reaches that level
  is when it happens. The j-th impression therefore has the same account and uniforms
  under every policy; only its time moves with the intensity (trending follows each
  policy's own reaction volume).
- An article's readers are keyed by the journalist who wrote it (a journalist files at
  most once), reader by reader.

Random accounts are drawn uniformly from the audience: every account but the brand.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.engine.layout import ROW
from sim.randomness.distributions import quantile
from sim.randomness.philox import draw, pick, uniform


@njit(cache=True, inline="always")
def audience_account(high: np.uint32, low: np.uint32, accounts: int, brand: int) -> int:
    """A uniformly random account other than the brand (``brand < 0``: there is none)."""
    if brand < 0:
        return pick(high, low, accounts)
    index = pick(high, low, accounts - 1)
    return index + 1 if index >= brand else index


@njit(cache=True)
def poisson(key: np.ndarray, replication: int, state: np.ndarray, level_start: float,
            level_end: float, t_start: float, rate: float, accounts: int, brand: int,
            out_accounts: np.ndarray, out_times: np.ndarray, out_reacts: np.ndarray) -> int:
    """Arrivals of a Poisson process while its cumulative intensity goes up to ``level_end``.

    ``state`` is ``[next arrival's number, its level]`` (level ``-1``: not drawn yet) and
    is carried from call to call. The intensity is ``rate`` per second from ``t_start``, at
    level ``level_start``. Fills the output arrays (account, time, reaction word) and
    returns how many; a full output means: call again for the rest.
    """
    number = int(state[0])
    level = state[1]
    filled = 0
    capacity = len(out_accounts)
    while filled < capacity:
        w_gap, w_high, w_low, w_react = draw(key, number, 0, replication)
        if level < 0.0:
            level = -math.log(uniform(w_gap))
        if level > level_end:
            break
        out_accounts[filled] = audience_account(w_high, w_low, accounts, brand)
        out_times[filled] = t_start + (level - level_start) / rate
        out_reacts[filled] = w_react
        filled += 1
        number += 1
        w_gap, _, _, _ = draw(key, number, 0, replication)
        level += -math.log(uniform(w_gap))
    state[0] = number
    state[1] = level
    return filled


@njit(cache=True)
def readers(key: np.ndarray, replication: int, journalist: int, count: int, t: float,
            bits: np.ndarray, attention: np.ndarray, accounts: int,
            brand: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The readers of the article published at ``t`` by ``journalist``.

    Each of ``count`` random accounts sees it after its own attention delay.
    """
    out_accounts = np.empty(count, dtype=np.int64)
    out_times = np.empty(count)
    out_reacts = np.empty(count, dtype=np.uint32)
    for j in range(count):
        w_high, w_low, w_delay, w_react = draw(key, j, journalist, replication)
        account = audience_account(w_high, w_low, accounts, brand)
        row = attention[bits[account] & ROW]
        out_accounts[j] = account
        out_times[j] = t + quantile(int(row[0]), row[1], row[2], uniform(w_delay), row[3], row[4])
        out_reacts[j] = w_react
    return out_accounts, out_times, out_reacts
