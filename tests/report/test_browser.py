"""The report in a real browser: headless Debian Chromium, offline, from file://."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.report.html import write
from tests.conftest import FLAGSHIP
from tests.engine.test_runs import _short

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
XSS = ("<img src=x onerror=alert(1)>", "</script><script>window.pwned=1</script>")

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None,
                                reason="needs Debian's chromium (make test installs it)")


def _page(p: object, report: Path, width: int, height: int) -> object:
    """``report`` in a fresh headless Chromium, offline, at ``width`` x ``height``."""
    browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
    page = browser.new_context(offline=True, viewport={"width": width, "height": height}
                               ).new_page()
    page.goto(report.as_uri())
    return page


def _open(p: object, report: Path, width: int, height: int) -> object:
    """:func:`_page`, once every chart is drawn."""
    page = _page(p, report, width, height)
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 9")
    return page


@pytest.mark.parametrize("title", XSS)
def test_report_renders_offline_with_no_errors_and_runs_no_user_script(
        title: str, tmp_path: Path) -> None:
    text = _short(FLAGSHIP, tmp_path, horizon="6h").read_text()
    text = text.replace('scenario: "#McDStories hashtag hijack"', f"scenario: '{title}'")
    scenario_file = tmp_path / "xss.yaml"
    scenario_file.write_text(text)
    scenario = sim.load_scenario(scenario_file)
    assert scenario.scenario == title
    results = sim.run(scenario, replications=6)
    report = write(results, tmp_path / "out")
    errors: list[str] = []
    dialogs: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        context = browser.new_context(offline=True, viewport={"width": 1366, "height": 768})
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(report.as_uri())
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 9")
        charts = page.eval_on_selector_all(
            "div.chart", "els => els.map(e => [e.id, (e._fullData || []).reduce("
            "(n, t) => n + ((t.x || []).length || 0) + ((t.y || []).length || 0)"
            " + ((t.z || []).length || 0), 0)])")
        # the cascade's Play button advances the animation's frames
        page.evaluate("() => { window.framesSeen = []; document.getElementById("
                      "'chart-cascade').on('plotly_animatingframe', "
                      "e => window.framesSeen.push(e.name)); }")
        page.locator("#chart-cascade g.updatemenu-button").filter(has_text="Play 1x").click()
        page.wait_for_function("window.framesSeen.length >= 3", timeout=20_000)
        frames = page.evaluate("window.framesSeen")
        assert frames[:3] == ["0", "1", "2"], frames
        page.wait_for_function(
            "document.getElementById('chart-cascade').layout.sliders[0].active >= 2")
        page.locator("#chart-cascade g.updatemenu-button").filter(has_text="Pause").click()
        assert page.evaluate("typeof window.pwned") == "undefined"
        assert page.title().startswith(title)
        assert page.inner_text("h1") == title
        shot = page.screenshot(full_page=True)
        browser.close()
    assert errors == [] and dialogs == []
    assert len(charts) == 9
    for chart_id, points in charts:
        assert points > 0, chart_id
    # not blank: a blank page compresses to a few kB; this one holds 8 charts and tables
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 100_000, len(shot)


def test_warnings_show_at_the_top_of_the_report(tmp_path: Path) -> None:
    from sim.scenario import parse_scenario
    from tests.experiment.test_checks import TEXT

    scenario = parse_scenario(TEXT.format(p=0.5, public=0.9, critics=0.1).encode())
    results = sim.run(scenario, replications=4)
    report = write(results, tmp_path / "out")
    with sync_api.sync_playwright() as p:
        page = _page(p, report, 1366, 768)
        box = page.locator(".warnings")
        assert box.is_visible()
        text = box.inner_text()
        assert "Read with care" in text and "more than half of the audience" in text
        assert "gave exactly the baseline's outcomes" in text
        top = box.bounding_box()
        first_section = page.locator("main section").first.bounding_box()
        assert top is not None and first_section is not None
        assert top["y"] + top["height"] <= first_section["y"]  # above every chart and table
        assert top["y"] < 768  # on the first screen


MARKUP = ("quick <b>apology</b>", '<a href="https://example.com">link</a>')


def test_user_markup_shows_literally_in_every_chart(tmp_path: Path) -> None:
    # plotly renders <b>, <a href>... in its labels: names must show as typed, not as markup
    text = _short(FLAGSHIP, tmp_path, horizon="6h").read_text()
    text = text.replace("- name: do nothing", f"- name: '{MARKUP[0]}'")
    text = text.replace("- name: pull promotion at 2h", f"- name: '{MARKUP[1]}'")
    text = text.replace("  fans: ", "  '<b>fans</b>': ").replace("{minor: ", "{'<b>minor</b>': ")
    scenario_file = tmp_path / "markup.yaml"
    scenario_file.write_text(text)
    scenario = sim.load_scenario(scenario_file)
    results = sim.run(scenario, replications=4, policies=[MARKUP[1]])
    assert results.policies == list(MARKUP)
    report = write(results, tmp_path / "out")
    with sync_api.sync_playwright() as p:
        page = _open(p, report, 1366, 768)
        # plotly draws <b> as a bold tspan and <a href> as an SVG link (xlink:href)
        bold = page.locator(".js-plotly-plot b, .js-plotly-plot tspan[style*='bold']").count()
        links = page.eval_on_selector_all(
            ".js-plotly-plot svg a, .js-plotly-plot a[href*='example.com']",
            "els => els.map(e => e.outerHTML)")

        def texts(selector: str) -> list[str]:
            return page.eval_on_selector_all(selector, "els => els.map(e => e.textContent)")

        legends = texts("#chart-timeline-reach .legendtext")
        risk_ticks = texts("#chart-risk .ytick text") + texts("#chart-risk .xtick text")
        box_ticks = texts("#chart-box-reach .xtick text")
        subplot_titles = texts("#chart-cascade .annotation-text")
        cascade_legend = texts("#chart-cascade .legendtext")
    assert bold == 0 and links == []
    assert legends == list(MARKUP)
    assert set(MARKUP) <= set(risk_ticks) and "<b>minor</b> (≥ 1,000)" in risk_ticks
    assert box_ticks == list(MARKUP)
    assert set(subplot_titles) <= set(MARKUP) and subplot_titles
    assert "segment: <b>fans</b>" in cascade_legend


def test_a_policy_table_cell_keeps_its_value_and_interval_on_one_line(tmp_path: Path) -> None:
    short = _short(FLAGSHIP, tmp_path, horizon="6h")
    results = sim.run(sim.load_scenario(short), replications=4)
    report = write(results, tmp_path / "out")
    with sync_api.sync_playwright() as p:
        page = _page(p, report, 1366, 768)
        # per cell with an interval: the top of its value and the bottom of its interval
        cells = page.eval_on_selector_all(
            "#policies td", "tds => tds.filter(td => td.querySelector('small')).map(td => ["
            "td.textContent, td.querySelector('span').getBoundingClientRect().top, "
            "td.querySelector('small').getBoundingClientRect().top])")
    assert len(cells) >= 5 * 4
    for text, value_top, interval_top in cells:
        assert abs(value_top - interval_top) < 8, text  # same line


@pytest.fixture(scope="module")
def mcd_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """A report of a one-day #McDStories run (smaller audience): heavy tails, some zeros."""
    tmp_path = tmp_path_factory.mktemp("mcd")
    results = sim.run(sim.load_scenario(_short(FLAGSHIP, tmp_path, horizon="24h")), replications=12)
    return write(results, tmp_path / "out"), results


