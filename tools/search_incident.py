"""The documented search that fits an incident scenario to its reported figures.

Usage::

    python tools/search_incident.py scenarios/mcdstories.yaml \\
        --param incident.promotion.impressions_per_hour=20000:200000:log \\
        --param behaviour.reactions_per_reaction=0.1:0.4 --steps 5 --replications 20

Every combination of the parameters' values (``--steps`` values each, evenly spaced, or on
a log scale with ``:log``) runs the scenario's documented policy (its ``documented:``
section) with the same seed, so common random numbers hold across the grid. The loss of a
point is the sum, over the figures marked ``use: fit``, of the squared log-distance from the
model's median to the documented value, or to the geometric middle of a documented range.
One JSON line per point, with the fit figures' 80% bands and medians only (the held-out
figures stay out of sight while the fit is chosen), then the best point. A bad ``--param``
is refused with the reason and exit status 2. The search used for each shipped incident, its
grid and its result, are on the incident's page (docs/incidents/).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys

from sim.experiment.api import run
from sim.experiment.documented import compare
from sim.scenario import load_scenario
from sim.scenario.schema import Scenario
from sim.scenario.sweeps import Parameter, SweepError, axis, sweep_values, variant_of


def _axis(text: str, steps: int, scenario: Scenario) -> tuple[Parameter, list[float]]:
    """``PATH=V,V,...`` or ``PATH=LOW:HIGH[:log]`` as a sweep axis, read as a sweep's is."""
    path, _, spec = text.partition("=")
    parts = spec.split(":")
    swept = (axis(path, parts[0].split(",")) if len(parts) == 1 else
             axis(path, start=parts[0], stop=parts[1], steps=steps, log=parts[2:] == ["log"]))
    return sweep_values(scenario, swept)


def loss(comparisons: list) -> float:
    """Squared log-distance of each fit figure's median from its documented value, summed.

    A range counts as its geometric middle; a median that never came (no article in most
    replications) costs 100.
    """
    total = 0.0
    for c in comparisons:
        if c.figure.use != "fit":
            continue
        median = max(c.median, 1e-9)
        middle = math.sqrt(c.figure.low * c.figure.high)
        total += math.log(median / middle) ** 2 if math.isfinite(median) else 100.0
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario")
    parser.add_argument("--param", action="append", default=[], metavar="PATH=LOW:HIGH[:log]",
                        help="a parameter and its range (or PATH=V,V,... for values)")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    scenario = load_scenario(args.scenario)
    if scenario.documented is None:
        parser.error("the scenario has no documented: section")
    try:
        axes = [_axis(p, args.steps, scenario) for p in args.param]
    except SweepError as error:
        parser.error(f"--param: {error}")
    best: tuple[float, dict] | None = None
    for point in itertools.product(*[values for _, values in axes]):
        settings = [(param, value) for (param, _), value in zip(axes, point, strict=True)]
        variant = variant_of(scenario, settings) if settings else scenario
        results = run(variant, replications=args.replications, workers=args.workers,
                      policies=[scenario.documented.policy])
        comparisons = compare(results)
        row = {"point": {p.path: v for p, v in settings}, "loss": round(loss(comparisons), 4),
               "figures": {c.figure.figure: [round(c.low, 3), round(c.median, 3),
                                              round(c.high, 3), c.figure.use, c.reproduced]
                           for c in comparisons if c.figure.use == "fit"}}
        print(json.dumps(row), flush=True)
        if best is None or row["loss"] < best[0]:
            best = (row["loss"], row)
    print(json.dumps({"best": best[1] if best else None}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
