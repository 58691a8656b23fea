"""The ``documented:`` section: what was reported about a real incident.

A scenario of a real incident (``scenarios/``, ``docs/incidents/``) records the figures that
were reported about it (peak posts an hour, posts by a time, when the press wave began),
each with its source, and the policy the organisation actually followed. Each figure says
whether it was used to fit the scenario (``use: fit``) or is held out to check it
(``use: check``); ``flashpoint documented`` runs the actual policy and shows where each
figure falls in the model's 80% band (:mod:`sim.experiment.documented`).

A figure is one model quantity: a per-replication metric of ``replications.csv`` (the peak
reactions in an hour, the first article's time), a series metric's cumulative value by a
time (``metric: reactions, at: 24h``), or the reactions in the hour before a time
(``metric: reactions_per_hour, at: 3h``). Its value is a number, or a range (``from``,
``to``) when the report gave words ("a few dozen", "thousands").
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pydantic import ConfigDict, Field, model_validator

from sim.scenario import fields as f
from sim.scenario import metric_registry
from sim.scenario import values as v
from sim.scenario.base import Model
from sim.scenario.errors import Problem, ScenarioError, format_path, show

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

BAND = 3.0
"""The widest 80% band (its upper end over its lower end) that reproduces a figure, unless
the figure states and justifies its own (``band`` with ``why``)."""

HOURLY = "reactions_per_hour"
"""The one figure that is not a replication's metric or series: reactions in the hour before
``at``."""

TIMED = (*metric_registry.names(series=True), HOURLY)
"""Metrics a figure can give at a time: a series' cumulative value, or reactions an hour."""

WHOLE = metric_registry.names(per_replication=True)
"""Metrics a figure can give for the whole horizon (no ``at``)."""


USES = ("fit", "check", "context")
Use = f.choice(*USES)


class Figure(Model):
    """One reported figure about the incident, and the model quantity it is compared with."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    figure: f.Name = Field(description="What was reported, in words (`a peak of 1,600 "
                           "conversations`).")
    metric: f.Name = Field(description="The model quantity: a metric of `replications.csv` "
                           "(whole horizon), or with `at` a series metric's cumulative value "
                           "by then, or `reactions_per_hour` (the hour before `at`).")
    at: f.PositiveDuration | None = Field(None, description="The time the figure refers to, "
                                          "after the incident's start. Default: none (the "
                                          "whole horizon).")
    value: f.Positive | None = Field(None, description="The reported number. Or give `from` "
                                     "and `to`.")
    start: f.Positive | None = Field(None, alias="from", description="The lowest value the "
                                     "report's words allow (`a few dozen`: 24).")
    stop: f.Positive | None = Field(None, alias="to", description="The highest.")
    use: Use = Field(
        description="`fit`: the scenario's parameters were fitted to it; `check`: held out, "
        "the model must reproduce it; `context`: shown, but not a figure the model can be "
        "held to (`why` says why: no unit of time, or contradicted by another report).")
    source: f.Name = Field(description="Where it was reported: an address.")
    band: f.Positive = Field(BAND, description="The widest 80% band (upper end over lower "
                             "end) that counts as reproducing it. Default: 3.")
    why: f.Text = Field("", description="How the figure was read, and why a `band` other than "
                        "3. Default: none.")

    @model_validator(mode="after")
    def _value_or_range(self) -> Figure:
        ranged = self.start is not None or self.stop is not None
        if (self.value is None) == (not ranged) or (ranged and None in (self.start, self.stop)):
            raise f.fail("either `value` (a number) or both `from` and `to` (a range)")
        if ranged and not self.stop > self.start:  # type: ignore[operator]
            raise f.fail("", (("to",), f"greater than `from` ({self.start:g})",
                              f.Verbatim(f"{self.stop:g}")))
        if self.band <= 1:
            raise f.fail("", (("band",), "greater than 1 (upper end over lower end)", self.band))
        if self.use == "context" and not self.why.strip():
            raise f.fail("", (("why",), "the reason the figure is context, not a check",
                              self.why))
        if self.band != BAND and not self.why.strip():
            raise f.fail("", (("why",), f"the reason for a band other than {BAND:g}",
                              self.why))
        timed = self.metric in TIMED and self.metric not in WHOLE
        if self.at is None and self.metric not in WHOLE:
            expected = ("a metric of replications.csv, or give `at`" if timed else
                        "one of " + ", ".join(sorted({*WHOLE, *TIMED})))
            raise f.fail("", (("metric",), expected, self.metric))
        if self.at is not None and self.metric not in TIMED:
            raise f.fail("", (("metric",), "with `at`: one of " + ", ".join(TIMED),
                              self.metric))
        return self

    @property
    def low(self) -> float:
        """The lowest value the report allows (the value itself for a number)."""
        return float(self.value if self.value is not None else self.start)  # type: ignore[arg-type]

    @property
    def high(self) -> float:
        """The highest value the report allows."""
        return float(self.value if self.value is not None else self.stop)  # type: ignore[arg-type]

    @property
    def shown(self) -> str:
        """The documented value in words: ``1,600`` or ``24 to 72``."""
        if self.value is not None:
            return shown_number(self.value)
        return f"{shown_number(self.low)} to {shown_number(self.high)}"

    @property
    def quantity(self) -> str:
        """The model quantity in words: ``reactions by 24h``."""
        metric = metric_registry.METRICS.get(self.metric)
        label = metric.label if metric is not None else self.metric
        if self.metric == HOURLY and self.at is not None:
            return f"reactions in the hour before {v.say_duration(self.at)}"
        if self.at is not None:
            return f"{label} by {v.say_duration(self.at)}"
        return label


def shown_number(value: float) -> str:
    """A documented value or a model band's end in words: ``1,600``, ``67``, ``2.5``, ``never``.

    Whole numbers and anything from 100 up with separators and no decimals, others to three
    significant figures; ``inf`` (a time that never came) as ``never``.
    """
    if value == math.inf:
        return "never"
    if float(value).is_integer() or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


class Documented(Model):
    """What was reported about a real incident, and the response the organisation made."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    policy: f.Name = Field(description="The policy the organisation actually followed: one of "
                           "`policies`' names.")
    figures: list[Figure] = Field(description="The reported figures, at least one.")

    @model_validator(mode="after")
    def _some(self) -> Documented:
        if not self.figures:
            raise f.fail("", (("figures",), "a list of at least one figure", self.figures))
        return self


