"""The ``exercise:`` section: a live crisis exercise's decision points, injects and posts.

An exercise is a tree of decisions. Each decision point has a time (``at``) or a trigger
(``when``, the :class:`~sim.scenario.action.Trigger` of actions) and 2 to 5 options; an
option is a list of actions of the registered kinds, written without their own ``at`` or
``when`` (the decision's applies) and with an optional ``delay`` (the sign-off time the
option implies, added to each of its actions' delay). Every combination of one option per
decision is a *path*; the experiment layer (:mod:`sim.experiment.exercise`) turns each path
into a policy and runs them all together, with common random numbers.

An option's actions are validated by :class:`~sim.scenario.action.Action` itself: a
placeholder ``at: 0`` is put in before, and taken out again when the action is written
back, so every kind's keys and messages are the same as in ``policies``. The checks that
need the rest of the scenario (segments, the horizon, the promotion, the brand's account)
are made by :class:`~sim.scenario.schema.Scenario`, for these actions as for the policies'.

This module is imported by :mod:`sim.scenario.schema` once the models it builds on are
defined (``Model``, ``Action``, ``Trigger``).
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    WrapSerializer,
    field_validator,
    model_validator,
)

from sim.scenario import fields as f
from sim.scenario import limits, values
from sim.scenario.action import Action, Trigger
from sim.scenario.base import Model

MIN_OPTIONS, MAX_OPTIONS = 2, 5
PATH_SEPARATOR = " / "  # joins the option names of a path: "apologise / pull / nothing"
_TIMING = ("at", "when")


def _placeholder_time(value: Any) -> Any:
    """An option's action, before :class:`Action` checks it: no ``at``/``when`` of its own."""
    if not isinstance(value, dict):
        return value
    own = [key for key in _TIMING if key in value]
    if own:
        raise f.fail("", *[((key,), "left out of an option's action (the decision's 'at' or "
                            "'when' applies to each of its actions)", value[key])
                           for key in own])
    return {**value, "at": 0}


def _without_time(value: Action, handler: SerializerFunctionWrapHandler,
                  info: SerializationInfo) -> Any:
    """An option's action as the file writes it: without the placeholder time."""
    data = handler(value)
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if k not in _TIMING}
    return data


OptionAction = Annotated[Action, BeforeValidator(_placeholder_time),
                         WrapSerializer(_without_time)]


def add_delays(first: values.Distribution,
               second: values.Distribution) -> values.Distribution | None:
    """The distribution of ``first + second``, when the engine can draw it with one number.

    The engine draws an action's delay from one uniform (docs/architecture.md), so a sum is
    a delay only where it is one of the declared distributions: a fixed delay plus a fixed
    or uniform one, or ``fixed(0)`` plus anything.

    Returns:
        The sum, or None when it is not one of the declared distributions (two random
        delays, or a fixed shift of one that has no shift parameter).
    """
    for a, b in ((first, second), (second, first)):
        if isinstance(a, values.Fixed):
            if a.value == 0:
                return b
            if isinstance(b, values.Fixed):
                return values.Fixed(a.value + b.value)
            if isinstance(b, values.Uniform):
                return values.Uniform(low=b.low + a.value, high=b.high + a.value)
    return None


class Option(Model):
    """One option of a decision point: what the team may decide."""

    name: f.Name = Field(description="Unique within the decision; a path's name joins its "
                         "options' names with ' / ', so it may not contain ' / '.")
    actions: list[OptionAction] = Field(
        [], description="Actions of the kinds of `policies[i].actions[j]`, without `at` or "
        "`when` (the decision's applies). Empty: do nothing.")
    delay: f.Distribution = f.sourced(
        values.Fixed(0.0), "The sign-off time this option implies, added to each of its "
        "actions' delay (the sum must be a distribution: at most one of the two random, and "
        "a fixed shift only of a fixed or uniform delay).", f.OUR_DEFAULT)

    @field_validator("name", mode="after")
    @classmethod
    def _joinable(cls, name: str) -> str:
        if PATH_SEPARATOR in name:
            raise f.fail(f"non-empty text without '{PATH_SEPARATOR}' (it joins the option "
                         "names of a path)")
        return name

    @model_validator(mode="after")
    def _delays_add(self) -> Option:
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        for j, action in enumerate(self.actions):
            if add_delays(self.delay, action.delay) is None:
                problems.append((("actions", j, "delay"), f"a fixed delay, or left out, when "
                                 f"the option's delay is {self.delay} (their sum must be one "
                                 "distribution)", str(action.delay)))
        if problems:
            raise f.fail("", *problems)
        return self


