"""Robustness runs: uncertain parameters, the design, the analysis and the command."""

from __future__ import annotations

import json
import os
import shlex
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.experiment import robustness
from sim.metrics import METRICS
from sim.scenario.loader import parse_scenario
from sim.scenario.uncertain import uncertain_parameters
from tests.conftest import FLAGSHIP, like_a_terminal
from tests.report.test_calibration_page import browser_test

SCENARIO = """
scenario: robustness test
seed: 5
horizon: 24h
replications: 3
network: {generator: scale_free, accounts: 3000, mean_follows: 12}
behaviour: {reactions_per_reaction: 0.5}
incident: {type: post, author: brand, brand_followers: 300, outrage: 1.0}
segments:
  public: {fraction: 0.8}
  critics: {fraction: 0.2, stance: -0.8}
policies:
  - name: do nothing
  - name: apologise
    actions: [{do: statement, at: 1h, strategy: apology}]
  - name: hold
    actions: [{do: statement, at: 1h, strategy: holding}]
"""

UNCERTAIN = """uncertain:
  - path: incident.outrage
    from: 0.5
    to: 1.5
  - name: the apology's effect
    path: policies.1.actions.0.effect
    from: 0.3
    to: 0.8
    why: a test
  - path: policies.2.actions.0.effect
    from: 0.7
    to: 1.0
"""


@pytest.fixture(scope="module")
def scenario() -> sim.Scenario:
    return parse_scenario((SCENARIO + UNCERTAIN).encode())


