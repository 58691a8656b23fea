"""``fit.html`` and ``forecast.html``: their tables, their escaping, and both in a browser."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.report.calibration import (
    fit_page,
    forecast_page,
    write_fit_page,
    write_forecast_page,
)
from sim.report.page import significant

TAG = "<b>x</b>"
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>window.pwned=1</script>"
MEANING = "effective reaction probability per exposure"


def _plotly(text: str) -> str:
    """``text`` as plotly must receive it: markup characters as numeric references."""
    return "".join(f"&#{ord(c)};" if c in "&<>\"'$%" else c for c in text)


def fit_data() -> dict[str, Any]:
    rng = np.random.default_rng(7)
    times = np.linspace(0.0, 1.0, 21)
    median = 40 * times
    return {
        "scenario": f"Hijack {TAG} & {IMG}",
        "observed": {"file": f"posts{SCRIPT}.csv", "until_h": 1.0,
                     "times_h": [0.0, 0.1, 0.3, 0.6, 0.9, 1.2, 2.0],
                     "counts": [1, 3, 9, 20, 33, 41, 60]},
        "band": {"times_h": times.tolist(), "p2_5": (0.5 * median).tolist(),
                 "p10": (0.7 * median).tolist(), "median": median.tolist(),
                 "p90": (1.3 * median).tolist(), "p97_5": (1.6 * median).tolist()},
        "parameters": [
            {"name": "share_probability", "meaning": MEANING, "unit": "", "prior": [1e-6, 0.5],
             "log": True, "estimate": {"median": 0.0012345, "p10": 0.00081, "p90": 0.0019,
                                       "p2_5": 0.0005, "p97_5": 0.0031},
             "draws": np.exp(rng.normal(np.log(0.0012), 0.3, 500)).tolist()},
            {"name": "half_life", "meaning": "novelty's half-life", "unit": "s",
             "prior": [1800.0, 3.6e6], "log": True,
             "estimate": {"median": 7200.0, "p10": 5400.0, "p90": 10800.0, "p2_5": 3600.0,
                          "p97_5": 36000.0},
             "draws": (7200 * np.exp(rng.normal(0, 0.4, 500))).tolist()},
            {"name": "beta", "meaning": "novelty's stretch exponent", "unit": "",
             "prior": [0.1, 1.5], "log": False,
             "estimate": {"median": 0.5, "p10": 0.35, "p90": 0.71, "p2_5": 0.2, "p97_5": 0.9996},
             "draws": rng.uniform(0.2, 1.0, 500).tolist()},
        ],
        "fitted": {"behaviour.share_probability": 0.0012,
                   "behaviour.novelty": "stretched_exp(half_life=2h, beta=0.5)"},
        "warnings": [f"only 9 posts before 1h {TAG}"],
    }


POLICIES = ("do nothing", TAG, IMG)
FINALS = ({"median": 1000.0, "p10": 800.0, "p90": 1500.0, "p2_5": 600.0, "p97_5": 2500.4},
          {"median": 750.0, "p10": 610.2, "p90": 1210.0, "p2_5": 500.0, "p97_5": 1999.6},
          {"median": 1250.0, "p10": 999.0, "p90": 12345.0, "p2_5": 900.0, "p97_5": 20000.0})


def forecast_data() -> dict[str, Any]:
    times = np.geomspace(1.0, 168.0, 30)
    policies = {}
    for name, final in zip(POLICIES, FINALS, strict=True):
        share = (np.log(times) / np.log(168.0)) * 0.9 + 0.1  # from 10% to all of it
        policies[name] = {"final_size": final, "timeline": [
            {"t_h": float(t), **{k: float(v * s) for k, v in final.items()}}
            for t, s in zip(times, share, strict=True)]}
    return {"scenario": f"Hijack {IMG}", "at_h": 1.0, "horizon_h": 168.0,
            "observed": {"file": IMG, "times_h": [0.0, 0.05, 0.2, 0.5, 0.9],
                         "counts": [1, 4, 20, 60, 100]},
            "policies": policies, "warnings": [f"policy {TAG!r}: 'monitor' left out"]}


class _Cells(HTMLParser):
    """The text of every cell of the tables of one class, by row; and of the headings."""

    def __init__(self, cls: str) -> None:
        super().__init__()
        self.cls, self.inside, self.rows, self.cell = cls, 0, [], None
        self.h1 = ""
        self.in_h1 = False
        self.alert = ""
        self.in_alert = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table" and attributes.get("class") == self.cls:
            self.inside = 1
        elif tag == "tr" and self.inside:
            self.rows.append([])
        elif tag == "td" and self.inside:
            self.cell = ""
        elif tag == "br" and self.cell is not None:
            self.cell += "\n"
        elif tag == "h1":
            self.in_h1 = True
        elif tag == "div" and attributes.get("role") == "alert":
            self.in_alert = 1
        elif tag == "div" and self.in_alert:
            self.in_alert += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = 0
        elif tag == "td" and self.cell is not None:
            self.rows[-1].append(self.cell)
            self.cell = None
        elif tag == "h1":
            self.in_h1 = False
        elif tag == "div" and self.in_alert:
            self.in_alert -= 1

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell += data
        if self.in_h1:
            self.h1 += data
        if self.in_alert:
            self.alert += data


def _parse(page: str, cls: str) -> _Cells:
    parser = _Cells(cls)
    parser.feed(page)
    parser.rows = [row for row in parser.rows if row]  # not the heading's
    return parser


def _figures(page: str) -> dict[str, Any]:
    found = re.search(r'<script id="figures" type="application/json">(.*?)</script>', page,
                      re.S)
    assert found is not None
    return json.loads(found.group(1))


def _strings(value: Any) -> list[str]:
    """Every string in a JSON value (keys included)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _ours(page: str) -> str:
    """The page without the inlined plotly.js (whose code holds tags of its own)."""
    from plotly.offline import get_plotlyjs

    assert get_plotlyjs() in page
    return page.replace(get_plotlyjs(), "")


