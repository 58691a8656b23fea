"""Benchmark the engine against EoN, CyNetDiff and NDlib on the same graphs, in one run.

The work: an independent cascade with transmission probability 0.4 on Barabasi-Albert graphs
(m = 3, every edge followed both ways) with 10^5 and 10^6 accounts, from one random seed
account, run until it ends. Time per *large* outbreak (over 1% of accounts), median of at
least 5.

- Flashpoint: one segment, novelty none, share probability 0.4, exponential attention (mean
  1h), random author, no policies, a 1000h horizon (the outbreaks end long before) and hourly
  time series; the time includes the replication's set-up, the simulation with its on-demand
  draws, every metric and time series (exposure bookkeeping included) and putting back the
  per-account state the run touched. The per-process scratch arrays are made once, before
  the first run, as a worker does.
- EoN 2.x ``fast_nonMarkov_SIR``: recovery after exactly 1, transmission after an exponential
  time of rate ``-ln(0.6)``, so an edge transmits with probability 0.4: the IC equivalent.
- CyNetDiff ``IndependentCascadeModel`` (activation probability 0.4) and NDlib's
  ``IndependentCascadesModel`` (threshold 0.4): discrete-time IC, shown for scale (NDlib only
  at 10^5: it is far too slow beyond).

Each (tool, size) runs in its own process, so its peak memory is its own. Prints one JSON line;
ratios are peer / Flashpoint. Usage::

    python benchmarks/bench_engine.py [--sizes 100000,1000000] [--outbreaks 5]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from typing import Any

M = 3
P = 0.4
SEED = 20261122
LARGE = 0.01
MAX_RUNS = 60


def _graph(n: int) -> Any:
    import networkx as nx

    return nx.barabasi_albert_graph(n, M, seed=SEED)


def _peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else math.nan


def _outbreaks(once: Any, n: int, outbreaks: int) -> dict[str, Any]:
    """Call ``once(seed) -> (seconds, size)`` from random seeds until enough large outbreaks."""
    import numpy as np

    rng = np.random.default_rng(SEED)
    times, sizes = [], []
    for _ in range(MAX_RUNS):
        elapsed, size = once(int(rng.integers(n)))
        if size > LARGE * n:
            times.append(elapsed)
            sizes.append(size)
            if len(times) >= outbreaks:
                break
    return {"seconds_per_large_outbreak": _median(times), "large_outbreaks": len(times),
            "mean_size": sum(sizes) / max(1, len(sizes)), "peak_bytes": _peak()}


def bench_flashpoint(n: int, outbreaks: int) -> dict[str, Any]:
    from sim.engine.kernel import simulate
    from sim.engine.world import World
    from sim.metrics import compute
    from sim.network.graph import from_networkx
    from sim.policies.actions import RULES
    from sim.scenario import parse_scenario

    graph = from_networkx(_graph(n), segment_attribute=None)
    scenario = parse_scenario(f"""\
