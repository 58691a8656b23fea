"""Render the scenario reference (docs/scenario-reference.md) from the schema itself.

The reference cannot drift from the code: a test regenerates it and compares.
Regenerate with ``make reference`` (or ``python tools/gen_reference.py --write``).
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel, PlainSerializer
from pydantic.fields import FieldInfo

from sim.scenario import (
    action,
    action_kinds,
    documented,
    exercise,
    schema,
    sweeps,
    uncertain,
    values,
)
from sim.scenario import fields as f
from sim.scenario.fields import Expect
from sim.scenario.strategies import STRATEGIES

SECTIONS: list[tuple[str, type[BaseModel]]] = [
    ("Top level", schema.Scenario),
    ("`network`", schema.Network),
    ("`segments.NAME`", schema.Segment),
    ("`behaviour`", schema.Behaviour),
    ("`incident`", schema.Incident),
    ("`incident.promotion`", schema.Promotion),
    ("`incident.trending`", schema.Trending),
    ("`media`", schema.Media),
    ("`monitoring`", schema.Monitoring),
    ("`policies[i]`", schema.Policy),
    ("`policies[i].actions[j]`", action.Action),
    ("`policies[i].actions[j].when`", action.Trigger),
    ("`risk`", schema.Risk),
    ("`exercise`", exercise.Exercise),
    ("`exercise.decisions[i]`", exercise.Decision),
    ("`exercise.decisions[i].options[j]`", exercise.Option),
    ("`exercise.injects[i]`", exercise.Inject),
    ("`sweep`", sweeps.Sweep),
    ("`uncertain[i]`", uncertain.UncertainRange),
    ("`documented`", documented.Documented),
    ("`documented.figures[i]`", documented.Figure),
]


def render() -> str:
    """The whole reference as Markdown."""
    out = [
        "# Scenario reference",
        "",
        "<!-- Generated from sim/scenario/schema.py and sim/scenario/action_kinds.py by "
        "tools/gen_reference.py; do not edit. -->",
        "",
        "Every key a scenario file accepts, what it expects and its default. Unknown keys are "
        "errors. \"required\" keys must be given; a default of \"-\" means the key is optional "
        "and unset (see its meaning). A default's source is a published figure with its "
        "reference, a *judgement* (our modelling choice), the parameter it is derived from, or "
        "\"our default\"/\"our choice\" for a setting of the run or a neutral value. The top "
        "level also accepts `flashpoint_version` (text), which `scenario.resolved.yaml` "
        "records and the loader ignores.",
        "",
    ]
    for title, model in SECTIONS:
        out += [f"## {title}", "", (model.__doc__ or "").strip().splitlines()[0], ""]
        out += _table(model)
    out += _values_section() + _actions_section() + _strategies_section()
    return "\n".join(out).rstrip() + "\n"


def _table(model: type[BaseModel]) -> list[str]:
    out = ["| key | expects | default | source of the default | meaning |",
           "|---|---|---|---|---|"]
    for name, info in model.model_fields.items():
        source = f.source_of(info)
        out.append(f"| `{info.alias or name}` | {_expects(info)} | {_default(info)} | "
                   f"{_cell(str(source)) if source else '-'} | "
                   f"{_cell(info.description or '')} |")
    return [*out, ""]


def _plural(text: str) -> str:
    """``non-empty text`` as the items of a list: ``non-empty texts``."""
    return text + "s" if text.endswith("text") else text


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _metadata(info: FieldInfo) -> list[Any]:
    found = list(info.metadata)
    if typing.get_origin(info.annotation) not in (list, dict):
        for arg in typing.get_args(info.annotation):
            found += list(getattr(arg, "__metadata__", ()))
    found += list(getattr(info.annotation, "__metadata__", ()))
    return found


def _expects(info: FieldInfo) -> str:
    for meta in _metadata(info):
        if isinstance(meta, Expect):
            return _cell(meta.text)
    annotation = info.annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    lists = [a for a in [annotation, *args] if typing.get_origin(a) is list]
    if lists:
        item = typing.get_args(lists[0])[0]
        if isinstance(item, type) and issubclass(item, BaseModel):
            return "a list of mappings (see its section)"
        metas = [m for m in getattr(item, "__metadata__", ()) if isinstance(m, Expect)]
        return f"a list of {_plural(metas[0].text)}" if metas else "a list of values"
    if args and all(a in (float, str) for a in args):
        return "a number, or a duration such as `30m`"
    if typing.get_origin(annotation) is typing.Literal:
        return "one of " + ", ".join(f"`{a}`" for a in typing.get_args(annotation))
    if typing.get_origin(annotation) is dict:
        value = args[1]
        if isinstance(value, type) and issubclass(value, BaseModel):
            return "a mapping of names to mappings (see its section)"
        return "a mapping of names to numbers >= 0"
    for arg in [annotation, *args]:
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return "a mapping (see its section)"
        if typing.get_origin(arg) is dict:
            value = typing.get_args(arg)[1]
            if isinstance(value, type) and issubclass(value, BaseModel):
                return "a mapping of names to mappings (see its section)"
            return "a mapping of dotted paths to text"
    return "-"


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    shown = f.shown_default(info)
    if shown is not None:
        return _cell(shown)
    default = info.default
    if default is None:
        return "-"
    if isinstance(default, BaseModel):
        return "see its section"
    if isinstance(default, list):
        return "`[]`"
    for meta in _metadata(info):
        if isinstance(meta, PlainSerializer):
            return f"`{meta.func(default)}`"  # type: ignore[call-arg]
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if isinstance(default, float) and default.is_integer():
        return f"`{int(default)}`"
    if isinstance(default, str) and not default:
        return "`\"\"`"
    return f"`{default}`"


def _values_section() -> list[str]:
    out = [
        "## Value forms",
        "",
        "- **Durations**: a number with a unit, `s`, `m`, `h` or `d`: `90s`, `30m`, `2h`, "
        "`1.5d`. A bare number is an error, except `0`.",
        "- **Distributions** are calls; a plain duration such as `30m` means `fixed(30m)`. "
        "Inside a flow mapping (`{...}`), quote a call that has a comma.",
        "",
        "| distribution | parameters |",
        "|---|---|",
    ]
    for table in (values.DISTRIBUTIONS, values.NOVELTIES):
        for name, (_, params) in table.items():
            parts = ", ".join(
                f"`{p.name}` ({'duration' if p.kind == 'duration' else 'number'} "
                f"{'>=' if p.low_inclusive else '>'} {p.low:g})" for p in params
            )
            out.append(f"| `{name}` | {parts or 'none'} |")
    out += [
        "",
        "`none` and `stretched_exp` are the novelty forms (`behaviour.novelty`); the others are "
        "delay distributions. `seismic(theta, plateau)` has a constant density up to `plateau`, "
        "then a power-law tail with exponent -(1+theta) (Zhao et al. 2015). With `knee` and "
        "`tail` (both or neither), the tail steepens at `knee`: beyond it the chance of a "
        "delay longer than t falls as t^-tail instead of t^-theta.",
        "",
        f"**Metric names** for `when`: {', '.join(f'`{m}`' for m in action.TRIGGER_METRICS)}.",
        "",
        f"**Metric names** for `risk.metric`: {', '.join(f'`{m}`' for m in schema.RISK_METRICS)}.",
        "",
    ]
    return out


def _actions_section() -> list[str]:
    out = ["## Action kinds", "",
           "The value of `do`, and the keys of each kind besides `do`, `at`, `when` and `delay` "
           "(declared in sim/scenario/action_kinds.py). A key of another kind is an error.", ""]
    for kind in action_kinds.KINDS.values():
        out += [f"### `do: {kind.name}`", "", kind.description, ""]
        out += _table(kind.fields) if kind.fields.model_fields else ["No keys of its own.", ""]
    return out


def _strategies_section() -> list[str]:
    out = ["## Statement strategies", "",
           "Default effects; the sizes are judgements (see docs/model.md), override them with "
           "`effect` and `newsworthiness`.", "",
           "| strategy | reaction multiplier | newsworthiness | meaning |", "|---|---|---|---|"]
    for name, s in STRATEGIES.items():
        out.append(f"| `{name}` | {s.reaction:g} | x{s.newsworthiness:g} | {s.meaning} |")
    reaction = dict.fromkeys(str(s.reaction_source) for s in STRATEGIES.values())
    news = dict.fromkeys(str(s.newsworthiness_source) for s in STRATEGIES.values())
    return [*out, "", f"Source of the reaction multipliers: {'; '.join(reaction)}. Of the "
            f"newsworthiness multipliers: {'; '.join(news)}.", ""]