@pytest.mark.parametrize(("value", "shown"), [
    (0.0012345, "0.00123"), (0.00081, "0.000810"), (0.5, "0.500"), (2.0, "2.00"),
    (1000.0, "1,000"), (9.996, "10.0"), (123456.0, "123,000"), (1e-6, "1.00×10⁻⁶"),
    (1.234e-7, "1.23×10⁻⁷"), (2.5e7, "2.50×10⁷"), (-0.0456, "-0.0456"), (0.0, "0"),
    (float("nan"), "-"), (None, "-")])
def test_significant_shows_three_significant_figures(value: float | None, shown: str) -> None:
    assert significant(value) == shown


def test_the_fit_table_shows_each_parameter_with_its_intervals_and_prior() -> None:
    rows = _parse(fit_page(fit_data()), "estimates").rows
    assert [r[0].split("\n")[0] for r in rows] == ["share_probability", "half_life", "beta"]
    assert rows[0][0].split("\n")[1] == MEANING
    assert rows[0][1:] == ["0.00123", "0.000810 to 0.00190", "0.000500 to 0.00310",
                           "1.00×10⁻⁶ to 0.500, uniform on a log scale"]
    # seconds shown in hours
    assert rows[1][1:] == ["2.00 h", "1.50 to 3.00 h", "1.00 to 10.0 h",
                           "0.500 to 1,000 h, uniform on a log scale"]
    assert rows[2][1:] == ["0.500", "0.350 to 0.710", "0.200 to 1.00", "0.100 to 1.50, uniform"]


def test_the_fit_page_lists_the_values_written_to_the_scenario() -> None:
    rows = _parse(fit_page(fit_data()), "plain").rows
    assert rows == [["behaviour.share_probability", "0.0012"],
                    ["behaviour.novelty", "stretched_exp(half_life=2h, beta=0.5)"]]