scenario: IC-equivalent benchmark
seed: {SEED}
horizon: 1000h
resolution: 1h
network: {{generator: erdos_renyi, accounts: {n}, mean_follows: 6}}
behaviour: {{share_probability: {P}, attention: exponential(mean=1h), novelty: none}}
incident: {{type: post, author: random, brand_followers: 0}}
policies: [{{name: none}}]
""".encode())
    world = World(scenario, graph)
    world.prepare()  # the per-process scratch arrays, made once and reused by every run
    times, reactions = [], []
    for r in range(MAX_RUNS):
        start = time.perf_counter()
        replication = world.replication(r)
        run = simulate(world, scenario.policies[0], replication, RULES)
        values, _ = compute(run)
        world.release(replication.author)
        elapsed = time.perf_counter() - start
        if values["reactions"] > LARGE * n:
            times.append(elapsed)
            reactions.append(values["reactions"])
            if len(times) >= outbreaks:
                break
    median = _median(times)
    return {"seconds_per_large_outbreak": median, "large_outbreaks": len(times),
            "mean_reactions": sum(reactions) / max(1, len(reactions)),
            "reactions_per_second": (sum(reactions) / sum(times)) if times else math.nan,
            "peak_bytes": _peak()}


def bench_eon(n: int, outbreaks: int) -> dict[str, Any]:
    import EoN
    import numpy as np

    graph = _graph(n)
    rng = np.random.default_rng(SEED + 1)
    rate = -math.log(1 - P)

    def transmission(source: int, target: int) -> float:
        return float(rng.exponential(1 / rate))

    def recovery(node: int) -> float:
        return 1.0

    def once(seed: int) -> tuple[float, int]:
        start = time.perf_counter()
        _, _, _, r = EoN.fast_nonMarkov_SIR(graph, trans_time_fxn=transmission,
                                            rec_time_fxn=recovery, initial_infecteds=[seed])
        return time.perf_counter() - start, int(r[-1])

    return _outbreaks(once, n, outbreaks)


def bench_cynetdiff(n: int, outbreaks: int) -> dict[str, Any]:
    from cynetdiff.utils import networkx_to_ic_model

    model, _ = networkx_to_ic_model(_graph(n).to_directed(), activation_prob=P, rng=SEED)

    def once(seed: int) -> tuple[float, int]:
        start = time.perf_counter()
        model.reset_model()
        model.set_seeds([seed])
        model.advance_until_completion()
        return time.perf_counter() - start, int(model.get_num_activated_nodes())

    return _outbreaks(once, n, outbreaks)


def bench_ndlib(n: int, outbreaks: int) -> dict[str, Any]:
    import ndlib.models.epidemics as ep
    import ndlib.models.ModelConfig as mc

    graph = _graph(n)

    def once(seed: int) -> tuple[float, int]:
        model = ep.IndependentCascadesModel(graph, seed=SEED)
        config = mc.Configuration()
        config.add_model_initial_configuration("Infected", [seed])
        for edge in graph.edges():
            config.add_edge_configuration("threshold", edge, P)
        model.set_initial_status(config)
        start = time.perf_counter()
        while True:
            step = model.iteration(node_status=False)
            if step["node_count"][1] == 0:
                break
        return time.perf_counter() - start, int(step["node_count"][2])

    return _outbreaks(once, n, outbreaks)


RUNNERS = {"flashpoint": bench_flashpoint, "eon": bench_eon, "cynetdiff": bench_cynetdiff,
           "ndlib": bench_ndlib}


def _child(tool: str, n: int, outbreaks: int) -> dict[str, Any]:
    result = subprocess.run([sys.executable, __file__, "--child", tool, str(n), str(outbreaks)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return {"error": (result.stderr.strip().splitlines() or ["failed"])[-1]}
    outcome: dict[str, Any] = json.loads(result.stdout)
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--outbreaks", type=int, default=5)
    parser.add_argument("--ndlib-max", type=int, default=100000,
                        help="largest graph NDlib is run on")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        tool, n, outbreaks = args.child[0], int(args.child[1]), int(args.child[2])
        print(json.dumps(RUNNERS[tool](n, outbreaks)))
        return
    report: dict[str, Any] = {"benchmark": "engine", "model": "independent cascade",
                              "p": P, "ba_m": M, "sizes": {}}
    for n in map(int, args.sizes.split(",")):
        entry: dict[str, Any] = {}
        for tool in RUNNERS:
            if tool == "ndlib" and n > args.ndlib_max:
                continue
            entry[tool] = _child(tool, n, args.outbreaks)
        ours = entry["flashpoint"].get("seconds_per_large_outbreak", math.nan)
        entry["ratio_peer_over_flashpoint"] = {
            tool: value["seconds_per_large_outbreak"] / ours
            for tool, value in entry.items()
            if tool != "flashpoint" and "seconds_per_large_outbreak" in value
        }
        report["sizes"][str(n)] = entry
    print(json.dumps(report))


if __name__ == "__main__":
    main()
