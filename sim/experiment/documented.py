"""Where a real incident's documented figures fall in the model's 80% band.

A scenario's ``documented:`` section (:mod:`sim.scenario.documented`) lists what was reported
about the incident and the policy the organisation followed. :func:`compare` reads each
figure's model quantity from a run of that policy, one value per replication, and gives its
10%, 50% and 90% points. A figure is **reproduced** when the documented value (or any value
of a documented range) lies in that 80% band, and the band is no wider than the figure's
``band`` (3 unless the figure says why): a band wide enough to hold anything would
reproduce anything.

Times that never came (no article in a replication) count as later than every time, so a
figure on the first article is reproduced only if articles came in most replications.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.scenario.documented import HOURLY, Figure, shown_number
from sim.scenario.values import HOUR

if TYPE_CHECKING:
    from sim.experiment.results import Results

LOW, HIGH = 0.1, 0.9  # the 80% band's ends, as quantiles over replications


@dataclass(frozen=True)
class Comparison:
    """One documented figure against the model's replications.

    Attributes:
        figure: the documented figure.
        values: the model quantity in each replication (``inf`` for a time that never came).
        low: the 10% point of ``values``.
        median: the 50% point.
        high: the 90% point.
    """

    figure: Figure
    values: np.ndarray
    low: float
    median: float
    high: float

    @property
    def inside(self) -> bool:
        """The documented value, or part of the documented range, lies in the 80% band."""
        return self.figure.low <= self.high and self.figure.high >= self.low

    @property
    def width(self) -> float:
        """The band's upper end over its lower end (``inf`` if the lower end is 0)."""
        if self.low <= 0 or not math.isfinite(self.high):
            return math.inf
        return self.high / self.low

    @property
    def narrow(self) -> bool:
        """The band is no wider than the figure allows."""
        return self.width <= self.figure.band

    @property
    def reproduced(self) -> bool:
        """Inside the band, and the band narrow enough to mean something."""
        return self.inside and self.narrow

    @property
    def shown(self) -> str:
        """The band and its median in words: ``48 to 121 (median 67)``."""
        return (f"{shown_number(self.low)} to {shown_number(self.high)} "
                f"(median {shown_number(self.median)})")

    @property
    def verdict(self) -> str:
        """``reproduced``, ``outside the band`` or ``band too wide``, in words."""
        if not self.inside:
            return "outside the band"
        return "reproduced" if self.narrow else f"band too wide (x{self.width:.3g})"

    def to_json(self) -> dict[str, Any]:
        """A plain-JSON summary (no per-replication values)."""
        def finite(x: float) -> float | None:
            return x if math.isfinite(x) else None
        fig = self.figure
        return {"figure": fig.figure, "quantity": fig.quantity, "use": fig.use,
                "documented": [fig.low, fig.high], "band": [finite(self.low),
                                                            finite(self.high)],
                "median": finite(self.median), "width": finite(self.width),
                "allowed_width": fig.band, "inside": self.inside,
                "reproduced": self.reproduced, "source": fig.source}


def quantity(results: Results, policy: str, figure: Figure) -> np.ndarray:
    """The figure's model quantity in each replication of ``policy``."""
    if figure.at is None:
        values = results.metric(policy, figure.metric).astype(np.float64)
        return np.where(np.isnan(values), np.inf, values)  # a time that never came
    metric = "reactions" if figure.metric == HOURLY else figure.metric
    curves = results.curves(policy, metric)
    at = figure.at / HOUR
    if figure.metric == HOURLY:
        return (_by(curves, results.times_h, at)
                - _by(curves, results.times_h, max(at - 1.0, 0.0)))
    return _by(curves, results.times_h, at)


def _by(curves: np.ndarray, times_h: np.ndarray, at: float) -> np.ndarray:
    """Each replication's cumulative curve at ``at`` hours, linear between the grid's times."""
    return np.array([np.interp(at, times_h, row) for row in curves])


def compare(results: Results) -> list[Comparison]:
    """Each documented figure of the run's scenario against its policy's replications.

    Raises:
        ValueError: the scenario has no ``documented:`` section, or its policy did not run.
    """
    scenario = results.scenario
    documented = scenario.documented
    if documented is None:
        raise ValueError(f"{scenario.scenario!r} has no documented: section")
    if documented.policy not in results.policies:
        raise ValueError(f"the documented policy {documented.policy!r} was not run")
    out = []
    for figure in documented.figures:
        values = quantity(results, documented.policy, figure)
        low, median, high = (float(np.quantile(values, q, method="inverted_cdf"))
                             for q in (LOW, 0.5, HIGH))
        out.append(Comparison(figure, values, low, median, high))
    return out
