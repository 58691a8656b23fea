"""``sweep.html``: every policy's risk metric across the values of one swept parameter.

One self-contained page (plotly.js, the CSS and the script inlined; it works offline from
``file://``) built from a plain JSON-able dict (:func:`sim.experiment.sweep.page_data`
makes it), so that the report never needs the sweep itself: the headline sentences, one
chart of each policy's mean and 95% band against the swept value (the scenario's own value
and every break-even point marked), a table of the same numbers, and a table of the
break-even points.

:func:`grid_page` is the page of a sweep of two parameters, every policy at every
combination of their values: a map of the best policy in each combination, a map of the
difference of the two policies best most often (cells whose 95% CI contains 0 marked
:data:`APPROX`), and a table of the best policies.

Escaping follows :mod:`sim.report.html`: every user string (the scenario's title, the
parameters' paths, the values' labels, policy names, the headlines) is escaped with
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


# ---------------------------------------------------------------- two parameters

# the scenario's own row and column: a white line under a dark dotted one, seen on any colour
_OWN_OUTLINE = ({"color": "white", "width": 4}, {"color": "#111", "width": 2, "dash": "dot"})
# no fill (the template's shapes have a translucent black one), over the cells
_OUTLINE = {"fillcolor": "rgba(0,0,0,0)", "opacity": 1, "layer": "above"}
_CELL_HEIGHT = 56  # pixels per row of a grid chart
APPROX = "≈"  # marks a difference whose 95% CI contains 0


def grid_page(data: dict[str, Any]) -> str:
    """The two-parameter sweep's page, as one HTML string.

    Every policy ran at every combination of two parameters' values, with the same
    replications and random numbers. The page shows the best policy in each combination,
    the difference of the two policies best most often, and a table of the best policies.

    Args:
        data: ``scenario`` (the title); ``parameters`` (the two swept paths: the first on
            the x axis, the second on the y axis); ``units`` (each ``"h"`` for durations,
            whose values are in hours, else ``""``); ``labels`` (each parameter's values as
            the scenario writes them) and ``x``, ``y`` (the values, which order the axes);
            ``own`` (the index of the scenario's own value of each parameter, or None);
            ``metric``; ``policies`` (names); ``best`` (the policy with the lowest mean in
            each cell: one row per ``y`` value, one cell per ``x`` value; None for none);
            ``top_two`` (the two policies best most often) and ``difference``,
            ``difference_low``, ``difference_high`` (the mean paired difference
            ``top_two[0]`` minus ``top_two[1]`` and its 95% CI, shaped as ``best``; left
            out, with ``top_two``, when there are fewer than two policies); ``headlines``
            (sentences); ``replications``.

    Returns:
        The page: one self-contained HTML document.

    Raises:
        ValueError: the data's lists do not fit together.
    """
    grid = _sorted_grid(data)
    charts: dict[str, Any] = {}
    sections = [_best_chart(grid, charts)]
    if grid["difference"] is not None:
        sections.append(_difference_chart(grid, charts))
    sections.append(_best_table(grid))
    sentences = "".join(f"<li>{esc(s)}</li>" for s in data.get("headlines", []))
    headlines = f'<ul class="sentences headlines">{sentences}</ul>' if sentences else ""
    first, second = (f"<code>{esc(p)}</code>" for p in grid["parameters"])
    metric = esc(_metric(data["metric"]))
    cells = len(grid["x"]) * len(grid["y"])
    replications = int(data["replications"])
    column, row = grid["own"]
    marked = [f"the {line} of the scenario's own value of {path} "
              f"({esc(grid['labels'][axis][at])})"
              for axis, (line, path, at) in enumerate((("column", first, column),
                                                        ("row", second, row)))
              if at is not None]
    mark = f" A dotted outline marks {' and '.join(marked)}." if marked else ""
    pair = ""
    if grid["difference"] is not None:
        one, two = (esc(p) for p in grid["top_two"])
        pair = (f" The second map shows by how much the two policies that are best most "
                f"often differ in each combination: {one}'s expected {metric} minus "
                f"{two}'s.")
    intro = (f"Every policy ran at each of the {cells} combinations of the values of {first} "
             f"(across) and {second} (down), {replications} replications each. Every "
             "combination ran the same replications with the same random numbers, so the "
             "differences between combinations come from the values, not from different "
             f"luck. The first map shows the best policy in each combination: the one with "
             f"the lowest expected {metric}, its mean over the replications.{pair}{mark}")
    title = esc(data["scenario"])
    meta = f" &middot; {replications} replications at each of {cells} combinations"
    return document(f"{data['scenario']} - Flashpoint sweep",
                    f"{title}: sweep of {first} and {second}", headlines, intro, meta,
                    sections, charts, _EXTRA_CSS + _GRID_CSS)


def write_grid_page(data: dict[str, Any], path: str | Path) -> Path:
    """Write :func:`grid_page` to ``path`` atomically; return the path.

    Raises:
        FlashpointError: the file cannot be written.
    """
    return write_html(grid_page(data), path)


def _sorted_grid(data: dict[str, Any]) -> dict[str, Any]:
    """The grid's axes and cells, each axis in increasing order of its values."""
    parameters = [str(p) for p in data["parameters"]]
    if len(parameters) != 2:
        raise ValueError(f"a grid sweeps 2 parameters; got {len(parameters)}")
    values = [[float(v) for v in data[axis]] for axis in ("x", "y")]
    labels = [[str(label) for label in labels] for labels in data["labels"]]
    for axis, axis_values, axis_labels in zip("xy", values, labels, strict=True):
        if len(axis_labels) != len(axis_values):
            raise ValueError(f"{len(axis_labels)} labels for {len(axis_values)} {axis} values")
    orders = [sorted(range(len(v)), key=v.__getitem__) for v in values]
    x_order, y_order = orders

    def cells(key: str) -> list[list[Any]]:
        rows = data[key]
        if len(rows) != len(values[1]) or any(len(row) != len(values[0]) for row in rows):
            raise ValueError(f"{key} must have {len(values[1])} rows (one per y value) of "
                             f"{len(values[0])} cells (one per x value)")
        return [[rows[j][i] for i in x_order] for j in y_order]

    policies = [str(p) for p in data["policies"]]
    best = cells("best")
    unknown = sorted({b for row in best for b in row if b is not None and b not in policies})
    if unknown:
        raise ValueError(f"best policies {unknown} are not among the policies {policies}")
    top_two = list(data.get("top_two") or [])
    paired = len(top_two) == 2 and data.get("difference") is not None
    own = list(data.get("own") or [None, None])
    return {
        "parameters": parameters, "units": [str(u) for u in data["units"]],
        "metric": data["metric"], "policies": policies, "best": best,
        "x": [values[0][i] for i in x_order], "y": [values[1][j] for j in y_order],
        "labels": [[labels[axis][i] for i in order] for axis, order in enumerate(orders)],
        "own": [None if index is None else order.index(index)
                for index, order in zip(own, orders, strict=True)],
        "top_two": top_two if paired else None,
        **{key: ([[_number(v) for v in row] for row in cells(key)] if paired else None)
           for key in ("difference", "difference_low", "difference_high")},
    }


def _axis_title(path: str, unit: str) -> str:
    """A grid axis's title (plotly text): the path and the unit's word."""
    word = UNITS.get(unit, unit)
    return plot_text(f"{path} ({word})" if word else path)


def _grid_figure(grid: dict[str, Any], title: str) -> Any:
    """A figure with the grid's axes: one cell per combination, the smallest values top left.

    The cells sit at the values' positions (0, 1, ...), evenly, labelled with the values as
    the scenario writes them; the scenario's own row and column are outlined.
    """
    fig = go.Figure()
    fig.update_layout(_layout(title), height=max(420, _CELL_HEIGHT * len(grid["y"]) + 150),
                      hovermode="closest")
    fig.update_layout(margin={"l": 140, "b": 70})
    for axis, (labels, path, unit) in enumerate(zip(grid["labels"], grid["parameters"],
                                                    grid["units"], strict=True)):
        settings: dict[str, Any] = {
            "tickmode": "array", "tickvals": list(range(len(labels))),
            "ticktext": [plot_text(label) for label in labels], "showgrid": False,
            "zeroline": False, "title_text": _axis_title(path, unit), "ticks": "",
            "showline": False}
        if axis == 0:
            fig.update_xaxes(**settings)
        else:
            fig.update_yaxes(autorange="reversed", **settings)
    column, row = grid["own"]
    rows, columns = len(grid["y"]), len(grid["x"])
    for line in _OWN_OUTLINE:
        if column is not None:
            fig.add_shape(type="rect", x0=column - 0.5, x1=column + 0.5, y0=-0.5,
                          y1=rows - 0.5, line=line, **_OUTLINE)
        if row is not None:
            fig.add_shape(type="rect", x0=-0.5, x1=columns - 0.5, y0=row - 0.5,
                          y1=row + 0.5, line=line, **_OUTLINE)
    return fig


def _cell_labels(grid: dict[str, Any]) -> list[list[list[str]]]:
    """Each cell's two values' labels (plotly text), for its hover text."""
    xs, ys = ([plot_text(label) for label in labels] for labels in grid["labels"])
    return [[[x, y] for x in xs] for y in ys]


def _hover(grid: dict[str, Any], what: str) -> str:
    first, second = (plot_text(p) for p in grid["parameters"])
    return (f"{first} = %{{customdata[0]}}<br>{second} = %{{customdata[1]}}<br>{what}"
            "<extra></extra>")


def _best_chart(grid: dict[str, Any], charts: dict[str, Any]) -> str:
    names = grid["policies"]
    count = max(1, len(names))
    # policy k at z = count - 1 - k, in the middle of its band of the colour scale, so that
    # the colour key (which runs upwards) lists the policies from the top in their order
    level = {name: count - 1 - k for k, name in enumerate(names)}
    colours = [PALETTE[(count - 1 - z) % len(PALETTE)] for z in range(count)]
    scale = [[(z + edge) / count, colour] for z, colour in enumerate(colours)
             for edge in (0, 1)]
    metric = plot_text(_metric(grid["metric"]))
    labels = _cell_labels(grid)
    fig = _grid_figure(grid, f"The best policy: the lowest expected {metric}")
    fig.add_trace(go.Heatmap(
        x=list(range(len(grid["x"]))), y=list(range(len(grid["y"]))),
        z=[[None if b is None else level[b] for b in row] for row in grid["best"]],
        zmin=-0.5, zmax=count - 0.5, colorscale=scale, xgap=3, ygap=3,
        text=[["" if b is None else plot_text(b) for b in row] for row in grid["best"]],
        texttemplate="%{text}", textfont={"size": 13},
        customdata=[[[*cell, "-" if b is None else plot_text(b)]
                     for cell, b in zip(cells, row, strict=True)]
                    for cells, row in zip(labels, grid["best"], strict=True)],
        hovertemplate=_hover(grid, "best: %{customdata[2]}"),
        colorbar={"title": {"text": "policy"}, "tickmode": "array",
                  "tickvals": [level[name] for name in names],
                  "ticktext": [plot_text(name) for name in names], "ticks": "",
                  "outlinewidth": 0}))
    charts["grid-best"] = fig
    label = (f"Map of the best policy, by lowest expected {_metric(grid['metric'])}, at each "
             f"combination of {grid['parameters'][0]} and {grid['parameters'][1]}")
    chart = (f'<div class="chart" id="chart-grid-best" role="img" '
             f'aria-label="{esc(label)}"></div>')
    return _section("best", "The best policy in each combination", chart,
                    "Each cell's colour and name give the policy with the lowest expected "
                    f"{esc(_metric(grid['metric']))} there; the colour key lists every policy. "
                    "The table below gives the same.")


def _contains_zero(low: float | None, high: float | None) -> bool:
    return low is not None and high is not None and low <= 0 <= high


def _difference_chart(grid: dict[str, Any], charts: dict[str, Any]) -> str:
    one, two = grid["top_two"]
    difference, low, high = (grid[key] for key in ("difference", "difference_low",
                                                    "difference_high"))
    text, hover, rows = [], [], []
    for j, labels in enumerate(_cell_labels(grid)):
        text.append([])
        hover.append([])
        rows.append([esc(grid["labels"][1][j])])
        for i, cell in enumerate(labels):
            d, lo, hi = difference[j][i], low[j][i], high[j][i]
            mark = f"{APPROX} " if _contains_zero(lo, hi) else ""
            text[-1].append(plot_text(f"{mark}{significant(d)}"))
            ci = f"{significant(lo)} to {significant(hi)}"
            hover[-1].append([*cell, plot_text(f"{significant(d)} (95% CI {ci})")])
            rows[-1].append(f"{mark}{significant(d)} ({ci})")
    span = max((abs(d) for row in difference for d in row if d is not None), default=0.0)
    metric = plot_text(_metric(grid["metric"]))
    name_one, name_two = plot_text(one), plot_text(two)
    fig = _grid_figure(grid, f"Expected {metric}: {name_one} minus {name_two}")
    fig.add_trace(go.Heatmap(
        x=list(range(len(grid["x"]))), y=list(range(len(grid["y"]))), z=difference,
        colorscale="RdBu", reversescale=True, zmid=0,
        **({"zmin": -span, "zmax": span} if span > 0 else {}),
        xgap=3, ygap=3, text=text, texttemplate="%{text}", textfont={"size": 13},
        customdata=hover,
        hovertemplate=_hover(grid, f"{name_one} minus {name_two}: %{{customdata[2]}}"),
        colorbar={"title": {"text": "difference"}, "outlinewidth": 0}))
    charts["grid-difference"] = fig
    label = (f"Map of {one}'s expected {_metric(grid['metric'])} minus {two}'s at each "
             f"combination of {grid['parameters'][0]} and {grid['parameters'][1]}")
    head = [f"<code>{esc(grid['parameters'][1])}</code> \\ "
            f"<code>{esc(grid['parameters'][0])}</code>",
            *(esc(value) for value in grid["labels"][0])]
    chart = (f'<div class="chart" id="chart-grid-difference" role="img" '
             f'aria-label="{esc(label)}"></div><details><summary>The data as a table'
             f"</summary>{_table(head, rows, 'difference')}</details>")
    first, second = esc(one), esc(two)
    return _section(
        "difference", f"{one} against {two}", chart,
        f"Each cell gives {first}'s expected {esc(_metric(grid['metric']))} minus "
        f"{second}'s, the mean of the paired differences over the replications: blue where "
        f"{first} is lower, red where {second} is. {APPROX} marks a cell whose 95% "
        "confidence interval contains 0: there the replications cannot tell the two "
        "apart.")


def _best_table(grid: dict[str, Any]) -> str:
    column, row = grid["own"]
    own = "<br><small>scenario's value</small>"
    head = [f"<code>{esc(grid['parameters'][1])}</code> \\ "
            f"<code>{esc(grid['parameters'][0])}</code>",
            *(esc(label) + (own if i == column else "")
              for i, label in enumerate(grid["labels"][0]))]
    index = {name: k for k, name in enumerate(grid["policies"])}
    rows = []
    for j, (label, best) in enumerate(zip(grid["labels"][1], grid["best"], strict=True)):
        cells = [esc(label) + (own if j == row else "")]
        for i, name in enumerate(best):
            if name is None:
                cells.append("-")
                continue
            colour = PALETTE[index[name] % len(PALETTE)]
            text = esc(name)
            if i == column and j == row:
                text = f"<strong>{text}</strong>"
            cells.append(f'<span class="swatch" style="background:{colour}"></span>{text}')
        rows.append(cells)
    units = [UNITS.get(u, u) for u in grid["units"]]
    across, down = (f"<code>{esc(p)}</code>" + (f" ({esc(u)})" if u else "")
                    for p, u in zip(grid["parameters"], units, strict=True))
    return _section("table", "The best policy, as a table", _table(head, rows, "best"),
                    f"One row per value of {down}, one column per value of {across}; each "
                    "cell names the policy with the lowest expected "
                    f"{esc(_metric(grid['metric']))}.")


_GRID_CSS = """
table.best td,table.best th,table.difference td,table.difference th{text-align:center}
table.best td:first-child,table.difference td:first-child{font-weight:600}
.swatch{display:inline-block;width:.8em;height:.8em;margin-right:.35em;border-radius:2px;
vertical-align:-.05em}
"""
