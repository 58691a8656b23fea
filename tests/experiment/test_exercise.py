"""An exercise's paths: expansion, common random numbers, and ``flashpoint exercise``."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from sim.errors import FlashpointError
from sim.experiment.exercise import decided, path_scenario, paths, run_exercise
from sim.experiment.results import csv_text_value
from sim.metrics import METRICS, SERIES
from sim.scenario import load_scenario
from sim.scenario.values import Fixed

EXERCISE = """\
scenario: exercise test
horizon: 12h
resolution: 15m
replications: 20
network: {generator: erdos_renyi, accounts: 2000, mean_follows: 20}
segments:
  public: {fraction: 0.8}
  critics: {fraction: 0.2, stance: -0.8}
behaviour: {reactions_per_reaction: 0.5}
incident:
  type: hashtag_campaign
  brand_followers: 300
  promotion: {impressions_per_hour: 60, duration: 12h}
exercise:
  decisions:
    - prompt: The hashtag is being hijacked. Pull the promotion?
      at: 30m
      options:
        - name: keep
        - name: pull
          actions: [{do: stop_promotion}]
    - prompt: Say something?
      at: 2h
      options:
        - name: silence
        - name: apologise
          actions: [{do: statement, strategy: apology, delay: 5m}]
          delay: 20m
        - name: defend
          actions: [{do: statement, strategy: denial}]
    - prompt: Delete the campaign post?
      at: 6h
      options:
        - name: leave
        - name: delete
          actions: [{do: delete}, {do: takedown, top: 5}]