def test_the_fit_chart_has_the_bands_the_observed_line_and_a_histogram_per_parameter() -> None:
    data = fit_data()
    figures = _figures(fit_page(data))
    assert list(figures) == ["fit", "parameter-0", "parameter-1", "parameter-2"]
    traces = figures["fit"]["data"]
    assert len(traces) == 6  # 95% band (2), 80% band (2), median, observed
    observed = traces[-1]
    assert observed["line"]["shape"] == "hv"
    # the observed line runs a quarter past the fitted period, and holds its value there
    assert observed["x"] == [0.0, 0.1, 0.3, 0.6, 0.9, 1.2, 1.25]
    assert observed["y"] == [1, 3, 9, 20, 33, 41, 41]
    assert traces[4]["y"] == data["band"]["median"]
    assert [t["y"] for t in traces[:4]] == [data["band"][k] for k in ("p97_5", "p2_5", "p90",
                                                                      "p10")]
    shapes = figures["fit"]["layout"]["shapes"]
    assert [s["x0"] for s in shapes] == [1.0]
    assert figures["fit"]["layout"]["annotations"][0]["text"] == "fitted up to"
    # histograms: log axes for log parameters, half-life in hours, all the draws counted
    axes = [figures[f"parameter-{k}"]["layout"]["xaxis"] for k in range(3)]
    assert [a.get("type") for a in axes] == ["log", "log", "linear"]
    assert [a["title"]["text"] for a in axes] == ["share probability", "half life (hours)",
                                                  "beta"]
    for k in range(3):
        (trace,) = figures[f"parameter-{k}"]["data"]
        assert sum(_decode(trace["y"])[:-1]) == pytest.approx(1.0)
    edges = _decode(figures["parameter-1"]["data"][0]["x"])
    draws = np.asarray(data["parameters"][1]["draws"]) / 3600
    assert edges[0] == pytest.approx(draws.min()) and edges[-1] == pytest.approx(draws.max())


def _decode(array: Any) -> list[float]:
    """A plotly array, plain or typed (base64 ``bdata``)."""
    if isinstance(array, dict):
        import base64

        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def test_the_forecast_table_has_final_sizes_intervals_and_the_change_against_the_first() -> None:
    rows = _parse(forecast_page(forecast_data()), "finals").rows
    assert rows == [
        ["do nothing", "1,000", "800 to 1,500", "600 to 2,500", "baseline"],
        [TAG, "750", "610 to 1,210", "500 to 2,000", "-25%"],
        [IMG, "1,250", "999 to 12,345", "900 to 20,000", "+25%"],
    ]


def test_a_baseline_with_no_posts_has_no_relative_change() -> None:
    data = forecast_data()
    data["policies"]["do nothing"]["final_size"] = dict.fromkeys(FINALS[0], 0.0)
    rows = _parse(forecast_page(data), "finals").rows
    assert [r[-1] for r in rows] == ["baseline", "-", "-"]


def test_the_forecast_chart_has_the_observed_line_and_a_band_and_median_per_policy() -> None:
    data = forecast_data()
    figure = _figures(forecast_page(data))["forecast"]
    traces = figure["data"]
    assert len(traces) == 1 + 3 * len(POLICIES)
    medians = [t for t in traces if t.get("legendgroup") and "fill" not in t and
               t.get("showlegend") is not False]
    assert [t["name"] for t in medians] == [_plotly(n) for n in POLICIES]
    assert medians[1]["y"] == [p["median"] for p in data["policies"][TAG]["timeline"]]
    # the observed line on the log axis: from half its first time after 0 (where it shows
    # the post at 0), held to the forecast's time
    observed = traces[-1]
    assert observed["x"] == [0.025, 0.05, 0.2, 0.5, 0.9, 1.0]
    assert observed["y"] == [1, 4, 20, 60, 100, 100]
    axis = figure["layout"]["xaxis"]
    assert axis["type"] == "log"
    assert axis["range"] == pytest.approx([np.log10(0.025), np.log10(168.0 * 1.05)])
    assert axis["ticktext"] == ["5 min", "15 min", "30 min", "1 h", "2 h", "6 h", "12 h",
                                "1 day", "2 days", "4 days", "1 week"]


