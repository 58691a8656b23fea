"""Benchmark network generation: Flashpoint's compact graph against networkx.

Prints one JSON line. Each case runs in a fresh subprocess so that its peak memory
(``ru_maxrss``) is its own:

- Flashpoint: ``scale_free`` with 10^5, 10^6 and 10^7 accounts, 40 follows each:
  generation time, peak memory, and bytes per follow of the finished graph.
- networkx: the same graphs (same seed, same edges) held as a ``networkx.DiGraph``, at 10^5
  and 10^6 accounts: time to build it from the edge list, peak memory, and bytes per follow
  (resident memory added by the DiGraph, divided by the follows).

Ratios are networkx / Flashpoint. Usage::

    python benchmarks/bench_network.py [--sizes 100000,1000000,10000000] [--nx-sizes ...]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time

MEAN_FOLLOWS = 40
SEED = 20261122


def _rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize()


def _peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_flashpoint(accounts: int) -> dict[str, float]:
    import numpy as np

    from sim.network.generators import scale_free

    start = time.perf_counter()
    graph = scale_free(accounts, MEAN_FOLLOWS, np.random.default_rng(SEED))
    seconds = time.perf_counter() - start
    return {
        "accounts": accounts,
        "follows": graph.follows,
        "seconds": seconds,
        "peak_bytes": _peak_bytes(),
        "graph_bytes": graph.nbytes(),
        "bytes_per_follow": graph.nbytes() / graph.follows,
    }


def run_networkx(accounts: int) -> dict[str, float]:
    import networkx as nx
    import numpy as np

    from sim.network.generators import scale_free

    graph = scale_free(accounts, MEAN_FOLLOWS, np.random.default_rng(SEED))
    sources, followers = graph.sources(), graph.followers
    follows = graph.follows
    edges = zip(sources.tolist(), followers.tolist(), strict=True)
    del graph
    before = _rss_bytes()
    start = time.perf_counter()
    digraph = nx.DiGraph()
    digraph.add_nodes_from(range(accounts))
    digraph.add_edges_from(edges)
    seconds = time.perf_counter() - start
    added = _rss_bytes() - before
    assert digraph.number_of_edges() == follows
    return {
        "accounts": accounts,
        "follows": follows,
        "seconds": seconds,
        "peak_bytes": _peak_bytes(),
        "graph_bytes": added,
        "bytes_per_follow": added / follows,
    }


def _child(kind: str, accounts: int) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(accounts)],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        return {"accounts": accounts, "error": result.stderr.strip().splitlines()[-1:]}
    outcome: dict[str, float] = json.loads(result.stdout)
    return outcome


def _sizes(text: str) -> list[int]:
    """``"100000,1000000"`` as numbers; an empty text is no sizes."""
    return [int(part) for part in text.split(",") if part.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000,10000000")
    parser.add_argument("--nx-sizes", default="100000,1000000")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "ACCOUNTS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, accounts = args.child[0], int(args.child[1])
        runner = run_flashpoint if kind == "flashpoint" else run_networkx
        print(json.dumps(runner(accounts)))
        return
    flashpoint = {n: _child("flashpoint", n) for n in _sizes(args.sizes)}
    networkx = {n: _child("networkx", n) for n in _sizes(args.nx_sizes)}
    ratios = {}
    for n, nx_case in networkx.items():
        fp_case = flashpoint.get(n)
        if fp_case and "error" not in fp_case and "error" not in nx_case:
            ratios[str(n)] = {
                "seconds": nx_case["seconds"] / fp_case["seconds"],
                "peak_bytes": nx_case["peak_bytes"] / fp_case["peak_bytes"],
                "bytes_per_follow": nx_case["bytes_per_follow"] / fp_case["bytes_per_follow"],
            }
    print(json.dumps({
        "benchmark": "network",
        "generator": "scale_free",
        "mean_follows": MEAN_FOLLOWS,
        "python": platform.python_version(),
        "flashpoint": {str(k): v for k, v in flashpoint.items()},
        "networkx": {str(k): v for k, v in networkx.items()},
        "ratio_networkx_over_flashpoint": ratios,
    }))


if __name__ == "__main__":
    main()
