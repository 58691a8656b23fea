"""``fit.html`` and ``forecast.html``: a fit to an observed incident, and its forecast.

Two self-contained pages (plotly.js, the CSS and the script inlined; they work offline from
``file://``), each built from a plain JSON-able dict, so that the report never needs the
fit or the forecast itself (:mod:`sim.experiment.calibration` makes those dicts):

* :func:`fit_page`: the observed cumulative posts against the fitted model's band, each
  fitted parameter's posterior draws, a table of the estimates and the values written to
  the scenario;
* :func:`forecast_page`: the observed posts so far and each policy's forecast, with a table
  of the final sizes and each policy's change against the first (the baseline).

Escaping follows :mod:`sim.report.html`: every user string (the scenario's title, the
observed file's name, policy names, warnings, fitted values) is escaped with
:func:`sim.report.html.esc` in the markup and with :func:`sim.report.html.plot_text` in
the charts, and the charts' JSON has ``<``, ``>`` and ``&`` written as unicode escapes
(:data:`sim.report.html.JSON_ESCAPES`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go

from sim.formatting import percents, readable
from sim.report.html import (
    PALETTE,
    _alpha,
    _chart,
    _layout,
    _section,
    _table,
    esc,
    plot_text,
)
from sim.report.page import document, significant, write_html

HOUR = 3600.0
BINS = 40  # bins of a parameter's histogram
OBSERVED_COLOUR = "#000000"
COLOURS = tuple(c for c in PALETTE if c != OBSERVED_COLOUR)  # the policies' colours
TABLE_ROWS = 12  # rows of a chart's data table (per policy in the forecast)
BEYOND = 1.25  # the fit's chart runs to this multiple of the fitted period
PAD = 1.05  # the forecast's time axis runs a little past the horizon (its last tick shows)
# the forecast's time axis (log): ticks in the units people plan in
TICKS = ((1 / 60, "1 min"), (5 / 60, "5 min"), (15 / 60, "15 min"), (0.5, "30 min"),
         (1, "1 h"), (2, "2 h"), (6, "6 h"), (12, "12 h"), (24, "1 day"), (48, "2 days"),
         (96, "4 days"), (168, "1 week"), (336, "2 weeks"), (720, "30 days"))
# a vertical marker line (the template's shapes have no outline: the width must be given)
_DASHED = {"dash": "dash", "color": "#444", "width": 1.5}
def fit_page(data: dict[str, Any]) -> str:
    """The fit's page, as one HTML string.

    Args:
        data: ``scenario`` (the title); ``observed`` (``file``, ``until_h``, ``times_h`` and
            ``counts``: the observed cumulative posts, possibly beyond ``until_h``);
            ``band`` (``times_h``, ``p2_5``, ``p10``, ``median``, ``p90``, ``p97_5``: the
            fitted model's cumulative posts up to ``until_h``); ``parameters`` (each
            ``name``, ``meaning``, ``unit`` (``"s"`` is shown in hours), ``prior``
            ``[low, high]``, ``log``, ``estimate`` with the quantiles, and ``draws``);
            ``fitted`` (setting to the value written to the scenario); ``warnings``.

    Returns:
        The page: one self-contained HTML document.
    """
    observed, band = data["observed"], data["band"]
    until = float(observed["until_h"])
    charts: dict[str, Any] = {}
    sections = [_fit_timeline(observed, band, charts),
                _parameters(data["parameters"], charts),
                _fitted(data.get("fitted", {}))]
    intro = (f"The model was fitted to the posts of &ldquo;{esc(observed['file'])}&rdquo; "
             f"observed in the first {esc(_when(until))} (the dashed line, &ldquo;fitted up "
             "to&rdquo;). The shaded bands are where the fitted model's cumulative posts fall "
             "in 80% (dark) and 95% (light) of simulations drawn from the fit, and the line "
             "in them is their median: an observed line that leaves the light band is one "
             "the model does not explain. Posts after the dashed line were not used. Below, "
             "each fitted parameter: the values the observed posts leave plausible "
             "(posterior draws) against the range allowed before seeing them (the prior).")
    return _document(data["scenario"], "fit to the observed posts", intro,
                     data.get("warnings", []), sections, charts)


def forecast_page(data: dict[str, Any]) -> str:
    """The forecast's page, as one HTML string.

    Args:
        data: ``scenario`` (the title); ``at_h`` (when the forecast is made);
            ``horizon_h``; ``observed`` (``file``, ``times_h``, ``counts``: the observed
            cumulative posts up to ``at_h``); ``policies`` (name to ``final_size``, the
            quantiles ``median``, ``p10``, ``p90``, ``p2_5``, ``p97_5`` of the total posts
            at the horizon, and ``timeline``, a list of those quantiles with ``t_h``), the
            first policy being the baseline; ``warnings``.

    Returns:
        The page: one self-contained HTML document.
    """
    at, horizon = float(data["at_h"]), float(data["horizon_h"])
    observed, policies = data["observed"], data["policies"]
    counts = observed["counts"]
    so_far = _step_at(observed["times_h"], counts, at) if counts else 0
    names = list(policies)
    charts: dict[str, Any] = {}
    sections = [_forecast_timeline(at, horizon, observed, policies, charts),
                _final_sizes(policies)]
    baseline = (f" The first policy, &ldquo;{esc(names[0])}&rdquo;, is the baseline that "
                "the others are compared with." if names else "")
    intro = (f"A forecast made {esc(_when(at))} after the first post (the dashed line), "
             f"from the {readable(so_far)} posts of &ldquo;{esc(observed['file'])}&rdquo; "
             f"observed so far, up to {esc(_when(horizon))}. Each policy's actions apply from "
             "then on: an action due earlier is taken now. Lines are medians; the shaded "
             "bands are 80% intervals (8 in 10 forecasts fall inside), and the table also "
             f"gives 95% intervals.{baseline}")
    return _document(data["scenario"], "forecast", intro, data.get("warnings", []),
                     sections, charts)


def write_fit_page(data: dict[str, Any], path: str | Path) -> Path:
    """Write :func:`fit_page` to ``path`` atomically; return the path."""
    return write_html(fit_page(data), path)


def write_forecast_page(data: dict[str, Any], path: str | Path) -> Path:
    """Write :func:`forecast_page` to ``path`` atomically; return the path."""
    return write_html(forecast_page(data), path)


def _document(scenario: str, kind: str, intro: str, warnings: Sequence[str],
              sections: list[str], charts: dict[str, Any]) -> str:
    cautions = ("" if not warnings else '<div class="warnings" role="alert"><strong>Read with '
                "care:</strong><ul>" + "".join(f"<li>{esc(w)}</li>" for w in warnings)
                + "</ul></div>")
    return document(f"{scenario} - Flashpoint {kind}", f"{esc(scenario)}: {kind}", cautions,
                    intro, "", sections, charts, _EXTRA_CSS)


# ---------------------------------------------------------------- the fit


def _fit_timeline(observed: dict[str, Any], band: dict[str, Any],
                  charts: dict[str, Any]) -> str:
    until = float(observed["until_h"])
    times = [float(t) for t in band["times_h"]]
    end = BEYOND * max([until, *times[-1:]])
    xs, ys = _clipped(observed["times_h"], observed["counts"], end)
    fig = go.Figure()
    _band(fig, times, band["p97_5"], band["p2_5"], "#0072B2", 0.15, "95% of simulations")
    _band(fig, times, band["p90"], band["p10"], "#0072B2", 0.35, "80% of simulations")
    fig.add_trace(go.Scatter(x=times, y=band["median"], mode="lines", name="model median",
                             line={"color": "#0072B2", "width": 2},
                             hovertemplate="%{x:.2f} h: median %{y:,.0f} posts<extra></extra>"))
    fig.add_trace(_observed_trace(xs, ys, observed["file"]))
    _marker(fig, until, "fitted up to")
    fig.update_layout(_layout("Observed and fitted cumulative posts"),
                      legend={"x": 0.01, "y": 0.99, "bgcolor": "rgba(255,255,255,0.7)"})
    fig.update_xaxes(title_text="hours since the first post", range=[0, end])
    fig.update_yaxes(title_text="posts so far", rangemode="tozero")
    charts["fit"] = fig
    rows = []
    for i in _thin(len(times)):
        t = times[i]
        shown = readable(_step_at(xs, ys, t)) if xs and t <= xs[-1] else "-"
        rows.append([significant(t), shown, readable(band["median"][i]),
                     _interval(band["p10"][i], band["p90"][i], readable),
                     _interval(band["p2_5"][i], band["p97_5"][i], readable)])
    table = _table(["hours", "observed posts", "model median", "80% interval",
                    "95% interval"], rows)
    return _section("timeline", "Observed against the fitted model",
                    _chart("fit", "Observed cumulative posts against the fitted model's "
                           "80% and 95% bands", table))


def _parameters(parameters: list[dict[str, Any]], charts: dict[str, Any]) -> str:
    plots, rows = [], []
    for k, parameter in enumerate(parameters):
        scale, suffix, word = _unit(parameter["unit"])
        axis = str(parameter["name"]).replace("_", " ") + (f" ({word})" if word else "")
        low, high = (float(v) / scale for v in parameter["prior"])
        log = bool(parameter.get("log", False))
        prior = (f"{_interval(low, high, significant)}{esc(suffix)}"
                 + (", uniform on a log scale" if log else ", uniform"))
        estimate = parameter["estimate"]
        shown = {key: float(v) / scale for key, v in estimate.items()}
        rows.append([f"<strong>{esc(parameter['name'])}</strong><br>"
                     f"<small>{esc(parameter['meaning'])}</small>",
                     f"{significant(shown['median'])}{esc(suffix)}",
                     f"{_interval(shown['p10'], shown['p90'], significant)}{esc(suffix)}",
                     f"{_interval(shown['p2_5'], shown['p97_5'], significant)}{esc(suffix)}",
                     prior])
        draws = np.asarray(parameter.get("draws", []), dtype=float) / scale
        keep = np.isfinite(draws)
        if log:
            keep &= draws > 0  # a log axis has no 0
        draws = draws[keep]
        if not len(draws):
            plots.append(f"<p>{esc(parameter['name'])}: no posterior draws to show.</p>")
            continue
        key = f"parameter-{k}"
        charts[key] = _histogram(parameter["name"], axis, draws, log, shown["median"])
        plots.append(f'<div class="chart small" id="chart-{key}" role="img" aria-label="'
                     f"Histogram of the posterior draws of {esc(parameter['name'])}; prior "
                     f'{prior}"></div>')
    table = _table(["parameter", "median", "80% interval", "95% interval", "prior range"],
                   rows, "estimates")
    return _section("parameters", "Fitted parameters",
                    f'<div class="grid">{"".join(plots)}</div>{table}',
                    "Each histogram shows the posterior draws of one parameter (the dashed "
                    "line is their median); the table gives the median, the intervals that "
                    "hold 80% and 95% of the draws, and the prior range the fit searched. An "
                    "interval almost as wide as the prior means the observed posts say little "
                    "about that parameter.")


def _histogram(name: str, axis: str, draws: np.ndarray, log: bool, median: float) -> Any:
    low, high = float(draws.min()), float(draws.max())
    if low == high:  # one value: a narrow bin around it
        low, high = (low / 1.01, high * 1.01) if log else (low - 0.5, high + 0.5)
    edges = np.geomspace(low, high, BINS + 1) if log else np.linspace(low, high, BINS + 1)
    counts, _ = np.histogram(draws, bins=edges)
    share = counts / len(draws)
    fig = go.Figure(go.Scatter(
        x=edges, y=[*share, share[-1]], mode="lines", line={"shape": "hv", "color": "#0072B2"},
        fill="tozeroy", fillcolor=_alpha("#0072B2", 0.3), showlegend=False,
        hovertemplate="from %{x:.3g}: %{y:.1%} of the draws<extra></extra>"))
    _marker(fig, median)
    fig.update_layout(_layout(f"{plot_text(name)}: posterior draws"), height=300)
    fig.update_xaxes(title_text=plot_text(axis), type="log" if log else "linear",
                     exponentformat="power")
    fig.update_yaxes(title_text="share of draws", tickformat=".0%", rangemode="tozero")
    return fig


def _fitted(fitted: dict[str, Any]) -> str:
    if not fitted:
        return _section("fitted", "Written to the scenario", "<p>Nothing was written.</p>")
    rows = [[f"<code>{esc(key)}</code>", f"<code>{esc(value)}</code>"]
            for key, value in fitted.items()]
    return _section("fitted", "Written to the scenario",
                    _table(["setting", "value"], rows, "plain"),
                    "The fit's values, as written to the scenario file (the posterior "
                    "medians).")


def _unit(unit: str) -> tuple[float, str, str]:
    """A parameter's scale, the suffix of its values and its unit in words (seconds in hours)."""
    if unit == "s":
        return HOUR, " h", "hours"
    return 1.0, f" {unit}" if unit else "", unit