def fitted_parts(fitted: dict[str, str], path: str) -> dict[str, str]:
    """The parameters of the distribution at ``path`` that ``fitted:`` names, with their notes.

    ``{"median": NOTE}`` for ``fitted: {media.writing_delay.median: NOTE}`` and the path
    ``media.writing_delay``; empty when none is named (the whole value may still be).
    """
    return {key[len(path) + 1:]: note for key, note in fitted.items()
            if key.startswith(path + ".")}


def _sets(scenario: Scenario, key: str) -> bool:
    """Whether ``key`` names a parameter the scenario sets, as ``sweep:`` reads paths.

    That includes one parameter of a distribution (``media.writing_delay.median``), but not
    one the distribution leaves unset (a kernel's knee when it has none).
    """
    from sim.scenario.sweeps import SweepError, parameter

    try:
        return parameter(scenario, key)[1] is not None
    except SweepError:
        return False


def check(scenario: Scenario, lines: dict[tuple[Any, ...], int], file: str) -> None:
    """Check a file's ``documented:`` and ``fitted:`` against the rest of it, at their lines.

    Raises:
        ScenarioError: the policy is not one of the scenario's, a figure's time is past the
            horizon, or a ``fitted:`` key is not a numeric parameter of the scenario (a
            value it sets, or one parameter of a distribution it sets).
    """
    from sim.scenario.schema import FITTED
    from sim.scenario.sources import entries
    from sim.scenario.suggest import did_you_mean

    leaves = [e.path for e in entries(scenario)
              if not e.path.startswith(("fitted.", "documented.", "sweep.", "uncertain."))]
    for key in scenario.fitted or {}:
        if key not in FITTED and key not in leaves and not _sets(scenario, key):
            where = ("fitted", key)
            raise ScenarioError([Problem(
                lines.get(where, lines.get(("fitted",), 1)), format_path(where),
                "a value the scenario sets, by its dotted path as in the report's assumptions "
                "table, or one parameter of a distribution it sets, such as media.writing_delay."
                f"median{did_you_mean(key, leaves)}", show(key), file)])
    documented = scenario.documented
    if documented is None:
        return
    names = [p.name for p in scenario.policies]
    if names and documented.policy not in names:
        where = ("documented", "policy")
        raise ScenarioError([Problem(lines.get(where, 1), format_path(where),
                                     "one of the policies' names: " + ", ".join(names),
                                     show(documented.policy), file)])
    for i, figure in enumerate(documented.figures):
        if figure.at is not None and figure.at > scenario.horizon:
            where = ("documented", "figures", i, "at")
            raise ScenarioError([Problem(
                lines.get(where, 1), format_path(where),
                f"at most the horizon ({v.format_duration(scenario.horizon)})",
                v.format_duration(figure.at), file)])
