"""What a fit to an observed incident estimates, its priors and its settings: one declaration.

Kept apart from :mod:`sim.experiment.calibration` (which compiles its simulation with numba)
so that the command line can show the defaults in its help without loading it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.scenario.values import HOUR


@dataclass(frozen=True)
class Prior:
    """The prior of one fitted parameter: uniform on ``[low, high]``, or on its log."""

    name: str
    low: float
    high: float
    log: bool
    unit: str
    meaning: str

    def span(self) -> float:
        """The prior's range on the scale it is uniform on (log10 for a log prior)."""
        return (math.log10(self.high) - math.log10(self.low)) if self.log else (self.high
                                                                               - self.low)


PRIORS: tuple[Prior, ...] = (
    Prior("share_probability", 1e-6, 0.5, True, "",
          "effective reaction probability per exposure (the segments' mean multiplier "
          "included), at full novelty"),
    Prior("half_life", 0.5 * HOUR, 1000 * HOUR, True, "s", "novelty's half-life"),
    Prior("beta", 0.1, 1.5, False, "", "novelty's stretch exponent"),
)
"""What is fitted, and the priors: wide on purpose (chosen on RT1-RT40, docs/calibration.md)."""
NAMES = tuple(prior.name for prior in PRIORS)
TEMPER = 100.0
"""The likelihood is raised to ``1 / TEMPER`` (a coarsened posterior: Miller and Dunson,
JASA 2019), because the process is a simplification of real sharing; chosen on RT1-RT40
(docs/calibration.md), where it brings the 80% intervals' coverage to 70%."""
DRAWS = 1000
"""Posterior draws (and forecast replications per policy)."""
