"""Robustness: does the recommended policy stay best across the plausible worlds?

The scenario's uncertain parameters (:mod:`sim.scenario.uncertain`) are sampled at N points
of a scrambled Sobol' sequence (:func:`sim.sensitivity.sample`), each point a plausible
world, and every policy runs at every point with the same replications' random numbers:
common random numbers across points as well as across policies, so a difference between two
points or two policies is paired replication by replication. One more point is the
scenario's own values. From the risk metric of each point, policy and replication it
reports:

- each policy's probability of being best (the lowest mean risk metric) over the N worlds,
  with a bootstrap interval over worlds and replications;
- the two policies best most often, and how often their order is the reverse of their
  order at the scenario's own values (the flip rate);
- first-order and total Sobol' indices of the ratio of those two policies' mean risk
  metric (its logarithm, :func:`log_ratio`): which parameters drive it. They come from a
  polynomial surrogate fitted to the N worlds and validated by cross-validation
  (:mod:`sim.surrogate`), with intervals that hold both the sampling of the worlds and
  the Monte Carlo noise, and that noise on its own.

A design point is one unit of work (a task: every replication of every policy at that
point), saved in ``results.sqlite`` as it finishes, so a run resumes where it stopped and
gives identical results.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import FlashpointError
from sim.experiment.api import LazyExecutor, checkpoint_store, workers_for
from sim.experiment.checkpoint import scenario_hash
from sim.experiment.results import csv_number, csv_text
from sim.experiment.runner import ReplicationResult, run_replication, run_until_stopped
from sim.experiment.stopping import Fixed
from sim.experiment.sweep import best_shares, rank_policies
from sim.io import atomic_write_text
from sim.metrics import METRICS
from sim.network.graph import Graph
from sim.randomness.seeds import stream
from sim.scenario.schema import Scenario
from sim.scenario.sweeps import SweepError, variant_of
from sim.scenario.uncertain import Held, Uncertain, uncertain_parameters
from sim.sensitivity import sample, to_unit
from sim.surrogate import basis, surrogate_indices

SAMPLES = 256
"""Design points (plausible worlds), a power of 2."""
REPLICATIONS = 12
"""Replications per design point (every policy, common random numbers)."""
BOOTSTRAP = 200
"""Resamples for the intervals."""
FIT = 0.5
"""A surrogate's cross-validated R^2 below this gets a warning."""
DRIVER = 0.05
"""A total index below this does not drive the ratio (the headline names none)."""
_EMPTY = np.zeros(0)


@dataclass(frozen=True)
class Plan:
    """What a robustness run evaluates: the design points and the replications at each.

    Attributes:
        scenario: the scenario (its own values are the last point).
        parameters: the uncertain parameters, in the design's column order.
        held: the judgements held at their value, with why.
        rows: ``[point, parameter]``: the N worlds, then the scenario's own values.
        n: the number of worlds, N.
        replications: replications per point.
    """

    scenario: Scenario
    parameters: list[Uncertain]
    held: list[Held]
    rows: np.ndarray
    n: int
    replications: int

    @property
    def own(self) -> int:
        """The index of the point with the scenario's own values (the last)."""
        return len(self.rows) - 1

    def variant(self, point: int) -> Scenario:
        """The scenario of design point ``point``."""
        if point == self.own:
            return self.scenario
        settings = [s for u, x in zip(self.parameters, self.rows[point], strict=True)
                    for s in u.settings(float(x))]
        return variant_of(self.scenario, settings)

    def digest(self) -> str:
        """What a resume must match: the scenario, the design and the replications."""
        digest = hashlib.sha256(scenario_hash(self.scenario).encode())
        digest.update(np.ascontiguousarray(self.rows).tobytes())
        digest.update(f"{self.replications}".encode())
        return digest.hexdigest()


