"""The ``uncertain:`` section, and the default ranges of a scenario's judgements.

``flashpoint robustness`` runs every policy in many plausible worlds: each world draws the
scenario's uncertain parameters from their ranges. A scenario lists them in ``uncertain:``
(a path, or several paths moved together, and a range: ``from``, ``to``, linear or log).
Without that section, :func:`uncertain_parameters` gives every judgement of the scenario a
documented default range (:data:`DEFAULT_RANGES`, each with its reason) or says why it is
held at its value (:data:`HELD`).

A value counts as a judgement when its declared source says so (a default whose source is
a judgement, :mod:`sim.scenario.sources`) or when the scenario file sets it, unless
``fitted:`` marks it (or, for a distribution, one of its parameters) as fitted to an
observed incident: a number the author typed is the author's judgement; a number fitted to
data is not. Actions' values of the same kind and the same value (every apology's effect,
say) are one parameter: the world decides how much an apology works, not each policy
separately.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from sim.scenario import fields as f
from sim.scenario import values as v
from sim.scenario.base import Model
from sim.scenario.documented import fitted_parts
from sim.scenario.errors import Problem, ScenarioError, format_path, show
from sim.scenario.sweeps import (
    Parameter,
    SweepError,
    number,
    parameter,
    parse_value,
    shown,
    variant_of,
)

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

MAX_UNCERTAIN = 20
"""The most parameters a robustness run varies (each one costs a block of design points)."""


class UncertainRange(Model):
    """One uncertain parameter of the ``uncertain:`` section and its plausible range."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    path: f.Name | None = Field(
        None, description="The parameter's dotted path, as in the report's assumptions table "
        "(`incident.outrage`, `policies.3.actions.0.effect`, `media.writing_delay.median`). "
        "Or give `paths`.")
    paths: list[f.Name] | None = Field(
        None, description="Several parameters that move together, set to the same value in "
        "each world (every apology's effect, say). Or give `path`.")
    name: f.Name | None = Field(None, description="What the report calls it. Default: the "
                                "path.")
    start: float | str = Field(alias="from", description="The lowest plausible value (a "
                               "number, or a duration such as `10m`).")
    stop: float | str = Field(alias="to", description="The highest plausible value.")
    scale: Literal["linear", "log"] = Field(
        "linear", description="How the values are drawn: uniform on the range, or uniform in "
        "its logarithm (for a multiplier or a probability known to within a factor).")
    why: f.Text = Field("", description="Where the range comes from. Default: none.")

    @model_validator(mode="after")
    def _one_of_path_or_paths(self) -> UncertainRange:
        if (self.path is None) == (self.paths is None):
            raise f.fail("either `path` (one parameter) or `paths` (several moved together)")
        if self.paths is not None and not self.paths:
            raise f.fail("", (("paths",), "a list of at least one path", self.paths))
        return self

    def path_list(self) -> list[str]:
        """The parameter's paths (one, or several moved together)."""
        return [self.path] if self.path is not None else list(self.paths or [])


Uncertainties = list[UncertainRange]


@dataclass(frozen=True)
class Uncertain:
    """One parameter that varies across the plausible worlds of a robustness run.

    Attributes:
        name: what the report calls it.
        parameters: the paths it sets (one, or several set to the same value).
        low: the lowest plausible value (seconds for a duration).
        high: the highest.
        log: drawn uniformly in the logarithm (else uniformly).
        value: the scenario's own value.
        why: where the range comes from.
        declared: ``"scenario"`` (its ``uncertain:`` section) or ``"default"``.
    """

    name: str
    parameters: tuple[Parameter, ...]
    low: float
    high: float
    log: bool
    value: float
    why: str
    declared: Literal["scenario", "default"]

    @property
    def paths(self) -> list[str]:
        """The dotted paths it sets."""
        return [p.path for p in self.parameters]

    def shown(self, value: float) -> str:
        """A value as a scenario file would write it (a duration to 3 figures: ``13.6h``)."""
        exact = shown(self.parameters[0], value)
        if not self.parameters[0].duration or len(exact) <= 4:  # 0.25, 9h, 45m
            return exact
        unit, size = ("h", 3600.0) if value >= 3600 else ("m", 60.0)
        return f"{value / size:.3g}{unit}"

    def settings(self, value: float) -> list[tuple[Parameter, float]]:
        """Each path set to ``value``, for :func:`sim.scenario.sweeps.variant_of`."""
        return [(p, value) for p in self.parameters]


