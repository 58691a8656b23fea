"""One representative incident, account by account, for the report's cascade view.

The representative replication is the one whose baseline exposure is closest to the
baseline's median. It is simulated again (replications are pure functions of the
scenario and their index, so this gives the very run that was counted) under the
baseline and under the best policy (lowest mean of the risk metric), so the two panels
show the same incident under two responses. A subgraph of at most :data:`MAX_ACCOUNTS`
accounts is kept: the author, then the accounts that reacted in either run (earliest
first), then accounts that were only exposed. For each kept account and each of the two
runs: when it was first exposed, when it reacted, and when it first saw the
organisation's response (statement or supportive post), in hours (``None``: never).
Positions come from :func:`radial_layout`. The result is plain JSON, stored in the
checkpoint so a report is rebuilt without simulating.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from sim.engine.kernel import Run, simulate
from sim.engine.world import make_world
from sim.experiment.results import Results
from sim.metrics import exposure_summary, time_grid
from sim.network.build import audience
from sim.network.graph import Graph
from sim.scenario.values import HOUR

MAX_ACCOUNTS = 2000
MAX_EDGES = 5000


def representative(results: Results) -> tuple[int, list[int]]:
    """The replication index to show, and the policies (baseline, best) to show it under."""
    metric = results.scenario.risk.metric if results.scenario.risk else "exposure"
    exposure = results.metric(results.policies[0], metric)
    position = int(np.argmin(np.abs(exposure - np.median(exposure))))
    policies = [0]
    if len(results.policies) > 1:
        means = [np.nanmean(results.metric(name, metric)) for name in results.policies[1:]]
        policies.append(1 + int(np.argmin(means)))
    return results.replications[position], policies


def snapshot(results: Results, graph: Graph | None = None) -> dict[str, Any]:
    """The representative incident under the baseline and the best policy (plain JSON)."""
    scenario = results.scenario
    replication, policies = representative(results)
    if graph is None:
        graph = audience(scenario, replication)
    world = make_world(scenario, graph, replication)
    grid = time_grid(scenario.horizon, scenario.resolution)
    runs = [simulate(world, scenario.policies[p]) for p in policies]
    timings = [_timings(run, grid) for run in runs]
    keep = _accounts(world.author, timings)  # the author first: index 0 of the view
    index = {int(a): i for i, a in enumerate(keep)}
    edges = _edges(keep, index, runs, graph)
    x, y = radial_layout(len(keep), edges)
    names = [*graph.segment_names, "brand"]
    return {
        "replication": int(replication),
        "policies": [results.policies[p] for p in policies],
        "segment": [names[int(graph.segment[a])] for a in keep],
        "x": [round(float(v), 4) for v in x],
        "y": [round(float(v), 4) for v in y],
        "edges": edges,
        "runs": [{key: [_hours(t) for t in times[keep]] for key, times in timing.items()}
                 for timing in timings],
        "horizon_h": scenario.horizon / HOUR,
    }


def _timings(run: Run, grid: np.ndarray) -> dict[str, np.ndarray]:
    cascade = run.cascade
    first, _ = exposure_summary(run, grid)  # a fresh array: ours to change
    first[run.world.author] = 0.0
    response = cascade.support_seen.copy()
    for statement in cascade.statements:
        np.minimum(response, statement.seen, out=response)
    return {"exposed": first, "reacted": cascade.reacted_at.copy(), "response": response}


def _accounts(author: int, timings: list[dict[str, np.ndarray]]) -> np.ndarray:
    reacted = np.min([t["reacted"] for t in timings], axis=0)
    exposed = np.min([t["exposed"] for t in timings], axis=0)
    reactors = np.flatnonzero(np.isfinite(reacted))
    reactors = reactors[np.argsort(reacted[reactors], kind="stable")]
    seen = np.flatnonzero(np.isfinite(exposed) & ~np.isfinite(reacted))
    seen = seen[np.argsort(exposed[seen], kind="stable")]
    order = np.concatenate([[author], reactors[reactors != author], seen[seen != author]])
    return order[:MAX_ACCOUNTS].astype(np.int64)


def _edges(keep: np.ndarray, index: dict[int, int], runs: list[Run],
           graph: Graph) -> list[list[int]]:
    """Who-exposed-whom edges of both runs, then follows from posters, among kept accounts."""
    edges: dict[tuple[int, int], None] = {}
    for run in runs:
        parent = run.cascade.parent
        for account in keep:
            source = int(parent[account])
            if source in index:  # -1 (no parent) is never a kept account
                edges[(index[source], index[int(account)])] = None
    for account in keep:
        if len(edges) >= MAX_EDGES:
            break
        if not any(np.isfinite(run.cascade.reacted_at[account]) for run in runs):
            continue
        start, stop = graph.offsets[account], graph.offsets[account + 1]
        for follower in graph.followers[start:stop]:
            if int(follower) in index:
                edges.setdefault((index[int(account)], index[int(follower)]), None)
                if len(edges) >= MAX_EDGES:
                    break
    return [list(edge) for edge in edges]


def radial_layout(count: int, edges: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """The author at the centre, each account on the ring of its distance from the author.

    Distances follow the edges (breadth first from account 0, the author); the angle is
    the account's place in a depth-first walk of that breadth-first tree, so that each
    account's descendants sit in one sector beyond it. Accounts the edges do not reach
    go on an outer ring. Deterministic: no random layout.
    """
    children: list[list[int]] = [[] for _ in range(count)]
    for a, b in edges:
        children[a].append(b)
    depth = np.full(count, -1)
    depth[0] = 0
    tree: list[list[int]] = [[] for _ in range(count)]
    queue = deque([0])
    while queue:
        node = queue.popleft()
        for child in children[node]:
            if depth[child] < 0:
                depth[child] = depth[node] + 1
                tree[node].append(child)
                queue.append(child)
    order = np.zeros(count)
    position = 0
    stack = [0]
    while stack:
        node = stack.pop()
        order[node] = position
        position += 1
        stack.extend(reversed(tree[node]))
    reached = position
    outer = int(depth.max()) + 1
    unreached = np.flatnonzero(depth < 0)
    depth[unreached] = outer
    angle = 2 * np.pi * order / max(1, reached)
    angle[unreached] = 2 * np.pi * np.arange(len(unreached)) / max(1, len(unreached))
    radius = depth / max(1, outer)
    return radius * np.cos(angle), radius * np.sin(angle)


def _hours(t: float) -> float | None:
    return round(float(t) / HOUR, 4) if np.isfinite(t) else None
