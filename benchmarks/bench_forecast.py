"""Forecasting a cascade's final size from its first hour: baselines and Flashpoint, one JSON line.

Reads the 60 real retweet cascades of ``../shared/data/cascades`` (``RT1.txt`` ... ``RT60.txt``,
SEISMIC's data as TiDeH ships them; ``SOURCE.txt`` there) with ``sim.observed.from_seismic``,
observes each up to ``--at`` after the original tweet and forecasts its final size: the number of
posts in the file, the original included (retweets plus one; the observation runs about 7 days).
The count at ``--at`` counts the same way (posts at or before it, the original included).

Methods (``forecast_baselines.py`` beside this file holds the two baselines and their choices):

- ``seismic``: SEISMIC's final-size estimator (Zhao et al., KDD 2015), its ``alpha`` and
  ``gamma`` fitted on the training cascades; beside it, ``package_default``: the same estimator
  untuned (``alpha = 1``, ``gamma = n* = 100``, as its authors' R package runs it), for
  reference, since how ``alpha`` and ``gamma`` are fitted moves the figure;
- ``constant_multiple``: ``k`` times the count at ``--at``, ``k`` minimising the median APE
  over the training cascades (reported);
- ``flashpoint``: the product's forecast (``sim.experiment.calibration.forecast``, what
  ``flashpoint forecast`` runs) with the scenario ``data/retweets.yaml`` beside this file
  (SEISMIC's attention kernel, the default; a 7-day horizon; retweets only): the median of
  its forecast of the total posts, and its 80% interval. Its priors and tempering were
  chosen on RT1-RT40 (docs/calibration.md).

Anything tuned is tuned on RT1-RT40 only; every reported figure is on RT41-RT60: the median and
90th percentile of ``|forecast - final| / final`` (fractions), the share of final sizes inside
the method's 80% interval (null for a point forecast: both baselines) and ``n``. ``--details``
writes a table of every cascade to stderr.

``--oracle`` adds a diagnostic, not a method: the model's own floor. Each cascade is fitted to
its whole observation (the exact posterior, ``temper = 1``), its three parameters are fixed at
their posterior medians, and it is forecast from ``--at`` with them. It reads each cascade's
future, so it is reported on both splits and chooses nothing. Usage::

    python benchmarks/bench_forecast.py [--at 1h] [--data DIR] [--details] [--oracle]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
from _measure import rounded
from forecast_baselines import (
    SeismicFeatures,
    SeismicFit,
    fit_constant_multiple,
    fit_seismic,
    median_ape,
    seismic_features,
    seismic_forecast,
)

from sim.experiment.calibration import Posterior, fit, forecast
from sim.observed import ObservedFileError, Timeline, from_seismic
from sim.scenario import load_scenario
from sim.scenario.schema import Scenario
from sim.scenario.values import BadValue, parse_duration

CASCADES = Path(__file__).resolve().parents[2] / "shared" / "data" / "cascades"
TRAIN = range(1, 41)
TEST = range(41, 61)
TARGETS = {"median_ape": 0.25, "coverage80": [0.7, 0.9]}
SCENARIO = Path(__file__).resolve().parent / "data" / "retweets.yaml"
"""The scenario Flashpoint forecasts with: its attention, horizon (7 days) and seed."""
PACKAGE_DEFAULT = SeismicFit(alpha=1.0, gamma=100.0)
"""SEISMIC untuned, as its authors' R package runs it (``n.star = 100``): reported beside."""


def duration(text: str) -> float:
    """``--at``: a duration such as ``1h`` or ``30m``, in seconds (> 0)."""
    try:
        return parse_duration(text, positive=True)
    except BadValue as exc:
        raise argparse.ArgumentTypeError(f"{exc.expected}; got {text!r}") from None


def fail(message: str) -> NoReturn:
    """Say what is wrong on stderr and exit with status 2."""
    print(f"bench_forecast: {message}", file=sys.stderr)
    sys.exit(2)