# ---------------------------------------------------------------- the forecast


def _forecast_timeline(at: float, horizon: float, observed: dict[str, Any],
                       policies: dict[str, Any], charts: dict[str, Any]) -> str:
    positive = [float(t) for t in observed["times_h"] if t > 0]
    floor = at / 100 if at > 0 else horizon / 1000
    # a log axis has no 0: it starts before the first post after 0, to show the posts at 0
    start = max(min(positive, default=floor) / 2, floor)
    fig = go.Figure()
    rows = []
    for p, (name, forecast) in enumerate(policies.items()):
        colour = COLOURS[p % len(COLOURS)]
        timeline = forecast["timeline"]
        times = [float(point["t_h"]) for point in timeline]
        column = {key: [point[key] for point in timeline] for key in ("p10", "p90", "median")}
        _band(fig, times, column["p90"], column["p10"], colour, 0.2, None, group=f"policy{p}")
        fig.add_trace(go.Scatter(
            x=times, y=column["median"], mode="lines", name=plot_text(name),
            legendgroup=f"policy{p}", line={"color": colour, "width": 2},
            hovertemplate=f"{plot_text(name)}<br>%{{x:.1f}} h: median %{{y:,.0f}} posts"
                          "<extra></extra>"))
        for i in _thin_log(times):
            rows.append([esc(name), esc(_when(times[i])), readable(column["median"][i]),
                         _interval(column["p10"][i], column["p90"][i], readable)])
    xs, ys = _clipped(observed["times_h"], observed["counts"], at, hold=True)
    if xs:
        xs, ys = _from(xs, ys, start)
    fig.add_trace(_observed_trace(xs, ys, observed["file"]))
    _marker(fig, at, "forecast made", log=True)
    fig.update_layout(_layout("Posts so far: observed, then forecast under each policy"),
                      height=480, legend={"x": 0.01, "y": 0.99,
                                          "bgcolor": "rgba(255,255,255,0.7)"})
    ticks = [(t, label) for t, label in TICKS if start <= t <= horizon]
    fig.update_xaxes(type="log", range=[math.log10(start), math.log10(horizon * PAD)],
                     title_text="time since the first post (log scale)",
                     tickvals=[t for t, _ in ticks], ticktext=[label for _, label in ticks])
    fig.update_yaxes(title_text="posts so far", rangemode="tozero")
    fig.update_layout(updatemenus=[{  # the observed posts are small beside a week's forecast
        "type": "buttons", "direction": "left", "x": 0.6, "y": 1.02, "xanchor": "left",
        "yanchor": "bottom", "showactive": True, "buttons": [
            {"label": f"{kind} posts axis", "method": "relayout",
             "args": [{"yaxis.type": kind, "yaxis.autorange": True}]}
            for kind in ("linear", "log")]}])
    charts["forecast"] = fig
    table = _table(["policy", "time", "median posts", "80% interval"], rows)
    return _section("timeline", "Observed, then forecast",
                    _chart("forecast", "Observed cumulative posts, then each policy's "
                           "forecast median and 80% band", table),
                    "Time is on a log scale, so that the first hour and the last days "
                    "both show.")