@pytest.mark.parametrize("build", [fit_page, forecast_page])
def test_user_text_is_escaped_in_the_markup_and_in_the_charts(build: Any) -> None:
    data = fit_data() if build is fit_page else forecast_data()
    page = build(data)
    ours = _ours(page)
    for raw in (TAG, IMG, SCRIPT, "<script>window", "<b>", "<img"):
        assert raw not in ours
    parsed = _parse(page, "")
    assert parsed.h1.startswith(data["scenario"])  # shown as the text it is
    assert data["warnings"][0] in parsed.alert
    texts = _strings(_figures(page))
    assert not [s for s in texts if "<b>x" in s or "<img" in s or "<script" in s]
    names = {t.get("name") for f in _figures(page).values() for t in f["data"]}
    assert f"observed: {_plotly(data['observed']['file'])}" in names


def test_the_writers_write_the_pages_and_return_their_paths(tmp_path: Path) -> None:
    fit = write_fit_page(fit_data(), tmp_path / "new" / "fit.html")
    forecast = write_forecast_page(forecast_data(), str(tmp_path / "forecast.html"))
    assert fit == tmp_path / "new" / "fit.html" and isinstance(forecast, Path)
    assert fit.read_text(encoding="utf-8") == fit_page(fit_data())
    assert forecast.read_text(encoding="utf-8") == forecast_page(forecast_data())
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["fit.html",
                                                                          "forecast.html"]


# ---------------------------------------------------------------- in a browser

CHROMIUM = "/usr/bin/chromium"
browser_test = pytest.mark.skipif(shutil.which(CHROMIUM) is None,
                                  reason="needs Debian's chromium (make test installs it)")


@contextmanager
def _loaded(page_file: Path, charts: int) -> Iterator[tuple[Any, list[str], list[str]]]:
    """``page_file`` in headless Chromium, offline, once ``charts`` charts are drawn.

    Yields the page, its console errors and warnings (and any request off the file), and
    the messages of its dialogs.
    """
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_context(offline=True, viewport={"width": 1366, "height": 768}
                                   ).new_page()
        errors: list[str] = []
        dialogs: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning")
                else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: errors.append(f"request {r.url}")
                if not r.url.startswith("file://") else None)
        page.goto(page_file.as_uri())
        page.wait_for_function(
            f"document.querySelectorAll('.chart .main-svg').length >= {charts}")
        yield page, errors, dialogs
        browser.close()


def _traces(page: Any) -> dict[str, int]:
    return page.eval_on_selector_all(
        ".chart", "els => Object.fromEntries(els.map(e => [e.id, (e._fullData || []).length]))")


@browser_test
def test_the_fit_page_renders_offline_with_no_errors(tmp_path: Path) -> None:
    data = fit_data()
    with _loaded(write_fit_page(data, tmp_path / "fit.html"), 4) as (page, errors, dialogs):
        assert _traces(page) == {"chart-fit": 6, "chart-parameter-0": 1,
                                 "chart-parameter-1": 1, "chart-parameter-2": 1}
        legend = page.eval_on_selector_all("#chart-fit .legendtext",
                                           "els => els.map(e => e.textContent)")
        assert f"observed: {data['observed']['file']}" in legend  # literally, not markup
        assert page.inner_text("h1").startswith(data["scenario"])
        assert page.locator("h1 b, h1 img, .main-svg image, .warnings b").count() == 0
        assert page.evaluate("typeof window.pwned") == "undefined"
        assert errors == [] and dialogs == []


@browser_test
def test_the_forecast_page_renders_offline_with_no_errors(tmp_path: Path) -> None:
    page_file = write_forecast_page(forecast_data(), tmp_path / "forecast.html")
    with _loaded(page_file, 1) as (page, errors, dialogs):
        assert _traces(page) == {"chart-forecast": 1 + 3 * len(POLICIES)}
        legend = page.eval_on_selector_all("#chart-forecast .legendtext",
                                           "els => els.map(e => e.textContent)")
        assert legend == [*POLICIES, f"observed: {IMG}"]
        cells = page.eval_on_selector_all("table.finals td:first-child",
                                          "els => els.map(e => e.textContent)")
        assert cells == list(POLICIES)
        assert page.locator("td b, td img, .main-svg image").count() == 0
        assert errors == [] and dialogs == []
