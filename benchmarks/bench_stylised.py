"""Stylised facts of real cascades against the model's default behaviour, in one JSON line.

Three runs, all with default behaviour (no ``behaviour`` key set), on one default audience
(``scale_free``, ``--accounts`` accounts x 40 follows, 7 days):

1. posts by random authors (``--posts`` replications): the share never reshared and the
   tail exponent of cascade sizes;
2. posts by an author given 20,000 followers (``--big`` replications): depth, structural
   virality and time to half of big cascades, and the shares of reactions within 5 minutes,
   within an hour and after a day, pooled;
3. posts by authors with the follower counts of the 60 real retweet cascades of
   ``../shared/data/cascades`` (capped at half the audience), one replication each: the same
   shares, beside those of the real cascades.

Every fact has a 95% interval and, where there is one, its reference range and source
(``sim.experiment.stylised.REFERENCES``). docs/validation.md holds the table. Usage::

    python benchmarks/bench_stylised.py [--accounts 1000000] [--posts 5000] [--big 500]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _measure import rounded

from sim.experiment import stylised
from sim.network.build import add_author, audience
from sim.scenario import parse_scenario
from sim.scenario.schema import Scenario

CASCADES = Path(__file__).resolve().parents[2] / "shared" / "data" / "cascades"
SEED = 2026


def scenario(accounts: int, author: str) -> Scenario:
    """Default behaviour on a default audience; only the author changes."""
    return parse_scenario(f"""\
scenario: stylised facts
seed: {SEED}
horizon: 7d
resolution: 1h
network: {{generator: scale_free, accounts: {accounts}, mean_follows: 40}}
incident: {{type: post, author: {author}, brand_followers: 0}}
policies: [{{name: as posted}}]
""".encode())


def real_cascades() -> tuple[list[int], dict[str, Any]]:
    """The real cascades' authors' follower counts and their pooled shares of retweets."""
    followers, times = [], []
    for path in sorted(CASCADES.glob("RT*.txt")):
        rows = np.loadtxt(path, skiprows=1, ndmin=2)
        followers.append(int(rows[0, 1]))
        times.append(rows[1:, 0])
    sample = stylised.Sample()
    for t in times:
        sample.add("reactions", len(t))
        sample.add("first_hop", 0)
        for name, low, high in stylised.WINDOWS:
            sample.add(f"reactions_{name}", int(np.sum((t > low) & (t <= high))))
            sample.add(f"first_hop_{name}", 0)
    shares = {k: v for k, v in stylised.timing_facts(sample).items()
              if k.startswith("reactions")}
    return followers, shares


def approximate_tail(sizes: list[int]) -> dict[str, Any]:
    """The tail fit this project used before issue 11, for comparison with its figures.

    Clauset, Shalizi & Newman's approximation of the discrete MLE (their eq. 3.7, ``1 + n /
    sum(ln(x / (xmin - 0.5)))``) with xmin by the KS distance to the continuous model. At
    xmin = 1 it is far from the exact MLE: on 87% singletons it gives about 2.3 where the
    exact discrete MLE gives 3.3.
    """
    x = np.sort(np.asarray(sizes, dtype=np.float64))
    best: tuple[float, float, int] | None = None
    for xmin in np.unique(x[: len(x) - 49]):
        tail = x[x >= xmin]
        alpha = 1.0 + len(tail) / float(np.sum(np.log(tail / (xmin - 0.5))))
        model = 1.0 - (tail / xmin) ** (1.0 - alpha)
        ks = float(np.max(np.abs(np.arange(len(tail)) / len(tail) - model)))
        if best is None or ks < best[0]:
            best = (ks, alpha, int(xmin))
    return {} if best is None else {"value": best[1], "xmin": best[2]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--big", type=int, default=500)
    parser.add_argument("--skip-real", action="store_true", help="leave out the 60 cascades")
    args = parser.parse_args()
    started = time.perf_counter()
    out: dict[str, Any] = {"benchmark": "stylised", "accounts": args.accounts}

    ordinary = scenario(args.accounts, "random")
    graph = audience(ordinary)
    posts = stylised.sample(ordinary, graph, args.posts)
    out["random_authors"] = {"replications": args.posts,
                             **stylised.with_references(stylised.spread_facts(posts)),
                             "tail_exponent_approximate": approximate_tail(posts.sizes)}
    print(f"random authors: {time.perf_counter() - started:.0f} s", file=sys.stderr)

    big = scenario(args.accounts, "{followers: 20000}")
    shaped = stylised.sample(big, audience(big), args.big)
    out["author_20000"] = {"replications": args.big,
                           **stylised.with_references(stylised.shape_facts(shaped))}
    print(f"20,000 followers: {time.perf_counter() - started:.0f} s", file=sys.stderr)

    if not args.skip_real and CASCADES.is_dir():
        followers, real = real_cascades()
        pooled = stylised.Sample()
        rng = np.random.default_rng(SEED)
        for i, count in enumerate(followers):
            n = max(1, min(count, args.accounts // 2))
            one = scenario(args.accounts, f"{{followers: {n}}}")
            authored = add_author(graph, n, rng)  # the audience of part 1, and this author
            authored.stance = np.append(graph.stance, np.float32(0.0))
            authored.weight = np.append(graph.weight, np.float32(1.0))
            got = stylised.sample(one, authored, 1, first=i)
            for name, values in got.counts.items():
                pooled.counts.setdefault(name, []).extend(values)
        model = stylised.timing_facts(pooled)
        out["real_cascade_authors"] = {
            "cascades": len(followers), "followers_cap": args.accounts // 2,
            "model": {k: v for k, v in model.items() if k.startswith("reactions")},
            "real": real}
    out["seconds"] = time.perf_counter() - started
    print(json.dumps(rounded(out)))


if __name__ == "__main__":
    main()