def _final_sizes(policies: dict[str, Any]) -> str:
    rows = []
    base = None
    for name, forecast in policies.items():
        final = forecast["final_size"]
        if base is None:
            base = final["median"]
            change = "baseline"
        elif base == 0:
            change = "-"
        else:
            change = percents((final["median"] - base) / base, signed=True)[0]
        rows.append([esc(name), readable(final["median"]),
                     _interval(final["p10"], final["p90"], readable),
                     _interval(final["p2_5"], final["p97_5"], readable), change])
    table = _table(["policy", "median final size", "80% interval", "95% interval",
                    "median vs baseline"], rows, "finals")
    return _section("finals", "Total posts at the horizon", table,
                    "The total posts at the end of the forecast, the observed ones included: "
                    "the median, and the intervals that hold 80% and 95% of the forecasts. "
                    "The last column is the change of the median against the baseline.")


def _from(xs: list[float], ys: list[float], start: float) -> tuple[list[float], list[float]]:
    """A step line from ``start`` on: its value there, then its later points."""
    later = [(x, y) for x, y in zip(xs, ys, strict=True) if x > start]
    return ([start, *(x for x, _ in later)],
            [_step_at(xs, ys, start), *(y for _, y in later)])


# ---------------------------------------------------------------- shared pieces