def plan(scenario: Scenario, samples: int = SAMPLES,
         replications: int = REPLICATIONS) -> Plan:
    """The design of a robustness run of ``scenario``.

    Raises:
        FlashpointError: fewer than two policies, no uncertain parameter, ``samples`` not
            a power of 2 of at least 2, or a range a parameter cannot take.
    """
    if len(scenario.policies) < 2:
        raise FlashpointError("a robustness run compares policies: the scenario needs at "
                              "least two")
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 2 \
            or samples & (samples - 1):
        raise FlashpointError(f"--samples must be a power of 2 (such as 256); got {samples!r}")
    if isinstance(replications, bool) or not isinstance(replications, int) \
            or replications < 2:
        raise FlashpointError(f"--replications must be a whole number >= 2; got "
                              f"{replications!r}")
    try:
        parameters, held = uncertain_parameters(scenario)
    except SweepError as exc:
        raise FlashpointError(f"uncertain: {exc}") from None
    if not parameters:
        raise FlashpointError("the scenario has no uncertain parameter: give it an "
                              "uncertain: section (docs/robustness.md)")
    try:
        basis(len(parameters), samples)
    except ValueError as exc:
        raise FlashpointError(f"--samples: {exc}") from None
    bounds, logs = _ranges(parameters)
    drawn = sample(bounds, samples, stream(scenario.seed, "robustness", 0), log=logs)
    rows = np.vstack([drawn, [[u.value for u in parameters]]])
    return Plan(scenario, parameters, held, rows, samples, replications)


def _ranges(parameters: list[Uncertain]) -> tuple[list[tuple[float, float]], list[bool]]:
    """Each parameter's ``(low, high)``, and whether it is drawn in its logarithm."""
    return [(u.low, u.high) for u in parameters], [u.log for u in parameters]


def point_task(the_plan: Plan, graph: Graph | None, point: int) -> ReplicationResult:
    """Every replication of every policy at one design point (an executor's task).

    Returns the point's metrics ``[replication, policy, metric]`` as a
    :class:`ReplicationResult` numbered by the point (no series, no action times).
    """
    changed = the_plan.variant(point)
    metrics = np.stack([run_replication(changed, graph, r).metrics
                        for r in range(the_plan.replications)])
    return ReplicationResult(point, metrics, _EMPTY, _EMPTY)


def run(scenario: Scenario, folder: str | Path, *, samples: int = SAMPLES,
        replications: int = REPLICATIONS, workers: int | None = None,
        executor: str = "processes", scheduler: str | None = None, resume: bool = False,
        progress: Callable[[int, int], None] | None = None,
        source: str | None = None) -> Robustness:
    """Run every policy at every design point, checkpointed in ``folder``; the analysis.

    Args:
        scenario: the scenario (its ``uncertain:`` section, or the default ranges).
        folder: where ``results.sqlite`` is kept (and the outputs are written).
        samples: the design points (plausible worlds), a power of 2; one more point runs
            the scenario's own values.
        replications: replications per point.
        workers: worker processes (``None``: as many as cores and memory allow).
        executor: ``"processes"`` or ``"dask"``.
        scheduler: a Dask scheduler's address (implies ``executor="dask"``).
        resume: continue the interrupted run in ``folder`` (with the same options).
        progress: called as ``progress(done, total)`` as design points finish.
        source: the scenario's file name, recorded in the checkpoint.

    Raises:
        FlashpointError: a bad option, or a checkpoint that is not this run's.
    """
    the_plan = plan(scenario, samples, replications)
    workers = workers_for(scenario, workers, executor, scheduler)
    shapes = ((replications, len(scenario.policies), len(METRICS)), (0,), (0,))
    with checkpoint_store(folder, scenario, the_plan.digest(), shapes, resume=resume,
                          source=source) as store:
        with LazyExecutor(scenario, workers, executor, scheduler, task=point_task,
                          context=the_plan) as runner:
            rows, _ = run_until_stopped(Fixed(len(the_plan.rows)), runner, store=store,
                                        progress=progress)
    metrics = np.stack([row.metrics for row in rows])  # [point, replication, policy, metric]
    return analyse(the_plan, metrics[:, :, :, METRICS.index(scenario.risk_metric)])