def read_cascades(folder: Path) -> dict[int, Timeline]:
    """``RT1.txt`` ... ``RT60.txt`` of ``folder``, by number; exit 2 if any is missing."""
    if not folder.is_dir():
        fail(f"no cascade folder {folder} (give the folder of RT1.txt ... RT60.txt with "
             "--data DIR)")
    missing = [f"RT{i}.txt" for i in (*TRAIN, *TEST) if not (folder / f"RT{i}.txt").is_file()]
    if missing:
        fail(f"{folder} lacks {', '.join(missing)}")
    try:
        return {i: from_seismic(folder / f"RT{i}.txt") for i in (*TRAIN, *TEST)}
    except ObservedFileError as exc:
        fail(str(exc))


def flashpoint_forecast(scenario: Scenario, observed: Timeline, at_s: float,
                        posterior: Posterior | None = None) -> tuple[float, float, float]:
    """(median, p10, p90) of the product's forecast of the total posts at the horizon.

    ``posterior``: the parameters' draws (default: fitted to ``observed`` up to ``at_s``).
    """
    result = forecast(scenario, observed, at_s, posterior)
    finals = result.finals[scenario.policies[0].name]
    low, median, high = np.percentile(finals, [10, 50, 90])
    return float(median), float(low), float(high)


def oracle_forecast(scenario: Scenario, cascade: Timeline, at_s: float
                    ) -> tuple[float, float, float]:
    """(median, p10, p90) from ``at_s`` with the parameters fitted to the whole ``cascade``."""
    end = float(cascade.times_s[-1])
    whole = fit(cascade, scenario.behaviour.attention, end, scenario.seed, temper=1.0)
    medians = np.median(whole.draws, axis=0)
    fixed = Posterior(np.tile(medians, (len(whole.draws), 1)), end, whole.posts,
                      float(len(whole.draws)))
    return flashpoint_forecast(scenario, cascade.until(at_s), at_s, fixed)