def _marker(fig: Any, x: float, text: str = "", log: bool = False) -> None:
    """A dashed vertical line at ``x``, labelled ``text`` at its top left."""
    fig.add_vline(x=x, line=_DASHED, opacity=1)  # shapes take data coordinates
    if text:  # annotations take log10(x) on a log axis
        fig.add_annotation(x=math.log10(x) if log else x, xref="x", y=1, yref="y domain",
                           text=text, showarrow=False, xanchor="right", yanchor="top")


def _when(hours: float) -> str:
    """A time since the first post: ``30 min``, ``1.5 h``, ``168 h``."""
    if hours < 1:
        return f"{hours * 60:.0f} min"
    return f"{round(hours, 1):g} h"


def _band(fig: Any, times: Sequence[float], upper: Sequence[float], lower: Sequence[float],
          colour: str, alpha: float, name: str | None, group: str | None = None) -> None:
    """A shaded band between two curves (two traces; ``name`` in the legend, if any)."""
    fig.add_trace(go.Scatter(x=times, y=upper, mode="lines", line={"width": 0},
                             showlegend=False, hoverinfo="skip", legendgroup=group))
    fig.add_trace(go.Scatter(x=times, y=lower, mode="lines", line={"width": 0},
                             fill="tonexty", fillcolor=_alpha(colour, alpha), name=name,
                             showlegend=name is not None, hoverinfo="skip", legendgroup=group))


