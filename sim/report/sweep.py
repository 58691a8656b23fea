"""``sweep.html``: every policy's risk metric across the values of one swept parameter.

One self-contained page (plotly.js, the CSS and the script inlined; it works offline from
``file://``) built from a plain JSON-able dict (:func:`sim.experiment.sweep.page_data`
makes it), so that the report never needs the sweep itself: the headline sentences, one
chart of each policy's mean and 95% band against the swept value (the scenario's own value
and every break-even point marked), a table of the same numbers, and a table of the
break-even points.

Escaping follows :mod:`sim.report.html`: every user string (the scenario's title, the
parameter's path, the values' labels, policy names, the headlines) is escaped with
:func:`sim.report.html.esc` in the markup and with :func:`sim.report.html.plot_text` in the
chart, whose JSON has ``<``, ``>`` and ``&`` written as unicode escapes
(:data:`sim.report.html.JSON_ESCAPES`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from sim.report.html import (
    PALETTE,
    _alpha,
    _layout,
    _section,
    _table,
    esc,
    metric_title,
    plot_text,
)
from sim.report.page import document, significant, write_html
from sim.scenario.metric_registry import METRICS as REGISTRY

LOG_SPAN = 8.0  # a log x axis when the (positive) values span more than this factor
TICK_LABELS = 12  # at most this many values: the axis ticks are the values' own labels
UNITS = {"h": "hours"}  # a unit's word on the axis
# vertical marker lines (the template's shapes have no outline: the width must be given)
_OWN_LINE = {"dash": "dot", "color": "#444", "width": 2}
_EVEN_LINE = {"dash": "dash", "color": "#777", "width": 1.5}
_LABEL_STEP = 0.075  # break-even labels stack down from the top, this share of the height apart


def page(data: dict[str, Any]) -> str:
    """The sweep's page, as one HTML string.

    Args:
        data: ``scenario`` (the title); ``parameter`` (the swept path); ``unit`` (``"h"``
            for durations, whose values are in hours, else ``""``); ``metric`` (the risk
            metric); ``labels`` (the values as the scenario writes them) and ``x`` (the
            values on the axis); ``own`` (the index of the scenario's own value, or None);
            ``policies`` (name to ``mean``, ``low`` and ``high``: the metric's mean and 95%
            CI at each value); ``headlines`` (sentences); ``break_even`` (each ``policy``,
            ``other``, ``at`` and ``ci95``, ``[low, high]`` or None); ``replications``.

    Returns:
        The page: one self-contained HTML document.
    """
    x = [float(v) for v in data["x"]]
    labels = [str(label) for label in data["labels"]]
    if len(labels) != len(x):
        raise ValueError(f"{len(labels)} labels for {len(x)} values")
    order = sorted(range(len(x)), key=x.__getitem__)  # the axis and the table run upwards
    own = data.get("own")
    evens = data.get("break_even", [])
    charts: dict[str, Any] = {}
    sections = [_chart_section(data, order, charts), _values(data, order)]
    if evens:
        sections.append(_break_evens(evens, data["unit"]))
    sentences = "".join(f"<li>{esc(s)}</li>" for s in data.get("headlines", []))
    headlines = f'<ul class="sentences headlines">{sentences}</ul>' if sentences else ""
    parameter = f"<code>{esc(data['parameter'])}</code>"
    metric = esc(_metric(data["metric"]))
    mark = ("" if own is None else
            f" The dotted line marks the scenario's own value, {esc(labels[own])}.")
    even_note = (" A dashed line marks a break-even point: where the difference of two "
                 "policies' means changes sign (interpolated between the values around it)."
                 if evens else " No two policies break even within the values swept.")
    intro = (f"Each line is a policy's expected {metric} at each value of {parameter}: "
             f"its mean over {int(data['replications'])} replications. The "
             "shaded bands are 95% confidence intervals of those means. Every value ran the "
             "same replications with the same random numbers, so a policy that does not use "
             f"{parameter} is a flat line, and the differences between values are paired: "
             f"they come from the value, not from different luck.{mark}{even_note}")
    title = esc(data["scenario"])
    meta = (f" &middot; {int(data['replications'])} replications at each of {len(x)} "
            "values")
    return document(f"{data['scenario']} - Flashpoint sweep",
                    f"{title}: sweep of {parameter}", headlines, intro, meta, sections, charts,
                    _EXTRA_CSS)


def write_page(data: dict[str, Any], path: str | Path) -> Path:
    """Write :func:`page` to ``path`` atomically; return the path.

    Raises:
        FlashpointError: the file cannot be written.
    """
    return write_html(page(data), path)


def log_axis(x: Sequence[float]) -> bool:
    """Whether values go on a log axis: all above 0, spanning more than :data:`LOG_SPAN`."""
    return bool(x) and min(x) > 0 and max(x) / min(x) > LOG_SPAN


def _metric(name: str) -> str:
    return metric_title(name) if name in REGISTRY else name


def _suffix(unit: str) -> str:
    return f" {unit}" if unit else ""


def _chart_section(data: dict[str, Any], order: list[int], charts: dict[str, Any]) -> str:
    x = [float(data["x"][i]) for i in order]
    labels = [str(data["labels"][i]) for i in order]
    log = log_axis(x)
    parameter = plot_text(data["parameter"])
    fig = go.Figure()
    for p, (name, stats) in enumerate(data["policies"].items()):
        colour = PALETTE[p % len(PALETTE)]
        group = f"policy{p}"
        mean, low, high = ([_number(stats[key][i]) for i in order]
                           for key in ("mean", "low", "high"))
        fig.add_trace(go.Scatter(x=x, y=high, mode="lines", line={"width": 0},
                                 legendgroup=group, showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=x, y=low, mode="lines", line={"width": 0}, fill="tonexty",
                                 fillcolor=_alpha(colour, 0.2), legendgroup=group,
                                 showlegend=False, hoverinfo="skip"))
        ci = [f"{significant(lo)} to {significant(hi)}" for lo, hi in zip(low, high,
                                                                            strict=True)]
        fig.add_trace(go.Scatter(
            x=x, y=mean, mode="lines+markers", name=plot_text(name), legendgroup=group,
            line={"color": colour, "width": 2}, marker={"color": colour, "size": 8},
            customdata=[[plot_text(label), c] for label, c in zip(labels, ci, strict=True)],
            hovertemplate=f"{plot_text(name)}<br>{parameter} = %{{customdata[0]}}: mean "
                          "%{y:.3g} (95% CI %{customdata[1]})<extra></extra>"))
    own = data.get("own")
    if own is not None:
        _vline(fig, float(data["x"][own]), "scenario's value", _OWN_LINE, 1.0, x, log)
    for k, even in enumerate(data.get("break_even", [])):
        text = plot_text(f"break-even: {even['policy']} vs {even['other']}")
        _vline(fig, float(even["at"]), text, _EVEN_LINE, 1.0 - _LABEL_STEP * (k + 1), x, log)
    metric = plot_text(_metric(data["metric"]))
    fig.update_layout(_layout(f"Expected {metric} at each value of {parameter}"), height=480,
                      hovermode="closest")
    unit = UNITS.get(data["unit"], data["unit"])
    scale = ", log scale" if log else ""
    title = f"{parameter} ({plot_text(unit)}{scale})" if unit else (
        f"{parameter} (log scale)" if log else parameter)
    axis: dict[str, Any] = {"type": "log" if log else "linear", "title_text": title}
    if len(x) <= TICK_LABELS:  # the values as the scenario writes them
        axis.update(tickmode="array", tickvals=x, ticktext=[plot_text(s) for s in labels])
    fig.update_xaxes(**axis)
    fig.update_yaxes(title_text=f"expected {metric}", rangemode="tozero")
    charts["sweep"] = fig
    label = (f"Line chart of each policy's expected {_metric(data['metric'])} with its 95% "
             f"band against {data['parameter']}")
    chart = f'<div class="chart" id="chart-sweep" role="img" aria-label="{esc(label)}"></div>'
    return _section("chart", "Each policy across the values", chart)


def _vline(fig: Any, at: float, text: str, line: dict[str, Any], y: float,
           x: Sequence[float], log: bool) -> None:
    """A vertical line at ``at``, labelled ``text`` (plotly text) at height ``y`` of the plot.

    The label sits on the side of the line with more room. Shapes take data coordinates;
    annotations take log10(x) on a log axis.
    """
    def axis(value: float) -> float:
        return math.log10(value) if log else value

    fig.add_vline(x=at, line=line, opacity=1)
    left, right = axis(min(x, default=at)), axis(max(x, default=at))
    position = axis(at)
    fig.add_annotation(x=position, xref="x", y=y, yref="y domain", text=text,
                       showarrow=False, yanchor="top", bgcolor="rgba(255,255,255,0.75)",
                       xanchor="left" if position <= (left + right) / 2 else "right")


def _values(data: dict[str, Any], order: list[int]) -> str:
    names = list(data["policies"])
    own = data.get("own")
    head = [f"<code>{esc(data['parameter'])}</code>"
            + (f" <small>({esc(UNITS.get(data['unit'], data['unit']))})</small>"
               if data["unit"] else ""),
            *(f"{esc(name)}<br><small>mean (95% CI)</small>" for name in names)]
    rows = []
    for i in order:
        label = esc(data["labels"][i])
        if i == own:
            label = f"<strong>{label}</strong><br><small>scenario's value</small>"
        cells = [label]
        for name in names:
            stats = data["policies"][name]
            cells.append(f"{significant(_number(stats['mean'][i]))} "
                         f"({significant(_number(stats['low'][i]))} to "
                         f"{significant(_number(stats['high'][i]))})")
        rows.append(cells)
    return _section("values", "The numbers", _table(head, rows, "sweep"),
                    f"Each policy's expected {esc(_metric(data['metric']))} at each value: "
                    "the mean, and its 95% confidence interval in brackets.")


def _break_evens(evens: list[dict[str, Any]], unit: str) -> str:
    suffix = esc(_suffix(unit))
    rows = []
    for even in evens:
        ci = even.get("ci95")
        interval = ("not determined" if ci is None else
                    f"{significant(_number(ci[0]))} to {significant(_number(ci[1]))}{suffix}")
        rows.append([f"{esc(even['policy'])} vs {esc(even['other'])}",
                     f"{significant(_number(even['at']))}{suffix}", interval])
    return _section("break-even", "Break-even points",
                    _table(["policies", "break even at", "95% CI"], rows, "break-even"),
                    "Where the difference of two policies' means changes sign, interpolated "
                    "between the values around it; the interval is a bootstrap's over the "
                    "replications (&ldquo;not determined&rdquo; when fewer than 95% of the "
                    "resamples cross at all).")


def _number(value: Any) -> float | None:
    """A number from the data (None stays None: no mean at that value)."""
    return None if value is None else float(value)


_EXTRA_CSS = """
.headlines{background:#eef4fa;border-left:6px solid #0072B2;padding:.5em 1em .5em 2em;
margin:.6em 0}.headlines li{font-size:1.15em;font-weight:500}
table.sweep td{white-space:nowrap}
"""
