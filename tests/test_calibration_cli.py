"""``flashpoint fit`` and ``flashpoint forecast`` as a user runs them."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from sim.experiment import calibration as cal
from sim.observed import write_timeline
from sim.report.assumptions import rows
from sim.scenario import load_scenario
from sim.scenario.schema import DEFAULT_ATTENTION
from tests.conftest import run_flashpoint

HOUR = 3600.0
SCENARIO = """scenario: "Fit <b>test</b>"
seed: 3
horizon: 24h
network: {generator: scale_free, accounts: 1000000, mean_follows: 20}
behaviour: {reactions_per_reaction: 0.2}
incident: {type: post, author: brand, brand_followers: 5000}
policies:
  - name: do nothing
  - name: apologise at once
    actions: [{do: statement, at: 0h, strategy: apology}]
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("calibration")
    scenario = folder / "scenario.yaml"
    scenario.write_text(SCENARIO)
    pool = np.minimum(np.round(np.random.default_rng(1).lognormal(math.log(200), 1.5, 2000)),
                      1e7)
    timeline = cal.synthetic(4, 0, (1e-3, 6 * HOUR, 0.6), 3e5, pool, DEFAULT_ATTENTION,
                             2 * HOUR)
    observed = folder / "incident.csv"
    write_timeline(timeline, observed)
    return scenario, observed


def test_fit_writes_a_fitted_scenario_its_intervals_and_a_page(
        files: tuple[Path, Path], tmp_path: Path,
        cli: Callable[..., tuple[int, str, str]]) -> None:
    scenario, observed = files
    code, out, err = cli("fit", str(scenario), "--observed", str(observed), "--until", "1h",
                         "--out", str(tmp_path), "--draws", "400")
    assert code == 0, err
    fit = json.loads((tmp_path / "fit.json").read_text())
    assert fit["until_h"] == 1.0 and fit["observed"] == "incident.csv"
    for name in cal.NAMES:
        row = fit["parameters"][name]
        assert row["p2_5"] <= row["p10"] <= row["median"] <= row["p90"] <= row["p97_5"]
        assert row["prior"][0] <= row["p2_5"] and row["p97_5"] <= row["prior"][1]
    fitted = load_scenario(tmp_path / "scenario.fitted.yaml")
    assert fitted.behaviour.share_probability == fit["fitted"]["behaviour.share_probability"]
    assert fitted.behaviour.reactions_per_reaction is None
    # one segment, no outrage: the scenario's probability is the fitted effective one
    assert fitted.behaviour.share_probability == pytest.approx(
        fit["parameters"]["share_probability"]["median"], rel=5e-3)  # 3 significant figures
    assert str(fitted.behaviour.novelty) == fit["fitted"]["behaviour.novelty"]
    origins = {path: origin for path, _, origin in rows(fitted)}
    assert origins["behaviour.share_probability"] == "fitted: fitted to incident.csv up to 1h"
    assert origins["behaviour.novelty"] == "fitted: fitted to incident.csv up to 1h"
    assert not any(path.startswith("fitted.") for path in origins)
    assert "share_probability: " in out and (tmp_path / "fit.html").is_file()


def test_forecast_prints_its_json_and_writes_a_page(
        files: tuple[Path, Path], tmp_path: Path,
        cli: Callable[..., tuple[int, str, str]]) -> None:
    scenario, observed = files
    code, out, err = cli("forecast", str(scenario), "--observed", str(observed), "--at", "1h",
                         "--out", str(tmp_path), "--draws", "300", "--json")
    assert code == 0, err
    printed = json.loads(out)
    assert printed == json.loads((tmp_path / "forecast.json").read_text())
    assert printed["at_h"] == 1.0
    assert set(printed["policies"]) == {"do nothing", "apologise at once"}
    nothing = printed["policies"]["do nothing"]["final_size"]
    apology = printed["policies"]["apologise at once"]["final_size"]
    assert apology["median"] <= nothing["median"]  # an apology lowers reactions (paired)
    assert (tmp_path / "forecast.html").is_file()


@pytest.mark.parametrize(("content", "expected"), [
    ("time,followers\n0,10\n20,5\n10,3\n", ":4: column 'time' must be"),
    ("time,followers\n-5,10\n", ":2: column 'time' must be"),
    ("followers\n10\n", "time"),
    ("time,followers\n0,10\n5,many\n", ":3: column 'followers' must be"),
    ("", ":1:"),
])
def test_bad_observed_files_get_a_line_and_exit_2(
        files: tuple[Path, Path], tmp_path: Path, content: str, expected: str,
        cli: Callable[..., tuple[int, str, str]]) -> None:
    scenario, _ = files
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    for command in (["fit"], ["forecast", "--at", "1h"]):
        code, _, err = cli(*command, str(scenario), "--observed", str(bad),
                           "--out", str(tmp_path / "out"))
        assert code == 2 and expected in err and err.startswith(str(bad)), err


def test_a_bad_file_stops_a_real_process_without_a_traceback(files: tuple[Path, Path],
                                                             tmp_path: Path) -> None:
    scenario, _ = files
    bad = tmp_path / "bad.csv"
    bad.write_text("time,followers\n0,10\n20,5\n10,3\n")
    done = run_flashpoint("forecast", str(scenario), "--observed", str(bad), "--at", "1h",
                          "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and done.stderr.startswith(f"{bad}:4: column 'time'")
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_timeline_without_followers_is_refused(files: tuple[Path, Path], tmp_path: Path,
                                                 cli: Callable[..., tuple[int, str, str]]
                                                 ) -> None:
    scenario, _ = files
    bare = tmp_path / "bare.csv"
    bare.write_text("time\n0\n30\n")
    code, _, err = cli("fit", str(scenario), "--observed", str(bare), "--out", str(tmp_path))
    assert code == 2 and "'followers' column" in err


def test_a_forecast_past_the_horizon_is_refused(files: tuple[Path, Path], tmp_path: Path,
                                                cli: Callable[..., tuple[int, str, str]]
                                                ) -> None:
    scenario, observed = files
    code, _, err = cli("forecast", str(scenario), "--observed", str(observed), "--at", "30h",
                       "--out", str(tmp_path))
    assert code == 2 and "horizon (24h)" in err
