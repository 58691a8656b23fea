"""The report: sentences from the numbers, escaping of user text, rebuilt without simulating."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.experiment.results import Results
from sim.experiment.series import ArraySeries
from sim.formatting import percents
from sim.metrics import METRICS, SERIES
from sim.report.html import build
from sim.report.sentences import headline
from tests.conftest import FLAGSHIP
from tests.engine.test_runs import _short

XSS = ("<img src=x onerror=alert(1)>", "</script><script>window.pwned=1</script>")


def _fake_snapshot(results: Results, n: int, seed: int = 5) -> dict[str, object]:
    """A representative incident of ``n`` accounts with random times (no simulation)."""
    rng = np.random.default_rng(seed)

    def times(share: float) -> list[float | None]:
        return [float(t) if rng.random() < share else None for t in rng.uniform(0, 96, n)]

    return {
        "replication": 7, "policies": [results.policies[0], results.policies[-1]],
        "segment": list(rng.choice(["public", "critics", "fans", "journalists"], n)),
        "x": rng.random(n).tolist(), "y": rng.random(n).tolist(),
        "edges": rng.integers(0, n, size=(int(2.5 * n), 2)).tolist(),
        "runs": [{"exposed": times(0.9), "reacted": times(0.5), "response": times(0.5)}
                 for _ in range(2)],
        "horizon_h": 96.0}


def _results(exposure: list[list[float]], articles: list[list[float]]) -> Results:
    """Results with hand-made metrics for two policies (baseline first)."""
    scenario = sim.load_scenario(FLAGSHIP)
    scenario = scenario.model_copy(update={"policies": scenario.policies[:2]})
    reps = len(exposure[0])
    metrics = np.zeros((2, reps, len(METRICS)))
    metrics[:, :, METRICS.index("exposure")] = exposure
    metrics[:, :, METRICS.index("articles")] = articles
    metrics[:, :, METRICS.index("response_h")] = np.nan
    times = np.array([0.0, 1.0])
    series = np.zeros((2, reps, len(SERIES), len(times)))
    return Results(scenario=scenario, policies=[p.name for p in scenario.policies],
                   replications=list(range(reps)), metrics=metrics,
                   series_store=ArraySeries(series), times_h=times,
                   actions_h=np.full((2, reps, 1), np.nan))


def test_sentences_match_hand_computed_numbers() -> None:
    # baseline exposure 100..109 (mean 104.5); the policy removes exactly 40% in every
    # replication, so the mean change is -40% and every resample gives -40%: CI 40-40%.
    # Articles: baseline has one in 8 of 10 replications, the policy in 2 of 10.
    base = [100.0 + i for i in range(10)]
    results = _results([base, [0.6 * b for b in base]],
                       [[1, 1, 2, 1, 1, 1, 3, 1, 0, 0], [0, 1, 0, 0, 0, 0, 2, 0, 0, 0]])
    name = results.policies[1]
    assert headline(results) == [
        f"“{name}” cut expected reputational exposure by 40% (95% CI 40-40%) and cut the "
        "chance of a press article from 80% to 20%."]


def test_a_small_change_keeps_its_decimals_and_never_reads_minus_zero() -> None:
    # the policy removes exactly 0.4% in every replication: 0% at whole percents
    base = [100.0 + i for i in range(10)]
    results = _results([base, [0.996 * b for b in base]], [[0] * 10, [0] * 10])
    name = results.policies[1]
    assert headline(results) == [
        f"“{name}” cut expected reputational exposure by 0.4% (95% CI 0.4-0.4%) and kept the "
        "chance of a press article at 0%."]


def test_a_change_whose_interval_spans_zero_is_called_indistinguishable() -> None:
    base = [100.0, 200.0, 300.0, 400.0, 500.0, 600.0]
    policy = [150.0, 140.0, 330.0, 380.0, 560.0, 570.0]  # mean diff +5: up and down
    results = _results([base, policy], [[0] * 6, [0] * 6])
    (sentence,) = headline(results)
    assert "+1%" in sentence and "not distinguishable" in sentence
    assert sentence.endswith("kept the chance of a press article at 0%.")


@pytest.mark.parametrize("title", XSS)
def test_user_text_is_escaped_everywhere(title: str) -> None:
    results = _results([[1.0, 2.0, 3.0], [1.0, 1.0, 2.0]], [[0, 1, 0], [0, 0, 0]])
    policies = [p.model_copy(update={"name": f"{title} policy {i}"})
                for i, p in enumerate(results.scenario.policies)]
    scenario = results.scenario.model_copy(update={"scenario": title, "description": title,
                                                   "policies": policies})
    results.scenario = scenario
    results.policies = [p.name for p in policies]
    results.snapshot = _fake_snapshot(results, 50)
    page = build(results)
    head, body = page.split("</head>", 1)
    title = re.search(r"<title>(.*?)</title>", head, re.S)
    assert title and "<" not in title.group(1)
    assert "<img src=x" not in body
    assert "window.pwned=1</script>" not in body
    assert body.count("<script") == 2  # the figures' data and the page's own script
    assert "&lt;img src=x onerror=alert(1)&gt;" in body or "&lt;/script&gt;" in body


def test_run_writes_the_report_and_report_rebuilds_it(tmp_path: Path, cli) -> None:
    short = _short(FLAGSHIP, tmp_path, horizon="6h")
    out = tmp_path / "out"
    code, stdout, err = cli("run", str(short), "--out", str(out), "--replications", "4",
                            "--quiet", "--workers", "1")
    assert code == 0, err
    report = out / "report.html"
    first = report.read_text()
    assert re.search(r"<title>.*McDStories.*</title>", first)
    report.unlink()
    code, stdout, err = cli("report", str(out))
    assert code == 0, err
    assert stdout == f"report: {report}\n"
    again = report.read_text()
    stamp = re.compile(r"Built \d{4}-\d\d-\d\d \d\d:\d\d UTC")
    assert stamp.sub("", again) == stamp.sub("", first)


def test_report_of_a_folder_without_a_run_is_a_clear_error(tmp_path: Path, cli) -> None:
    code, stdout, err = cli("report", str(tmp_path))
    assert code == 2 and stdout == ""
    assert "no Flashpoint run here" in err


def test_report_of_5_policies_and_2000_replications_stays_under_15_mb() -> None:
    rng = np.random.default_rng(5)
    scenario = sim.load_scenario(FLAGSHIP)
    assert len(scenario.policies) == 5
    reps, steps = 2000, 385  # mcdstories: 96h at 15m
    metrics = rng.lognormal(10, 1, size=(5, reps, len(METRICS)))
    series = np.cumsum(rng.random((5, reps, len(SERIES), steps)), axis=3)
    actions = rng.uniform(0, 5, size=(5, reps, 2))
    results = Results(scenario=scenario, policies=[p.name for p in scenario.policies],
                      replications=list(range(reps)), metrics=metrics,
                      series_store=ArraySeries(series), times_h=np.linspace(0, 96, steps),
                      actions_h=actions)
    results.snapshot = _fake_snapshot(results, 2000)  # the most the cascade view keeps
    size = len(build(results).encode())
    assert size < 15 * 2**20, size


def test_sentences_of_a_fixed_small_run_match_the_numbers_computed_by_hand(
        tmp_path: Path) -> None:
    import csv
    import json

    short = _short(FLAGSHIP, tmp_path, horizon="72h")
    results = sim.run(sim.load_scenario(short), replications=12, seed=3,
                      policies=["pull at 30m + holding statement"])
    results.write(tmp_path / "out")
    with (tmp_path / "out" / "replications.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    by_policy: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_policy.setdefault(row["policy"], []).append(row)
    (base, policy) = results.policies

    def mean(name: str) -> float:
        return sum(float(r["exposure"]) for r in by_policy[name]) / 12

    def chance(name: str) -> float:
        return sum(float(r["articles"]) >= 1 for r in by_policy[name]) / 12

    change = (mean(policy) - mean(base)) / mean(base)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    low, high = sorted(abs(x) for x in
                       summary["policies"][policy]["vs_baseline"]["exposure"]["relative_ci95"])
    assert change < 0 and chance(base) > chance(policy)  # the run exercises both parts
    verb = "cut" if chance(policy) < chance(base) else "raised"
    shown, low_text, high_text = percents(abs(change), low, high)  # the report's decimals
    expected = (f"“{policy}” cut expected reputational exposure by {shown} "
                f"(95% CI {low_text.removesuffix('%')}-{high_text}) and {verb} the chance of a "
                f"press "
                f"article from {chance(base) * 100:.0f}% to {chance(policy) * 100:.0f}%.")
    if chance(policy) == chance(base):
        expected = expected.split(" and ")[0] + (f" and kept the chance of a press article at "
                                                  f"{chance(base) * 100:.0f}%.")
    assert headline(results) == [expected]


def test_the_representative_replication_is_the_one_closest_to_the_baseline_median() -> None:
    from sim.experiment.snapshot import radial_layout, representative

    results = _results([[1.0, 5.0, 3.0, 10.0, 4.2], [1.0, 1.0, 1.0, 1.0, 1.0]], [[0] * 5] * 2)
    results.replications = [10, 11, 12, 13, 14]
    assert representative(results) == (14, [0, 1])  # median 4.2: replication 14
    x, y = radial_layout(4, [[0, 1], [1, 2]])  # account 3 is not reached: outer ring
    radius = np.hypot(x, y)
    assert radius.tolist() == pytest.approx([0.0, 1 / 3, 2 / 3, 1.0])


def test_open_hands_the_report_to_the_browser_and_plain_runs_do_not(
        tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import webbrowser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", opened.append)
    short = _short(FLAGSHIP, tmp_path, horizon="4h")
    code, _, err = cli("run", str(short), "--out", str(tmp_path / "a"), "--replications", "2",
                       "--quiet", "--workers", "1")
    assert code == 0, err
    assert opened == []  # make demo and plain runs open nothing
    code, _, err = cli("run", str(short), "--out", str(tmp_path / "b"), "--replications", "2",
                       "--quiet", "--workers", "1", "--open")
    assert code == 0, err
    assert opened == [(tmp_path / "b" / "report.html").resolve().as_uri()]


def _section_of(page: str, key: str) -> str:
    start = page.index(f'<section id="{key}">')
    return page[start:page.index("</section>", start)]


def test_the_policy_table_names_every_metric_with_its_label_unit_and_definition() -> None:
    from sim.report.html import TABLE_METRICS
    from sim.scenario.metric_registry import METRICS as REGISTRY

    results = _results([[1.0, 2.0, 3.0], [1.0, 1.0, 2.0]], [[0, 1, 0], [0, 0, 0]])
    results.snapshot = _fake_snapshot(results, 50)
    table = _section_of(build(results), "policies")
    headers = re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)
    titles = re.findall(r'<th[^>]*title="([^"]*)"', table)
    for name in TABLE_METRICS:
        metric = REGISTRY[name]
        assert any(metric.label in h and metric.unit in h for h in headers), name
        assert metric.definition in titles, name  # as a tooltip on its column
        assert metric.definition in re.sub(r"<th.*?</th>", "", table, flags=re.S)  # and below
    assert "reach (accounts)" in table
    assert "peak reactions an hour (posts an hour)" in table
    for header in headers:
        assert not any(name in header for name in REGISTRY if "_" in name), header
        assert not re.search(r"\b(peak|time|first|negative)_", header), header


def test_charts_title_their_metrics_and_axes_with_label_and_unit() -> None:
    import json

    results = _results([[1.0, 2.0, 3.0], [1.0, 1.0, 2.0]], [[0, 1, 0], [0, 0, 0]])
    results.snapshot = _fake_snapshot(results, 50)
    page = build(results)
    figures = json.loads(re.search(r'<script id="figures" type="application/json">(.*?)'
                                   r"</script>", page, re.S).group(1))
    layout = {key: fig["layout"] for key, fig in figures.items()}
    assert layout["timeline-reach"]["yaxis"]["title"]["text"] == "reach (accounts)"
    assert layout["timeline-exposure"]["yaxis"]["title"]["text"] == (
        "reputational exposure (index points)")
    assert "hours" in layout["timeline-reach"]["xaxis"]["title"]["text"]
    assert layout["tail"]["xaxis"]["title"]["text"] == "reputational exposure (index points): x"
    assert "reputational exposure (index points)" in layout["risk"]["title"]["text"]
    box = layout["box-peak_reactions_per_hour"]
    assert box["title"]["text"] == "peak reactions an hour (log axis)"
    assert box["yaxis"]["title"]["text"] == "posts an hour"
    for key in ("distributions", "timelines", "tail"):
        assert "accounts that saw the story at least once" in _section_of(page, key) or (
            "article readers off the platform" in _section_of(page, key)), key


def test_the_risk_matrix_shows_each_tier_with_its_threshold() -> None:
    import json

    results = _results([[1.0, 2.0, 3.0], [1.0, 1.0, 2.0]], [[0, 1, 0], [0, 0, 0]])
    results.snapshot = _fake_snapshot(results, 50)
    assert dict(results.scenario.risk.tiers) == {"minor": 1000, "moderate": 10000,
                                                 "major": 100000, "severe": 1000000}
    page = build(results)
    risk = _section_of(page, "risk")
    for cell in ("minor (≥ 1,000)", "moderate (≥ 10,000)", "major (≥ 100,000)",
                 "severe (≥ 1,000,000)"):
        assert f'<th scope="col">{cell}</th>' in risk
    figures = json.loads(re.search(r'<script id="figures" type="application/json">(.*?)'
                                   r"</script>", page, re.S).group(1))
    assert figures["risk"]["data"][0]["x"] == ["minor (≥ 1,000)", "moderate (≥ 10,000)",
                                               "major (≥ 100,000)", "severe (≥ 1,000,000)"]


def test_the_assumptions_table_lists_the_risk_tiers() -> None:
    from sim.report.assumptions import rows

    scenario = sim.load_scenario(FLAGSHIP)
    found = [row for row in rows(scenario) if row[0].startswith("risk.")]
    assert found == [("risk.metric", "exposure", "default: our default"),
                     ("risk.tiers.minor", "1000", "set in the scenario"),
                     ("risk.tiers.moderate", "10000", "set in the scenario"),
                     ("risk.tiers.major", "100000", "set in the scenario"),
                     ("risk.tiers.severe", "1000000", "set in the scenario")]
    results = _results([[1.0, 2.0, 3.0], [1.0, 1.0, 2.0]], [[0, 1, 0], [0, 0, 0]])
    results.snapshot = _fake_snapshot(results, 50)
    assumptions = _section_of(build(results), "assumptions")
    assert "<td>risk.tiers.severe</td><td>1000000</td><td>set in the scenario</td>" in (
        assumptions)


def test_counts_are_whole_numbers_and_small_means_keep_a_decimal() -> None:
    results = _results([[1.0, 2.0, 3.0], [1.0, 1.0, 2.0]], [[0, 1, 1], [0, 0, 1]])
    reach = METRICS.index("reach")
    results.metrics[:, :, reach] = [[1001, 1002, 1004], [2001, 2003, 2003]]
    results.snapshot = _fake_snapshot(results, 50)
    table = _section_of(build(results), "policies")
    first_row = re.search(r"<tbody><tr>(.*?)</tr>", table, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", first_row, re.S)
    values = [re.sub(r"<[^>]+>", "", c) for c in cells]
    assert values[1].startswith("1,002 (")  # mean reach 1,002.33 accounts: whole
    assert values[2] == "1,004"  # its P90: whole
    assert re.match(r"0\.7 \(", values[5]), values[5]  # mean articles 0.67: one decimal
    assert "." not in values[6]  # its P90: whole


def test_the_report_never_simulates(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sim.experiment.snapshot as snapshot_module
    from sim.engine import kernel

    results = sim.run(sim.load_scenario(_short(FLAGSHIP, tmp_path, horizon="6h")),
                      replications=3)
    assert results.snapshot is not None  # sim.run stores the cascade view's incident

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the report started a simulation")

    monkeypatch.setattr(kernel, "simulate", refuse)
    monkeypatch.setattr(snapshot_module, "snapshot", refuse)
    assert 'id="chart-cascade"' in build(results)
    results.snapshot = None  # results built by hand: the section says how to add the view
    page = build(results)
    assert 'id="chart-cascade"' not in page and "snapshot(results)" in page


def _summary(changes: dict[str, tuple[float, float, float]]) -> dict[str, object]:
    """A summary by hand: per policy, its relative change in exposure and the 95% interval."""
    policies: dict[str, object] = {"base": {}}
    for name, (change, low, high) in changes.items():
        policies[name] = {"vs_baseline": {"exposure": {
            "diff_mean": 1000 * change, "diff_ci95": [1000 * low, 1000 * high],
            "relative_change": change, "relative_ci95": [low, high], "prob_better": 0.8}}}
    return {"risk_metric": "exposure", "baseline": "base", "policies": policies}


def test_the_recommendation_names_the_best_policy_with_its_interval_and_certainty() -> None:
    from sim.report.sentences import recommendation

    line = recommendation(_summary({"a": (-0.1, -0.2, 0.05), "b": (-0.31, -0.38, -0.25)}))
    assert line == ("Recommended on reputational exposure: “b”, which cuts reputational "
                    "exposure by 31% (95% CI 25% to 38%) against “base” and did better in "
                    "80% of the same replayed incidents.")


def test_the_recommendation_says_when_the_best_two_are_not_clearly_ranked() -> None:
    from sim.report.sentences import recommendation

    overlap = recommendation(_summary({"a": (-0.2, -0.3, -0.1), "b": (-0.31, -0.38, -0.25)}))
    assert overlap.startswith("Recommended on reputational exposure: “b”")
    assert "overlaps that of the next best, “a”, which cuts reputational exposure by 20%" \
        in overlap and overlap.endswith("so the two are not clearly ranked.")
    apart = recommendation(_summary({"a": (-0.1, -0.15, -0.05), "b": (-0.31, -0.38, -0.25)}))
    assert apart.endswith("Its interval does not overlap that of the next best, “a”.")


def test_a_tie_is_said_plainly_in_the_recommendation_and_never_reads_as_a_0_percent_cut(
        ) -> None:
    from sim.report.sentences import recommendation

    line = recommendation(_summary({"a": (0.0, 0.0, 0.0), "b": (-0.1, -0.3, 0.1)}))
    assert line.startswith("No policy is distinguishable from the baseline on reputational "
                           "exposure")
    worse = recommendation(_summary({"a": (0.2, 0.1, 0.3)}))
    assert worse.startswith("No policy does better than the baseline on reputational exposure")
    # a policy that gave exactly the baseline's exposure: same numbers, interval 0 to 0
    base = [100.0 + i for i in range(10)]
    results = _results([base, base], [[0] * 10, [0] * 10])
    name = results.policies[1]
    (sentence,) = headline(results)
    assert sentence == (f"“{name}” left expected reputational exposure unchanged, not "
                        f"distinguishable from “{results.policies[0]}” and kept the chance of "
                        "a press article at 0%.")
    assert "0%)" not in sentence and "raised" not in sentence
    page = build(results)
    header = page.split("<header", 1)[1].split("</header>", 1)[0]
    assert header.index("</h1>") < header.index("No policy is distinguishable") \
        < header.index('class="description"')


def test_the_cascade_calls_a_policy_the_best_only_when_it_beat_the_baseline() -> None:
    base = [100.0 + i for i in range(10)]
    tie = _results([base, base], [[0] * 10, [0] * 10])
    tie.snapshot = _fake_snapshot(tie, 30)
    note = _section_of(build(tie), "cascade")
    assert "the best" not in note and "not distinguishable from the baseline" in note
    cut = _results([base, [0.6 * b for b in base]], [[0] * 10, [0] * 10])
    cut.snapshot = _fake_snapshot(cut, 30)
    assert "the recommended policy" in _section_of(build(cut), "cascade")


def test_the_terminal_summary_ends_with_the_recommendation() -> None:
    from rich.console import Console

    from sim.terminal import summary_table

    base = [100.0 + i for i in range(10)]
    results = _results([base, [0.6 * b for b in base]], [[0] * 10, [0] * 10])
    console = Console(record=True, width=200)
    summary_table(results, console=console)
    lines = console.export_text().strip().splitlines()
    assert lines[-1] == (f"Recommended on reputational exposure: “{results.policies[1]}”, "
                         "which cuts reputational exposure by 40% (95% CI 40% to 40%) against "
                         f"“{results.policies[0]}” and did better in 100% of the same replayed "
                         "incidents.")


def test_zeros_on_a_log_axis_are_drawn_on_a_line_marked_0_and_counted() -> None:
    from sim.report.html import _distributions

    base = [0.0, 0.0, 0.0, 50.0, 120.0, 300.0, 900.0, 4000.0, 20000.0, 150000.0]
    results = _results([base, [0.0] + base[1:]], [[0] * 10, [0] * 10])
    charts: dict[str, object] = {}
    section = _distributions(results, charts)
    fig = charts["box-exposure"]
    assert fig.layout.yaxis.type == "log"
    (line,) = fig.layout.shapes
    floor = line.y0
    assert floor == 1.0  # a power of ten below the smallest positive value, 50
    assert [a.text for a in fig.layout.annotations] == ["0"]
    points = [t for t in fig.data if t.type == "scatter"]
    assert list(points[0].y).count(floor) == 3 and min(points[0].y) == floor
    box = fig.data[0]
    assert box.lowerfence[0] == floor and box.q1[0] == pytest.approx(np.percentile(base, 25))
    assert box.upperfence[0] == pytest.approx(np.percentile(base, 95))
    assert "<td>3 of 10</td>" in section
    assert "incidents at 0 are drawn on the dotted line marked 0" in section


def test_exposed_and_reacted_differ_in_lightness_as_well_as_hue() -> None:
    from sim.report.html import STATE_COLOURS

    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
                  for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    exposed, reacted = (luminance(STATE_COLOURS[i]) for i in (1, 2))
    # WCAG contrast ratio between the two fills: 3 or more tells them apart on a projector
    assert (max(exposed, reacted) + 0.05) / (min(exposed, reacted) + 0.05) >= 3


def test_headline_sentences_speak_of_the_risk_metric(tmp_path: Path) -> None:
    text = _short(FLAGSHIP, tmp_path, horizon="6h").read_text()
    assert "risk:\n  metric: exposure" in text
    path = tmp_path / "reach.yaml"
    path.write_text(text.replace("risk:\n  metric: exposure", "risk:\n  metric: reach"))
    results = sim.run(sim.load_scenario(path), replications=4)
    sentences = headline(results)
    assert sentences and all("expected reach" in s for s in sentences), sentences
    assert not any("exposure" in s for s in sentences)


def test_cascade_slider_labels_never_read_the_same_twice_in_a_row() -> None:
    """Frames 2 minutes apart once both read "5 min"; the labels take the decimals needed."""
    from sim.report.html import _clocks

    times = [0.0, 0.08, 0.0833, 0.09, 0.5, 1.0, 1.02, 1.04, 30.0]
    labels = _clocks(times)
    assert all(a != b for a, b in zip(labels, labels[1:], strict=False)), labels
    assert labels[:3] == ["0.0 min", "4.8 min", "5.0 min"] and labels[-1] == "30.00 h"
    assert _clocks([0.0, 0.25, 2.0]) == ["0 min", "15 min", "2.0 h"]  # none added when unneeded