def scores(forecasts: np.ndarray, finals: np.ndarray,
           intervals: np.ndarray | None = None) -> dict[str, Any]:
    """Median and 90th percentile APE, 80% coverage (null without intervals) and ``n``."""
    ape = np.abs(forecasts - finals) / finals
    coverage = None
    if intervals is not None:
        coverage = float(np.mean((intervals[:, 0] <= finals) & (finals <= intervals[:, 1])))
    return {"median_ape": float(np.median(ape)), "p90_ape": float(np.percentile(ape, 90)),
            "coverage80": coverage, "n": len(finals)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Tuned on RT1-RT40; every reported figure is on RT41-RT60.")
    parser.add_argument("--at", type=duration, default=3600.0, metavar="DURATION",
                        help="how long each cascade is observed before the forecast, such as "
                        "1h or 30m (default 1h)")
    parser.add_argument("--data", type=Path, default=CASCADES, metavar="DIR",
                        help="the folder of RT1.txt ... RT60.txt (default: ../shared/data/"
                        "cascades from the repository root)")
    parser.add_argument("--details", action="store_true",
                        help="also write a table of every cascade to stderr")
    parser.add_argument("--oracle", action="store_true",
                        help="also report the model's floor: each cascade forecast with the "
                        "parameters fitted to its whole week (a diagnostic: it reads the future)")
    args = parser.parse_args()
    started = time.perf_counter()
    at_s = float(args.at)
    cascades = read_cascades(args.data)

    finals = {i: len(t) for i, t in cascades.items()}
    counts = {i: int(t.count_at(at_s)) for i, t in cascades.items()}
    features: dict[int, SeismicFeatures] = {}
    for i, t in cascades.items():
        assert t.followers is not None  # from_seismic always reads them
        features[i] = seismic_features(t.times_s, t.followers, at_s)

    def column(values: dict[int, Any], ids: range) -> np.ndarray:
        return np.array([values[i] for i in ids], dtype=np.float64)

    k = fit_constant_multiple(column(counts, TRAIN), column(finals, TRAIN))
    fit = fit_seismic([features[i] for i in TRAIN], column(finals, TRAIN))
    seismic = {i: seismic_forecast(features[i], fit) for i in cascades}
    untuned = {i: seismic_forecast(features[i], PACKAGE_DEFAULT)[0] for i in cascades}
    multiple = {i: k * counts[i] for i in cascades}

    def train_median_ape(forecasts: dict[int, float]) -> float:
        return float(np.median([abs(forecasts[i] - finals[i]) / finals[i] for i in TRAIN]))

    test_finals = column(finals, TEST)
    forecasts = {i: s[0] for i, s in seismic.items()}
    package = scores(column(untuned, TEST), test_finals)
    methods: dict[str, Any] = {
        "seismic": {
            **scores(column(forecasts, TEST), test_finals),
            "alpha": fit.alpha, "gamma": fit.gamma,
            "supercritical": sum(seismic[i][1] for i in TEST),
            "train_median_ape": train_median_ape(forecasts),
            "package_default": {"alpha": PACKAGE_DEFAULT.alpha, "gamma": PACKAGE_DEFAULT.gamma,
                                "median_ape": package["median_ape"],
                                "p90_ape": package["p90_ape"],
                                "train_median_ape": train_median_ape(untuned)}},
        "constant_multiple": {
            **scores(column(multiple, TEST), test_finals), "k": k,
            "train_median_ape": median_ape(k, column(counts, TRAIN), column(finals, TRAIN))},
    }

    scenario = load_scenario(SCENARIO)
    ours = {i: flashpoint_forecast(scenario, cascades[i].until(at_s), at_s) for i in TEST}
    bounds = np.array([[ours[i][1], ours[i][2]] for i in TEST], dtype=np.float64)
    methods["flashpoint"] = {
        **scores(column({i: ours[i][0] for i in TEST}, TEST), test_finals, bounds),
        "scenario": str(SCENARIO.relative_to(Path(__file__).resolve().parents[1]))}

    oracle = ({i: oracle_forecast(scenario, cascades[i], at_s) for i in cascades}
              if args.oracle else {})

    if args.details:
        print(f"{'cascade':8} {'split':5} {'at --at':>8} {'final':>7} {'p_t':>9} "
              f"{'seismic':>9} {'ape':>6} {'n*=100':>9} {'ape':>6} {'k x':>9} {'ape':>6}"
              + f" {'flashpoint':>10} {'ape':>6}"
              + (f" {'oracle':>9} {'ape':>6}" if oracle else ""), file=sys.stderr)
        for i in cascades:
            final = finals[i]
            row = (f"RT{i:<6} {'train' if i in TRAIN else 'test':5} {counts[i]:8d} "
                   f"{final:7d} {features[i].infectiousness:9.2e}")
            for value in (seismic[i][0], untuned[i], multiple[i], *ours.get(i, ())[:1]):
                row += f" {value:9.0f} {abs(value - final) / final:6.3f}"
            if oracle:  # after the flashpoint columns, blank on training rows
                value = oracle[i][0]
                row += (f" {'':>9} {'':>6}" if i in TRAIN else "") + (
                    f" {value:9.0f} {abs(value - final) / final:6.3f}")
            if seismic[i][1]:
                row += "  supercritical: SEISMIC forecasts the count at --at"
            print(row, file=sys.stderr)
        print(f"SEISMIC alpha = {fit.alpha:.4f}, gamma = {fit.gamma:.2f} (n*=100: alpha = 1, "
              f"gamma = 100, the authors' package); k = {k:.4f}. APE = |forecast - final| / "
              "final; sizes in posts, the original included. Reported figures: test rows only.",
              file=sys.stderr)

    out = {"benchmark": "forecast", "at_h": at_s / 3600, "train": "RT1-RT40",
           "test": "RT41-RT60", "final_size": "posts in the file, the original included",
           "methods": methods, "targets": TARGETS,
           "seconds": time.perf_counter() - started}
    if oracle:
        out["oracle"] = {"what": "each cascade fitted to its whole week (temper 1), parameters "
                         "fixed at the medians, forecast from --at: a diagnostic"}
        for name, ids in (("train", TRAIN), ("test", TEST)):
            bounds = np.array([[oracle[i][1], oracle[i][2]] for i in ids], dtype=np.float64)
            out["oracle"][name] = scores(column({i: oracle[i][0] for i in ids}, ids),
                                         column(finals, ids), bounds)
    print(json.dumps(rounded(out)))


if __name__ == "__main__":
    main()
