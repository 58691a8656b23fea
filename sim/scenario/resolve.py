"""Fill in every default of a validated scenario, so nothing is left implicit.

A resolved scenario is what the engine runs and what ``scenario.resolved.yaml``
records. Resolving is idempotent: resolving a resolved scenario changes nothing,
which is what makes the resolved file round-trip.
"""

from __future__ import annotations

from pathlib import Path

from sim.scenario import values
from sim.scenario.media import scaled
from sim.scenario.schema import (
    DEFAULT_REACTIONS_PER_REACTION,
    GENERATOR_DEFAULTS,
    Action,
    Network,
    Policy,
    Scenario,
    Segment,
)
from sim.scenario.strategies import STRATEGIES

DEFAULT_STREISAND = 1.5
DEFAULT_TAKEDOWN_TOP = 10
DEFAULT_PLATFORM_DELAY = values.LogNormal(median=6 * 3600.0, sigma=0.5)


def resolve(scenario: Scenario, base_dir: Path | None = None) -> Scenario:
    """Return ``scenario`` with every default filled in and file paths made absolute."""
    network = _network(scenario.network, base_dir)
    segments = dict(scenario.segments or {})
    if not segments:
        segments["public"] = Segment(fraction=1.0) if network.generator else Segment()
    elif network.file is not None and "public" not in segments:
        segments["public"] = Segment()
    attention = scenario.behaviour.attention
    segments = {
        name: s if s.attention is not None else s.model_copy(update={"attention": attention})
        for name, s in segments.items()
    }
    policies = [
        Policy(name=p.name, description=p.description,
               actions=[_action(a, scenario) for a in p.actions])
        for p in scenario.policies
    ]
    behaviour = scenario.behaviour
    if behaviour.share_probability is None and behaviour.reactions_per_reaction is None:
        behaviour = behaviour.model_copy(
            update={"reactions_per_reaction": DEFAULT_REACTIONS_PER_REACTION})
    media = scenario.media
    if media is not None and network.generator is not None and network.accounts is not None:
        media = scaled(media, network.accounts)  # a file network's size is known once loaded
    return scenario.model_copy(
        update={"network": network, "segments": segments, "policies": policies,
                "behaviour": behaviour, "media": media}
    )


def _network(network: Network, base_dir: Path | None) -> Network:
    update: dict[str, object] = {}
    if network.generator is not None:
        for key, default in GENERATOR_DEFAULTS[network.generator].items():
            if getattr(network, key) is None:
                update[key] = default
    else:
        if network.direction is None:
            update["direction"] = "follows"
        if network.ids is None:
            update["ids"] = "auto"
        for key in ("file", "segments_file"):
            name = getattr(network, key)
            if name is not None and base_dir is not None:
                update[key] = str((base_dir / name).resolve())
    return network.model_copy(update=update)


def _action(action: Action, scenario: Scenario) -> Action:
    update: dict[str, object] = {}
    if action.do == "delete" and action.streisand is None:
        update["streisand"] = DEFAULT_STREISAND
    elif action.do == "statement":
        assert action.strategy is not None
        strategy = STRATEGIES[action.strategy]
        if action.share_probability is None:
            update["share_probability"] = scenario.behaviour.share_probability
        if action.effect is None:
            update["effect"] = strategy.reaction
        if action.newsworthiness is None:
            update["newsworthiness"] = strategy.newsworthiness
    elif action.do == "takedown":
        if action.top is None:
            update["top"] = DEFAULT_TAKEDOWN_TOP
        if action.platform_delay is None:
            update["platform_delay"] = DEFAULT_PLATFORM_DELAY
    return action.model_copy(update=update)
