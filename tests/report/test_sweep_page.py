"""``sweep.html``: its tables, its chart, its escaping, and the page in a browser."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest

from sim.errors import FlashpointError
from sim.report.html import PALETTE
from sim.report.sweep import grid_page, log_axis, page, write_grid_page, write_page
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
LABELS = ["30m", "1h", "2h", "4h", "8h"]
X = [0.5, 1.0, 2.0, 4.0, 8.0]


def sweep_data() -> dict[str, Any]:
    return {
        "scenario": f"Hijack {TAG} & {IMG}",
        "parameter": "policies.1.actions.0.at",
        "unit": "h",
        "metric": "exposure",
        "labels": list(LABELS),
        "x": list(X),
        "own": 2,
        "policies": {
            "do nothing": {"mean": [1000.0] * 5, "low": [900.0] * 5, "high": [1100.0] * 5},
            TAG: {"mean": [512.3, 640.0, 812.25, 1234.5, 2000.0],
                  "low": [480.0, 600.4, 760.0, 1100.0, 1874.0],
                  "high": [545.55, 680.0, 870.0, 1370.0, 2126.0]},
            IMG: {"mean": [900.0, 850.0, 800.0, 1000.0, 1100.0],
                  "low": [860.0, 811.0, 765.4, 955.0, 1049.0],
                  "high": [940.0, 889.0, 834.6, 1046.0, 1151.0]},
        },
        "headlines": [f'each hour of policies.1.actions.0.at changes the expected exposure of '
                      f'"{TAG}" by +15% (95% CI +9.6% to +23%) of its mean at 30m',
                      f'"{TAG}" and "{IMG}" break even at policies.1.actions.0.at = 1.95h'],
        "break_even": [{"policy": TAG, "other": IMG, "at": 1.946, "ci95": [1.5, 2.6]},
                       {"policy": "do nothing", "other": IMG, "at": 6.0, "ci95": None}],
        "replications": 40,
    }


def _means(figure: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in figure["data"] if t.get("mode") == "lines+markers"]


def _bands(figure: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in figure["data"] if t.get("fill") == "tonexty"]


def test_the_table_gives_each_policys_mean_and_interval_at_each_value() -> None:
    rows = _parse(page(sweep_data()), "sweep").rows
    assert rows == [
        ["30m", "1,000 (900 to 1,100)", "512 (480 to 546)", "900 (860 to 940)"],
        ["1h", "1,000 (900 to 1,100)", "640 (600 to 680)", "850 (811 to 889)"],
        ["2h\nscenario's value", "1,000 (900 to 1,100)", "812 (760 to 870)",
         "800 (765 to 835)"],
        ["4h", "1,000 (900 to 1,100)", "1,230 (1,100 to 1,370)", "1,000 (955 to 1,050)"],
        ["8h", "1,000 (900 to 1,100)", "2,000 (1,870 to 2,130)", "1,100 (1,050 to 1,150)"],
    ]


def test_the_break_even_table_gives_the_pair_the_point_and_its_interval() -> None:
    rows = _parse(page(sweep_data()), "break-even").rows
    assert rows == [[f"{TAG} vs {IMG}", "1.95 h", "1.50 to 2.60 h"],
                    [f"do nothing vs {IMG}", "6.00 h", "not determined"]]


def test_no_break_even_table_without_break_even_points() -> None:
    data = sweep_data()
    data["break_even"] = []
    text = page(data)
    assert _parse(text, "break-even").rows == []
    assert "No two policies break even within the values swept." in text
    layout = _figures(text)["sweep"]["layout"]
    assert [a["text"] for a in layout["annotations"]] == ["scenario's value"]
    assert [s["x0"] for s in layout["shapes"]] == [2.0]


def test_the_chart_has_a_mean_and_a_band_per_policy_and_marks_the_own_value() -> None:
    data = sweep_data()
    figure = _figures(page(data))["sweep"]
    assert len(figure["data"]) == 3 * len(POLICIES)  # upper edge, band, mean
    means, bands = _means(figure), _bands(figure)
    assert [t["name"] for t in means] == [_plotly(n) for n in POLICIES]
    assert [t["y"] for t in means] == [data["policies"][n]["mean"] for n in POLICIES]
    assert [t["y"] for t in bands] == [data["policies"][n]["low"] for n in POLICIES]
    assert all(t["x"] == X for t in figure["data"])
    assert len({t["line"]["color"] for t in means}) == len(POLICIES)
    layout = figure["layout"]
    assert [s["x0"] for s in layout["shapes"]] == [2.0, 1.946, 6.0]
    assert [s["line"]["dash"] for s in layout["shapes"]] == ["dot", "dash", "dash"]
    assert [a["text"] for a in layout["annotations"]] == [
        "scenario's value", _plotly(f"break-even: {TAG} vs {IMG}"),
        _plotly(f"break-even: do nothing vs {IMG}")]
    # annotations take log10(x) on a log axis
    assert [a["x"] for a in layout["annotations"]] == pytest.approx(
        [0.30103, 0.28914, 0.77815], abs=1e-5)
    axis = layout["xaxis"]
    assert axis["type"] == "log"
    assert axis["title"]["text"] == "policies.1.actions.0.at (hours, log scale)"
    assert axis["tickvals"] == X and axis["ticktext"] == LABELS


@pytest.mark.parametrize(("x", "log"), [
    ([0.5, 1.0, 2.0, 4.0, 8.0], True), ([1.0, 2.0, 4.0, 8.0], False),  # a factor of 8: linear
    ([0.1, 0.2, 0.3, 0.4, 0.5], False), ([0.0, 1.0, 10.0, 100.0], False), ([-1.0, 10.0], False),
    ([0.001, 0.01, 0.1], True)])
def test_a_log_axis_only_for_positive_values_spanning_more_than_a_factor_of_8(
        x: list[float], log: bool) -> None:
    assert log_axis(x) is log


def test_a_plain_number_sweep_is_on_a_linear_axis_without_a_unit() -> None:
    data = sweep_data()
    data.update(parameter="behaviour.share_probability", unit="", own=None,
                labels=["0.1", "0.2", "0.3", "0.4", "0.5"], x=[0.1, 0.2, 0.3, 0.4, 0.5],
                break_even=[])
    text = page(data)
    figure = _figures(text)["sweep"]
    axis = figure["layout"]["xaxis"]
    assert axis["type"] == "linear" and axis["title"]["text"] == "behaviour.share_probability"
    assert "shapes" not in figure["layout"] or figure["layout"]["shapes"] == []
    assert [r[0] for r in _parse(text, "sweep").rows] == data["labels"]


def test_values_given_out_of_order_are_drawn_and_tabled_in_order() -> None:
    data = sweep_data()
    order = [3, 0, 4, 2, 1]
    data["labels"] = [LABELS[i] for i in order]
    data["x"] = [X[i] for i in order]
    data["own"] = 3  # "2h"
    for stats in data["policies"].values():
        for key in stats:
            stats[key] = [stats[key][i] for i in order]
    text = page(data)
    assert _parse(text, "sweep").rows == _parse(page(sweep_data()), "sweep").rows
    figure = _figures(text)["sweep"]
    assert _means(figure)[1]["y"] == sweep_data()["policies"][TAG]["mean"]
    assert figure["layout"]["shapes"][0]["x0"] == 2.0


def test_user_text_is_escaped_in_the_markup_and_in_the_chart() -> None:
    data = sweep_data()
    data["parameter"] = f"policies.1{SCRIPT}"
    data["labels"][0] = TAG
    text = page(data)
    ours = _ours(text)
    for raw in (TAG, IMG, SCRIPT, "<script>window", "<b>", "<img"):
        assert raw not in ours
    parsed = _parse(text, "sweep")
    assert parsed.h1 == f"{data['scenario']}: sweep of {data['parameter']}"
    assert parsed.rows[0][0] == TAG
    headlines = re.search(r'<ul class="sentences headlines">(.*?)</ul>', ours, re.S)
    assert headlines is not None
    assert [html.unescape(s) for s in re.findall(r"<li>(.*?)</li>", headlines.group(1))] == \
        data["headlines"]
    figures = _figures(text)
    strings = _strings(figures)
    assert not [s for s in strings if "<b>x" in s or "<img" in s or "<script" in s]
    figure = figures["sweep"]
    assert _means(figure)[2]["hovertemplate"].startswith(_plotly(IMG) + "<br>"
                                                         + _plotly(data["parameter"]))
    assert _means(figure)[0]["customdata"][0][0] == _plotly(TAG)
    assert figure["layout"]["xaxis"]["ticktext"][0] == _plotly(TAG)


@browser_test
def test_the_sweep_page_renders_offline_with_no_errors(tmp_path: Path) -> None:
    data = sweep_data()
    with _loaded(write_page(data, tmp_path / "sweep.html"), 1) as (browser, errors, dialogs):
        assert browser.eval_on_selector("#chart-sweep", "e => e._fullData.length") == 9
        legend = browser.eval_on_selector_all("#chart-sweep .legendtext",
                                              "els => els.map(e => e.textContent)")
        assert legend == list(POLICIES)
        notes = browser.eval_on_selector_all("#chart-sweep .annotation-text",
                                             "els => els.map(e => e.textContent)")
        assert notes == ["scenario's value", f"break-even: {TAG} vs {IMG}",
                         f"break-even: do nothing vs {IMG}"]
        heads = browser.eval_on_selector_all("table.sweep th",
                                             "els => els.map(e => e.textContent)")
        assert heads[1:] == [f"{name}mean (95% CI)" for name in POLICIES]
        assert browser.inner_text("h1").startswith(data["scenario"])
        assert browser.inner_text("ul.headlines").split("\n") == data["headlines"]
        assert browser.locator("h1 b, h1 img, li b, li img, th b, th img, td b, td img, "
                               ".main-svg image").count() == 0
        assert browser.evaluate("typeof window.pwned") == "undefined"
        assert errors == [] and dialogs == []


# ---------------------------------------------------------------- two parameters

GRID_X = ["30m", "2h", "8h"]
GRID_Y = ["0.1", "0.2", "0.4"]
# the first parameter's own value (2h) and the second's (0.4)
GRID_OWN = [1, 2]


def grid_data() -> dict[str, Any]:
    return {
        "scenario": f"Hijack {TAG} & {IMG}",
        "parameters": ["policies.1.actions.0.at", "behaviour.reactions_per_reaction"],
        "units": ["h", ""],
        "labels": [list(GRID_X), list(GRID_Y)],
        "x": [0.5, 2.0, 8.0], "y": [0.1, 0.2, 0.4],
        "own": list(GRID_OWN),
        "metric": "exposure",
        "policies": list(POLICIES),
        "best": [[TAG, TAG, IMG], [TAG, IMG, IMG], ["do nothing", IMG, IMG]],
        "top_two": [TAG, IMG],
        "difference": [[-120.5, -30.25, 45.0], [-60.0, 2.5, 150.0], [-5.0, 80.0, 300.0]],
        "difference_low": [[-150.0, -60.0, 10.0], [-90.0, -20.0, 120.0],
                           [-40.0, 50.0, 250.0]],
        "difference_high": [[-90.0, 1.0, 80.0], [-30.0, 25.0, 180.0], [30.0, 110.0, 350.0]],
        "headlines": [f'"{TAG}" is best in 4 of 9 combinations, "{IMG}" in 4',
                      f'"{IMG}" is best at every value of policies.1.actions.0.at from 8h'],
        "replications": 20,
    }


BEST_ROWS = [["0.1", TAG, TAG, IMG],
             ["0.2", TAG, IMG, IMG],
             ["0.4\nscenario's value", "do nothing", IMG, IMG]]
DIFFERENCE_ROWS = [
    ["0.1", "-120 (-150 to -90.0)", "≈ -30.2 (-60.0 to 1.00)", "45.0 (10.0 to 80.0)"],
    ["0.2", "-60.0 (-90.0 to -30.0)", "≈ 2.50 (-20.0 to 25.0)", "150 (120 to 180)"],
    ["0.4", "≈ -5.00 (-40.0 to 30.0)", "80.0 (50.0 to 110)", "300 (250 to 350)"]]


def _heatmaps(text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    figures = _figures(text)
    assert list(figures) == ["grid-best", "grid-difference"]
    return figures["grid-best"], figures["grid-difference"]


def test_the_grid_table_names_the_best_policy_in_each_combination() -> None:
    text = grid_page(grid_data())
    assert _parse(text, "best").rows == BEST_ROWS
    heads = re.findall(r'<th scope="col">(.*?)</th>', text.split('class="best"')[1])
    assert [html.unescape(re.sub(r"<[^>]+>", "|", h)) for h in heads] == [
        "|behaviour.reactions_per_reaction| \\ |policies.1.actions.0.at|",
        "30m", "2h||scenario's value|", "8h"]


def test_the_difference_table_marks_the_cells_whose_interval_contains_0() -> None:
    assert _parse(grid_page(grid_data()), "difference").rows == DIFFERENCE_ROWS


def test_the_best_policy_map_has_a_cell_per_combination_and_a_colour_per_policy() -> None:
    best, _ = _heatmaps(grid_page(grid_data()))
    [trace] = best["data"]
    assert trace["type"] == "heatmap"
    # the policies from the top of the colour key down: do nothing 2, TAG 1, IMG 0
    assert trace["z"] == [[1, 1, 0], [1, 0, 0], [2, 0, 0]]
    assert trace["text"] == [[_plotly(name) for name in row] for row in grid_data()["best"]]
    assert trace["texttemplate"] == "%{text}"
    assert (trace["zmin"], trace["zmax"]) == (-0.5, 2.5)
    key = trace["colorbar"]
    assert key["tickvals"] == [2, 1, 0]
    assert key["ticktext"] == [_plotly(name) for name in POLICIES]
    # each policy's band of the colour scale has its colour on the other pages
    scale = trace["colorscale"]
    assert [tuple(stop) for stop in scale] == [
        (0.0, PALETTE[2]), (1 / 3, PALETTE[2]), (1 / 3, PALETTE[1]), (2 / 3, PALETTE[1]),
        (2 / 3, PALETTE[0]), (1.0, PALETTE[0])]
    assert trace["customdata"][2][0] == ["30m", "0.4", "do nothing"]
    assert trace["customdata"][0][2] == ["8h", "0.1", _plotly(IMG)]


def test_the_difference_map_is_centred_on_0_and_marks_cells_that_cannot_be_told_apart() -> None:
    data = grid_data()
    _, difference = _heatmaps(grid_page(data))
    [trace] = difference["data"]
    assert trace["type"] == "heatmap"
    assert trace["z"] == data["difference"]
    assert trace["zmid"] == 0 and (trace["zmin"], trace["zmax"]) == (-300.0, 300.0)
    assert trace["text"] == [["-120", "≈ -30.2", "45.0"], ["-60.0", "≈ 2.50", "150"],
                             ["≈ -5.00", "80.0", "300"]]
    assert trace["customdata"][1][1] == ["2h", "0.2",
                                           _plotly("2.50 (95% CI -20.0 to 25.0)")]
    assert difference["layout"]["title"]["text"].endswith(
        f": {_plotly(TAG)} minus {_plotly(IMG)}")


def test_both_maps_have_the_values_on_their_axes_and_outline_the_scenarios_own() -> None:
    for figure in _heatmaps(grid_page(grid_data())):
        layout = figure["layout"]
        x, y = layout["xaxis"], layout["yaxis"]
        assert x["title"]["text"] == "policies.1.actions.0.at (hours)"
        assert y["title"]["text"] == "behaviour.reactions_per_reaction"
        assert (x["tickvals"], x["ticktext"]) == ([0, 1, 2], GRID_X)
        assert (y["tickvals"], y["ticktext"]) == ([0, 1, 2], GRID_Y)
        assert y["autorange"] == "reversed"  # the first row at the top, as in the table
        assert figure["data"][0]["x"] == [0, 1, 2] and figure["data"][0]["y"] == [0, 1, 2]
        # the column of 2h and the row of 0.4, each a white line under a dotted one
        outlines = [(s["x0"], s["x1"], s["y0"], s["y1"], s["line"].get("dash"))
                    for s in layout["shapes"]]
        assert outlines == [(0.5, 1.5, -0.5, 2.5, None), (-0.5, 2.5, 1.5, 2.5, None),
                            (0.5, 1.5, -0.5, 2.5, "dot"), (-0.5, 2.5, 1.5, 2.5, "dot")]
        assert {s["fillcolor"] for s in layout["shapes"]} == {"rgba(0,0,0,0)"}


def test_a_grid_without_own_values_has_no_outline() -> None:
    data = grid_data()
    data["own"] = [None, None]
    text = grid_page(data)
    for figure in _heatmaps(text):
        assert figure["layout"].get("shapes", []) == []
    assert "dotted outline" not in text
    assert _parse(text, "best").rows[2][0] == "0.4"


def test_values_given_out_of_order_are_mapped_and_tabled_in_order() -> None:
    data = grid_data()
    xs, ys = [2, 0, 1], [1, 2, 0]  # the given order, as indices of the ordered values

    def shuffled(cells: list[list[Any]]) -> list[list[Any]]:
        return [[cells[j][i] for i in xs] for j in ys]

    for key in ("best", "difference", "difference_low", "difference_high"):
        data[key] = shuffled(data[key])
    data["x"] = [data["x"][i] for i in xs]
    data["y"] = [data["y"][j] for j in ys]
    data["labels"] = [[GRID_X[i] for i in xs], [GRID_Y[j] for j in ys]]
    data["own"] = [xs.index(1), ys.index(2)]
    text = grid_page(data)
    assert _parse(text, "best").rows == BEST_ROWS
    assert _parse(text, "difference").rows == DIFFERENCE_ROWS
    assert _heatmaps(text) == _heatmaps(grid_page(grid_data()))


def test_a_single_policy_grid_has_no_difference_map() -> None:
    data = grid_data()
    data.update(policies=["do nothing"], best=[["do nothing"] * 3] * 3, top_two=["do nothing"],
                difference=None, difference_low=None, difference_high=None)
    text = grid_page(data)
    figures = _figures(text)
    assert list(figures) == ["grid-best"]
    assert figures["grid-best"]["data"][0]["z"] == [[0] * 3] * 3
    assert _parse(text, "difference").rows == []
    assert "second map" not in text


@pytest.mark.parametrize(("change", "message"), [
    ({"labels": [["30m", "2h"], GRID_Y]}, "2 labels for 3 x values"),
    ({"y": [0.1, 0.2]}, "3 labels for 2 y values"),
    ({"best": [[TAG, TAG, IMG], [TAG, IMG, IMG]]}, r"best must have 3 rows .* of 3 cells"),
    ({"difference": [[1.0, 2.0]] * 3}, r"difference must have 3 rows"),
    ({"best": [["pull", TAG, IMG]] * 3}, r"best policies \['pull'\] are not among"),
    ({"parameters": ["a"]}, "a grid sweeps 2 parameters; got 1")])
def test_a_grid_whose_lists_do_not_fit_together_is_refused(change: dict[str, Any],
                                                            message: str) -> None:
    data = grid_data()
    data.update(change)
    with pytest.raises(ValueError, match=message):
        grid_page(data)


def test_user_text_is_escaped_in_the_grid_markup_and_charts() -> None:
    data = grid_data()
    data["parameters"][1] = f"behaviour{SCRIPT}"
    data["labels"][0][0] = TAG
    text = grid_page(data)
    ours = _ours(text)
    for raw in (TAG, IMG, SCRIPT, "<script>window", "<b>", "<img"):
        assert raw not in ours
    parsed = _parse(text, "best")
    assert parsed.h1 == f"{data['scenario']}: sweep of {data['parameters'][0]} and " \
                        f"{data['parameters'][1]}"
    assert parsed.rows[0][1:] == [TAG, TAG, IMG]
    headlines = re.search(r'<ul class="sentences headlines">(.*?)</ul>', ours, re.S)
    assert headlines is not None
    assert [html.unescape(s) for s in re.findall(r"<li>(.*?)</li>", headlines.group(1))] == \
        data["headlines"]
    figures = _figures(text)
    assert not [s for s in _strings(figures) if "<b>x" in s or "<img" in s or "<script" in s]
    for figure in figures.values():
        trace = figure["data"][0]
        assert figure["layout"]["xaxis"]["ticktext"][0] == _plotly(TAG)
        assert figure["layout"]["yaxis"]["title"]["text"] == _plotly(data["parameters"][1])
        assert trace["hovertemplate"].startswith(
            f"policies.1.actions.0.at = %{{customdata[0]}}<br>{_plotly(data['parameters'][1])}"
            " = %{customdata[1]}<br>")
        assert trace["customdata"][0][0][0] == _plotly(TAG)


@pytest.mark.parametrize(("write", "build", "data", "name"), [
    (write_page, page, sweep_data, "sweep.html"),
    (write_grid_page, grid_page, grid_data, "grid.html"),
])
def test_the_writers_write_the_page_and_name_the_file_they_cannot_write(
        tmp_path: Path, write: Any, build: Any, data: Any, name: str) -> None:
    written = write(data(), tmp_path / "new" / name)
    assert written == tmp_path / "new" / name
    assert written.read_text(encoding="utf-8") == build(data())
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(FlashpointError, match=rf"file/{re.escape(name)}: cannot write it"):
        write(data(), blocker / name)


@browser_test
def test_the_grid_page_renders_offline_with_no_errors(tmp_path: Path) -> None:
    data = grid_data()
    page_file = write_grid_page(data, tmp_path / "grid.html")
    with _loaded(page_file, 2) as (browser, errors, dialogs):
        assert browser.eval_on_selector_all(
            ".chart", "els => els.map(e => [e.id, e._fullData.length])") == [
                ["chart-grid-best", 1], ["chart-grid-difference", 1]]
        cells = browser.eval_on_selector_all("#chart-grid-best .heatmap-label text",
                                             "els => els.map(e => e.textContent)")
        assert cells == [name for row in data["best"] for name in row]
        key = browser.eval_on_selector_all(  # from the top of the colour key down
            "#chart-grid-best .colorbar [class$=tick] text",
            "els => els.sort((a, b) => a.getBoundingClientRect().top"
            " - b.getBoundingClientRect().top).map(e => e.textContent)")
        assert key == list(POLICIES)
        values = browser.eval_on_selector_all("#chart-grid-difference .heatmap-label text",
                                              "els => els.map(e => e.textContent)")
        assert values == ["-120", "≈ -30.2", "45.0", "-60.0", "≈ 2.50", "150", "≈ -5.00",
                          "80.0", "300"]
        assert browser.eval_on_selector_all("#chart-grid-best .xtick text",
                                            "els => els.map(e => e.textContent)") == GRID_X
        assert browser.inner_text("h1").startswith(data["scenario"])
        assert browser.inner_text("ul.headlines").split("\n") == data["headlines"]
        assert browser.locator("h1 b, h1 img, li b, li img, th b, th img, td b, td img"
                               ).count() == 0
        # the only images in the charts are the two heatmaps' own, drawn by plotly
        assert browser.eval_on_selector_all(
            ".main-svg image", "els => els.map(e => e.parentNode.getAttribute('class'))"
        ) == ["hm", "hm"]
        assert browser.evaluate("typeof window.pwned") == "undefined"
        assert errors == [] and dialogs == []