@pytest.fixture(scope="module")
def finished(scenario: sim.Scenario, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[robustness.Robustness, Path]:
    out = tmp_path_factory.mktemp("robustness")
    return robustness.run(scenario, out, samples=32, replications=3, workers=1), out


def test_an_uncertain_section_gives_its_parameters_and_holds_the_other_judgements(
        scenario: sim.Scenario) -> None:
    found, held = uncertain_parameters(scenario)
    assert [(u.name, u.paths, u.low, u.high, u.log, u.value, u.declared) for u in found] == [
        ("incident.outrage", ["incident.outrage"], 0.5, 1.5, False, 1.0, "scenario"),
        ("the apology's effect", ["policies.1.actions.0.effect"], 0.3, 0.8, False, 0.5,
         "scenario"),
        ("policies.2.actions.0.effect", ["policies.2.actions.0.effect"], 0.7, 1.0, False,
         0.85, "scenario")]
    assert ("behaviour.reactions_per_reaction", "not listed in uncertain:") in [
        (h.path, h.why) for h in held]


def test_the_default_ranges_group_every_apology_and_say_why_the_rest_is_held() -> None:
    found, held = uncertain_parameters(sim.load_scenario(FLAGSHIP))
    by_name = {u.name: u for u in found}
    apology = by_name["the apology statement's effect"]
    assert apology.paths == ["policies.3.actions.0.effect", "policies.4.actions.1.effect"]
    # the size, not the direction, is the judgement: 0.5's distance from 1, x0.5 to x1.5
    assert apology.low == pytest.approx(0.5 ** 1.5) and apology.high == pytest.approx(0.5 ** 0.5)
    readers = by_name["an article's readers on the platform"]
    assert (readers.low, readers.high, readers.log) == (10000, 40000, True)  # x2 either way
    # the values searched to reproduce what was reported (fitted:) are not judgements
    searched = set(sim.load_scenario(FLAGSHIP).fitted or {})
    assert "media.pickup_probability" in searched
    assert not searched & ({p for u in found for p in u.paths} | {h.path for h in held})
    assert by_name["critics' outrage"].declared == "default"
    assert by_name["critics' outrage"].why
    reasons = {h.path: h.why for h in held}
    assert "no effect" in reasons["policies.3.actions.0.newsworthiness"]
    assert "network" in reasons["network.follower_exponent"]
    assert "choice" in reasons["policies.1.actions.0.at"]
    # the published default is not a judgement: the story's share is neither varied nor held
    assert "behaviour.reactions_per_reaction" not in reasons
    assert all("reactions_per_reaction" not in u.paths[0] for u in found)


@pytest.mark.parametrize(("entry", "message"), [
    ("  - {path: incident.outrag, from: 0.5, to: 1.5}",
     "s.yaml:19: uncertain[0].path must be a number or duration parameter of the scenario "
     "(incident.outrag is not a parameter of the scenario (did you mean 'incident.outrage'?)"),
    ("  - {path: incident.outrage, from: 1.5, to: 0.5}",
     "s.yaml:19: uncertain[0].to must be above `from` (1.5); got 0.5"),
    ("  - path: policies.1.actions.0.effect\n    from: -1\n    to: 0.5",
     "s.yaml:20: uncertain[0].from must be a value policies.1.actions.0.effect can take "
     "(policies[1].actions[0].effect must be a number >= 0); got -1"),
    ("  - {path: incident.outrage, from: 0, to: 1, scale: log}",
     "s.yaml:19: uncertain[0].from must be above 0 for a log range; got 0"),
    ("  - {path: policies.1.actions.0.at, from: 10m, to: 30h}",
     "s.yaml:19: uncertain[0].to must be a value policies.1.actions.0.at can take "
     "(policies[1].actions[0].at must be before the horizon (24h)); got '30h'"),
    ("  - {path: incident.outrage, from: 0.5, to: 1}\n"
     "  - {paths: [policies.1.actions.0.effect, incident.outrage], from: 0.5, to: 1}",
     "s.yaml:20: uncertain[1].paths must be a parameter not already in uncertain[0]; got "
     "'incident.outrage'"),
    ("  - {path: incident.outrage, from: 0.5, to: 1, name: x}\n"
     "  - {path: policies.1.actions.0.effect, from: 0.5, to: 1, name: x}",
     "s.yaml:20: uncertain[1].name must be a name not already used by uncertain[0]; got 'x'"),
    ("  - {from: 0.5, to: 1}",
     "s.yaml:19: uncertain[0] must be either `path` (one parameter) or `paths`"),
])
def test_a_bad_uncertain_section_is_refused_at_its_line(entry: str, message: str) -> None:
    text = SCENARIO + "uncertain:\n" + entry + "\n"
    with pytest.raises(sim.ScenarioError) as caught:
        parse_scenario(text.encode(), "s.yaml")
    assert str(caught.value).startswith(message), str(caught.value)


def _plan(scenario: sim.Scenario, risk_of: Callable[[np.ndarray], np.ndarray]
          ) -> tuple[robustness.Plan, np.ndarray]:
    """A plan of ``scenario`` and a made-up risk metric for each of its points."""
    the_plan = robustness.plan(scenario, samples=64, replications=4)
    values = risk_of(the_plan.rows)  # [point, policy]
    return the_plan, np.repeat(values[:, None, :], 4, axis=1)


def test_the_best_policy_s_share_and_the_flip_rate_follow_the_worlds(
        scenario: sim.Scenario) -> None:
    # "apologise" is best while outrage is above 1.2, "hold" below: outrage alone decides
    def risk(rows: np.ndarray) -> np.ndarray:
        outrage = rows[:, 0]
        return np.column_stack([np.full(len(rows), 10.0), 5 - outrage, 3.8 + 0 * outrage])

    the_plan, values = _plan(scenario, risk)
    result = robustness.analyse(the_plan, values)
    worlds = the_plan.rows[:64, 0]
    assert result.prob_best == {"do nothing": 0.0,
                                "apologise": pytest.approx(np.mean(worlds > 1.2)),
                                "hold": pytest.approx(np.mean(worlds < 1.2))}
    assert result.prob_best["apologise"] == pytest.approx(0.3, abs=0.05)
    assert result.top_two == ["hold", "apologise"]
    # at the scenario's own outrage (1.0) "hold" is ahead: the order flips where it is above 1.2
    assert result.own_order == ["hold", "apologise"]
    assert result.flip_rate == pytest.approx(np.mean(worlds > 1.2))
    outrage = result.indices["incident.outrage"]
    assert outrage["total"] == pytest.approx(1, abs=0.05)
    assert outrage["first"] == pytest.approx(1, abs=0.1)
    assert result.indices["the apology's effect"]["total"] < 0.01
    assert result.headline.startswith("\"hold\" is the best policy in 70% of plausible worlds; "
                                      "the answer depends mostly on incident.outrage (total "
                                      "index 1.00)")


def test_policies_that_tie_share_the_worlds_they_are_best_in(scenario: sim.Scenario) -> None:
    # "hold" gives exactly the baseline's numbers (its statement comes too late, say)
    def risk(rows: np.ndarray) -> np.ndarray:
        outrage = rows[:, 0]
        return np.column_stack([3.8 + 0 * outrage, 5 - outrage, 3.8 + 0 * outrage])

    the_plan, values = _plan(scenario, risk)
    result = robustness.analyse(the_plan, values)
    above = np.mean(the_plan.rows[:64, 0] > 1.2)
    assert result.prob_best["apologise"] == pytest.approx(above)
    assert result.prob_best["do nothing"] == pytest.approx((1 - above) / 2)
    assert result.prob_best["hold"] == pytest.approx((1 - above) / 2)
    assert sum(result.prob_best.values()) == pytest.approx(1.0)


def test_the_two_leading_statements_effects_drive_their_ratio(
        finished: tuple[robustness.Robustness, Path]) -> None:
    result, _ = finished
    assert result.top_two == ["apologise", "hold"]
    effects = [result.indices[name] for name in ("the apology's effect",
                                                  "policies.2.actions.0.effect")]
    outrage = result.indices["incident.outrage"]
    # each statement's effect moves only its own policy; outrage moves both alike
    assert all(e["total"] > outrage["total"] and e["total_ci95"][0] > 0 for e in effects)
    assert sum(result.prob_best.values()) == pytest.approx(1.0)


def test_the_own_point_reproduces_run_exactly(
        scenario: sim.Scenario, finished: tuple[robustness.Robustness, Path]) -> None:
    result, _ = finished
    run = sim.run(scenario, replications=3, workers=1)
    expected = run.metrics[:, :, METRICS.index("exposure")].T  # [replication, policy]
    assert np.array_equal(result.risk[result.plan.own], expected)


def test_the_json_has_the_issue_s_keys(finished: tuple[robustness.Robustness, Path]) -> None:
    result, out = finished
    robustness.write(result, out)
    data = json.loads((out / "robustness.json").read_text())
    assert list(data)[:5] == ["samples", "prob_best", "top_two", "flip_rate", "indices"]
    assert data["samples"] == 32 and data["surrogate"]["terms"] == 10
    assert set(data["indices"]["incident.outrage"]) >= {"first", "first_ci95", "total",
                                                       "total_ci95"}
    rows = (out / "robustness.csv").read_text().splitlines()
    assert rows[0].startswith("point,incident.outrage,the apology's effect,")
    assert len(rows) == 1 + 32 + 1 and rows[-1].startswith("own,1,0.5,0.85,")


def _command(path: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "sim", "robustness", str(path), "--out", str(out),
            "--samples", "32", "--replications", "3", "--workers", "1", "--quiet"]


def test_a_killed_run_resumes_to_identical_results(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO + UNCERTAIN)
    whole = subprocess.run(_command(path, tmp_path / "whole"), capture_output=True, text=True,
                           timeout=300, check=False)
    assert whole.returncode == 0, whole.stderr
    out = tmp_path / "killed"
    env = dict(os.environ, FLASHPOINT_FAULT_PAUSE="saved:1")
    process = subprocess.Popen(_command(path, out), stderr=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, text=True, env=env,
                               preexec_fn=like_a_terminal)
    watchdog = threading.Timer(240, process.kill)
    watchdog.start()
    try:
        assert process.stderr is not None
        assert process.stderr.readline().strip() == "flashpoint-fault: paused at saved:1"
    finally:
        watchdog.cancel()
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    with sqlite3.connect(out / "results.sqlite") as db:
        assert db.execute("SELECT count(*) FROM replication").fetchone()[0] == 10
    resumed = subprocess.run([*_command(path, out), "--resume"], capture_output=True,
                             text=True, timeout=300, check=False)
    assert resumed.returncode == 0, resumed.stderr
    for name in ("robustness.json", "robustness.csv"):
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()
    again = subprocess.run([*_command(path, out)[:-1], "--replications", "4", "--resume"],
                           capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 2 and "Traceback" not in again.stderr, again.stderr
    report = subprocess.run([sys.executable, "-m", "sim", "report", str(out)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert report.returncode == 2 and "holds a robustness run" in report.stderr
    # Ctrl-C: the finished points are kept, and the command printed resumes to the same
    interrupted = tmp_path / "interrupted"
    env = dict(os.environ, FLASHPOINT_FAULT_PAUSE="result:15")
    process = subprocess.Popen(_command(path, interrupted), stderr=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, text=True, env=env,
                               preexec_fn=like_a_terminal)
    assert process.stderr is not None
    assert process.stderr.readline().strip() == "flashpoint-fault: paused at result:15"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and "Traceback" not in err
    with sqlite3.connect(interrupted / "results.sqlite") as db:
        assert db.execute("SELECT count(*) FROM replication").fetchone()[0] == 15
    words = shlex.split(err.strip().splitlines()[-1].partition("resume with: ")[2])
    assert words[:2] == ["flashpoint", "robustness"] and "--resume" in words
    resumed = subprocess.run([sys.executable, "-m", "sim", *words[1:], "--workers", "1"],
                             capture_output=True, text=True, timeout=300, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert (interrupted / "robustness.json").read_bytes() == (
        tmp_path / "whole" / "robustness.json").read_bytes()


def test_the_command_refuses_bad_options_plainly(
        tmp_path: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO + UNCERTAIN)
    code, _, err = cli("robustness", str(path), "--samples", "6", "--out", str(tmp_path / "o"))
    assert code == 2 and "--samples must be a power of 2" in err and "Traceback" not in err
    one = tmp_path / "one.yaml"
    one.write_text(SCENARIO.split("  - name: apologise")[0])
    code, _, err = cli("robustness", str(one), "--out", str(tmp_path / "o2"))
    assert code == 2 and "at least two" in err


@browser_test
def test_a_real_run_s_page_shows_its_numbers_in_chromium_with_user_text_inert(
        tmp_path: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    pytest.importorskip("playwright.sync_api")
    from tests.report.test_calibration_page import _loaded

    hostile = "<img src=x onerror=window.pwned=1>"
    text = (SCENARIO + UNCERTAIN).replace("name: apologise", f"name: \"{hostile}\"")
    text = text.replace("scenario: robustness test", "scenario: \"<b>test</b>\"")
    path = tmp_path / "s.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    code, _, err = cli("robustness", str(path), "--out", str(out), "--samples", "32",
                       "--replications", "3", "--workers", "1", "--quiet")
    assert code == 0, err
    data = json.loads((out / "robustness.json").read_text())
    with _loaded(out / "robustness.html", 2) as (browser, errors, dialogs):
        plotted = browser.eval_on_selector_all(
            ".chart", "els => els.map(e => [e.id, e.data.map(t => t.x)])")
        best = dict(plotted)["chart-best"][0]
        assert sorted(best) == sorted(data["prob_best"].values())
        ranked = sorted(data["indices"], key=lambda name: -data["indices"][name]["total"])
        assert dict(plotted)["chart-tornado"][0] == [data["indices"][name]["total"]
                                                      for name in ranked]
        ticks = browser.eval_on_selector_all("#chart-best .ytick text",
                                             "els => els.map(e => e.textContent)")
        assert hostile in ticks  # shown literally, not run
        assert browser.inner_text("h1") == "<b>test</b>: robustness"
        assert browser.locator("h1 b, td img, th img, li img, p img, .main-svg image").count() == 0
        assert browser.evaluate("typeof window.pwned") == "undefined"
        assert errors == [] and dialogs == []


def test_a_dask_cluster_gives_the_process_pool_s_numbers(
        scenario: sim.Scenario, finished: tuple[robustness.Robustness, Path],
        tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed")
    result, _ = finished
    on_dask = robustness.run(scenario, tmp_path, samples=32, replications=3, workers=2,
                             executor="dask")
    assert np.array_equal(on_dask.risk, result.risk)
    assert on_dask.as_json() == result.as_json()
