"""End-to-end runs: reproducibility, every bundled scenario, outputs, invariants."""

from __future__ import annotations

import csv
import gc
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.engine.kernel import simulate
from sim.engine.world import World
from sim.experiment.runner import run_replication
from sim.metrics import METRICS, SERIES, compute, first_exposures
from sim.network.build import audience
from sim.policies.actions import RULES
from sim.scenario import parse_scenario
from sim.scenario.values import format_duration, parse_duration
from tests.conftest import FLAGSHIP, ROOT, SCENARIOS, run_flashpoint
from tests.engine.helpers import exposures, simulate_one, star_scenario
from tests.engine.test_actions import HASHTAG


def _short(path: Path, tmp_path: Path, horizon: str = "8h") -> Path:
    """A bundled scenario made small (audience, promotion, author) with a short horizon.

    Its ``sweep:`` and ``documented:`` sections are left out: their values and times were
    chosen for the full horizon. An action timed at or after the short horizon (what an
    organisation did on day two) is moved to half of it, so every policy still acts.
    """
    end = parse_duration(horizon)

    def within(match: re.Match[str]) -> str:
        at = parse_duration(match.group(1))
        return match.group(0) if at < end else f"at: {format_duration(end / 2)}"

    text = re.sub(r"\bat: (\d+(?:\.\d+)?[smhd])\b", within, path.read_text())
    lines = []
    in_sweep = False
    for line in text.splitlines():
        stripped = line.strip()
        if line and not line[0].isspace() and not line.startswith("#"):
            in_sweep = line.startswith(("sweep:", "documented:"))
        if in_sweep:
            continue
        if stripped.startswith("horizon:"):
            line = f"horizon: {horizon}"
        elif stripped.startswith("accounts:"):
            line = "  accounts: 5000"
        elif stripped.startswith("brand_followers:"):
            line = "  brand_followers: 300"
        elif stripped.startswith("author: {followers:"):
            line = "  author: {followers: 300}"  # an author of its own, as the brand's
        elif stripped.startswith("impressions_per_hour:"):
            line = "    impressions_per_hour: 5000"  # a promotion the small audience can take
        lines.append(line)
    short = tmp_path / path.name
    short.write_text("\n".join(lines) + "\n")
    return short


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_bundled_scenario_runs_end_to_end(path: Path, tmp_path: Path, cli) -> None:
    scenario_file = _short(path, tmp_path)
    out = tmp_path / "out"
    code, stdout, err = cli("run", str(scenario_file), "--replications", "3", "--out", str(out),
                            "--quiet", "--workers", "1")
    assert code == 0, err
    assert stdout == f"results written to {out}/\nreport: {out / 'report.html'}\n"
    scenario = sim.load_scenario(scenario_file)
    names = [p.name for p in scenario.policies]
    with (out / "replications.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["policy", "replication", "seed", *METRICS]
    assert [(r["policy"], int(r["replication"])) for r in rows] == [
        (n, i) for n in names for i in range(3)]
    summary = json.loads((out / "summary.json").read_text())
    assert list(summary["policies"]) == names
    assert set(summary["policies"][names[1]]["vs_baseline"]["exposure"]) >= {
        "diff_mean", "diff_ci95", "prob_better"}
    # the resolved file records the run as made: with the replications asked for
    assert sim.load_scenario(out / "scenario.resolved.yaml") == scenario.model_copy(
        update={"replications": 3})
    assert summary["replications"] == 3 and summary["stopped_by"] == "replications"
    with (out / "timeseries.csv").open() as handle:
        series = list(csv.DictReader(handle))
    assert {r["metric"] for r in series} == set(SERIES)
    assert float(series[-1]["t_h"]) == 8.0


def test_same_seed_gives_identical_bytes_for_any_workers(tmp_path: Path) -> None:
    scenario_file = _short(FLAGSHIP, tmp_path)
    outputs = []
    for name, workers in (("a", "1"), ("b", "1"), ("c", "2")):
        result = run_flashpoint("run", str(scenario_file), "--replications", "4", "--out",
                                str(tmp_path / name), "--quiet", "--workers", workers)
        assert result.returncode == 0, result.stderr
        outputs.append({f: (tmp_path / name / f).read_bytes()
                        for f in ("replications.csv", "timeseries.csv", "summary.json")})
    assert outputs[0] == outputs[1] == outputs[2]
    other = run_flashpoint("run", str(scenario_file), "--replications", "4", "--out",
                           str(tmp_path / "d"), "--quiet", "--seed", "99")
    assert other.returncode == 0
    assert (tmp_path / "d" / "replications.csv").read_bytes() != outputs[0]["replications.csv"]


def test_policies_that_never_act_give_identical_rows() -> None:
    text = HASHTAG.format(actions="      - {do: statement, strategy: apology, "
                                  "when: {metric: reach, above: 1000000000}}")
    results = sim.run(parse_scenario(text.encode()), replications=3)
    assert np.array_equal(results.metrics[0], results.metrics[1], equal_nan=True)
    for name in SERIES:
        assert np.array_equal(results.curves(results.policies[0], name),
                              results.curves(results.policies[1], name))


def test_a_policy_change_leaves_the_baseline_alone() -> None:
    base = HASHTAG.format(actions="      - {do: delete, at: 1h}")
    more = base + "  - name: third\n    actions: [{do: stop_promotion, at: 30m}]\n"
    first = sim.run(parse_scenario(base.encode()), replications=2)
    second = sim.run(parse_scenario(more.encode()), replications=2)
    assert np.array_equal(first.metrics[:2], second.metrics[:2], equal_nan=True)


def test_cli_run_refuses_bad_arguments(tmp_path: Path, cli) -> None:
    scenario_file = _short(FLAGSHIP, tmp_path)
    code, _, err = cli("run", str(scenario_file), "--policy", "pull promotion at 3h", "--quiet")
    assert code == 2
    assert "--policy must name a policy of the scenario" in err
    assert "did you mean 'pull promotion at 2h'" in err
    with pytest.raises(SystemExit) as caught:
        cli("run", str(scenario_file), "--replications", "0")
    assert caught.value.code == 2


def test_cli_run_default_output_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       cli) -> None:
    scenario_file = _short(ROOT / "scenarios" / "police-officer-post.yaml", tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli("run", str(scenario_file), "--replications", "1", "--quiet")
    assert code == 0
    folder = Path(out.split("results written to ", 1)[1].splitlines()[0].strip())
    assert folder.parent == Path("results")
    assert folder.name.startswith("police-officer-post-") and folder.name.endswith("Z")
    assert (tmp_path / folder / "summary.json").exists()


SMALL = """\
scenario: invariants
seed: {seed}
horizon: {horizon}h
resolution: 30m
network: {{generator: {generator}, accounts: {accounts}, mean_follows: {follows}}}
segments:
  public: {{fraction: 0.7}}
  critics: {{fraction: 0.2, stance: -0.9, share_multiplier: 2}}
  journalists: {{fraction: 0.1, media: true, weight: 5}}
behaviour: {{share_probability: {p}, derived_fraction: 0.4}}
incident:
  type: hashtag_campaign
  brand_followers: {brand}
  promotion: {{impressions_per_hour: {promo}, duration: 2h}}
  trending: {{threshold_per_hour: 20, impressions_per_reaction: 3}}
media: {{pickup_probability: 0.2, saturation: 50, writing_delay: exponential(mean=1h),
        article_reach: 30}}
policies:
  - name: base
  - name: busy
    actions:
      - {{do: delete, at: 40m}}
      - {{do: statement, strategy: denial, when: {{metric: reach, above: 20}}, delay: 10m}}
      - {{do: advocates, segment: public, rate_per_hour: 30, at: 1h}}
      - {{do: takedown, top: 2, at: 1h, platform_delay: 20m}}
"""


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), accounts=st.integers(20, 400),
       follows=st.floats(0.5, 12), p=st.floats(0.0, 0.6), horizon=st.integers(2, 12),
       brand=st.integers(0, 19), promo=st.integers(0, 300),
       generator=st.sampled_from(["scale_free", "erdos_renyi", "small_world", "communities"]))
