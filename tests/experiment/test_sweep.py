"""Sweeps: one parameter over a range, every policy at every value (sim.experiment.sweep)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.experiment import sweep
from sim.metrics import METRICS
from sim.scenario import sweeps
from sim.scenario.loader import parse_scenario

SCENARIO = """
scenario: sweep test
seed: 11
horizon: 24h
replications: 12
network: {generator: scale_free, accounts: 3000, mean_follows: 12}
behaviour: {reactions_per_reaction: 0.5}
incident: {type: post, author: brand, brand_followers: 300}
policies:
  - name: do nothing
  - name: apologise
    actions: [{do: statement, at: 2h, strategy: apology, effect: 0.2}]
  - name: delete
    actions: [{do: delete, at: 1h, delay: "lognormal(median=30m, sigma=0.5)"}]
"""


@pytest.fixture(scope="module")
def scenario() -> sim.Scenario:
    return parse_scenario(SCENARIO.encode())


def _run(changed: sim.Scenario, k: int) -> sim.Results:
    return sim.run(changed, workers=1)


@pytest.fixture(scope="module")
def delays(scenario: sim.Scenario) -> sweep.SweepResult:
    parameter, _ = sweeps.parameter(scenario, "policies.1.actions.0.at")
    return sweep.run_sweep(scenario, parameter, [1800.0, 7200.0, 14400.0, 28800.0], _run)


def test_a_policy_that_does_not_use_the_parameter_is_exactly_flat(
        delays: sweep.SweepResult) -> None:
    samples = delays.samples  # [value, policy, replication]
    for p in (0, 2):  # do nothing, delete: no statement
        assert (samples[:, p, :] == samples[:1, p, :]).all()
    assert not (samples[:, 1, :] == samples[:1, 1, :]).all()  # the apology's time matters
    flat = {s.policy: s.flat for s in sweep.slopes(delays, 11)}
    assert flat == {"do nothing": True, "apologise": False, "delete": True}


def test_the_scenario_s_own_value_gives_exactly_the_run_s_numbers(
        delays: sweep.SweepResult, scenario: sim.Scenario) -> None:
    assert delays.own == 1 and delays.values[1] == 7200.0  # at: 2h
    direct = sim.run(scenario, workers=1).metrics[:, :, METRICS.index("exposure")]
    assert np.array_equal(delays.samples[1], direct)


def test_a_later_apology_costs_more(delays: sweep.SweepResult) -> None:
    slope = {s.policy: s for s in sweep.slopes(delays, 11)}["apologise"]
    assert slope.per_unit > 0 and slope.ci95[0] <= slope.per_unit <= slope.ci95[1]
    means = delays.samples[:, 1, :].mean(axis=1)
    assert (np.diff(means) >= 0).all()  # paired: a later apology never helps on average here
    assert any("changes the expected exposure of \"apologise\"" in line
               for line in sweep.analyse(delays, 11).headlines)


def test_a_number_s_headline_speaks_of_the_range_swept(scenario: sim.Scenario) -> None:
    parameter, _ = sweeps.parameter(scenario, "behaviour.reactions_per_reaction")
    result = sweep.run_sweep(scenario, parameter, [0.3, 0.5, 0.7], _run)
    slope = {s.policy: s for s in sweep.slopes(result, 11)}["do nothing"]
    line = next(h for h in sweep.analyse(result, 11).headlines if '"do nothing"' in h)
    assert line.startswith("raising behaviour.reactions_per_reaction from 0.3 to 0.7 changes")
    shown = float(re.search(r" by ([+-][\d,.]+)%", line).group(1).replace(",", ""))
    exact = slope.per_unit * 0.4 * 100  # the slope over the range, to two figures
    assert abs(shown - exact) <= 0.05 * abs(exact), (shown, exact)


def test_a_distribution_parameter_can_be_swept(scenario: sim.Scenario) -> None:
    parameter, own = sweeps.parameter(scenario, "policies.2.actions.0.delay.median")
    assert parameter.duration and own == 1800.0
    changed = sweeps.variant(scenario, parameter, 7200.0)
    assert changed.policies[2].actions[0].delay.median == 7200.0
    assert changed.policies[2].actions[0].delay.sigma == 0.5


def test_bad_paths_and_values_say_what_is_wrong(scenario: sim.Scenario) -> None:
    with pytest.raises(sweeps.SweepError, match="not a parameter of the scenario.*did you mean"):
        sweeps.parameter(scenario, "behaviour.reactions_per_reactio")
    with pytest.raises(sweeps.SweepError, match="only a number or a duration"):
        sweeps.parameter(scenario, "policies.1.actions.0.strategy")
    with pytest.raises(sweeps.SweepError, match="has no parameter 'mean'"):
        sweeps.parameter(scenario, "policies.2.actions.0.delay.mean")
    parameter, _ = sweeps.parameter(scenario, "behaviour.reactions_per_reaction")
    with pytest.raises(sweeps.SweepError, match="cannot be -1.*reactions_per_reaction"):
        sweeps.variant(scenario, parameter, -1.0)
    with pytest.raises(sweeps.SweepError, match="must be a number; got 'lots'"):
        sweeps.parse_value(parameter, "lots")
    # an axis given outside a file says what each part must be
    with pytest.raises(sweeps.SweepError, match="^values must be a list of 2 to 50 values$"):
        sweeps.axis("behaviour.reactions_per_reaction", ["0.2"])
    with pytest.raises(sweeps.SweepError, match="^values must be left out when a range"):
        sweeps.axis("behaviour.reactions_per_reaction", ["0.1", "0.2"], start="0.1",
                    stop="0.3", steps=3)
    with pytest.raises(sweeps.SweepError, match="^a swept parameter must be either `values`"):
        sweeps.axis("behaviour.reactions_per_reaction", start="0.1")
    with pytest.raises(sweeps.SweepError, match="^steps: Input should be greater than or "
                                                "equal to 2$"):
        sweeps.axis("behaviour.reactions_per_reaction", start="0.1", stop="0.3", steps=1)


def test_break_even_is_interpolated_between_the_values() -> None:
    x = np.array([0.0, 1.0, 2.0, 3.0])
    assert sweep._crossing(x, np.array([-3.0, -1.0, 1.0, 3.0])) == 1.5
    assert sweep._crossing(x, np.array([-3.0, -1.0, -0.5, -0.1])) is None
    parameter = sweeps.Parameter("x", False)
    rng = np.random.default_rng(1)
    a = np.tile(np.array([0.0, 1.0, 2.0, 3.0])[:, None], (1, 200)) + rng.normal(0, 0.1, (4, 200))
    samples = np.stack([a, np.full((4, 200), 1.5)], axis=1)
    result = sweep.SweepResult(parameter, [0.0, 1.0, 2.0, 3.0], ["a", "b"], "exposure",
                               samples, [], None)
    (even,) = sweep.break_evens(result, 3)
    assert abs(even.at - 1.5) < 0.05 and even.ci95 is not None
    assert even.ci95[0] < 1.5 < even.ci95[1] and even.ci95[1] - even.ci95[0] < 0.2


def test_the_command_writes_the_csv_and_refuses_ambiguous_values(
        tmp_path: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.replace("replications: 12", "replications: 4"))
    code, out, err = cli("sweep", str(path), "--path", "policies.1.actions.0.at",
                         "--from", "1h", "--to", "4h", "--steps", "2", "--out",
                         str(tmp_path / "out"), "--quiet", "--workers", "1")
    assert code == 0, err
    rows = (tmp_path / "out" / "sweep.csv").read_text().splitlines()
    assert "sweep of <code>policies.1.actions.0.at</code>" in (tmp_path / "out" / "sweep.html"
                                                               ).read_text()
    assert rows[0].startswith("value,policy,metric,mean,ci95_low,ci95_high")
    assert [r.split(",")[:2] for r in rows[1:]] == [
        [value, policy] for value in ("1h", "4h")
        for policy in ("do nothing", "apologise", "delete")]
    code, _, err = cli("sweep", str(path), "--path", "behaviour.reactions_per_reaction",
                       "--values", "0.1,0.2", "--from", "0.1", "--out", str(tmp_path / "o2"))
    assert code == 2 and "not both" in err
    code, out, err = cli("sweep", str(path), "--path", "behaviour.reactions_per_reaction",
                         "--values", "0.1", "--out", str(tmp_path / "o3"))
    assert (code, out) == (2, "")
    assert "sweep: values must be a list of 2 to 50 values" in err and "Traceback" not in err


def test_a_sweep_section_is_checked_at_its_lines(tmp_path: Path) -> None:
    good = SCENARIO + """sweep:
  path: policies.1.actions.0.at
  values: [30m, 2h, 8h]