def _effect(option: Option) -> str:
    """What an option does, as text: equal for options that give the same paths."""
    if not option.actions:
        return "[]"
    return repr([(action.model_dump(mode="json"), str(add_delays(option.delay, action.delay)))
                 for action in option.actions])


class Decision(Model):
    """A decision point: a prompt, a time or trigger, and the options."""

    prompt: f.Name = Field(description="The question put to the team.")
    at: f.Duration | None = Field(None, description="Time after the incident starts. Set "
                                  "exactly one of `at` or `when`.")
    when: Trigger | None = Field(None, description="A metric threshold, checked every "
                                 "`monitoring.interval` (as an action's `when`).")
    options: list[Option] = Field(description=f"{MIN_OPTIONS} to {MAX_OPTIONS} options; "
                                  "the first is the baseline's choice.")

    @field_validator("options", mode="after")
    @classmethod
    def _options(cls, options: list[Option]) -> list[Option]:
        if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
            raise f.fail("", ((), f"a list of {MIN_OPTIONS} to {MAX_OPTIONS} options",
                              f.Verbatim(f"{len(options)} option"
                                         f"{'' if len(options) == 1 else 's'}")))
        first_seen: dict[str, int] = {}
        same_effect: dict[str, int] = {}
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        for i, option in enumerate(options):
            if option.name in first_seen:
                problems.append(((i, "name"), f"unique within the decision (options["
                                 f"{first_seen[option.name]}] has the same name)", option.name))
            first_seen.setdefault(option.name, i)
            effect = _effect(option)
            if effect in same_effect:  # two paths that are one: a choice that changes nothing
                problems.append(((i, "actions"), f"actions (or a delay) that differ from "
                                 f"those of options[{same_effect[effect]}] (the two options "
                                 "would give the same paths)", f.Verbatim(
                                     "nothing" if not option.actions else "the same actions")))
            same_effect.setdefault(effect, i)
        if problems:
            raise f.fail("", *problems)
        return options

    @model_validator(mode="after")
    def _at_or_when(self) -> Decision:
        if self.at is None and self.when is None:
            raise f.fail("a decision with exactly one of 'at' (a time) or 'when' (a trigger)")
        if self.at is not None and self.when is not None:
            raise f.fail("", (("when",), "left out when 'at' is set (set exactly one of "
                              "'at' or 'when')", self.model_dump(mode="json")["when"]))
        return self


class Inject(Model):
    """A message put to the team during the exercise (it changes nothing in the model)."""

    at: f.Duration = Field(description="Time after the incident starts.")
    sender: f.Name = Field(description="Who it is from, as shown to the team.")
    text: f.Name = Field(description="The message.")


class Exercise(Model):
    """A live crisis exercise: decision points, injects and example posts."""

    decisions: list[Decision] = Field(
        description="At least one, in the order they are put to the team. Every combination "
        f"of one option per decision is a path (at most {limits.MAX_EXERCISE_PATHS}).")
    injects: list[Inject] = Field([], description="Messages put to the team at given times.")
    posts: Annotated[dict[f.SegmentName, list[f.Name]],
                     f.Expect("a mapping of segment names to lists of texts")] = Field(
        {}, description="Segment name to short example posts by its accounts, shown as the "
        "story spreads in that segment.")

    @field_validator("decisions", mode="after")
    @classmethod
    def _paths(cls, decisions: list[Decision]) -> list[Decision]:
        if not decisions:
            raise f.fail("a list of at least one decision")
        count = path_count(decisions)
        if count > limits.MAX_EXERCISE_PATHS:
            sizes = " x ".join(str(len(d.options)) for d in decisions)
            raise f.fail("", ((), f"a list of decisions with at most "
                              f"{limits.MAX_EXERCISE_PATHS} paths (the product of their "
                              f"options' counts; each path is a policy of the run)",
                              f.Verbatim(f"{count:,} paths ({sizes})")))
        return decisions


def path_count(decisions: list[Decision]) -> int:
    """How many paths the decisions make: the product of their options' counts."""
    return math.prod(len(d.options) for d in decisions)
