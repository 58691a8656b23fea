"""Fill in every default of a validated scenario, so nothing is left implicit.

A resolved scenario is what the engine runs and what ``scenario.resolved.yaml``
records. Resolving is idempotent: resolving a resolved scenario changes nothing,
which is what makes the resolved file round-trip.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from sim.scenario import fields as f
from sim.scenario.action_kinds import Default
from sim.scenario.media import scaled
from sim.scenario.schema import (
    DEFAULT_REACTIONS_PER_REACTION,
    GENERATOR_DEFAULTS,
    Action,
    Behaviour,
    Media,
    Network,
    Policy,
    Scenario,
    Segment,
)

FILE_NETWORK_DEFAULTS: dict[str, str] = {"direction": "follows", "ids": "auto"}


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
    exercise = scenario.exercise
    if exercise is not None:  # the options' actions, as the policies' (their time stays out)
        exercise = exercise.model_copy(update={"decisions": [
            d.model_copy(update={"options": [
                o.model_copy(update={"actions": [_action(a, scenario) for a in o.actions]})
                for o in d.options]})
            for d in exercise.decisions]})
    return scenario.model_copy(
        update={"network": network, "segments": segments, "policies": policies,
                "behaviour": behaviour, "media": media, "exercise": exercise}
    )


def _network(network: Network, base_dir: Path | None) -> Network:
    update: dict[str, object] = {}
    if network.generator is not None:
        for key, default in GENERATOR_DEFAULTS[network.generator].items():
            if getattr(network, key) is None:
                update[key] = default
    else:
        for key, default in FILE_NETWORK_DEFAULTS.items():
            if getattr(network, key) is None:
                update[key] = default
        for key in ("file", "segments_file"):
            name = getattr(network, key)
            if name is not None and base_dir is not None:
                update[key] = str((base_dir / name).resolve())
    return network.model_copy(update=update)


def _action(action: Action, scenario: Scenario) -> Action:
    """Fill in the defaults of the action's own keys that depend on the scenario."""
    own = action.own
    update = {key: default.value for key, default in action.kind.defaults(own, scenario).items()
              if getattr(own, key) is None}
    return action.model_copy(update=update) if update else action


def default_of(model: BaseModel, name: str, scenario: Scenario) -> Default | None:
    """The default of the key ``name`` of ``model``, a part of ``scenario``, and its source.

    The default is the one the schema declares, or the one :func:`resolve` fills in from the
    rest of the scenario (a segment's attention from ``behaviour``, a statement's effects
    from the strategy table, a generator's parameters); its source is the one declared with
    the key (:func:`sim.scenario.fields.sourced`), or with the strategy table's row. For an
    action's own keys ``model`` is the :class:`Action`. ``None``: the key has no default.
    """
    if isinstance(model, Action) and name in model.kind.keys():
        info = model.kind.fields.model_fields[name]
        found = model.kind.defaults(model.own, scenario).get(name)
        if found is not None:
            return found
    else:
        info = type(model).model_fields[name]
    source = f.source_of(info) or f.OUR_DEFAULT
    value = info.default
    if isinstance(model, Segment) and name == "attention":
        value = scenario.behaviour.attention
    elif isinstance(model, Behaviour) and name == "reactions_per_reaction":
        value = DEFAULT_REACTIONS_PER_REACTION
    elif isinstance(model, Network) and model.generator is not None:
        value = GENERATOR_DEFAULTS[model.generator].get(name, value)
    elif isinstance(model, Network):
        value = FILE_NETWORK_DEFAULTS.get(name, value)
    elif isinstance(model, Media) and scenario.network.accounts is not None:
        value = getattr(scaled(Media(), scenario.network.accounts), name)
    if info.is_required():
        return None
    return Default(value, source)