@dataclass(frozen=True)
class Robustness:
    """A robustness run's numbers (:func:`analyse`); :meth:`as_json` is ``robustness.json``.

    Attributes:
        plan: what was run.
        risk: ``[point, replication, policy]``: the risk metric.
        prob_best: each policy's share of the sampled worlds in which it is best (policies
            that tie share a world).
        prob_best_ci95: each policy's 95% interval of that share.
        top_two: the two policies best most often.
        own_order: those two in order at the scenario's own values (best first).
        flip_rate: the share of worlds whose order of the two is the reverse.
        indices: by parameter name: ``first``, ``first_ci95``, ``total``, ``total_ci95``
            (of the log of the ratio of the two), and their Monte Carlo standard errors
            ``noise_first`` and ``noise_total``.
        noise_ok: every driver's index (total at least :data:`DRIVER`) is more than twice
            its Monte Carlo standard error.
        headline: the plain sentence.
        warnings: what makes the answer weaker than it looks.
        surrogate: the surrogate's ``terms``, its cross-validated R^2 ``cv_r2`` and the
            ``estimator_se`` of Saltelli's estimators on it (:mod:`sim.surrogate`).
    """

    plan: Plan
    risk: np.ndarray
    prob_best: dict[str, float]
    prob_best_ci95: dict[str, list[float]]
    top_two: list[str]
    own_order: list[str]
    flip_rate: float
    indices: dict[str, dict[str, Any]]
    noise_ok: bool
    headline: str
    warnings: list[str]
    surrogate: dict[str, Any]

    @property
    def metric(self) -> str:
        """The risk metric."""
        return self.plan.scenario.risk_metric

    def as_json(self) -> dict[str, Any]:
        """``robustness.json``: the issue's keys first, then what the page also shows."""
        return {
            "samples": self.plan.n,
            "prob_best": self.prob_best,
            "top_two": self.top_two,
            "flip_rate": self.flip_rate,
            "indices": self.indices,
            "metric": self.metric,
            "worlds": self.plan.n,
            "surrogate": self.surrogate,
            "replications": self.plan.replications,
            "policies": [p.name for p in self.plan.scenario.policies],
            "prob_best_ci95": self.prob_best_ci95,
            "own_order": self.own_order,
            "parameters": [{"name": u.name, "paths": u.paths, "value": u.shown(u.value),
                            "low": u.shown(u.low), "high": u.shown(u.high),
                            "scale": "log" if u.log else "linear", "why": u.why,
                            "declared": u.declared} for u in self.plan.parameters],
            "held": [{"path": h.path, "value": str(h.value), "why": h.why}
                     for h in self.plan.held],
            "output": (f"the ratio of the expected {self.metric} of \"{self.top_two[0]}\" to "
                       f"that of \"{self.top_two[1]}\" (its logarithm)"),
            "headline": self.headline,
            "noise_ok": self.noise_ok,
            "warnings": self.warnings,
        }


def analyse(the_plan: Plan, risk: np.ndarray) -> Robustness:
    """The probabilities of being best, the flip rate and the indices of a finished run.

    Args:
        the_plan: what was run.
        risk: ``[point, replication, policy]``: the risk metric at every point.
    """
    names = [p.name for p in the_plan.scenario.policies]
    k = len(the_plan.parameters)
    worlds = risk[:the_plan.n]
    means = worlds.mean(axis=1)
    _, order = rank_policies(means, names)
    prob_best = {name: float(share) for name, share in zip(names, best_shares(means),
                                                          strict=True)}
    rng = stream(the_plan.scenario.seed, "robustness", 1)
    shares = _bootstrap_best(worlds, rng)
    intervals = np.quantile(shares, (0.025, 0.975), axis=0).T
    prob_ci = {name: [float(lo), float(hi)] for name, (lo, hi) in zip(names, intervals,
                                                                      strict=True)}
    a, b = (names.index(name) for name in order[:2])
    own = risk[the_plan.own].mean(axis=0)
    own_order = [names[a], names[b]] if own[a] <= own[b] else [names[b], names[a]]
    own_first = names.index(own_order[0])
    other = b if own_first == a else a
    flip_rate = float(np.mean(means[:, other] < means[:, own_first]))
    pair = worlds[:, :, [a, b]]
    warnings = []
    if np.array_equal(pair[:, :, 0], pair[:, :, 1]):
        metric = the_plan.scenario.risk_metric
        warnings.append(f"\"{names[a]}\" and \"{names[b]}\" give the same {metric} "
                        "in every replication of every world: no parameter can tell them "
                        "apart")
    bounds, logs = _ranges(the_plan.parameters)
    units = to_unit(the_plan.rows[:the_plan.n], bounds, log=logs)
    fitted = surrogate_indices(units, pair, log_ratio, rng, bootstrap=BOOTSTRAP)
    found = fitted.indices
    indices = {u.name: {"first": float(found.first[i]),
                        "first_ci95": [float(x) for x in found.first_ci95[i]],
                        "total": float(found.total[i]),
                        "total_ci95": [float(x) for x in found.total_ci95[i]],
                        "noise_first": float(fitted.noise_first[i]),
                        "noise_total": float(fitted.noise_total[i])}
               for i, u in enumerate(the_plan.parameters)}
    drivers = [i for i in range(k) if found.total[i] >= DRIVER]
    noise_ok = all(found.total[i] > 2 * fitted.noise_total[i] for i in drivers)
    if not noise_ok:
        warnings.append("the Monte Carlo noise in the indices is not small next to the "
                        "indices it ranks: run more replications (--replications)")
    if fitted.r2 < FIT:
        warnings.append(f"the surrogate predicts only {max(fitted.r2, 0):.0%} of the spread of "
                        f"the ratio across held-out worlds: the indices describe that "
                        f"share; run more --samples or --replications")
    surrogate = {"terms": fitted.terms, "cv_r2": fitted.r2,
                 "estimator_se": fitted.estimator_se}
    headline = _headline(the_plan, order, prob_best, flip_rate, own_order, found.total)
    return Robustness(the_plan, risk, prob_best, prob_ci, [names[a], names[b]], own_order,
                      flip_rate, indices, noise_ok, headline, warnings, surrogate)