"""
    scenario = parse_scenario(good.encode())
    parameter, values = sweeps.sweep_values(scenario)
    assert parameter.path == "policies.1.actions.0.at" and values == [1800.0, 7200.0, 28800.0]
    bad_value = good.replace("[30m, 2h, 8h]", "[30m, 2h, 30h]")  # past the 24h horizon
    with pytest.raises(sim.ScenarioError) as caught:
        parse_scenario(bad_value.encode(), "s.yaml")
    assert str(caught.value) == (
        "s.yaml:17: sweep.values.2 must be a value policies.1.actions.0.at can take "
        "(policies[1].actions[0].at must be before the horizon (24h)); got 30h")
    bad_path = good.replace("policies.1.actions.0.at", "policies.1.actions.0.att")
    with pytest.raises(sim.ScenarioError, match=r"s.yaml:16: sweep must be .*did you mean"):
        parse_scenario(bad_path.encode(), "s.yaml")
    both = good.replace("  values: [30m, 2h, 8h]", "  values: [30m, 2h]\n  steps: 3")
    with pytest.raises(sim.ScenarioError, match="s.yaml:17: sweep.values must be left out"):
        parse_scenario(both.encode(), "s.yaml")
    ranged = good.replace("  values: [30m, 2h, 8h]", "  from: 1h\n  to: 16h\n  steps: 5\n"
                          "  scale: log")
    _, values = sweeps.sweep_values(parse_scenario(ranged.encode()))
    assert np.allclose(values, [3600.0, 7200.0, 14400.0, 28800.0, 57600.0])


def test_two_parameters_run_every_combination_with_common_random_numbers(
        scenario: sim.Scenario) -> None:
    text = SCENARIO + """sweep:
  path: policies.1.actions.0.at
  values: [2h, 6h]
  with: {path: behaviour.reactions_per_reaction, values: [0.5, 0.3, 0.7]}