@dataclass(frozen=True)
class Held:
    """A judgement of the scenario that the robustness run holds at its value, and why."""

    path: str
    value: Any
    why: str


@dataclass(frozen=True)
class DefaultRange:
    """The documented default range of one kind of judgement.

    Attributes:
        pattern: the paths it applies to (a regular expression over the dotted path).
        name: what the report calls the parameter; ``{strategy}`` is a statement's strategy.
        rule: ``"scaled"``: from ``low`` to ``high`` times the value; ``"sized"``, for a
            multiplier whose direction is known and whose size is a judgement: its
            distance from 1 (in the logarithm) from ``low`` to ``high`` times the
            declared one, so an apology's 0.5 spans 0.35 to 0.71.
        low: the lower factor.
        high: the upper factor.
        log: draw uniformly in the logarithm.
        why: the reason for the range.
        part: for a distribution, the parameter of it that varies (``"median"``).
        cap: the largest value the parameter can take (1 for a probability).
    """

    pattern: str
    name: str
    rule: Literal["scaled", "sized"]
    low: float
    high: float
    log: bool
    why: str
    part: str = ""
    cap: float = math.inf


_ACTION = r"policies\.\d+\.actions\.\d+\."

DEFAULT_RANGES: tuple[DefaultRange, ...] = (
    DefaultRange(r"incident\.outrage", "critics' outrage", "scaled", 0.5, 1.5, False,
                 "how much more readily critics react than fans is a judgement; half of it "
                 "to half as much again"),
    DefaultRange(r"behaviour\.(share_probability|reactions_per_reaction)",
                 "the story's share probability", "scaled", 0.5, 2.0, True,
                 "real retweet cascades' fitted reproduction numbers vary by more than a "
                 "factor of 2 from story to story (docs/validation.md)", cap=1.0),
    DefaultRange(r"incident\.trending\.threshold_per_hour", "the trending threshold",
                 "scaled", 0.5, 2.0, True,
                 "platforms do not publish their trending rules; within a factor of 2"),
    DefaultRange(r"media\.pickup_probability", "journalists' pickup probability", "scaled",
                 1 / 3, 3.0, True,
                 "how often a journalist who sees the story writes about it is the least "
                 "known number of the press model: within a factor of 3", cap=1.0),
    DefaultRange(r"media\.writing_delay", "journalists' writing delay (median)", "scaled",
                 0.5, 2.0, True, "from a same-day story to one that takes two days to "
                 "write: within a factor of 2", part="median"),
    DefaultRange(r"media\.article_reach", "an article's readers on the platform", "scaled",
                 0.5, 2.0, True, "an outlet's reach depends on which outlets write: within "
                 "a factor of 2"),
    DefaultRange(r"media\.offline_weight", "the weight of an off-platform reader", "scaled",
                 0.5, 2.0, True, "how much an off-platform reader counts against an account "
                 "that saw the post is a judgement: within a factor of 2"),
    DefaultRange(_ACTION + r"effect", "the {strategy} statement's effect", "sized", 0.5, 1.5,
                 False,
                 "the direction of a statement's effect is published (Coombs 2007; "
                 "Herhausen et al. 2019), its size is a judgement: half to one and a half "
                 "times its distance from no effect"),
    DefaultRange(_ACTION + r"newsworthiness", "the {strategy} statement's newsworthiness",
                 "sized", 0.5, 1.5, False, "the direction is published, the size a "
                 "judgement: half to one and a half times its distance from no effect"),
    DefaultRange(_ACTION + r"streisand", "the Streisand multiplier", "sized", 0.5, 2.0,
                 False, "deleting raises press interest (the Streisand effect); by how much "
                 "is a judgement: half to twice its distance from no effect"),
    DefaultRange(_ACTION + r"platform_delay", "the platform's takedown delay (median)",
                 "scaled", 0.5, 2.0, True, "platforms do not publish how fast they act on "
                 "a request: within a factor of 2", part="median"),
)
"""The default range of each kind of judgement, with its reason (docs/robustness.md)."""

HELD: tuple[tuple[str, str], ...] = (
    (_ACTION + r"(at|delay|when\..*|segment|rate_per_hour|top)|policies\..*\.share_probability",
     "your policy's choice (sweep it to see what it changes)"),
    (r"incident\.(brand_followers|promotion\..*|start)", "known to you"),
    (r"network\..*", "the network is built once and every world shares it (sweep it to see "
     "its effect)"),
    (r"segments\..*", "the audience's make-up is held (sweep it to see its effect)"),
    (r"monitoring\..*", "your own listening tool's setting, known to you"),
    (r"media\.(saturation|offline_audience)", "scales with the audience"),
    (r"seed|replications|resolution|horizon|precision|max_replications|description",
     "a setting of the run"),
)
"""Judgements held at their value by default, and why (a pattern over the dotted path)."""

