"""Small scenarios for engine tests, written as YAML so they go through the real funnel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.engine import layout
from sim.engine.kernel import Run, simulate
from sim.engine.world import World
from sim.network.build import audience
from sim.policies.actions import RULES
from sim.randomness.distributions import quantiles
from sim.randomness.philox import words
from sim.scenario import Scenario, parse_scenario


def er_scenario(accounts: int, c: float, p: float, *, replications: int = 10, seed: int = 1,
                horizon: str = "1000h", attention: str = "exponential(mean=1m)",
                novelty: str = "none", policies: str = "  - name: none\n") -> Scenario:
    """Directed Erdos-Renyi, one segment, random author, no media: the independent cascade."""
    text = f"""\
scenario: theory check
seed: {seed}
horizon: {horizon}
replications: {replications}
resolution: 1h
network: {{generator: erdos_renyi, accounts: {accounts}, mean_follows: {c}}}
behaviour:
  share_probability: {p}
  attention: {attention}
  novelty: {novelty}
incident: {{type: post, author: random, brand_followers: 0}}
policies:
{policies}"""
    return parse_scenario(text.encode())


def star_scenario(tmp_path: Path, followers: int, *, p: float, attention: str,
                  novelty: str = "none", horizon: str = "2000h", seed: int = 3,
                  policies: str = "  - name: none\n", extra: str = "") -> Scenario:
    """A brand followed by ``followers`` accounts that follow no one else."""
    edges = tmp_path / "star.csv"
    edges.write_text("follower,followed\n" + "".join(f"{i},0\n" for i in range(1, followers + 1)))
    text = f"""\
scenario: star
seed: {seed}
horizon: {horizon}
replications: 1
resolution: 1h
network: {{file: star.csv}}
behaviour:
  share_probability: {p}
  attention: {attention}
  novelty: {novelty}
incident: {{type: post, author: brand, brand_account: 0}}
{extra}policies:
{policies}"""
    return parse_scenario(text.encode(), str(tmp_path / "star.yaml"), tmp_path)


@dataclass(frozen=True)
class Exposures:
    """Every valid story exposure of a run: account, time and root item, in no set order."""

    accounts: np.ndarray
    times: np.ndarray
    roots: np.ndarray


def simulate_one(scenario: Scenario, policy: int = 0, replication: int = 0,
                 world: World | None = None) -> Run:
    """Run one policy of one replication; the run's records stay readable until the next."""
    world = world if world is not None else World(scenario, audience(scenario))
    return simulate(world, scenario.policies[policy], world.replication(replication), RULES)


def exposures(run: Run) -> Exposures:
    """A reference for the ledger: every valid exposure of ``run``, rebuilt with numpy.

    Posts through the follower graph are expanded follow by follow, each delay drawn again
    from the story's counter-based words (word 1) and the follower's attention; exposures
    from outside the graph are read from the run's records. An exposure is valid when it
    happens by the horizon, its root was not removed before it, and it is not the brand's.
    """
    world = run.world
    state = world.state
    meta = state.meta
    posts = meta[layout.POSTS]
    posters = state.p_account[:posts].astype(np.int64)
    offsets = world.net.offsets
    counts = offsets[posters + 1] - offsets[posters]
    follows = np.concatenate([np.arange(offsets[a], offsets[a + 1]) for a in posters]
                             ) if posts else np.zeros(0, dtype=np.int64)
    accounts = world.net.followers[follows].astype(np.int64)
    drawn = words(world.keys[layout.KEY_STORY], follows.astype(np.int64), 0,
                  run.replication.index)
    rows = world.segment_rows[accounts]
    delays = np.empty(len(accounts))
    for row in np.unique(rows):
        code, a, b, c, d = world.attention[row]
        mask = rows == row
        delays[mask] = quantiles(int(code), a, b, (drawn[mask, 1] + 0.5) * 2.0**-32, c, d)
    times = np.repeat(state.p_time[:posts], counts) + delays
    roots = np.repeat(state.p_root[:posts].astype(np.int64), counts)
    extra = meta[layout.EXTRA]
    accounts = np.concatenate([accounts, state.x_account[:extra]])
    times = np.concatenate([times, state.x_time[:extra]])
    roots = np.concatenate([roots, state.x_root[:extra]])
    removed = state.removed_at[: meta[layout.ROOTS]]
    keep = ((times <= world.scenario.horizon) & (times <= removed[roots])
            & (world.graph.segment[accounts] >= 0))
    return Exposures(accounts[keep], times[keep], roots[keep])
