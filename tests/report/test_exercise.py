"""``exercise.html``'s data, read back from the file and checked against the other outputs."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest

from sim.experiment.results import csv_text_value
from tests.experiment.test_exercise import EXERCISE

HOSTILE = "<img src=x onerror=alert(1)>"
SCENARIO = EXERCISE.replace("      at: 6h\n", "      when: {metric: reach, above: 600}\n") + f"""\
  injects:
    - {{at: 20m, sender: "Reporter </script><script>window.pwned=1</script>", text: "{HOSTILE}"}}
    - {{at: 3h, sender: Chief executive, text: "Why are we trending?"}}
  posts:
    critics: ["Awful <b>brand</b>", "Never again"]
    public: ["Hm."]
"""


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sim.cli import main

    folder = tmp_path_factory.mktemp("exercise")
    source = folder / "exercise.yaml"
    source.write_text(SCENARIO)
    assert main(["exercise", str(source), "--out", str(folder / "out"), "--replications", "30",
                 "--workers", "1", "--quiet"]) == 0
    return folder / "out"


def page_data(page: Path) -> dict:
    """The data embedded in an ``exercise.html``, as the page's script reads it."""
    text = page.read_text()
    found = re.search(r'<script id="exercise-data" type="application/json">(.*?)</script>',
                      text, re.S)
    assert found is not None
    return json.loads(found.group(1))


def paths_rows(out: Path, metric: str) -> dict[str, dict[str, str]]:
    """``paths.csv``'s rows of one metric, by path name."""
    with (out / "paths.csv").open(newline="") as handle:
        return {csv_text_value(row["path"]): row for row in csv.DictReader(handle)
                if row["metric"] == metric}


def test_the_page_holds_every_path_with_the_numbers_of_paths_csv(out: Path) -> None:
    data = page_data(out / "exercise.html")
    rows = paths_rows(out, data["risk"]["metric"])
    assert [p["name"] for p in data["paths"]] == list(rows)
    for path in data["paths"]:
        row = rows[path["name"]]
        for key in ("mean", "p10", "p50", "p90"):
            assert path["stats"][key] == pytest.approx(float(row[key]), rel=1e-9), key  # 10 digits
        chosen = [data["decisions"][j]["options"][c]["name"]
                  for j, c in enumerate(path["choices"])]
        assert chosen == [row["decision_1"], row["decision_2"], row["decision_3"]]
    # every replication's risk metric, as replications.csv has it (paired: same order)
    with (out / "replications.csv").open(newline="") as handle:
        by_path: dict[str, list[float]] = {}
        for row in csv.DictReader(handle):
            by_path.setdefault(csv_text_value(row["policy"]), []).append(float(row["exposure"]))
    for path in data["paths"]:
        assert path["values"] == pytest.approx(by_path[path["name"]], rel=1e-9)
    assert data["replications"] == 30


def test_the_played_incident_is_the_representative_one_on_every_path(out: Path, cli) -> None:
    data = page_data(out / "exercise.html")
    baseline = np.array(data["paths"][0]["values"])
    # the replication whose baseline exposure is closest to the baseline's median
    assert data["replication"] == int(np.argmin(np.abs(baseline - np.median(baseline))))
    code, stdout, err = cli("replay", str(out / "scenario.resolved.yaml"),
                            str(data["replication"]))
    assert code == 0, err
    replayed = {csv_text_value(row["policy"]): row
                for row in csv.DictReader(stdout.splitlines())}
    for path in data["paths"]:  # the played curves end where the replayed incident does
        assert path["series"]["reach"][-1] == float(replayed[path["name"]]["reach"])
        assert path["series"]["articles"][-1] == float(replayed[path["name"]]["articles"])
        assert path["series"]["reactions"][-1] == float(replayed[path["name"]]["reactions"])
        assert len(path["series"]["reach"]) == len(data["times_h"])