def test_the_recommendation_is_under_the_title_on_the_first_screen(mcd_report) -> None:
    from sim.report.sentences import recommendation

    report, results = mcd_report
    with sync_api.sync_playwright() as p:
        page = _open(p, report, 1366, 768)
        line = page.locator("#headline .recommendation")
        text = line.inner_text()
        box, title = line.bounding_box(), page.locator("h1").bounding_box()
        description = page.locator("#headline .description").bounding_box()
    assert text == recommendation(results.summary())
    assert text.startswith(("Recommended on reputational exposure: “", "No policy"))
    assert title["y"] + title["height"] <= box["y"] < description["y"]
    assert box["y"] + box["height"] < 768  # on the first screen, above the description


def test_heavy_tailed_distributions_are_on_log_axes_with_whiskers_at_p5_and_p95(
        mcd_report) -> None:
    report, results = mcd_report
    with sync_api.sync_playwright() as p:
        page = _open(p, report, 1366, 768)
        charts = {m: page.evaluate(
            f"() => {{ const el = document.getElementById('chart-box-{m}'); return ["
            "el._fullLayout.yaxis.type, el._fullData.filter(t => t.type === 'box').map("
            "t => [t.lowerfence[0], t.median[0], t.upperfence[0]]),"
            "Array.from(el.querySelectorAll('.boxlayer path.box')).map("
            "e => e.getBoundingClientRect().height)]; }") for m in ("reach", "exposure")}
    for metric, (axis, boxes, _) in charts.items():
        assert axis == "log", metric
        for name, (low, median, high) in zip(results.policies, boxes, strict=True):
            values = results.metric(name, metric)
            assert [low, median, high] == pytest.approx(
                np.maximum(np.percentile(values, [5, 50, 95]), low)), (metric, name)
    # exposure spans decades across the policies: on a log axis no box is a flat line
    assert max(charts["exposure"][2]) > 15, charts["exposure"][2]


