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

import math
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.engine import layout
from sim.engine.kernel import Run, simulate
from sim.experiment.results import Results
from sim.experiment.runner import world_for
from sim.metrics import first_exposures
from sim.network.graph import Graph
from sim.policies.actions import RULES
from sim.scenario.values import HOUR

MAX_ACCOUNTS = 2000
MAX_EDGES = 5000


def representative(results: Results) -> tuple[int, list[int]]:
    """The replication index to show, and the policies (baseline, best) to show it under."""
    metric = results.scenario.risk_metric
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
    world = world_for(scenario, graph, replication)
    drawn = world.replication(replication)
    runs = []
    for p in policies:
        runs.append(_Record.of(simulate(world, scenario.policies[p], drawn, RULES)))
        world.release(drawn.author)
    keep = _accounts(drawn.author, runs)  # the author first: index 0 of the view
    index = {int(a): i for i, a in enumerate(keep)}
    edges = _edges(keep, index, runs, world.graph)
    x, y = radial_layout(len(keep), edges)
    names = [*world.graph.segment_names, "brand"]
    return {
        "replication": int(replication),
        "policies": [results.policies[p] for p in policies],
        "segment": [names[int(world.graph.segment[a])] for a in keep],
        "x": [round(float(v), 4) for v in x],
        "y": [round(float(v), 4) for v in y],
        "edges": edges,
        "runs": [{key: [_hours(times.get(int(a), math.inf)) for a in keep]
                  for key, times in (("exposed", run.exposed), ("reacted", run.reacted),
                                     ("response", run.response))}
                 for run in runs],
        "horizon_h": scenario.horizon / HOUR,
    }


@dataclass
class _Record:
    """What the view needs of one run, per account it touched (times in seconds)."""

    exposed: dict[int, float]
    reacted: dict[int, float]
    response: dict[int, float]
    source: dict[int, int]

    @classmethod
    def of(cls, run: Run) -> _Record:
        """Read the run's records before its world is released."""
        cascade = run.cascade
        state = run.world.state
        author = run.replication.author
        reached, first = first_exposures(run)
        exposed = dict(zip(reached.tolist(), first.tolist(), strict=True))
        exposed[author] = 0.0
        accounts = cascade.reaction_accounts.tolist()
        reacted = dict(zip(accounts, cascade.reaction_times.tolist(), strict=True))
        reacted[author] = 0.0
        source = dict(zip(accounts, cascade.reaction_sources.tolist(), strict=True))
        response: dict[int, float] = {}
        answered = np.unique(state.answered_list[: state.meta[layout.ANSWERED]])
        if len(answered):
            for account, t in zip(answered.tolist(), state.seen[:, answered].min(axis=0),
                                  strict=True):
                response[account] = float(t)
        supported = state.support_list[: state.meta[layout.SUPPORTED]]
        for account, t in zip(supported.tolist(), state.support[supported].tolist(),
                              strict=True):
            response[account] = min(response.get(account, math.inf), t)
        return cls(exposed=exposed, reacted=reacted, response=response, source=source)


def _accounts(author: int, runs: list[_Record]) -> np.ndarray:
    reacted: dict[int, float] = {}
    exposed: dict[int, float] = {}
    for run in runs:
        for account, t in run.reacted.items():
            reacted[account] = min(reacted.get(account, math.inf), t)
        for account, t in run.exposed.items():
            exposed[account] = min(exposed.get(account, math.inf), t)
    reactors = sorted((t, a) for a, t in reacted.items() if a != author)
    seen = sorted((t, a) for a, t in exposed.items() if a != author and a not in reacted)
    order = [author] + [a for _, a in reactors] + [a for _, a in seen]
    return np.array(order[:MAX_ACCOUNTS], dtype=np.int64)


def _edges(keep: np.ndarray, index: dict[int, int], runs: list[_Record],
           graph: Graph) -> list[list[int]]:
    """Who-exposed-whom edges of both runs, then follows from posters, among kept accounts."""
    edges: dict[tuple[int, int], None] = {}
    for run in runs:
        for account in keep.tolist():
            source = run.source.get(account, -1)
            if source in index:  # -1 (no source) is never a kept account
                edges[(index[source], index[account])] = None
    for account in keep.tolist():
        if len(edges) >= MAX_EDGES:
            break
        if not any(account in run.reacted for run in runs):
            continue
        start, stop = graph.offsets[account], graph.offsets[account + 1]
        for follower in graph.followers[start:stop]:
            if int(follower) in index:
                edges.setdefault((index[account], index[int(follower)]), None)
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
