"""The ``sweep:`` section: one scenario parameter and the values ``flashpoint sweep`` runs.

A parameter is named by its dotted path, as in the report's assumptions table
(``behaviour.share_probability``, ``policies.3.actions.0.delay``); a path may go one step
into a distribution's parameters (``policies.3.actions.0.delay.median``). Only numbers and
durations can be swept. :func:`variant` is the scenario with one value put in, validated as
a scenario file is, so a value the parameter cannot take is refused with the scenario's own
message; the loader checks every value of a file's ``sweep:`` that way, at its line. The
experiment layer (:mod:`sim.experiment.sweep`) runs the values and reads the results.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import ConfigDict, Field, ValidationError, model_validator

from sim.errors import FlashpointError
from sim.scenario import fields as f
from sim.scenario import values as v
from sim.scenario.base import Model
from sim.scenario.errors import ScenarioError
from sim.scenario.suggest import did_you_mean

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario


class SweepAxis(Model):
    """One swept parameter and its values: a list, or a range (``from``, ``to``, ``steps``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    path: f.Name = Field(description="The parameter's dotted path, as in the report's "
                         "assumptions table (`behaviour.share_probability`, "
                         "`policies.3.actions.0.delay.median`).")
    values: list[float | str] | None = Field(
        None, description="The values: numbers, or durations such as `30m` for a duration. "
        "Or give a range with `from`, `to` and `steps`.")
    start: float | str | None = Field(None, alias="from", description="A range's first value.")
    stop: float | str | None = Field(None, alias="to", description="A range's last value.")
    steps: int | None = Field(None, ge=2, le=50, description="A range's number of values "
                              "(2 to 50).")
    scale: Literal["linear", "log"] = Field("linear", description="How a range is spaced.")

    @model_validator(mode="after")
    def _values_or_range(self) -> SweepAxis:
        ranged = (self.start, self.stop, self.steps)
        if self.values is None and any(x is None for x in ranged):
            raise f.fail("either `values` (a list) or a range: `from`, `to` and `steps`")
        if self.values is not None and any(x is not None for x in ranged):
            raise f.fail("", (("values",), "left out when a range (`from`, `to`, `steps`) is "
                              "given (give one of the two)", self.values))
        if self.values is not None and not 2 <= len(self.values) <= 50:
            raise f.fail("", (("values",), "a list of 2 to 50 values", self.values))
        return self


class Sweep(SweepAxis):
    """The ``sweep:`` section: one parameter, and optionally a second one (``with``)."""

    with_: SweepAxis | None = Field(
        None, alias="with", description="A second parameter: every combination of the two "
        "parameters' values is run. Default: none.")

    @model_validator(mode="after")
    def _two_parameters(self) -> Sweep:
        if self.with_ is not None and self.with_.path == self.path:
            raise f.fail("", (("with", "path"), "a different parameter from the first",
                              self.with_.path))
        return self

    def axes(self) -> list[SweepAxis]:
        """The swept parameters: one, or two."""
        return [self] if self.with_ is None else [self, self.with_]


class SweepError(FlashpointError):
    """A sweep that cannot be run: an unknown path or a value the parameter cannot take."""


def axis(path: str, values: list[str] | None = None, *, start: str | None = None,
         stop: str | None = None, steps: int | None = None, log: bool = False) -> SweepAxis:
    """A swept parameter given outside a scenario file (the command line, a search).

    Args:
        path: the parameter's dotted path.
        values: the values as written, or None for a range.
        start: a range's first value, as written.
        stop: a range's last value, as written.
        steps: a range's number of values.
        log: space the range on a log scale.

    Raises:
        SweepError: values and a range together, neither, too few or too many values, or a
            number of steps out of range; the message says what each part must be.
    """
    try:
        return SweepAxis(path=path, values=values, start=start, stop=stop, steps=steps,
                         scale="log" if log else "linear")
    except ValidationError as exc:
        said = []
        for error in exc.errors(include_url=False):
            where = ".".join(map(str, error["loc"]))
            ctx = error.get("ctx") or {}
            if error["type"] != f.ERROR_TYPE:
                said.append(f"{where}: {error['msg']}")
            elif ctx.get("problems"):
                said += [f"{'.'.join(map(str, (*error['loc'], *sub)))} must be {expected}"
                         for sub, expected, _ in ctx["problems"]]
            else:
                said.append(f"{where or 'a swept parameter'} must be {ctx['expected']}")
        raise SweepError("; ".join(said)) from None


@dataclass(frozen=True)
class Parameter:
    """A swept parameter: its path, and whether its values are durations."""

    path: str
    duration: bool


def parameter(scenario: Scenario, path: str) -> tuple[Parameter, Any]:
    """The parameter at ``path`` and its value in ``scenario`` (as the resolved file writes it).

    Raises:
        SweepError: no such parameter, or one that is not a number or a duration.
    """
    from sim.scenario.sources import entries

    leaves = {e.path: e.value for e in entries(scenario)}
    head, _, last = path.rpartition(".")
    if path in leaves:
        value = leaves[path]
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise SweepError(f"{path} is {value!r}: only a number or a duration can be swept")
        if isinstance(value, str):
            try:
                v.parse_duration(value)
            except v.BadValue:
                raise SweepError(f"{path} is {value!r}: only a number or a duration can be "
                                 "swept (for a distribution, sweep one of its parameters, "
                                 f"such as {path}.median)") from None
            return Parameter(path, True), value
        return Parameter(path, False), value
    if head in leaves and isinstance(leaves[head], str):
        try:
            dist = v.parse_distribution(leaves[head])
        except v.BadValue:
            dist = None
        if dist is not None:
            fields = {f.name: f for f in dataclasses.fields(dist)}
            if last not in fields:
                raise SweepError(f"{head} is {leaves[head]}, which has no parameter {last!r} "
                                 f"(it has {', '.join(fields)})")
            kind = fields[last].metadata.get("kind", "number")
            return Parameter(path, kind == "duration"), getattr(dist, last)
    hint = did_you_mean(path, list(leaves))
    raise SweepError(f"{path} is not a parameter of the scenario{hint} (the paths are those "
                     "of the report's assumptions table)")


def number(value: Any) -> float:
    """A value as :func:`parameter` gives it, as a number: seconds for a duration."""
    return float(v.parse_duration(value)) if isinstance(value, str) else float(value)


def parse_value(parameter_: Parameter, text: str) -> float:
    """One value of the parameter from the command line: seconds for a duration."""
    try:
        if parameter_.duration:
            return float(v.parse_duration(text))
        value = float(text)
    except (v.BadValue, ValueError):
        kind = "a duration such as 30m or 4h" if parameter_.duration else "a number"
        raise SweepError(f"{parameter_.path}: each value must be {kind}; got {text!r}") from None
    if not math.isfinite(value):
        raise SweepError(f"{parameter_.path}: each value must be finite; got {text!r}")
    return value


def grid(start: float, stop: float, steps: int, log: bool) -> list[float]:
    """``steps`` values from ``start`` to ``stop``, evenly spaced (on a log scale if ``log``)."""
    if steps < 2:
        raise SweepError(f"a range needs at least 2 steps; got {steps}")
    if log:
        if not (start > 0 and stop > 0):
            raise SweepError("a log range needs values above 0")
        return [float(x) for x in np.geomspace(start, stop, steps)]
    return [float(x) for x in np.linspace(start, stop, steps)]


def shown(parameter_: Parameter, value: float) -> str:
    """A value as a scenario file would write it."""
    if parameter_.duration:
        return v.format_duration(value)
    return f"{value:g}"


def variant(scenario: Scenario, parameter_: Parameter, value: float) -> Scenario:
    """``scenario`` with the parameter set to ``value``, validated as a scenario file is.

    Raises:
        SweepError: the value is not valid there (the scenario's own message says why).
    """
    return variant_of(scenario, [(parameter_, value)])


def variant_of(scenario: Scenario, settings: list[tuple[Parameter, float]]) -> Scenario:
    """``scenario`` with each parameter of ``settings`` set to its value, validated.

    Raises:
        SweepError: the values are not valid together (the scenario's own message says why).
    """
    from sim.scenario.loader import check_data
    from sim.scenario.sources import entries

    data = scenario.model_dump(mode="json", exclude_none=True, by_alias=True)
    data.pop("sweep", None)  # the variant is one point of it
    data.pop("uncertain", None)
    leaves = {e.path for e in entries(scenario)}
    for parameter_, value in settings:
        keys: list[Any] = [int(k) if k.isdigit() else k for k in parameter_.path.split(".")]
        if parameter_.path not in leaves:  # a distribution's parameter
            *keys, name = keys
        target = data
        for key in keys[:-1]:
            target = target[key]
        if parameter_.path in leaves:
            whole = isinstance(target[keys[-1]], int) and not isinstance(target[keys[-1]], bool)
            target[keys[-1]] = (shown(parameter_, value) if parameter_.duration
                                else round(value) if whole else value)  # a count stays whole
        else:
            dist = v.parse_distribution(target[keys[-1]])
            target[keys[-1]] = str(dataclasses.replace(dist, **{name: value}))
    try:
        return check_data(data)
    except ScenarioError as exc:
        why = "; ".join(f"{p.path} must be {p.expected}" for p in exc.problems)
        verb = "cannot be" if len(settings) == 1 else "cannot be together"
        shown_values = " and ".join(shown(p, x) for p, x in settings)
        paths = " and ".join(p.path for p, _ in settings)
        raise SweepError(f"{paths} {verb} {shown_values}: {why}") from None


def sweep_values(scenario: Scenario, sweep: SweepAxis | None = None
                 ) -> tuple[Parameter, list[float]]:
    """The parameter and values of ``sweep`` (default: the scenario's one swept parameter).

    Raises:
        SweepError: the path or a value is not valid, or the scenario sweeps two parameters.
    """
    if sweep is None:
        if scenario.sweep is None:
            raise SweepError("the scenario has no sweep: section (or give --path)")
        if scenario.sweep.with_ is not None:
            raise SweepError("the scenario sweeps two parameters: use sweep_grid")
        sweep = scenario.sweep
    param, _ = parameter(scenario, sweep.path)
    if sweep.values is not None:
        found = [parse_value(param, str(x)) for x in sweep.values]
    else:
        found = grid(parse_value(param, str(sweep.start)), parse_value(param, str(sweep.stop)),
                     int(sweep.steps or 0), sweep.scale == "log")
    if len(set(found)) != len(found):
        raise SweepError(f"{param.path}: the values must differ")
    return param, found


def sweep_grid(scenario: Scenario) -> list[tuple[Parameter, list[float]]]:
    """Each swept parameter of the scenario's ``sweep:`` (one or two) with its values."""
    if scenario.sweep is None:
        raise SweepError("the scenario has no sweep: section (or give --path)")
    return [sweep_values(scenario, axis) for axis in scenario.sweep.axes()]


def check(scenario: Scenario, lines: dict[tuple[Any, ...], int], file: str) -> None:
    """Check a file's ``sweep:`` against the rest of the scenario; problems at their lines.

    Every value of each parameter is checked with the other parameter (if any) at the
    scenario's own value; combinations of the two are checked when the sweep runs.

    Args:
        scenario: the resolved scenario.
        lines: the file's line of each key path (``yamlsource.Source.lines``).
        file: the file's name, for the messages.

    Raises:
        ScenarioError: a path is not a parameter, or a value is not valid for it.
    """
    from sim.scenario.errors import Problem

    if scenario.sweep is None:
        return

    def line(path: tuple[Any, ...]) -> int:
        for end in range(len(path), 0, -1):
            if path[:end] in lines:
                return lines[path[:end]]
        return 1

    for k, axis in enumerate(scenario.sweep.axes()):
        base = ("sweep",) if k == 0 else ("sweep", "with")
        try:
            param, found = sweep_values(scenario, axis)
        except SweepError as exc:
            raise ScenarioError([Problem(line((*base, "path")), ".".join(base),
                                         str(exc).rstrip("."), repr(axis.path), file)]) from None
        for i, value in enumerate(found):
            try:
                variant(scenario, param, value)
            except SweepError as exc:
                path = (*base, "values", i) if axis.values is not None else base
                why = str(exc).split(": ", 1)[-1]
                raise ScenarioError([Problem(line(path), ".".join(map(str, path)),
                                             f"a value {param.path} can take ({why})",
                                             shown(param, value), file)]) from None
