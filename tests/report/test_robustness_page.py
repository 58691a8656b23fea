"""``robustness.html``: its charts, its tables, its escaping, and the page in a browser."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest

from sim.errors import FlashpointError
from sim.report.html import PALETTE
from sim.report.robustness import page, write_page
from tests.report.test_calibration_page import (
    IMG,
    SCRIPT,
    TAG,
    _figures,
    _loaded,
    _ours,
    _parse,
    _plotly,
    _strings,
    browser_test,
)

POLICIES = ("do nothing", TAG, IMG)
# the design's order; by total index: IMG-named (0.52), share (0.31), TAG-named (0.08)
NAMES = (f"sign-off {TAG}", "share probability", f"apology {IMG}")
BY_TOTAL = (2, 1, 0)


def robustness_data() -> dict[str, Any]:
    return {
        "scenario": f"Hijack {TAG} & {IMG}",
        "metric": "exposure",
        "samples": 128,
        "worlds": 128,
        "surrogate": {"terms": 28, "cv_r2": 0.81, "estimator_se": 0.004},
        "replications": 20,
        "policies": list(POLICIES),
        "prob_best": {"do nothing": 0.0625, TAG: 0.5625, IMG: 0.375},
        "prob_best_ci95": {"do nothing": [0.03, 0.12], TAG: [0.48, 0.64], IMG: [0.29, 0.46]},
        "top_two": [TAG, IMG],
        "flip_rate": 0.125,
        "own_order": [TAG, IMG],
        "parameters": [
            {"name": NAMES[0], "paths": ["policies.1.actions.0.delay.median"], "value": "45m",
             "low": "15m", "high": "2h", "scale": "log", "why": f"sign-off varies {TAG}",
             "declared": "scenario"},
            {"name": NAMES[1], "paths": ["behaviour.share_probability"], "value": "0.002",
             "low": "0.001", "high": "0.004", "scale": "log", "why": "fitted loosely",
             "declared": "default"},
            {"name": NAMES[2], "paths": [f"policies.2.actions.0.effect{IMG}",
                                         "policies.3.actions.1.effect"],
             "value": "0.3", "low": "0.1", "high": "0.5", "scale": "linear",
             "why": f"no data on apologies {IMG}", "declared": "scenario"},
        ],
        "held": [{"path": "network.accounts", "value": "20000", "why": f"a fact {TAG}"},
                 {"path": f"incident.author{SCRIPT}", "value": IMG, "why": "not a judgement"}],
        "indices": {
            NAMES[0]: {"first": -0.012, "first_ci95": [-0.05, 0.03], "total": 0.08,
                       "total_ci95": [0.05, 0.12], "noise_first": 0.011, "noise_total": 0.006},
            NAMES[1]: {"first": 0.27, "first_ci95": [0.19, 0.35], "total": 0.31,
                       "total_ci95": [0.25, 0.38], "noise_first": 0.02, "noise_total": 0.015},
            NAMES[2]: {"first": 0.45, "first_ci95": [0.36, 0.55], "total": 0.52,
                       "total_ci95": [0.44, 1.06], "noise_first": 0.025,
                       "noise_total": 0.018},
        },
        "output": f'the ratio of the expected exposure of "{TAG}" to that of "{IMG}"',
        "headline": f'"{TAG}" is best in 56% of plausible worlds; {NAMES[2]} decides it most',
        "noise_ok": True,
        "warnings": [f"only 128 worlds {TAG}"],
    }


def _bars(text: str, key: str) -> list[dict[str, Any]]:
    return _figures(text)[key]["data"]


def test_the_policies_are_charted_by_probability_of_being_best_with_their_intervals() -> None:
    data = robustness_data()
    [bars] = _bars(page(data), "best")
    ranked = [TAG, IMG, "do nothing"]  # the most often best on top
    assert bars["orientation"] == "h"
    assert bars["x"] == [data["prob_best"][name] for name in ranked]
    lows = [data["prob_best_ci95"][name][0] for name in ranked]
    highs = [data["prob_best_ci95"][name][1] for name in ranked]
    assert bars["error_x"]["array"] == pytest.approx(
        [h - p for h, p in zip(highs, bars["x"], strict=True)])
    assert bars["error_x"]["arrayminus"] == pytest.approx(
        [p - lo for p, lo in zip(bars["x"], lows, strict=True)])
    # each policy keeps its colour from the other pages (its place among the policies)
    assert bars["marker"]["color"] == [PALETTE[1], PALETTE[2], PALETTE[0]]
    layout = _figures(page(data))["best"]["layout"]
    assert layout["yaxis"]["ticktext"] == [_plotly(name) for name in ranked]
    assert layout["yaxis"]["tickvals"] == bars["y"] == [0, 1, 2]
    assert layout["yaxis"]["autorange"] == "reversed"
    assert layout["xaxis"]["range"] == [0, 1]
    assert _parse(page(data), "best").rows == [[TAG, "56%", "48% to 64%"],
                                               [IMG, "38%", "29% to 46%"],
                                               ["do nothing", "6.2%", "3.0% to 12.0%"]]


def test_the_flip_rate_is_stated_in_words() -> None:
    text = page(robustness_data())
    flip = re.search(r'<p class="flip">(.*?)</p>', text, re.S)
    assert flip is not None
    words = html.unescape(re.sub(r"<[^>]+>", "", flip.group(1)))
    assert words == (f"The order of “{TAG}” and “{IMG}” at your scenario's own values flips "
                     "in 12% of the 128 plausible worlds sampled: at your values "
                     f"“{TAG}” has the lower expected reputational exposure (index points); "
                     f"in those worlds, “{IMG}” has.")


def test_the_flip_follows_the_order_at_the_scenarios_own_values() -> None:
    data = robustness_data()
    data.update(own_order=[IMG, TAG], flip_rate=0.4)
    flip = re.search(r'<p class="flip">(.*?)</p>', page(data), re.S)
    assert flip is not None
    assert flip.group(1).startswith(f"The order of &ldquo;{html.escape(IMG)}&rdquo; and "
                                    f"&ldquo;{html.escape(TAG)}&rdquo;")
    assert "<strong>40%</strong>" in flip.group(1)


def test_the_tornado_rows_are_ordered_by_total_index() -> None:
    data = robustness_data()
    figure = _figures(page(data))["tornado"]
    total, first = figure["data"]
    assert [total["name"], first["name"]] == ["total index", "first-order index"]
    ranked = [NAMES[i] for i in BY_TOTAL]
    assert figure["layout"]["yaxis"]["ticktext"] == [_plotly(name) for name in ranked]
    assert figure["layout"]["yaxis"]["autorange"] == "reversed"  # the first row on top
    assert total["y"] == first["y"] == [0, 1, 2]
    assert total["x"] == [data["indices"][name]["total"] for name in ranked]
    assert total["x"] == sorted(total["x"], reverse=True)
    assert first["x"] == [data["indices"][name]["first"] for name in ranked]
    assert total["error_x"]["array"] == pytest.approx([0.54, 0.07, 0.04])
    assert total["error_x"]["arrayminus"] == pytest.approx([0.08, 0.06, 0.03])
    assert first["error_x"]["arrayminus"] == pytest.approx([0.09, 0.08, 0.038])


def test_the_tornado_runs_from_0_to_1_and_stretches_a_little_for_unclipped_estimates() -> None:
    data = robustness_data()
    # the first-order estimate at -0.05 and the interval up to 1.06 widen the axis
    axis = _figures(page(data))["tornado"]["layout"]["xaxis"]
    assert axis["range"] == pytest.approx([-0.07, 1.08])
    for stats in data["indices"].values():
        stats.update(first_ci95=[0.0, 0.5], total_ci95=[0.1, 0.6], first=0.2)
    axis = _figures(page(data))["tornado"]["layout"]["xaxis"]
    assert axis["range"] == pytest.approx([-0.02, 1.02])
    # a wild estimate does not squash the chart: the axis stops at -0.25 and 1.25
    data["indices"][NAMES[0]].update(first=-3.0, total_ci95=[0.0, 4.0])
    axis = _figures(page(data))["tornado"]["layout"]["xaxis"]
    assert axis["range"] == pytest.approx([-0.27, 1.27])


def test_a_parameter_with_an_undefined_index_goes_last() -> None:
    data = robustness_data()
    data["indices"][NAMES[2]].update(total=float("nan"), total_ci95=None)
    text = page(data)
    ticks = _figures(text)["tornado"]["layout"]["yaxis"]["ticktext"]
    assert ticks == [_plotly(NAMES[1]), _plotly(NAMES[0]), _plotly(NAMES[2])]
    assert _parse(text, "parameters").rows[2][5] == "-\n-"


def test_the_parameter_table_gives_each_judgement_its_range_reason_and_indices() -> None:
    rows = _parse(page(robustness_data()), "parameters").rows
    assert rows == [
        [f"{NAMES[2]}\npolicies.2.actions.0.effect{IMG}\npolicies.3.actions.1.effect", "0.3",
         "0.1 to 0.5\nlinear", "the scenario", f"no data on apologies {IMG}",
         "0.52\n0.44 to 1.1", "0.45\n0.36 to 0.55", "±0.018, ±0.025"],
        [f"{NAMES[1]}\nbehaviour.share_probability", "0.002", "0.001 to 0.004\nlog",
         "Flashpoint's default", "fitted loosely", "0.31\n0.25 to 0.38", "0.27\n0.19 to 0.35",
         "±0.015, ±0.020"],
        [f"{NAMES[0]}\npolicies.1.actions.0.delay.median", "45m", "15m to 2h\nlog",
         "the scenario", f"sign-off varies {TAG}", "0.080\n0.050 to 0.12",
         "-0.012\n-0.050 to 0.030", "±0.0060, ±0.011"],
    ]


def test_the_held_judgements_are_listed_with_why() -> None:
    text = page(robustness_data())
    assert _parse(text, "held").rows == [["network.accounts", "20000", f"a fact {TAG}"],
                                         [f"incident.author{SCRIPT}", IMG, "not a judgement"]]
    data = robustness_data()
    data["held"] = []
    text = page(data)
    assert _parse(text, "held").rows == []
    assert "None: every judgement was varied." in text


def test_the_counts_are_on_the_page() -> None:
    text = page(robustness_data())
    meta = re.search(r'<p class="meta">(.*?)</p>', text, re.S)
    assert meta is not None
    assert meta.group(1).endswith(" &middot; 128 sampled worlds &middot; 20 replications at "
                                  "each")
    assert "over 128 worlds spread evenly over the ranges" in text
    assert ("In all, 129 design points ran (the worlds and your own values), each with 20 "
            "replications of every policy.") in text
    assert "(a surrogate, 28 terms) that predicts 81% of the spread of held-out worlds" in text


def test_the_noise_note_says_the_drivers_are_not_luck_only_when_they_are_not() -> None:
    data = robustness_data()
    assert "those drivers are not luck" in page(data)
    data["noise_ok"] = False
    data["warnings"] = ["the Monte Carlo noise in the indices is not small"]
    text = page(data)
    assert "those drivers are not luck" not in text
    box = re.search(r'<div class="warnings" role="alert">(.*?)</div>', text, re.S)
    assert box is not None and "Monte Carlo noise in the indices is not small" in box.group(1)


def test_a_single_policy_has_nothing_to_flip() -> None:
    data = robustness_data()
    data.update(policies=["do nothing"], prob_best={"do nothing": 1.0},
                prob_best_ci95={"do nothing": [0.97, 1.0]}, top_two=["do nothing"],
                own_order=["do nothing"], flip_rate=0.0)
    text = page(data)
    [bars] = _bars(text, "best")
    assert bars["x"] == [1.0]
    assert "With one policy, &ldquo;do nothing&rdquo; is best in every world" in text
    assert "flips in" not in text


def test_warnings_are_in_a_visible_box() -> None:
    data = robustness_data()
    assert _parse(page(data), "").alert == f"Read with care:{data['warnings'][0]}"
    data["warnings"] = []
    assert 'role="alert"' not in page(data)


@pytest.mark.parametrize(("change", "message"), [
    ({"prob_best": {"do nothing": 0.5, TAG: 0.5}}, r"policies \[.*\] have no probability"),
    ({"indices": {}}, r"parameters \['sign-off <b>x</b>', .*\] have no indices")])
def test_data_that_does_not_fit_together_is_refused(change: dict[str, Any], message: str) -> None:
    data = robustness_data()
    data.update(change)
    with pytest.raises(ValueError, match=message):
        page(data)


def test_user_text_is_escaped_in_the_markup_and_in_the_charts() -> None:
    data = robustness_data()
    text = page(data)
    ours = _ours(text)
    for raw in (TAG, IMG, SCRIPT, "<script>window", "<b>", "<img"):
        assert raw not in ours
    parsed = _parse(text, "parameters")
    assert parsed.h1 == f"{data['scenario']}: robustness"
    assert parsed.rows[0][0].split("\n")[0] == NAMES[2]
    headline = re.search(r'<p class="headline">(.*?)</p>', ours, re.S)
    assert headline is not None and html.unescape(headline.group(1)) == data["headline"]
    assert html.escape(data["output"]) in ours
    title = re.search(r"<title>(.*?)</title>", ours)
    assert title is not None
    assert html.unescape(title.group(1)) == f"{data['scenario']} - Flashpoint robustness"
    figures = _figures(text)
    assert not [s for s in _strings(figures) if "<b>x" in s or "<img" in s or "<script" in s]
    [bars] = figures["best"]["data"]
    assert bars["customdata"][0][0] == _plotly(TAG)
    assert bars["customdata"][1] == [_plotly(IMG), _plotly("38%"), _plotly("29% to 46%")]
    total = figures["tornado"]["data"][0]
    assert total["customdata"][0] == [_plotly(NAMES[2]), "0.52", "0.44 to 1.1", "0.018"]


def test_the_writer_writes_the_page_and_names_the_file_it_cannot_write(tmp_path: Path) -> None:
    written = write_page(robustness_data(), tmp_path / "new" / "robustness.html")
    assert written == tmp_path / "new" / "robustness.html"
    assert written.read_text(encoding="utf-8") == page(robustness_data())
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(FlashpointError, match=r"file/robustness\.html: cannot write it"):
        write_page(robustness_data(), blocker / "robustness.html")


@browser_test
def test_the_robustness_page_renders_offline_with_no_errors(tmp_path: Path) -> None:
    data = robustness_data()
    page_file = write_page(data, tmp_path / "robustness.html")
    with _loaded(page_file, 2) as (browser, errors, dialogs):
        # the charts hold the data given: the bars' lengths are the input numbers
        plotted = browser.eval_on_selector_all(
            ".chart", "els => els.map(e => [e.id, e.data.map(t => t.x)])")
        ranked = [NAMES[i] for i in BY_TOTAL]
        assert plotted == [
            ["chart-best", [[data["prob_best"][name] for name in (TAG, IMG, "do nothing")]]],
            ["chart-tornado", [[data["indices"][name][key] for name in ranked]
                               for key in ("total", "first")]]]
        # and drew them: a bar per policy, two per parameter, each with its whisker
        assert browser.locator("#chart-best .bars .point").count() == 3
        assert browser.locator("#chart-tornado .bars .point").count() == 6
        assert browser.locator("#chart-tornado .errorbar").count() == 6
        ticks = browser.eval_on_selector_all("#chart-tornado .ytick text",
                                             "els => els.map(e => e.textContent)")
        assert ticks == ranked  # shown literally, the largest total index on top
        ticks = browser.eval_on_selector_all("#chart-best .ytick text",
                                             "els => els.map(e => e.textContent)")
        assert ticks == [TAG, IMG, "do nothing"]
        assert browser.locator(".headline").is_visible()
        assert browser.inner_text(".headline") == data["headline"]
        assert browser.inner_text("h1") == f"{data['scenario']}: robustness"
        assert browser.locator(".warnings[role=alert]").is_visible()
        assert browser.locator("h1 b, h1 img, p b, p img, li b, li img, th b, th img, td b, "
                               "td img, .main-svg image, script[src]").count() == 0
        assert browser.evaluate("typeof window.pwned") == "undefined"
        assert errors == [] and dialogs == []
