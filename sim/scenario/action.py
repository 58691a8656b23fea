"""An action of a response policy (or of an exercise's option), and its trigger.

The keys every action has are fields of :class:`Action`; a kind's own keys are declared by
its kind (:mod:`sim.scenario.action_kinds`). Apart from :mod:`sim.scenario.schema` so that the
exercise's models (:mod:`sim.scenario.exercise`) build on it without a circle of imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import (
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from sim.formatting import with_article
from sim.scenario import action_kinds, metric_registry, values
from sim.scenario import fields as f
from sim.scenario.base import Model
from sim.scenario.errors import show
from sim.scenario.suggest import did_you_mean

TRIGGER_METRICS = metric_registry.names(trigger=True)
TriggerMetric = f.choice(*TRIGGER_METRICS)
ActionKindName = f.choice_of(action_kinds.names)


class Trigger(Model):
    """Fire when a monitored metric is above a threshold."""

    metric: TriggerMetric = Field(
        description="The metric the monitor watches.")
    above: f.NonNegative = Field(description="Fire at the first sample above this value.")


class Action(Model):
    """One thing the organisation does, at a time or when a metric crosses a threshold.

    The keys every action has are fields here; a kind's own keys (``streisand``,
    ``strategy``...) are declared by its kind (:mod:`sim.scenario.action_kinds`) and checked
    by the kind's model. A scenario file writes them all flat (``{do: statement, at: 30m,
    strategy: apology}``), and so do :meth:`model_dump` and the resolved file; in Python
    they read as attributes (``action.strategy``), or together as :attr:`own`.
    """

    do: ActionKindName = Field(description="The action kind (see Action kinds).")
    at: f.Duration | None = Field(None, description="Time after the incident starts. Set "
                                  "exactly one of `at` or `when`.")
    when: Trigger | None = Field(None, description="A metric threshold, checked every "
                                 "`monitoring.interval`.")
    delay: f.Distribution = f.sourced(values.Fixed(0.0), "Detection and sign-off delay after "
                                      "`at` or the trigger.", f.OUR_DEFAULT)
    _own: action_kinds.ActionFields = PrivateAttr(default_factory=action_kinds.ActionFields)

    @model_validator(mode="after")
    def _at_or_when(self) -> Action:
        if self.at is None and self.when is None:
            raise f.fail("an action with exactly one of 'at' (a time) or 'when' (a trigger)")
        if self.at is not None and self.when is not None:
            raise f.fail("", (("when",), "left out when 'at' is set (set exactly one of "
                              "'at' or 'when')", self.model_dump(mode="json")["when"]))
        return self

    @model_validator(mode="wrap")
    @classmethod
    def _by_kind(cls, data: Any, handler: ModelWrapValidatorHandler[Action]) -> Action:
        """Check the keys every action has here, and the kind's own keys with its model."""
        if not isinstance(data, dict):
            return handler(data)
        do = data.get("do")
        kind = action_kinds.KINDS.get(do) if isinstance(do, str) else None
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        given: dict[str, Any] = {}
        for key, value in data.items():
            if key in cls.model_fields:
                continue
            if kind is not None and key in kind.fields.model_fields:
                given[key] = value
                continue
            users = action_kinds.kinds_with(str(key))
            if users and kind is not None:
                problems.append(((key,), f"left out of {with_article(kind.name)} action (it "
                                 f"is for {' and '.join(users)})", value))
            elif not users:
                keys = [*cls.model_fields, *(kind.keys() if kind is not None else
                                             (k for c in action_kinds.KINDS.values()
                                              for k in c.keys()))]
                keys = list(dict.fromkeys(keys))
                problems.append(((key,), f"a known key ({', '.join(keys)})"
                                 f"{did_you_mean(str(key), keys)}", f.Verbatim(show(key))))
        own = None
        if kind is not None:
            try:
                own = kind.fields.model_validate(given)
            except ValidationError as exc:
                problems += _own_problems(exc, kind.name)
        try:
            action = handler({k: v for k, v in data.items() if k in cls.model_fields})
        except ValidationError as exc:
            if not problems:
                raise
            raise ValidationError.from_exception_data(exc.title, [
                *_line_errors(exc), {"type": f.fail("", *_dedupe(problems)), "loc": (),
                                     "input": data}]) from None
        if problems:
            raise f.fail("", *_dedupe(problems))
        assert own is not None
        action._own = own
        return action

    @model_serializer(mode="wrap")
    def _flat(self, handler: SerializerFunctionWrapHandler,
              info: SerializationInfo) -> dict[str, Any]:
        """The keys every action has, then the kind's own keys, in one flat mapping."""
        data = handler(self)
        own = self._own.model_dump(
            mode=info.mode, exclude_none=info.exclude_none, exclude_unset=info.exclude_unset,
            exclude_defaults=info.exclude_defaults, round_trip=info.round_trip)
        include, exclude = info.include, info.exclude
        return {**data, **{k: v for k, v in own.items()
                           if (include is None or k in include)
                           and (exclude is None or k not in exclude)}}

    def __getattr__(self, name: str) -> Any:
        """A key of the action's kind (``action.strategy``), read from :attr:`own`."""
        if not name.startswith("_"):
            own = (self.__pydantic_private__ or {}).get("_own")
            if own is not None and name in type(own).model_fields:
                return getattr(own, name)
        return super().__getattr__(name)  # type: ignore[misc]

    def __repr_args__(self) -> Any:
        """The keys every action has, then the kind's own."""
        yield from super().__repr_args__()
        yield from self._own.__repr_args__()

    @property
    def kind(self) -> action_kinds.ActionKind:
        """The declaration of the action's kind."""
        return action_kinds.kind_of(self.do)

    @property
    def own(self) -> action_kinds.ActionFields:
        """The kind's own keys, as its model."""
        return self._own

    def model_copy(self, *, update: Mapping[str, Any] | None = None,
                   deep: bool = False) -> Action:
        """A copy with some keys replaced, the kind's own keys among them (not validated)."""
        update = dict(update or {})
        own = {key: update.pop(key) for key in list(update) if key in type(self._own).model_fields}
        copy = super().model_copy(update=update or None, deep=deep)
        if own:
            copy._own = copy._own.model_copy(update=own)
        return copy