NO_DEFAULT = "no default range: give it one in uncertain:"
NO_SIZE = "it declares no effect (1), so there is no size to vary"
NOTHING = "it is 0, so there is nothing to scale"


def uncertain_parameters(scenario: Scenario) -> tuple[list[Uncertain], list[Held]]:
    """The parameters a robustness run varies, and the judgements it holds (with why).

    The scenario's ``uncertain:`` section if it has one; otherwise the default range of
    each of its judgements (:data:`DEFAULT_RANGES`).

    Raises:
        SweepError: a path of ``uncertain:`` is not a parameter, or an end of its range is
            not a value the parameter can take.
    """
    judged = _judgements(scenario)
    if scenario.uncertain is not None:
        chosen = [_declared(scenario, entry) for entry in scenario.uncertain]
        covered = {path for u in chosen for path in u.paths}
        held = [Held(path, value, "not listed in uncertain:")
                for path, value in judged if path not in covered
                and not any(path.startswith(c + ".") or c.startswith(path + ".")
                            for c in covered)]
        return chosen, held
    return _defaults(scenario, judged)


def _judgements(scenario: Scenario) -> list[tuple[str, Any]]:
    """``(path, value)`` of every judgement: judgement defaults, and values the file sets."""
    from sim.scenario.sources import entries

    fitted = scenario.fitted or {}
    return [(e.path, e.value) for e in entries(scenario)
            if (e.default.source.judgement if e.default is not None else
                e.path.split(".")[0] in _MODEL_SECTIONS)
            and e.path not in fitted and not fitted_parts(fitted, e.path)
            and _numeric(e.value)]


_MODEL_SECTIONS = ("network", "behaviour", "segments", "incident", "media", "monitoring",
                   "policies")
"""The sections whose values the file sets describe the world or the policies."""


def _numeric(value: Any) -> bool:
    """Whether a value could vary: a number, a duration or a distribution (not a name)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if not isinstance(value, str):
        return False
    try:
        v.parse_distribution(value)
    except v.BadValue:
        return False
    return True


class RangeError(SweepError):
    """An ``uncertain:`` entry that cannot be used: the key at fault and what it must be."""

    def __init__(self, expected: str, key: str, path: str) -> None:
        super().__init__(f"{path}: `{key}` must be {expected}")
        self.expected = expected
        self.key = key


def _declared(scenario: Scenario, entry: UncertainRange) -> Uncertain:
    """An ``uncertain:`` entry as a parameter, checked.

    Raises:
        RangeError: what is wrong, and at which key of the entry.
    """
    where = "path" if entry.path is not None else "paths"
    try:
        params = [parameter(scenario, path) for path in entry.path_list()]
    except SweepError as exc:
        raise RangeError(f"a number or duration parameter of the scenario ({exc})", where,
                         "uncertain") from None
    first = params[0][0]
    for param, _ in params[1:]:
        if param.duration != first.duration:
            raise RangeError(f"parameters that can move together ({first.path} and "
                             f"{param.path}: one is a duration and the other is not)", where,
                             first.path)
    seen = set()
    for param, _ in params:
        if param.path in seen:
            raise RangeError(f"different parameters ({param.path} is listed twice)", where,
                             first.path)
        seen.add(param.path)
    ends = []
    for key, end in (("from", entry.start), ("to", entry.stop)):
        try:
            ends.append(parse_value(first, str(end)))
        except SweepError:
            kind = "a duration such as 30m" if first.duration else "a number"
            raise RangeError(f"{kind}, as {first.path} is", key, first.path) from None
    low, high = ends
    if not low < high:
        raise RangeError(f"above `from` ({shown(first, low)})", "to", first.path)
    log = entry.scale == "log"
    if log and not low > 0:
        raise RangeError("above 0 for a log range", "from", first.path)
    value = number(params[0][1])
    found = Uncertain(entry.name or " + ".join(p.path for p, _ in params),
                      tuple(p for p, _ in params), low, high, log, value, entry.why,
                      "scenario")
    for key, end in (("from", low), ("to", high)):
        try:
            variant_of(scenario, found.settings(end))
        except SweepError as exc:
            why = str(exc).split(": ", 1)[-1]
            raise RangeError(f"a value {first.path} can take ({why})", key,
                             first.path) from None
    return found


def _defaults(scenario: Scenario, judged: list[tuple[str, Any]]
              ) -> tuple[list[Uncertain], list[Held]]:
    groups: dict[tuple[str, str], list[Parameter]] = {}
    ranges: dict[tuple[str, str], tuple[DefaultRange, float]] = {}
    held: list[Held] = []
    for path, value in judged:
        rule = next((r for r in DEFAULT_RANGES if re.fullmatch(r.pattern, path)), None)
        if rule is None:
            why = next((w for pattern, w in HELD if re.fullmatch(pattern, path)), NO_DEFAULT)
            held.append(Held(path, value, why))
            continue
        full = f"{path}.{rule.part}" if rule.part else path
        try:
            param, own = parameter(scenario, full)
        except SweepError:
            held.append(Held(path, value, NO_DEFAULT))
            continue
        own = number(own)
        if (rule.rule == "sized" and own == 1.0) or own <= 0:
            held.append(Held(path, value, NO_SIZE if rule.rule == "sized" else NOTHING))
            continue
        name = rule.name.format(strategy=_strategy(scenario, path))
        key = (name, repr(own))
        groups.setdefault(key, []).append(param)
        ranges[key] = (rule, own)
    found = []
    for key, params in groups.items():
        rule, own = ranges[key]
        low, high = _ends(rule, own)
        found.append(Uncertain(key[0], tuple(params), low, high, rule.log, own, rule.why,
                               "default"))
    names = [u.name for u in found]
    found = [u if names.count(u.name) == 1 else
             dataclasses.replace(u, name=f"{u.name} ({u.shown(u.value)})") for u in found]
    for u in found:
        variant_of(scenario, u.settings(u.low))
        variant_of(scenario, u.settings(u.high))
    return found, held


def _ends(rule: DefaultRange, own: float) -> tuple[float, float]:
    """A default range's ends around the value ``own``."""
    if rule.rule == "scaled":
        low, high = own * rule.low, own * rule.high
    else:
        low, high = sorted((own ** rule.low, own ** rule.high))
    return low, min(high, rule.cap)


