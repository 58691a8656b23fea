"""Every parameter of a resolved scenario, and where its value comes from.

A value is either *set in the scenario* (the file gave it) or a *default*, and a default
is either a published figure (with its source, from docs/model.md and the model notes) or
a *judgement*: our choice, to be changed with open eyes (docs/scenarios.md lists them).
"""

from __future__ import annotations

import fnmatch
from typing import Any

from pydantic import BaseModel

from sim.scenario.loader import VERSION_KEY
from sim.scenario.resolve import DEFAULT_PLATFORM_DELAY, DEFAULT_STREISAND, DEFAULT_TAKEDOWN_TOP
from sim.scenario.schema import DEFAULT_REACTIONS_PER_REACTION, Action, Scenario, Segment
from sim.scenario.strategies import STRATEGIES

SET = "set in the scenario"
# default-source by field path (fnmatch patterns; the first match wins)
SOURCES: tuple[tuple[str, str], ...] = (
    ("behaviour.attention", "SEISMIC's Twitter memory kernel (Zhao et al., KDD 2015), its "
                            "tail steepened to real retweet times (docs/validation.md)"),
    ("segments.*.attention", "behaviour.attention"),
    ("behaviour.novelty", "none: the attention kernel holds the loss of interest "
                          "(docs/validation.md)"),
    ("behaviour.share_probability", "judgement"),
    ("behaviour.reactions_per_reaction", "the stylised-facts benchmark against real cascades "
                                         "(docs/validation.md)"),
    ("behaviour.derived_fraction", "judgement"),
    ("incident.outrage", "judgement"),
    ("media.*", "judgement"),
    ("policies.*.actions.*.effect", "strategy table: direction from Coombs (SCCT 2007) and "
                                    "Herhausen et al. (J. Marketing 2019); size judgement"),
    ("policies.*.actions.*.newsworthiness", "strategy table (judgement)"),
    ("policies.*.actions.*.share_probability", "the story's share probability"),
    ("policies.*.actions.*.streisand", "judgement"),
    ("policies.*.actions.*.top", "judgement"),
    ("policies.*.actions.*.platform_delay", "judgement"),
    ("precision", "5% of the baseline mean (our choice)"),
    ("max_replications", "our choice"),
    ("monitoring.*", "our choice"),
)


def source_of(path: str) -> str:
    """Where a default at ``path`` comes from ("our default" when no source is listed)."""
    for pattern, source in SOURCES:
        if fnmatch.fnmatchcase(path, pattern):
            return source
    return "our default"


def rows(scenario: Scenario) -> list[tuple[str, str, str]]:
    """``(path, value, origin)`` for every leaf parameter of a resolved scenario.

    A value equal to its default (the schema's, or the one the resolver fills in: a
    segment's attention from ``behaviour``, a statement's effects from the strategy table)
    counts as the default; this works on a scenario read back from its resolved file too.
    """
    out: list[tuple[str, str, str]] = []
    _walk(scenario, "", scenario, out)
    return out


def _resolved_default(model: BaseModel, name: str, scenario: Scenario) -> Any:
    if isinstance(model, Segment) and name == "attention":
        return scenario.behaviour.attention
    if name == "reactions_per_reaction" and model is scenario.behaviour:
        return DEFAULT_REACTIONS_PER_REACTION
    if isinstance(model, Action):
        if name == "share_probability":
            return scenario.behaviour.share_probability
        if name in ("effect", "newsworthiness") and model.strategy in STRATEGIES:
            strategy = STRATEGIES[model.strategy]
            return strategy.reaction if name == "effect" else strategy.newsworthiness
        return {"streisand": DEFAULT_STREISAND, "top": DEFAULT_TAKEDOWN_TOP,
                "platform_delay": DEFAULT_PLATFORM_DELAY}.get(name, _NONE)
    return _NONE


_NONE = object()


def _walk(value: Any, path: str, scenario: Scenario, out: list[tuple[str, str, str]]) -> None:
    if isinstance(value, BaseModel):
        dumped = value.model_dump(mode="json")
        for name, field in type(value).model_fields.items():
            child = getattr(value, name)
            sub = f"{path}.{name}" if path else name
            if isinstance(child, dict) and child and not any(
                    isinstance(v, BaseModel | dict | list) for v in child.values()):
                # a mapping of plain values (risk.tiers): one row per entry, whose origin is
                # the whole mapping's
                origin = (f"default: {source_of(sub)}"
                          if _json(field.get_default(call_default_factory=True)) == _json(child)
                          else SET)
                out += [(f"{sub}.{key}", _shown(v), origin) for key, v in dumped[name].items()]
                continue
            if isinstance(child, BaseModel | dict | list) and child:
                _walk(child, sub, scenario, out)
                continue
            if dumped.get(name) is None or name == VERSION_KEY:
                continue
            default = _resolved_default(value, name, scenario)
            if default is _NONE:
                default = field.get_default(call_default_factory=True)
            is_default = _json(default) == _json(child)
            origin = f"default: {source_of(sub)}" if is_default else SET
            out.append((sub, _shown(dumped[name]), origin))
    elif isinstance(value, dict):
        for key, child in value.items():
            _walk(child, f"{path}.{key}", scenario, out)
    elif isinstance(value, list):
        for i, child in enumerate(value):
            _walk(child, f"{path}.{i}", scenario, out)


def _json(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return str(value) if not isinstance(value, int | float | bool | str | None) else value


def _shown(value: Any) -> str:
    if isinstance(value, float):  # 1000000, not 1e+06
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:g}"
    return str(value)