def _own_problems(exc: ValidationError,
                  kind: str) -> list[tuple[tuple[str | int, ...], str, Any]]:
    """The errors of a kind's own keys, as problems at those keys."""
    out: list[tuple[tuple[str | int, ...], str, Any]] = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        ctx = error.get("ctx") or {}
        if error["type"] == f.ERROR_TYPE and ctx.get("problems"):
            out += [(loc + tuple(sub), expected, got) for sub, expected, got in ctx["problems"]]
        elif error["type"] == f.ERROR_TYPE:
            out.append((loc, ctx["expected"], f.Verbatim(show(error.get("input")))))
        elif error["type"] == "missing":
            out.append((loc, f"given for {with_article(kind)} action", None))
        else:
            out.append((loc, error["msg"], f.Verbatim(show(error.get("input")))))
    return out


def _line_errors(exc: ValidationError) -> list[Any]:
    """The errors of ``exc``, to be raised again with others."""
    out = []
    for error in exc.errors(include_url=False):
        ctx = error.get("ctx")
        if error["type"] == f.ERROR_TYPE:
            out.append({"type": PydanticCustomError(f.ERROR_TYPE, "{expected}", ctx),
                        "loc": error["loc"], "input": error["input"]})
        else:
            out.append({"type": error["type"], "loc": error["loc"], "input": error["input"],
                        **({"ctx": ctx} if ctx else {})})
    return out


def _dedupe(problems: list[tuple[Any, str, Any]]) -> list[tuple[Any, str, Any]]:
    seen: set[Any] = set()
    out = []
    for problem in problems:
        if problem[0] not in seen:
            seen.add(problem[0])
            out.append(problem)
    return out