def _strategy(scenario: Scenario, path: str) -> str:
    """The strategy of the statement at ``path`` (``policies.P.actions.A....``), or ``action``."""
    parts = path.split(".")
    if parts[0] != "policies":
        return "action"
    action = scenario.policies[int(parts[1])].actions[int(parts[3])]
    own = action.own
    return str(getattr(own, "strategy", None) or action.do)


def check(scenario: Scenario, lines: dict[tuple[Any, ...], int], file: str) -> None:
    """Check a file's ``uncertain:`` against the rest of the scenario; problems at their lines.

    Raises:
        ScenarioError: a path is not a parameter, paths are repeated, or an end of a range
            is not a value the parameter can take.
    """
    if scenario.uncertain is None:
        return
    if len(scenario.uncertain) > MAX_UNCERTAIN:
        raise ScenarioError([Problem(lines.get(("uncertain",), 1), "uncertain",
                                     f"a list of at most {MAX_UNCERTAIN} parameters",
                                     f"{len(scenario.uncertain)} parameters", file)])
    def line(*key: Any) -> int:
        return lines.get(("uncertain", *key), lines.get(("uncertain", key[0]), 1))

    seen: dict[str, int] = {}
    names: dict[str, int] = {}
    for i, entry in enumerate(scenario.uncertain):
        where = "path" if entry.path is not None else "paths"
        for path in entry.path_list():
            if path in seen:
                raise ScenarioError([Problem(line(i, where), format_path(("uncertain", i,
                                                                          where)),
                                             f"a parameter not already in "
                                             f"{format_path(('uncertain', seen[path]))}",
                                             repr(path), file)])
            seen[path] = i
        name = entry.name or " + ".join(entry.path_list())
        if name in names:
            raise ScenarioError([Problem(line(i, "name"), format_path(("uncertain", i, "name")),
                                         f"a name not already used by "
                                         f"{format_path(('uncertain', names[name]))}",
                                         repr(name), file)])
        names[name] = i
        try:
            _declared(scenario, entry)
        except RangeError as exc:
            got = getattr(entry, {"from": "start", "to": "stop"}.get(exc.key, exc.key))
            raise ScenarioError([Problem(line(i, exc.key), format_path(("uncertain", i,
                                                                        exc.key)),
                                         exc.expected, show(got), file)]) from None
