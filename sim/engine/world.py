"""What one replication shares across policies: the network and its random draws.

Common random numbers: every policy of a replication sees the same per-follow
delays and reaction uniforms, the same author and the same per-account draws, so
two policies differ only where their actions make them differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine import delays
from sim.randomness.seeds import stream
from sim.network.graph import Graph
from sim.scenario.schema import Scenario, SegmentAuthor


@dataclass(frozen=True)
class World:
    """The network of one replication and every draw that does not depend on the policy.

    Attributes:
        edge_delay: seconds from a post by the followed account to the follower seeing it,
            one per follow (CSR order); each follow carries at most one story post.
        edge_response_delay: the same for the organisation's side: statements and their
            reshares, and supportive posts (an account's posts of these share its delays).
        edge_uniform: the uniform that decides a reaction at that exposure.
        edge_share: the uniform that decides whether the follower reshares a statement.
        edge_pickup: the uniform that decides a journalist's pickup at a story exposure.
        writing_delay: per account, how long its article would take (journalists only).
        derived_uniform: per account, decides reshare (>= derived_fraction) or derived post.
        base_p: per account, ``share_probability * share_multiplier * max(0, 1 - outrage *
            stance)``; 0 for the brand.
        share_multiplier: per account, its segment's ``share_multiplier`` (0 for the brand).
        audience: indices of every account but the brand (targets of random exposures).
        journalist: per account, whether it can write articles.
        author: the account that posts the trigger.
    """

    scenario: Scenario
    graph: Graph
    replication: int
    horizon: float
    edge_delay: np.ndarray
    edge_response_delay: np.ndarray
    edge_uniform: np.ndarray
    edge_share: np.ndarray
    edge_pickup: np.ndarray
    writing_delay: np.ndarray
    derived_uniform: np.ndarray
    base_p: np.ndarray
    share_multiplier: np.ndarray
    audience: np.ndarray
    journalist: np.ndarray
    author: int
    segment_attention: tuple[object, ...]


def make_world(scenario: Scenario, graph: Graph, replication: int) -> World:
    """Draw the policy-independent randomness of ``replication``."""
    rng = stream(scenario.seed, "cascade", replication)
    segments = scenario.segments or {}
    attentions = [s.attention for s in segments.values()]
    edge_delay = _edge_delays(graph, attentions, rng)
    edge_uniform = rng.random(graph.follows, dtype=np.float32)
    derived_uniform = rng.random(graph.accounts)
    behaviour = scenario.behaviour
    incident = scenario.incident
    multiplier = np.array([s.share_multiplier for s in segments.values()] + [0.0])
    stance_factor = np.maximum(0.0, 1.0 - incident.outrage * graph.stance.astype(np.float64))
    share_multiplier = multiplier[graph.segment]
    base_p = behaviour.share_probability * share_multiplier * stance_factor
    audience = np.flatnonzero(graph.segment >= 0)
    author = _author(scenario, graph, audience, rng)
    base_p[graph.segment < 0] = 0.0
    responds = any(a.do in ("statement", "advocates") for p in scenario.policies
                   for a in p.actions)
    if responds:  # only scenarios whose policies say something need these draws
        response_rng = stream(scenario.seed, "policy", replication, 1)
        response_delay = _edge_delays(graph, attentions, response_rng)
        edge_share = response_rng.random(graph.follows, dtype=np.float32)
    else:
        response_delay = np.zeros(0)
        edge_share = np.zeros(0, dtype=np.float32)
    media_rng = stream(scenario.seed, "media", replication, 1)
    media = np.array([s.media for s in segments.values()] + [False])
    journalist = media[graph.segment]
    writing_delay = np.full(graph.accounts, np.inf)
    if scenario.media is not None:
        edge_pickup = media_rng.random(graph.follows, dtype=np.float32)
        writing_delay[journalist] = delays.sample(scenario.media.writing_delay, media_rng,
                                                  int(journalist.sum()))
    else:
        edge_pickup = np.zeros(0, dtype=np.float32)
    return World(
        scenario=scenario, graph=graph, replication=replication,
        horizon=scenario.horizon, share_multiplier=share_multiplier, edge_delay=edge_delay,
        edge_response_delay=response_delay,
        edge_uniform=edge_uniform, edge_share=edge_share, edge_pickup=edge_pickup,
        writing_delay=writing_delay,
        derived_uniform=derived_uniform, base_p=base_p, audience=audience,
        journalist=journalist, author=author,
        segment_attention=tuple(attentions),
    )


def _edge_delays(graph: Graph, attentions: list[object], rng: np.random.Generator) -> np.ndarray:
    """One attention delay per follow, drawn from the follower's segment's distribution."""
    return delays.sample_by_segment(graph.segment[graph.followers], attentions, rng)


def _author(scenario: Scenario, graph: Graph, audience: np.ndarray,
            rng: np.random.Generator) -> int:
    author = scenario.incident.author
    if author == "brand":
        assert graph.brand is not None
        return graph.brand
    if isinstance(author, SegmentAuthor):
        names = list(scenario.segments or {})
        members = np.flatnonzero(graph.segment == names.index(author.segment))
        if len(members) == 0:
            members = audience
        return int(members[rng.integers(len(members))])
    return int(audience[rng.integers(len(audience))])
