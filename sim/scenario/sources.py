"""Every parameter of a resolved scenario, and where its value comes from.

A value is either *set in the scenario* (the file gave it) or a *default*, and a default's
source is declared with its key (:func:`sim.scenario.fields.sourced`, the action kinds'
declarations, the strategy table): a published figure with its reference, a *judgement*
(our modelling choice, to be changed with open eyes), a value derived from another
parameter, or a setting of the run. The assumptions table of the report and
:func:`judgements` read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from sim.scenario.action_kinds import Default
from sim.scenario.loader import VERSION_KEY
from sim.scenario.resolve import default_of
from sim.scenario.schema import Action, Scenario


@dataclass(frozen=True)
class Entry:
    """One leaf parameter of a resolved scenario.

    Attributes:
        path: where it is, dotted (``policies.1.actions.0.streisand``).
        value: its value as the resolved file writes it.
        default: its default and that default's source, when the value is the default
            (``None``: set in the scenario).
    """

    path: str
    value: Any
    default: Default | None


def entries(scenario: Scenario) -> list[Entry]:
    """Every leaf parameter of a resolved scenario, in the order of the schema.

    A value equal to its default (the schema's, or the one the resolver fills in) counts
    as the default; this works on a scenario read back from its resolved file too.
    """
    out: list[Entry] = []
    _walk(scenario, "", scenario, out)
    return out


def judgements(scenario: Scenario) -> list[tuple[str, Any]]:
    """``(path, value)`` of every default of a resolved scenario that is a judgement."""
    return [(e.path, e.value) for e in entries(scenario)
            if e.default is not None and e.default.source.judgement]


def _keys(model: BaseModel) -> list[str]:
    keys = list(type(model).model_fields)
    if isinstance(model, Action):
        keys += model.kind.keys()
    return keys


def _walk(value: Any, path: str, scenario: Scenario, out: list[Entry]) -> None:
    if isinstance(value, BaseModel):
        dumped = value.model_dump(mode="json")
        for name in _keys(value):
            child = getattr(value, name)
            sub = f"{path}.{name}" if path else name
            if isinstance(child, dict) and child and not any(
                    isinstance(v, BaseModel | dict | list) for v in child.values()):
                # a mapping of plain values (risk.tiers): one entry per key, whose origin is
                # the whole mapping's
                default = _default_if_equal(value, name, child, scenario)
                out += [Entry(f"{sub}.{key}", v, default) for key, v in dumped[name].items()]
                continue
            if isinstance(child, BaseModel | dict | list) and child:
                _walk(child, sub, scenario, out)
                continue
            if dumped.get(name) is None or name == VERSION_KEY:
                continue
            out.append(Entry(sub, dumped[name], _default_if_equal(value, name, child, scenario)))
    elif isinstance(value, dict):
        for key, child in value.items():
            _walk(child, f"{path}.{key}", scenario, out)
    elif isinstance(value, list):
        for i, child in enumerate(value):
            _walk(child, f"{path}.{i}", scenario, out)


def _default_if_equal(model: BaseModel, name: str, value: Any,
                      scenario: Scenario) -> Default | None:
    default = default_of(model, name, scenario)
    if default is None or _json(default.value) != _json(value):
        return None
    return default


def _json(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return str(value) if not isinstance(value, int | float | bool | str | None) else value
