"""Field types of the scenario schema, each declared once with what it expects.

Each type is an ``Annotated`` alias carrying an :class:`Expect` marker (used by
the error messages and by the generated reference) and a plain validator, so
that pydantic never coerces a value silently: ``"5"`` is not a number and
``true`` is not a count.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, PlainSerializer, PlainValidator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from sim.scenario import values
from sim.scenario.suggest import did_you_mean

ERROR_TYPE = "flashpoint"


@dataclass(frozen=True)
class Expect:
    """What a field expects, in words that complete "must be ..."."""

    text: str


class Verbatim(str):
    """A value already written for the message: shown as it is, not quoted."""


def fail(expected: str, *problems: tuple[tuple[str | int, ...], str, Any]) -> PydanticCustomError:
    """Build the project's pydantic error.

    Args:
        expected: what the value at the error's own location must be.
        *problems: extra ``(sub-path, expected, got)`` triples, for checks that
            look at several fields of a model at once.
    """
    return PydanticCustomError(
        ERROR_TYPE, "{expected}", {"expected": expected, "problems": list(problems)}
    )


def _validator(expected: str, check: Callable[[Any], Any]) -> PlainValidator:
    def validate(value: Any) -> Any:
        try:
            return check(value)
        except values.BadValue as bad:
            raise fail(bad.expected) from None
        except (TypeError, ValueError):
            raise fail(expected) from None

    return PlainValidator(validate)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def number(low: float | None = None, high: float | None = None, *, strict_low: bool = False,
           integer: bool = False) -> tuple[str, Callable[[Any], Any]]:
    """Describe and check a number in a range."""
    noun = "a whole number" if integer else "a number"
    if low is not None and high is not None:
        expected = f"{noun} in [{low:g}, {high:g}]"
    elif low is not None:
        expected = f"{noun} {'>' if strict_low else '>='} {low:g}"
    else:
        expected = noun

    def check(value: Any) -> Any:
        if integer:  # a float with no fraction (YAML reads 2e2 as 200.0) is a whole number
            ok = (isinstance(value, int) and not isinstance(value, bool)) or (
                isinstance(value, float) and value.is_integer() and abs(value) <= 2.0**53)
        else:
            ok = _is_number(value) and math.isfinite(value)
        if not ok:
            raise ValueError(value)
        if low is not None and (value <= low if strict_low else value < low):
            raise ValueError(value)
        if high is not None and value > high:
            raise ValueError(value)
        return int(value) if integer else float(value)

    return expected, check


def scalar(expected_check: tuple[str, Callable[[Any], Any]], *extra: Any) -> Any:
    """Metadata for an ``Annotated`` scalar: its :class:`Expect` and its validator."""
    expected, check = expected_check
    return (Expect(expected), _validator(expected, check), *extra)


def choice(*options: str) -> Any:
    """A text value that must be one of ``options`` (with a did-you-mean)."""
    listing = ", ".join(options)
    expected = f"one of: {listing}"

    def validate(value: Any) -> str:
        if isinstance(value, str) and value in options:
            return value
        hint = did_you_mean(value, options) if isinstance(value, str) else ""
        raise fail(expected + hint)

    return Annotated[str, Expect(expected), PlainValidator(validate)]


class ExpectOneOf(Expect):
    """What a choice from a table that may grow expects: its options when it is read."""

    def __init__(self, options: Callable[[], tuple[str, ...]]) -> None:
        object.__setattr__(self, "options", options)

    @property  # type: ignore[override]
    def text(self) -> str:
        """"one of: ..." with the table's options now."""
        return f"one of: {', '.join(self.options())}"


def choice_of(options: Callable[[], tuple[str, ...]]) -> Any:
    """A text value that must be one of ``options()``, read when a value is checked.

    For a table that may grow after this module is imported (the action kinds).
    """
    expected = ExpectOneOf(options)

    def validate(value: Any) -> str:
        known = options()
        if isinstance(value, str) and value in known:
            return value
        hint = did_you_mean(value, known) if isinstance(value, str) else ""
        raise fail(expected.text + hint)

    return Annotated[str, expected, PlainValidator(validate)]


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(value)
    return value


def _nonempty_text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(value)
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(value)
    return value


_DURATION_OUT = PlainSerializer(values.format_duration, return_type=str)
_CALL_OUT = PlainSerializer(str, return_type=str)