"""


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("exercise") / "exercise.yaml"
    path.write_text(EXERCISE)
    return load_scenario(path)


def test_paths_expand_every_combination_in_order(scenario) -> None:
    found = paths(scenario)
    assert len(found) == 2 * 3 * 2
    assert found[0].name == "keep / silence / leave"  # the baseline: first options
    assert found[0].policy.actions == []
    assert len({p.name for p in found}) == len(found)
    assert found[1].choices == ("keep", "silence", "delete")
    last = found[-1]
    assert last.name == "pull / defend / delete"
    assert [(a.do, a.at, a.when) for a in last.policy.actions] == [
        ("stop_promotion", 1800.0, None), ("statement", 7200.0, None),
        ("delete", 21600.0, None), ("takedown", 21600.0, None)]
    apologise = next(p for p in found if p.name == "keep / apologise / leave")
    (statement,) = apologise.policy.actions
    assert statement.delay == Fixed(25 * 60.0)  # the option's 20m added to the action's 5m
    assert statement.strategy == "apology" and statement.effect is not None
    planned = path_scenario(scenario)
    assert [p.name for p in planned.policies] == [p.name for p in found]
    assert planned.replications == 100  # at least 100 per path by default


def test_a_scenario_without_an_exercise_has_no_paths(scenario) -> None:
    with pytest.raises(FlashpointError, match="has no exercise: section"):
        paths(scenario.model_copy(update={"exercise": None}))


@pytest.mark.parametrize("third", ["at: 6h", "when: {metric: reach, above: 600}"])
def test_paths_sharing_their_first_choices_are_identical_until_the_decision_where_they_part(
        third: str, tmp_path: Path) -> None:
    source = tmp_path / "e.yaml"
    source.write_text(EXERCISE.replace("      at: 6h\n", f"      {third}\n"))
    found, results = run_exercise(load_scenario(source), 20, workers=1)
    times = results.times_h
    arises = decided(results, found)  # [path, replication, decision], hours
    if third.startswith("when"):  # the trigger fires on some paths, in some replications
        fired = ~np.isnan(arises[:, :, 2])
        assert 0 < fired.mean() < 1, fired.mean()
    index = {p.name: i for i, p in enumerate(found)}
    compared = differ_after = 0
    for a in found:
        for b in found:
            if a.name >= b.name:
                continue
            shared = 0
            while shared < len(a.choices) and a.choices[shared] == b.choices[shared]:
                shared += 1
            if shared == 0:
                continue  # they part at the first decision
            # when the first decision where they part arises, in each replication (the same
            # on both paths: nothing has differed before it)
            until = arises[index[a.name], :, shared]
            assert np.array_equal(until, arises[index[b.name], :, shared], equal_nan=True)
            before = times[None, :] < np.where(np.isnan(until), np.inf, until)[:, None]
            for series in SERIES:
                one = results.curves(a.name, series)
                two = results.curves(b.name, series)
                assert np.array_equal(one[before], two[before]), (a.name, b.name, series)
                compared += 1
            differ_after += not np.array_equal(results.curves(a.name, "reach"),
                                               results.curves(b.name, "reach"))
    assert compared and differ_after > 0
    # the pairs that share the first two choices part only when the third decision arises
    one = results.curves("pull / apologise / leave", "reach")
    two = results.curves("keep / apologise / delete", "reach")
    assert not np.array_equal(one, two)
    keep_leave = results.curves("keep / silence / leave", "reach")
    keep_delete = results.curves("keep / silence / delete", "reach")
    third_at = arises[index["keep / silence / leave"], :, 2]
    for r in range(len(results.replications)):
        early = times < (third_at[r] if not np.isnan(third_at[r]) else np.inf)
        assert np.array_equal(keep_leave[r, early], keep_delete[r, early])
    assert set(index) == set(results.policies)


def test_flashpoint_exercise_writes_paths_csv_that_agrees_with_the_summary(
        tmp_path: Path, cli) -> None:
    source = tmp_path / "small.yaml"
    source.write_text(EXERCISE.replace("accounts: 2000", "accounts: 600")
                      .replace("        - name: defend\n          actions: [{do: statement, "
                               "strategy: denial}]\n", ""))
    out = tmp_path / "out"
    code, stdout, err = cli("exercise", str(source), "--out", str(out), "--replications", "8",
                            "--workers", "1", "--quiet")
    assert code == 0, err
    assert "warning: 8 replications per path, fewer than the 100" in err
    assert stdout.endswith(f"8 paths; results written to {out}/\nthe exercise, to project: "
                           f"{(out / 'exercise.html').resolve()}\n")
    for name in ("summary.json", "replications.csv", "timeseries.csv",
                 "scenario.resolved.yaml", "paths.csv", "results.sqlite", "exercise.html"):
        assert (out / name).is_file(), name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["replications"] == 8
    with (out / "paths.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["path", "decision_1", "decision_2", "decision_3", "metric",
                             "mean", "p10", "p50", "p90"]
    names = list(summary["policies"])
    assert names == ["keep / silence / leave", "keep / silence / delete",
                     "keep / apologise / leave", "keep / apologise / delete",
                     "pull / silence / leave", "pull / silence / delete",
                     "pull / apologise / leave", "pull / apologise / delete"]
    assert len(rows) == len(names) * len(METRICS)
    for row in rows:
        path = csv_text_value(row["path"])
        assert " / ".join((row["decision_1"], row["decision_2"], row["decision_3"])) == path
        stats = summary["policies"][path]["metrics"][row["metric"]]
        for column, key in (("mean", "mean"), ("p50", "p50"), ("p90", "p90")):
            if stats[key] is None:
                assert row[column] == ""
            else:
                assert math.isclose(float(row[column]), stats[key], rel_tol=1e-9,
                                    abs_tol=1e-12), (path, row["metric"], column)
    # the resolved scenario holds the paths as policies and the exercise; it loads back
    resolved = load_scenario(out / "scenario.resolved.yaml")
    assert [p.name for p in resolved.policies] == names and resolved.exercise is not None
    # resuming a finished run simulates nothing and writes the same files
    before = (out / "paths.csv").read_bytes()
    code, _, err = cli("exercise", str(source), "--out", str(out), "--replications", "8",
                       "--workers", "1", "--quiet", "--resume")
    assert code == 0, err
    assert (out / "paths.csv").read_bytes() == before
    assert (out / "exercise.html").stat().st_size > 0


def test_flashpoint_exercise_and_run_refuse_the_wrong_scenario(tmp_path: Path, cli) -> None:
    source = tmp_path / "s.yaml"
    source.write_text(EXERCISE)
    code, _, err = cli("run", str(source), "--out", str(tmp_path / "o"))
    assert code == 2 and "has no policies, only an exercise" in err
    source.write_text(EXERCISE.split("exercise:")[0] + "policies: [{name: nothing}]\n")
    code, _, err = cli("exercise", str(source), "--out", str(tmp_path / "o"))
    assert code == 2 and "no exercise: section to run" in err
    assert not (tmp_path / "o").exists()


def test_a_when_decision_gives_its_trigger_to_each_action(tmp_path: Path) -> None:
    path = tmp_path / "when.yaml"
    path.write_text(EXERCISE.replace("      at: 6h\n", "      when: {metric: reach, above: 500}\n"))
    last = paths(load_scenario(path))[-1]
    delete, takedown = last.policy.actions[-2:]
    for action in (delete, takedown):
        assert action.at is None
        assert (action.when.metric, action.when.above) == ("reach", 500.0)
    assert path_scenario(load_scenario(path), 5).policies[-1].actions[-1].when == takedown.when