"""
    swept = parse_scenario(text.encode())
    axes = sweeps.sweep_grid(swept)
    assert [p.path for p, _ in axes] == ["policies.1.actions.0.at",
                                         "behaviour.reactions_per_reaction"]
    grid = sweep.run_grid(swept, axes, _run)
    assert grid.samples.shape == (3, 2, 3, 12) and grid.own == [0, 0]
    direct = sim.run(scenario, workers=1).metrics[:, :, METRICS.index("exposure")]
    assert np.array_equal(grid.samples[0, 0], direct)  # the scenario's own combination
    nothing = grid.samples[:, :, 0, :]
    assert (nothing == nothing[:, :1]).all()  # the apology's time does not touch it...
    assert not (nothing == nothing[:1]).all()  # ...the story's strength does
    best, top = sweep.grid_best(grid)
    means = grid.samples.mean(axis=3)
    assert best == [[grid.policies[int(np.argmin(means[r, c]))] for c in range(2)]
                    for r in range(3)]
    assert top[0] == max(grid.policies, key=lambda n: sum(row.count(n) for row in best))
    rows = sweep.grid_csv(grid).splitlines()
    assert rows[0].startswith("value,value2,policy") and len(rows) == 1 + 3 * 2 * 3
    assert rows[1].split(",")[:3] == ["2h", "0.5", "do nothing"]
    data = sweep.grid_page_data(grid, "t")
    a, b = (grid.policies.index(n) for n in data["top_two"])
    assert data["difference"][1][1] == pytest.approx(
        float((grid.samples[1, 1, a] - grid.samples[1, 1, b]).mean()))


def test_a_second_parameter_is_checked_at_its_lines() -> None:
    text = SCENARIO + """sweep:
  path: policies.1.actions.0.at
  values: [2h, 6h]
  with:
    path: behaviour.reactions_per_reaction
    values: [0.5, -1]
"""
    with pytest.raises(sim.ScenarioError) as caught:
        parse_scenario(text.encode(), "s.yaml")
    assert str(caught.value).startswith("s.yaml:20: sweep.with.values.1 must be a value "
                                        "behaviour.reactions_per_reaction can take"), caught.value
    same = text.replace("path: behaviour.reactions_per_reaction", "path: policies.1.actions.0.at")
    with pytest.raises(sim.ScenarioError, match="s.yaml:19: sweep.with.path must be a "
                       "different parameter"):
        parse_scenario(same.encode(), "s.yaml")


def test_the_command_runs_a_two_parameter_sweep_from_the_scenario(
        tmp_path: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.replace("replications: 12", "replications: 4") + """sweep:
  path: policies.1.actions.0.at
  values: [2h, 6h]
  with: {path: behaviour.reactions_per_reaction, values: [0.3, 0.6]}
""")
    code, out, err = cli("sweep", str(path), "--out", str(tmp_path / "out"), "--quiet",
                         "--workers", "1")
    assert code == 0, err
    assert "4 runs of 3 policies" in out and "combinations" in out
    rows = (tmp_path / "out" / "sweep.csv").read_text().splitlines()
    assert len(rows) == 1 + 4 * 3 and rows[0].startswith("value,value2,policy")
    page = (tmp_path / "out" / "sweep.html").read_text()
    assert "sweep of <code>policies.1.actions.0.at</code> and" in page


def test_a_headline_percentage_has_two_figures_and_no_exponent() -> None:
    from sim.experiment.sweep import _percent

    assert [_percent(x) for x in (0.091, -0.00081, 1.1234, 0.999, 12.3)] == [
        "+9.1%", "-0.081%", "+110%", "+100%", "+1,200%"]
