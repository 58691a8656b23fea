"""Small scenarios for engine tests, written as YAML so they go through the real funnel."""

from __future__ import annotations

from pathlib import Path

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