def _observed_trace(xs: Sequence[float], ys: Sequence[float], file: str) -> Any:
    return go.Scatter(x=xs, y=ys, mode="lines", name=f"observed: {plot_text(file)}",
                      line={"shape": "hv", "color": OBSERVED_COLOUR, "width": 2.5},
                      hovertemplate="%{x:.2f} h: %{y:,} posts observed<extra></extra>")


def _clipped(times: Sequence[float], counts: Sequence[float], end: float,
             hold: bool = False) -> tuple[list[float], list[float]]:
    """A cumulative step line up to ``end``: its points before, and its value at ``end``.

    The value is held to ``end`` when the line goes on beyond it, or with ``hold`` (the
    posts observed up to ``end``: none came after the last).
    """
    xs = [float(t) for t in times if t <= end]
    ys = [float(c) for c in counts[:len(xs)]]
    if xs and xs[-1] < end and (hold or len(xs) < len(times)):
        xs, ys = [*xs, end], [*ys, ys[-1]]
    return xs, ys


def _step_at(times: Sequence[float], counts: Sequence[float], t: float) -> float:
    """A cumulative step line's value at ``t`` (0 before its first point)."""
    i = int(np.searchsorted(np.asarray(times, dtype=float), t, side="right"))
    return float(counts[i - 1]) if i else 0.0


def _thin(n: int) -> list[int]:
    """At most :data:`TABLE_ROWS` indices of ``n`` points, evenly spaced, the last included."""
    return sorted({int(round(i)) for i in np.linspace(0, n - 1, min(n, TABLE_ROWS))})


def _thin_log(times: Sequence[float]) -> list[int]:
    """At most :data:`TABLE_ROWS` indices of ``times``, near evenly spaced log times."""
    if not times:
        return []
    t = np.asarray(times, dtype=float)
    if t[0] <= 0:
        return _thin(len(times))
    targets = np.geomspace(t[0], t[-1], min(len(t), TABLE_ROWS))
    return sorted({int(np.argmin(np.abs(np.log(t) - np.log(x)))) for x in targets})


def _interval(low: float, high: float, form: Any) -> str:
    return f"{form(low)} to {form(high)}"


_EXTRA_CSS = """
.chart.small{min-height:300px}
table.estimates td{vertical-align:top}
table.estimates td:first-child small{color:#444}
"""
