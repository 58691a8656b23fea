"""What crossing into compiled code costs: packed records against named tuples and arrays.

The engine's compiled functions take three records (``sim.engine.layout``): the graph, the
tables and the state, packed as numba StructRefs so that each crosses as one pointer. This
measures, on the IC workload of ``bench_engine.py`` (Barabasi-Albert, 10^5 accounts):

- the cost of one call of ``fast.advance`` that returns at once, with the packed records;
- the same call shape with the records as named tuples (numba reads such an argument field
  by field on every call), and with every array as its own positional argument (how the
  engine took them before: 38 arrays);
- how many calls a large outbreak makes, and so the share of its time the boundary takes.

Prints one JSON line. Usage: ``python benchmarks/bench_boundary.py [--accounts 100000]``.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np
from numba import njit

SEED = 20261122
CALLS = 20_000


@njit(cache=True)
def _tuples(net: Any, tab: Any, st: Any, until: float) -> int:
    return 0 if st.meta[0] == 0 or st.heap_key[0, 0] > until or tab.params[0] < 0 else 1


@njit(cache=True)
def _positional(a0: Any, a1: Any, a2: Any, a3: Any, a4: Any, a5: Any, a6: Any, a7: Any,
                a8: Any, a9: Any, a10: Any, a11: Any, a12: Any, a13: Any, a14: Any, a15: Any,
                a16: Any, a17: Any, a18: Any, a19: Any, a20: Any, a21: Any, a22: Any,
                a23: Any, a24: Any, a25: Any, a26: Any, a27: Any, a28: Any, a29: Any,
                a30: Any, a31: Any, a32: Any, a33: Any, a34: Any, a35: Any, a36: Any,
                a37: Any, until: float) -> int:
    return 0 if a0[0] == 0 or a1[0, 0] > until else 1


def _per_call(function: Any, *args: Any) -> float:
    function(*args)
    start = time.perf_counter()
    for _ in range(CALLS):
        function(*args)
    return (time.perf_counter() - start) / CALLS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    args = parser.parse_args()

    import networkx as nx

    from sim.engine import fast
    from sim.engine.kernel import simulate
    from sim.engine.world import World
    from sim.metrics import compute
    from sim.network.graph import from_networkx
    from sim.policies.actions import RULES
    from sim.scenario import parse_scenario

    n = args.accounts
    graph = from_networkx(nx.barabasi_albert_graph(n, 3, seed=SEED), segment_attribute=None)
    scenario = parse_scenario(f"""\
scenario: boundary
seed: {SEED}
horizon: 1000h
resolution: 1h
network: {{generator: erdos_renyi, accounts: {n}, mean_follows: 6}}
behaviour: {{share_probability: 0.4, attention: exponential(mean=1h), novelty: none}}
incident: {{type: post, author: random, brand_followers: 0}}
policies: [{{name: none}}]
""".encode())
    world = World(scenario, graph)
    world.prepare()
    replication = world.replication(2)
    tables = world.tables(scenario.policies[0], replication, cap=1.0, prune=True, online=31)
    from sim.engine.layout import pack_tables

    handle = pack_tables(tables)
    state = world.state
    packed = _per_call(fast.advance, world.net_handle, handle, world.state_handle, -1.0, False,
                       world.out)
    tuples = _per_call(_tuples, world.net, tables, state, -1.0)
    arrays = [state.meta, state.heap_key] + [np.zeros(4) for _ in range(36)]
    positional = _per_call(_positional, *arrays, -1.0)

    calls = 0
    original = fast.advance

    def counting(*call: Any) -> int:
        nonlocal calls
        calls += 1
        result: int = original(*call)
        return result

    fast.advance = counting
    try:
        start = time.perf_counter()
        run = simulate(world, scenario.policies[0], replication, RULES)
        values, _ = compute(run)
        world.release(replication.author)
        seconds = time.perf_counter() - start
    finally:
        fast.advance = original
    print(json.dumps({
        "benchmark": "boundary", "accounts": n,
        "seconds_per_call": {"packed_records": packed, "named_tuples": tuples,
                             "positional_38_arrays": positional},
        "outbreak": {"reactions": values["reactions"], "seconds": seconds,
                     "advance_calls": calls},
        "boundary_share_of_outbreak": calls * packed / seconds,
        "target_share_at_most": 0.05,
    }))


if __name__ == "__main__":
    main()