def test_invariants_on_small_random_scenarios(seed: int, accounts: int, follows: float, p: float,
                                              horizon: int, brand: int, promo: int,
                                              generator: str) -> None:
    text = SMALL.format(seed=seed, accounts=accounts, follows=follows, p=p, horizon=horizon,
                        brand=brand, promo=promo, generator=generator)
    scenario = parse_scenario(text.encode())
    world = World(scenario, audience(scenario))
    replication = world.replication(0)
    end = scenario.horizon
    for policy in scenario.policies:
        run = simulate(world, policy, replication, RULES)
        values, series = compute(run)
        assert values["reach"] >= values["reactions"] - (
            1 if replication.author != world.graph.brand else 0)
        assert values["impressions"] >= values["reach"]
        assert values["negative_reach"] <= values["reach"]
        assert values["unanswered_reach"] <= values["reach"]
        cascade = run.cascade
        assert all(t <= end for t in cascade.reaction_times)
        assert all(t <= end for t in cascade.articles)
        assert np.all(np.diff(cascade.reaction_times) >= 0)
        assert all(t <= end for t in run.response_times)
        for curve in series.values():
            assert np.all(np.diff(curve) >= -1e-9)
        assert series["reach"][-1] == values["reach"]
        seen = exposures(run)  # the reference: every valid exposure, rebuilt with numpy
        assert series["impressions"][-1] == values["impressions"] == len(seen.times)
        reference = np.full(world.accounts, np.inf)
        np.minimum.at(reference, seen.accounts, seen.times)
        reached, first = first_exposures(run)
        assert np.array_equal(np.sort(reached), np.flatnonzero(np.isfinite(reference)))
        assert np.array_equal(first[np.argsort(reached)], reference[np.sort(reached)])
        assert series["reactions"][-1] == values["reactions"]
        times = cascade.reaction_times
        if len(times):  # at least half happened by time_to_half_h, fewer than half before it
            half = values["time_to_half_h"] * 3600.0  # seconds, give or take the rounding
            assert np.sum(times <= half + 1e-6) >= len(times) / 2 > np.sum(times < half - 1e-6)
        else:
            assert math.isnan(values["time_to_half_h"])
        if not math.isnan(values["structural_virality"]):
            assert values["structural_virality"] >= 1.0 - 1e-12
        world.release(replication.author)


