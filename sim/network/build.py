"""Build a scenario's audience: the graph, its segments and the brand's account."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.network import generators
from sim.network.graph import INDEX, OFFSET, Graph
from sim.network.loaders import load_graph, read_segments
from sim.randomness.seeds import stream
from sim.scenario.apportion import segment_counts
from sim.scenario.errors import FieldError
from sim.scenario.schema import FollowersAuthor, Scenario, SegmentAuthor

BRAND = -1


def audience(scenario: Scenario, replication: int = 0) -> Graph:
    """The scenario's network, from its ``network`` random stream.

    One network serves every replication unless ``network.resample`` is true, in which case
    each replication draws its own from a child stream.
    """
    path = (replication,) if scenario.network.resample else ()
    return build_network(scenario, stream(scenario.seed, "network", *path))


def build_network(scenario: Scenario, rng: np.random.Generator) -> Graph:
    """The audience of a resolved scenario, drawn with ``rng`` (the scenario's network stream).

    Generated networks get segments by ``fraction`` and, if ``brand_followers`` is given, an
    extra account for the brand, followed by that many accounts drawn at random (without it
    the network has no brand: ``Graph.brand`` is None). With ``incident.author:
    {followers: N}`` one more account comes last (``Graph.author``, after the brand's), in
    the first segment, followed by N audience accounts drawn at random after everything else,
    so the rest of the network is the one the scenario would have with any other author. File
    networks take segments from ``segments_file`` (unlisted accounts are ``public``) and the
    brand, if ``brand_account`` is given, from it. The brand's segment is :data:`BRAND` (-1):
    it belongs to no audience.
    """
    network = scenario.network
    segments = scenario.segments or {}
    names = list(segments)
    if network.generator is not None:
        graph = _generate(scenario, rng)
        graph.segment_names = tuple(names)
        graph.segment = _assign_segments(scenario, graph.accounts, rng)
        if scenario.incident.brand_followers is not None:
            graph = _add_brand(graph, scenario.incident.brand_followers, rng)
        if isinstance(scenario.incident.author, FollowersAuthor):
            graph = add_author(graph, scenario.incident.author.followers, rng)
    else:
        assert network.file is not None and network.direction is not None
        graph = load_graph(network.file, direction=network.direction, ids=network.ids or "auto")
        graph.segment_names = tuple(names)
        if network.segments_file is not None:
            graph.segment = read_segments(network.segments_file, graph, names)
        else:
            graph.segment = np.full(graph.accounts, names.index("public"), dtype=np.int16)
        if scenario.incident.brand_account is not None:
            graph.brand = _find_brand(graph, scenario.incident.brand_account)
            graph.segment[graph.brand] = BRAND
        _used_segments_have_accounts(scenario, graph)
    stance = np.array([s.stance for s in segments.values()] + [0.0], dtype=np.float32)
    weight = np.array([s.weight for s in segments.values()] + [0.0], dtype=np.float32)
    graph.stance = stance[graph.segment]
    graph.weight = weight[graph.segment]
    return graph


def _generate(scenario: Scenario, rng: np.random.Generator) -> Graph:
    network = scenario.network
    assert network.accounts is not None and network.mean_follows is not None
    options: dict[str, Any] = {}
    if network.generator == "scale_free":
        options = {"follower_exponent": network.follower_exponent,
                   "reciprocity": network.reciprocity}
    elif network.generator == "small_world":
        options = {"rewire": network.rewire}
    elif network.generator == "communities":
        options = {"communities": network.communities, "mixing": network.mixing}
    make = getattr(generators, str(network.generator))
    graph: Graph = make(network.accounts, network.mean_follows, rng, **options)
    return graph


def _assign_segments(scenario: Scenario, accounts: int, rng: np.random.Generator) -> np.ndarray:
    segments = scenario.segments or {}
    counts = segment_counts([s.fraction or 0.0 for s in segments.values()], accounts)
    labels = np.repeat(np.arange(len(counts), dtype=np.int16), counts)
    if scenario.network.generator == "communities" and scenario.network.segments_by_community:
        return labels  # communities are contiguous blocks, so segments take whole communities
    return labels[rng.permutation(accounts)]


def _add_brand(graph: Graph, followers: int, rng: np.random.Generator) -> Graph:
    """Append the brand's account, followed by ``followers`` random accounts."""
    n = graph.accounts
    chosen = np.sort(rng.choice(n, size=followers, replace=False)).astype(INDEX)
    offsets = np.append(graph.offsets, graph.offsets[-1] + followers).astype(OFFSET)
    return Graph(
        offsets=offsets,
        followers=np.concatenate([graph.followers, chosen]),
        ids=np.append(graph.ids, n),
        segment=np.append(graph.segment, np.int16(BRAND)).astype(np.int16),
        segment_names=graph.segment_names,
        brand=n,
    )


def add_author(graph: Graph, followers: int, rng: np.random.Generator) -> Graph:
    """Append the author's account (first segment), followed by ``followers`` random accounts.

    The followers are drawn uniformly without replacement from the audience: every account
    but the brand (if there is one). The author follows no one.
    """
    n = graph.accounts
    if graph.brand is None:
        chosen = np.sort(rng.choice(n, size=followers, replace=False)).astype(INDEX)
    else:
        chosen = rng.choice(n - 1, size=followers, replace=False)
        chosen = np.sort(chosen + (chosen >= graph.brand)).astype(INDEX)  # skip the brand
    offsets = np.append(graph.offsets, graph.offsets[-1] + followers).astype(OFFSET)
    return Graph(
        offsets=offsets,
        followers=np.concatenate([graph.followers, chosen]),
        ids=np.append(graph.ids, n),
        segment=np.append(graph.segment, np.int16(0)).astype(np.int16),
        segment_names=graph.segment_names,
        brand=graph.brand,
        author=n,
    )


def _used_segments_have_accounts(scenario: Scenario, graph: Graph) -> None:
    """A file network's segments that the author or advocates come from have accounts.

    (A generated network's are checked when the scenario is validated.)

    Raises:
        FieldError: at the first key that names a segment with no account in the network.
    """
    names = list(graph.segment_names)
    counts = np.bincount(graph.segment[graph.segment >= 0], minlength=len(names))
    expected = "a segment with accounts in the network ({name} has none in network.file)"
    author = scenario.incident.author
    if isinstance(author, SegmentAuthor) and counts[names.index(author.segment)] == 0:
        raise FieldError(("incident", "author", "segment"),
                         expected.format(name=author.segment), repr(author.segment))
    for i, policy in enumerate(scenario.policies):
        for j, action in enumerate(policy.actions):
            segment = getattr(action, "segment", None) if action.do == "advocates" else None
            if segment is not None and counts[names.index(segment)] == 0:
                raise FieldError(("policies", i, "actions", j, "segment"),
                                 expected.format(name=segment), repr(segment))


def _find_brand(graph: Graph, brand_account: str) -> int:
    ids = graph.ids.astype(str)
    matches = np.flatnonzero(ids == str(brand_account))
    if len(matches) == 0:
        raise FieldError(("incident", "brand_account"),
                         "an account id in network.file", repr(brand_account))
    return int(matches[0])