def log_ratio(means: np.ndarray) -> np.ndarray:
    """What the indices explain: ``log((A + 1) / (B + 1))`` of the two policies' means.

    The log of the ratio, not the difference: a risk metric's spread across worlds is
    heavy-tailed (a press wave can multiply the exposure of every policy tenfold), and a
    difference's variance would be that of the few worlds where everything is large; the
    ratio says by what factor one policy beats the other, and its sign which one does. The
    1 keeps a metric of 0 finite.
    """
    return np.log1p(means[:, 0]) - np.log1p(means[:, 1])


def _bootstrap_best(worlds: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each policy's share of being best, resampling the worlds and the replications."""
    count, replications, policies = worlds.shape
    shares = np.empty((BOOTSTRAP, policies))
    for b in range(BOOTSTRAP):
        rows = rng.integers(0, count, count)
        reps = np.bincount(rng.integers(0, replications, replications),
                           minlength=replications) / replications
        shares[b] = best_shares(np.einsum("wrp,r->wp", worlds[rows], reps))
    return shares


def _headline(the_plan: Plan, order: list[str], prob_best: dict[str, float],
              flip_rate: float, own_order: list[str], total: np.ndarray) -> str:
    """The plain sentence: the best policy, how often, and what the answer depends on."""
    best = order[0]
    sentence = f"\"{best}\" is the best policy in {prob_best[best]:.0%} of plausible worlds"
    driver = int(np.argmax(total))
    if total[driver] >= DRIVER:
        sentence += (f"; the answer depends mostly on {the_plan.parameters[driver].name} "
                     f"(total index {total[driver]:.2f})")
    else:
        sentence += "; no single judgement drives its lead over the runner-up"
    return (sentence + f"; \"{own_order[0]}\" and \"{own_order[1]}\" swap places in "
            f"{flip_rate:.0%} of them")


def robustness_csv(result: Robustness) -> str:
    """``robustness.csv``: each design point's values and each policy's mean risk metric."""
    the_plan = result.plan
    names = [p.name for p in the_plan.scenario.policies]
    header = ["point", *(csv_text(u.name) for u in the_plan.parameters),
              *(csv_text(f"{name}: mean {result.metric}") for name in names)]
    lines = [",".join(header)]
    means = result.risk.mean(axis=1)
    for j, row in enumerate(the_plan.rows):
        label = "own" if j == the_plan.own else str(j)
        lines.append(",".join([label, *(csv_text(u.shown(float(x)))
                                        for u, x in zip(the_plan.parameters, row,
                                                        strict=True)),
                               *(csv_number(float(m)) for m in means[j])]))
    return "\n".join(lines) + "\n"


def write(result: Robustness, folder: Path) -> list[Path]:
    """``robustness.json`` and ``robustness.csv`` in ``folder``."""
    paths = [folder / "robustness.json", folder / "robustness.csv"]
    atomic_write_text(paths[0], json.dumps(result.as_json(), indent=2) + "\n")
    atomic_write_text(paths[1], robustness_csv(result))
    return paths


def page_data(result: Robustness) -> dict[str, Any]:
    """What ``robustness.html`` shows (:func:`sim.report.robustness.page`)."""
    return {"scenario": result.plan.scenario.scenario, **result.as_json()}