def test_results_rows_and_pandas() -> None:
    results = sim.run(parse_scenario(HASHTAG.format(actions="      - {do: delete, at: 1h}")
                                     .encode()), replications=2)
    rows = results.rows()
    assert [(r["policy"], r["replication"]) for r in rows] == [
        ("baseline", 0), ("baseline", 1), ("policy", 0), ("policy", 1)]
    assert rows[0]["response_h"] is None and rows[0]["reach"] >= rows[0]["reactions"]
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(sim.FlashpointError, match="pip install pandas"):
            results.to_pandas()
    else:
        frame = results.to_pandas()
        assert list(frame.columns)[:3] == ["policy", "replication", "seed"]
        assert len(frame) == 4


def test_a_replication_leaves_no_reference_cycles() -> None:
    """Nothing of a run waits for the cycle collector: memory is freed as each run ends."""
    actions = ("      - {do: statement, strategy: apology, when: {metric: reach, above: 1000}}\n"
               "      - {do: delete, at: 2h}\n"
               "      - {do: advocates, segment: public, rate_per_hour: 20, at: 1h}\n"
               "      - {do: takedown, top: 2, at: 1h}\n"
               "      - {do: statement, strategy: holding, at: 11h, delay: 2h}")
    scenario = parse_scenario(HASHTAG.format(actions=actions).encode())
    graph = audience(scenario)
    run_replication(scenario, graph, 0)
    gc.collect()
    gc.disable()
    try:
        for replication in range(1, 4):
            run_replication(scenario, graph, replication)
        assert gc.collect() == 0
    finally:
        gc.enable()


@pytest.mark.parametrize("length", [7, 8])
def test_time_to_half_on_a_chain_with_known_times(tmp_path: Path, length: int) -> None:
    # account i + 1 follows account i; everyone shares what they see, seen exactly 10m later:
    # reaction i comes at 10 i minutes, so half of `length` reactions are in by reaction
    # ceil(length / 2)
    (tmp_path / "chain.csv").write_text(
        "follower,followed\n" + "".join(f"{i + 1},{i}\n" for i in range(length)))
    scenario = parse_scenario(b"""\
scenario: chain
seed: 1
horizon: 10h
resolution: 5m
network: {file: chain.csv}
behaviour: {share_probability: 1, attention: fixed(10m), novelty: none, derived_fraction: 0}
incident: {type: post, author: brand, brand_account: 0}
policies: [{name: none}]
""", str(tmp_path / "chain.yaml"), tmp_path)
    values, _ = compute(simulate_one(scenario))
    assert values["reactions"] == length
    assert values["time_to_half_h"] == pytest.approx(math.ceil(length / 2) * 10 / 60)


def test_time_to_half_is_the_middle_reaction_of_a_star(tmp_path: Path) -> None:
    # everyone reacts at their one exposure, so the reaction times are the exposure times,
    # rebuilt independently of the metrics
    scenario = star_scenario(tmp_path, 1001, p=1.0, attention="lognormal(median=40m, sigma=1)")
    run = simulate_one(scenario)
    seen = np.sort(exposures(run).times)
    values, _ = compute(run)
    assert values["reactions"] == 1001
    assert values["time_to_half_h"] * 3600.0 == pytest.approx(seen[500], rel=1e-12)


def test_replay_gives_exactly_a_row_of_the_run(tmp_path: Path, cli) -> None:
    scenario_file = _short(FLAGSHIP, tmp_path, horizon="6h")
    out = tmp_path / "out"
    code, _, err = cli("run", str(scenario_file), "--out", str(out), "--replications", "5",
                       "--seed", "77", "--workers", "2", "--quiet")
    assert code == 0, err
    lines = (out / "replications.csv").read_text().splitlines()
    code, replayed, err = cli("replay", str(scenario_file), "3", "--seed", "77")
    assert code == 0, err
    got = replayed.splitlines()
    assert got[0] == lines[0]  # the same columns
    assert got[1:] == [line for line in lines[1:] if line.split(",")[1:3] == ["3", "77"]]
    assert len(got) == 1 + len(sim.load_scenario(scenario_file).policies)
    bad = run_flashpoint("replay", str(scenario_file), "-1")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