def test_paths_with_the_same_first_choices_play_the_same_until_they_part(out: Path) -> None:
    data = page_data(out / "exercise.html")
    paths = data["paths"]
    decisions = data["decisions"]
    assert [d["at_h"] for d in decisions] == [0.5, 2.0, None]
    assert decisions[2]["when"] == "reach above 600"
    times = np.array(data["times_h"])
    parted = 0
    for a in paths:
        assert a["decided_h"][:2] == [0.5, 2.0]
        for b in paths:
            shared = 0
            while shared < 3 and a["choices"][shared] == b["choices"][shared]:
                shared += 1
            if shared in (0, 3):
                continue
            until = a["decided_h"][shared]
            assert until == b["decided_h"][shared]  # it arises at the same time on both
            until = np.inf if until is None else until
            assert [e for e in a["feed"] if e[0] < until] == [e for e in b["feed"] if e[0] < until]
            assert [e for e in a["actions"] if e["at_h"] < until] == \
                [e for e in b["actions"] if e["at_h"] < until]
            early = times < until
            for name in ("reach", "reactions", "articles"):
                assert np.array_equal(np.array(a["series"][name])[early],
                                      np.array(b["series"][name])[early])
            parted += a["series"]["reach"] != b["series"]["reach"]
    assert parted
    # the feed shows posts of the segments that have example posts, by time
    for path in paths:
        feed = path["feed"]
        assert feed == sorted(feed, key=lambda e: e[0])
        for t, segment, post in feed:
            assert 0 <= t <= data["horizon_h"]
            assert 0 <= post < len(data["posts"][segment])
    assert any(path["feed"] for path in paths)
    # the trigger decision: when it arose, and how often, on each path
    for path in paths:
        arose = path["arose"]
        assert arose[:2] == [None, None] and 0 <= arose[2] <= 1
    assert any(p["decided_h"][2] is not None for p in paths)


def test_user_text_reaches_the_page_only_as_escaped_data(out: Path) -> None:
    text = (out / "exercise.html").read_text()
    assert HOSTILE not in text and "<script>window.pwned" not in text
    assert "<b>brand" not in text
    data = page_data(out / "exercise.html")
    assert data["injects"][0]["text"] == HOSTILE  # shown as text by the page
    assert data["injects"][0]["sender"] == "Reporter </script><script>window.pwned=1</script>"
    assert data["posts"][data["segments"].index("critics")][0] == "Awful <b>brand</b>"


LARGEST = SCENARIO.replace("horizon: 12h", "horizon: 96h").split("exercise:")[0] + (
    "exercise:\n  decisions:\n" + "".join(
        f"    - prompt: Decision {k}?\n      at: {k + 1}h\n      options:\n"
        "        - name: wait\n        - {name: delete, actions: [{do: delete}]}\n"
        "        - {name: delete later, actions: [{do: delete}], delay: 1h}\n"
        for k in range(5)))  # 3^5 = 243 paths, the most an exercise may have


@pytest.mark.parametrize("name", ["mcdstories", "police-officer-post", "243 paths"])
def test_an_exercise_page_stays_under_15_mb_at_its_largest(name: str, tmp_path: Path) -> None:
    """The page's data at the most it can hold: every path, step and replication, full feeds.

    Built from results made by hand with the shape of each bundled exercise (its paths, its
    time grid, its replications per path), and of the largest exercise there can be (243
    paths over 96 hours), with random numbers with as many digits as real ones.
    """
    from sim.experiment.exercise import FEED_KEY, feed_cap, path_scenario, paths
    from sim.experiment.results import Results
    from sim.experiment.series import ArraySeries
    from sim.metrics import METRICS, SERIES, time_grid
    from sim.report.exercise import data, page
    from sim.scenario import load_scenario
    from sim.scenario.values import HOUR
    from tests.conftest import ROOT

    if name == "243 paths":
        (tmp_path / "largest.yaml").write_text(LARGEST)
        source = tmp_path / "largest.yaml"
    else:
        source = ROOT / "scenarios" / "exercises" / f"{name}.yaml"
    scenario = path_scenario(load_scenario(source))
    path_list = paths(scenario)
    cap = feed_cap(len(path_list))
    rng = np.random.default_rng(1)
    count, reps = len(path_list), scenario.replications
    times = time_grid(scenario.horizon, scenario.resolution) / HOUR
    actions = max(len(p.policy.actions) for p in path_list)
    feed = [[[round(float(t), 5), int(s), 0] for t, s in zip(
        np.sort(rng.uniform(0, times[-1], cap)), rng.integers(0, 2, cap),
        strict=True)] for _ in path_list]
    results = Results(
        scenario=scenario, policies=[p.name for p in path_list], replications=list(range(reps)),
        metrics=rng.uniform(1e5, 1e6, (count, reps, len(METRICS))),
        series_store=ArraySeries(np.cumsum(rng.integers(0, 2000, (count, reps, len(SERIES),
                                                                     len(times))), axis=-1)),
        times_h=times, actions_h=rng.uniform(0, 50, (count, reps, actions)),
        decided_h=rng.uniform(0, 50, (count, reps, actions)),
        snapshot={FEED_KEY: {"replication": 0, "accounts": scenario.network.accounts,
                             "segments": list(scenario.segments),
                             "paths": feed}})
    results.metrics[0, :, METRICS.index("exposure")] = 5e5  # replication 0: the median
    size = len(page(data(results, path_list)).encode())
    assert size < 15e6, size
    assert len(path_list) == {"mcdstories": 36, "police-officer-post": 9}.get(name, 243)