def _overlaps(boxes: list[dict[str, float]]) -> list[tuple[int, int]]:
    return [(i, j) for i, a in enumerate(boxes) for j, b in enumerate(boxes) if i < j
            and a["left"] < b["right"] and b["left"] < a["right"]
            and a["top"] < b["bottom"] and b["top"] < a["bottom"]]


def test_the_tail_charts_tick_labels_do_not_run_into_each_other(mcd_report) -> None:
    report, _ = mcd_report
    rects = ("els => els.filter(e => e.textContent).map(e => { const r = "
             "e.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top, "
             "bottom: r.bottom}; })")
    with sync_api.sync_playwright() as p:
        page = _open(p, report, 1366, 768)
        xs = page.eval_on_selector_all("#chart-tail .xtick text", rects)
        ys = page.eval_on_selector_all("#chart-tail .ytick text", rects)
    assert len(xs) >= 2 and len(ys) >= 2
    assert _overlaps(xs) == [] and _overlaps(ys) == []


def test_the_cascade_fills_a_projector_screen_counts_and_plays_at_three_speeds(
        mcd_report) -> None:
    from sim.report.html import FRAME_MS, _clocks, _counter, _frame_times

    report, results = mcd_report
    snap = results.snapshot
    times = _frame_times(snap)
    last = float(times[-1])
    with sync_api.sync_playwright() as p:
        page = _open(p, report, 1920, 1080)
        width = page.locator("#chart-cascade").bounding_box()["width"]
        buttons = page.eval_on_selector_all("#chart-cascade g.updatemenu-button",
                                            "els => els.map(e => e.textContent)")
        durations = page.evaluate("document.getElementById('chart-cascade').layout"
                                  ".updatemenus[0].buttons.map(b => b.args[1].frame.duration)")
        labels = page.eval_on_selector_all("#chart-cascade .slider-label",
                                           "els => els.map(e => e.textContent)")
        page_labels = page.evaluate("document.getElementById('chart-cascade').layout"
                                    ".sliders[0].steps.map(s => s.label)")
        steps = page.evaluate("document.getElementById('chart-cascade').layout.sliders[0]"
                              ".steps.length")
        page.evaluate("() => { window.framesSeen = []; document.getElementById("
                      "'chart-cascade').on('plotly_animatingframe', "
                      "e => window.framesSeen.push(e.name)); }")
        page.locator("#chart-cascade g.updatemenu-button").filter(has_text="Play 4x").click()
        page.wait_for_function(f"window.framesSeen.includes('{steps - 1}')", timeout=30_000)
        counters = page.eval_on_selector_all("#chart-cascade .textpoint text",
                                             "els => els.map(e => e.textContent)")
        narrow = _open(p, report, 1366, 768).eval_on_selector_all(
            "#chart-cascade .slider-label", "els => els.map(e => e.textContent)")
    assert width > 1500, width
    assert buttons == ["Play 1x", "Play 2x", "Play 4x", "Pause"]
    assert durations[:3] == [FRAME_MS, FRAME_MS // 2, FRAME_MS // 4] and FRAME_MS >= 500
    # the slider's labels run to the last frame, on a wide screen and on a laptop
    end = labels[-1]
    assert end == _clocks(times)[-1] and narrow[-1] == end, (labels, narrow)
    all_labels = page_labels  # every step's label, shown or not: no two neighbours alike
    assert all(a != b for a, b in zip(all_labels, all_labels[1:], strict=False)), all_labels
    # per panel, the counts so far at the last frame
    assert counters == [_counter(run, last) for run in snap["runs"]]
    assert all(c.startswith("exposed ") and "reacted" in c for c in counters)
