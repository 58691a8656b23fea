"""``replications: auto``: stops on precision or at the cap, and equals a fixed run of N."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import sim
from sim.scenario.values import Precision
from sim.stats import half_width
from tests.conftest import FLAGSHIP
from tests.engine.test_runs import _short


@pytest.fixture(scope="module")
def short(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _short(FLAGSHIP, tmp_path_factory.mktemp("auto"), horizon="6h")


def _bytes(folder: Path, name: str) -> bytes:
    return (folder / name).read_bytes()


def test_auto_stops_on_precision_and_equals_a_fixed_run_of_that_many(short: Path,
                                                                      tmp_path: Path) -> None:
    scenario = sim.load_scenario(short).model_copy(
        update={"precision": Precision(0.25, relative=True)})
    auto = sim.run(scenario, replications="auto", policies=["pull promotion at 2h"])
    assert auto.stopped_by == "precision"
    n = len(auto.replications)
    assert n >= 50 and n % 10 == 0
    summary = auto.summary()
    vs = summary["policies"]["pull promotion at 2h"]["vs_baseline"]["exposure"]
    baseline_mean = summary["policies"]["do nothing"]["metrics"]["exposure"]["mean"]
    # what the rule says it reached is what the summary reports, and it is below the target
    assert summary["precision"]["half_widths"]["pull promotion at 2h"] == half_width(
        vs["diff_ci95"])
    assert half_width(vs["diff_ci95"]) <= 0.25 * baseline_mean
    fixed = sim.run(scenario, replications=n, policies=["pull promotion at 2h"])
    auto.write(tmp_path / "auto")
    fixed.write(tmp_path / "fixed")
    for name in ("replications.csv", "timeseries.csv"):
        assert _bytes(tmp_path / "auto", name) == _bytes(tmp_path / "fixed", name)
    a = json.loads(_bytes(tmp_path / "auto", "summary.json"))
    f = json.loads(_bytes(tmp_path / "fixed", "summary.json"))
    assert a["policies"] == f["policies"] and a["exceedance"] == f["exceedance"]
    assert (a["stopped_by"], f["stopped_by"]) == ("precision", "replications")


def test_auto_stops_at_max_replications_when_precision_is_out_of_reach(short: Path) -> None:
    scenario = sim.load_scenario(short).model_copy(
        update={"max_replications": 30, "precision": Precision(1.0, relative=False)})
    results = sim.run(scenario, replications="auto", policies=["pull promotion at 2h"])
    assert results.stopped_by == "max_replications"
    assert results.replications == list(range(30))
    assert results.summary()["stopped_by"] == "max_replications"


def test_auto_gives_the_same_run_with_two_workers(short: Path) -> None:
    scenario = sim.load_scenario(short).model_copy(
        update={"max_replications": 60, "precision": Precision(1.0, relative=False)})
    one = sim.run(scenario, replications="auto", policies=["pull promotion at 2h"])
    two = sim.run(scenario, replications="auto", workers=2, policies=["pull promotion at 2h"])
    assert one.replications == two.replications == list(range(60))  # two stages: 50, 60
    assert one.metrics.tobytes() == two.metrics.tobytes()