Text = Annotated[str, *scalar(("text", _text))]
Name = Annotated[str, *scalar(("non-empty text", _nonempty_text))]
Flag = Annotated[bool, *scalar(("true or false", _flag))]
Count = Annotated[int, *scalar(number(0, integer=True))]
PositiveCount = Annotated[int, *scalar(number(1, integer=True))]
Probability = Annotated[float, *scalar(number(0, 1))]
NonNegative = Annotated[float, *scalar(number(0))]
Positive = Annotated[float, *scalar(number(0, strict_low=True))]
Stance = Annotated[float, *scalar(number(-1, 1))]
Seed = Annotated[int, *scalar(("a whole number >= 0", number(0, integer=True)[1]))]
Duration = Annotated[
    float,
    *scalar((values.DURATION_EXPECTED + " or 0", values.parse_duration), _DURATION_OUT),
]
PositiveDuration = Annotated[
    float,
    *scalar(
        (values.DURATION_EXPECTED + " (greater than 0)",
         lambda v: values.parse_duration(v, positive=True)),
        _DURATION_OUT,
    ),
]
Replications = Annotated[int | str, *scalar((values.REPLICATIONS_EXPECTED,
                                             values.parse_replications))]
Precision = Annotated[
    values.Precision,
    *scalar((values.PRECISION_EXPECTED, values.parse_precision),
            PlainSerializer(lambda p: p.value if not p.relative else str(p), return_type=Any)),
]
Distribution = Annotated[
    values.Distribution,
    *scalar(
        (f"a distribution like '{values.DISTRIBUTION_EXAMPLE}' "
         f"({', '.join(values.DISTRIBUTIONS)}) or a duration", values.parse_distribution),
        _CALL_OUT,
    ),
]
Novelty = Annotated[
    values.Novelty,
    *scalar(("'none' or 'stretched_exp(half_life=<duration>, beta=<number>)'",
              values.parse_novelty), _CALL_OUT),
]


def segment_name(value: Any) -> str:
    """Check a segment name (non-empty text)."""
    if not isinstance(value, str) or not value.strip():
        raise fail("a segment name (non-empty text)")
    return value


SEGMENT_EXPECTED = Expect("a segment name (non-empty text)")
SegmentName = Annotated[str, SEGMENT_EXPECTED, PlainValidator(segment_name)]


def names_segment(info: FieldInfo) -> bool:
    """Whether a field holds the name of a segment (which must then be one of the scenario's)."""
    return any(meta is SEGMENT_EXPECTED for meta in info.metadata)


# ---------------------------------------------------------------- where defaults come from

SourceKind = Literal["published", "judgement", "derived", "setting"]


@dataclass(frozen=True)
class Source:
    """Where a default comes from, declared with the field (see :func:`sourced`).

    Attributes:
        text: the source in a few words: a published figure with its reference, "judgement",
            the parameter it is derived from...
        kind: ``published`` (a figure with its reference), ``judgement`` (our modelling
            choice, to be changed with open eyes), ``derived`` (worked out from another
            parameter of the scenario) or ``setting`` (how the run is done, or a neutral
            value that adds nothing to the model).
    """

    text: str
    kind: SourceKind

    @property
    def judgement(self) -> bool:
        """Whether the default is a judgement."""
        return self.kind == "judgement"

    def __str__(self) -> str:
        """The text, marked as a judgement if it does not say so itself."""
        if self.judgement and "judgement" not in self.text:
            return f"{self.text} (judgement)"
        return self.text


JUDGEMENT = Source("judgement", "judgement")
OUR_DEFAULT = Source("our default", "setting")


def sourced(default: Any, description: str, source: Source, *, shown: str | None = None) -> Any:
    """A field with a default and where that default comes from.

    Args:
        default: the schema's default (``None`` when the default is filled in from the
            rest of the scenario when it is resolved).
        description: the meaning, for the reference.
        source: where the default comes from; kept in the field's ``json_schema_extra``
            so that the reference, the assumptions table and :mod:`sim.scenario.sources`
            read it from the declaration.
        shown: the default in words, for the reference, when it depends on the scenario.
    """
    extra: dict[str, Any] = {"source": source.text, "source_kind": source.kind}
    if shown is not None:
        extra["default_shown"] = shown
    return Field(default, description=description, json_schema_extra=extra)


def source_of(info: FieldInfo) -> Source | None:
    """The source declared with a field by :func:`sourced`, if any."""
    extra = info.json_schema_extra
    if not isinstance(extra, dict) or "source" not in extra:
        return None
    return Source(str(extra["source"]), extra["source_kind"])  # type: ignore[arg-type]


def shown_default(info: FieldInfo) -> str | None:
    """The default in words declared with a field by :func:`sourced`, if any."""
    extra = info.json_schema_extra
    shown = extra.get("default_shown") if isinstance(extra, dict) else None
    return str(shown) if shown is not None else None
