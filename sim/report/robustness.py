"""``robustness.html``: how often each policy is best over plausible worlds, and why.

One self-contained page (plotly.js, the CSS and the script inlined; it works offline from
``file://``) built from a plain JSON-able dict, made by the experiment layer, so that the
report never needs the analysis itself. The uncertain judgements of a scenario are varied
together, each over its plausible range, on a Saltelli design; the page shows

* the headline sentence, and how to read the rest;
* each policy's probability of being best (the lowest mean risk metric) over the sampled
  worlds, with its 95% interval, and how often the order of the two policies best most
  often flips against their order at the scenario's own values;
* a tornado chart of each judgement's first-order and total Sobol' index (with their 95%
  intervals), the judgement with the largest total index on top;
* a table of the judgements (path, value, range, scale, why, who declared it) with their
  indices and the indices' Monte Carlo noise, and a table of the judgements held at their
  value, with why.

Escaping follows :mod:`sim.report.html`: every user string (the scenario's title, policy
names, the parameters' names, paths, values and reasons, the headline, the warnings) is
escaped with :func:`sim.report.html.esc` in the markup and with
:func:`sim.report.html.plot_text` in the charts, whose JSON has ``<``, ``>`` and ``&``
written as unicode escapes (:data:`sim.report.html.JSON_ESCAPES`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from sim.formatting import percents
from sim.report.html import (
    PALETTE,
    _layout,
    _section,
    _table,
    esc,
    metric_title,
    plot_text,
)
from sim.report.page import document, significant, write_html
from sim.scenario.metric_registry import METRICS as REGISTRY

INDEX_DIGITS = 2  # significant figures of an index and its noise
# the tornado's x axis runs from 0 to 1, stretched (at most to these) to hold unclipped
# estimates and intervals beyond it
INDEX_LIMITS = (-0.25, 1.25)
_INDEX_PAD = 0.02  # room beyond the axis's ends, so that a bar at 0 or 1 is not cut
TOTAL_COLOUR, FIRST_COLOUR = "#0072B2", "#56B4E9"  # the tornado's bars
_ROW_HEIGHT = 34  # pixels per row of a horizontal bar chart (policy or parameter)
_DECLARED = {"scenario": "the scenario", "default": "Flashpoint's default"}
_ERROR_BARS = {"type": "data", "symmetric": False, "color": "#222", "thickness": 1.5,
               "width": 5}


def page(data: dict[str, Any]) -> str:
    """The robustness analysis's page, as one HTML string.

    Args:
        data: ``scenario`` (the title); ``metric`` (the risk metric); ``samples`` (design
            points evaluated), ``worlds`` (independently sampled worlds) and
            ``replications`` (per design point); ``policies`` (names); ``prob_best`` and
            ``prob_best_ci95`` (each policy's share of the worlds in which it is best, and
            its 95% interval); ``top_two``, ``own_order`` (the two best most often, in
            their order at the scenario's own values) and ``flip_rate`` (the share of the
            worlds in which that order is reversed); ``parameters`` (each ``name``,
            ``paths``, ``value``, ``low``, ``high``, ``scale``, ``why``, ``declared``);
            ``held`` (each ``path``, ``value``, ``why``); ``indices`` (by parameter name:
            ``first``, ``total``, their ``*_ci95`` and ``noise_*``); ``output`` (what the
            indices explain); ``headline``; ``noise_ok``; ``warnings``.

    Returns:
        The page: one self-contained HTML document.

    Raises:
        ValueError: a policy has no probability of being best, or a parameter no indices.
    """
    _check(data)
    order = _by_total(data)
    charts: dict[str, Any] = {}
    sections = [_best_section(data, charts), _tornado_section(data, order, charts),
                _parameters_section(data, order), _held_section(data["held"])]
    top = f'<p class="headline">{esc(data["headline"])}</p>' + _cautions(data["warnings"])
    metric = esc(_metric(data["metric"]))
    worlds, replications = int(data["worlds"]), int(data["replications"])
    surrogate = data["surrogate"]
    intro = (
        "<strong>How to read this.</strong> Many of a scenario's numbers are judgements, "
        f"not facts. Here the {len(data['parameters'])} uncertain ones are varied together, "
        "each over its plausible range (the table below gives the ranges and why), and each "
        f"combination drawn is a plausible world. The first chart gives, over {worlds} "
        "worlds spread evenly over the ranges, how often each policy is best: the one with "
        f"the lowest expected {metric}, its mean over {replications} replications. The "
        "second chart says which judgements decide the answer, by how much of the variance "
        f"of {esc(data['output'])} across the worlds each explains: its first-order index is "
        "the share it explains alone, its total index the share it has a hand in, "
        "interactions with the others included. A judgement whose total index is near 0 "
        "hardly matters within its range; check first the ones at the top. The judgements "
        f"held at their value are listed at the end. In all, {worlds + 1} design points ran "
        f"(the worlds and your own values), each with {replications} replications of every "
        f"policy. The indices come from a polynomial fitted to the worlds (a surrogate, "
        f"{int(surrogate['terms'])} terms) that predicts "
        f"{max(float(surrogate['cv_r2']), 0.0):.0%} of the spread of held-out worlds "
        "(docs/robustness.md).")
    meta = (f" &middot; {worlds} sampled worlds &middot; {replications} replications at "
            "each")
    return document(f"{data['scenario']} - Flashpoint robustness",
                    f"{esc(data['scenario'])}: robustness", top, intro, meta, sections, charts,
                    _EXTRA_CSS)


def write_page(data: dict[str, Any], path: str | Path) -> Path:
    """Write :func:`page` to ``path`` atomically; return the path.

    Raises:
        FlashpointError: the file cannot be written.
    """
    return write_html(page(data), path)


def _check(data: dict[str, Any]) -> None:
    policies = [str(p) for p in data["policies"]]
    unknown = [p for p in policies if p not in data["prob_best"]
               or p not in data["prob_best_ci95"]]
    if unknown:
        raise ValueError(f"policies {unknown} have no probability of being best")
    names = [str(p["name"]) for p in data["parameters"]]
    missing = [name for name in names if name not in data["indices"]]
    if missing:
        raise ValueError(f"parameters {missing} have no indices")


def _metric(name: str) -> str:
    return metric_title(name) if name in REGISTRY else name


def _number(value: Any) -> float | None:
    """A number from the data; None (or NaN) for none."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _by_total(data: dict[str, Any]) -> list[int]:
    """The parameters' positions, the largest total index first.

    Ties keep the design's order; undefined indices go last.
    """
    totals = [_number(data["indices"][p["name"]]["total"]) for p in data["parameters"]]
    return sorted(range(len(totals)),
                  key=lambda i: (totals[i] is None, -(totals[i] or 0.0), i))


def _cautions(warnings: list[str]) -> str:
    if not warnings:
        return ""
    return ('<div class="warnings" role="alert"><strong>Read with care:</strong><ul>'
            + "".join(f"<li>{esc(w)}</li>" for w in warnings) + "</ul></div>")


def _index(value: Any) -> str:
    return significant(_number(value), INDEX_DIGITS)


def _interval(ci: Any, shown: Any) -> str:
    """``low to high`` of a 95% interval, each shown by ``shown``; ``-`` for none."""
    if not ci:
        return "-"
    return f"{shown(ci[0])} to {shown(ci[1])}"


def _spread(values: list[float | None], cis: list[Any]) -> dict[str, Any]:
    """Asymmetric error bars (plotly's ``error_x``) from values and their intervals."""
    plus, minus = [], []
    for value, ci in zip(values, cis, strict=True):
        low, high = (None, None) if not ci else (_number(ci[0]), _number(ci[1]))
        plus.append(None if value is None or high is None else max(0.0, high - value))
        minus.append(None if value is None or low is None else max(0.0, value - low))
    return {**_ERROR_BARS, "array": plus, "arrayminus": minus}


def _quoted(name: str) -> str:
    return f"&ldquo;{esc(name)}&rdquo;"


# ---------------------------------------------------------------- which policy is best


def _best_section(data: dict[str, Any], charts: dict[str, Any]) -> str:
    policies = [str(p) for p in data["policies"]]
    colour = {name: PALETTE[k % len(PALETTE)] for k, name in enumerate(policies)}
    probability = {name: _number(data["prob_best"][name]) for name in policies}
    ranked = sorted(policies, key=lambda name: -(probability[name] or 0.0))  # stable
    values = [probability[name] for name in ranked]
    cis = [data["prob_best_ci95"][name] for name in ranked]
    shown = [percents(value, *(ci or (None, None))) for value, ci in zip(values, cis,
                                                                        strict=True)]
    worlds = int(data["worlds"])
    fig = go.Figure(go.Bar(
        x=values, y=list(range(len(ranked))), orientation="h",
        marker={"color": [colour[name] for name in ranked]}, error_x=_spread(values, cis),
        customdata=[[plot_text(name), plot_text(p), plot_text(f"{lo} to {hi}")]
                    for name, (p, lo, hi) in zip(ranked, shown, strict=True)],
        hovertemplate="%{customdata[0]}: best in %{customdata[1]} of the worlds "
                      "(95% CI %{customdata[2]})<extra></extra>"))
    metric = plot_text(_metric(data["metric"]))
    fig.update_layout(_layout(f"How often each policy has the lowest expected {metric}"),
                      height=max(260, _ROW_HEIGHT * len(ranked) + 130), showlegend=False,
                      bargap=0.35)
    fig.update_layout(margin={"r": 40})
    fig.update_xaxes(range=[0, 1], tickformat=".0%", showgrid=True, gridcolor="#e5e5e5",
                     title_text=f"share of the {worlds} sampled worlds in which it is best")
    fig.update_yaxes(tickmode="array", tickvals=list(range(len(ranked))),
                     ticktext=[plot_text(name) for name in ranked], autorange="reversed",
                     automargin=True, ticks="", showline=False)
    charts["best"] = fig
    label = (f"Bar chart of each policy's probability of having the lowest expected "
             f"{_metric(data['metric'])} over {worlds} sampled worlds, with 95% intervals")
    rows = [[esc(name), p, f"{lo} to {hi}"] for name, (p, lo, hi) in zip(ranked, shown,
                                                                          strict=True)]
    table = _table(["policy", "best in", "95% CI"], rows, "best")
    chart = (f'<div class="chart" id="chart-best" role="img" aria-label="{esc(label)}" '
             f'style="min-height:{fig.layout.height}px"></div>'
             f"<details><summary>The data as a table</summary>{table}</details>")
    note = ("Each bar is the share of the sampled worlds in which the policy has the lowest "
            f"expected {esc(_metric(data['metric']))}; the whiskers are its 95% interval.")
    return _section("best", "Which policy is best, over plausible worlds",
                    f'<p class="flip">{_flip(data)}</p>' + chart, note)


def _flip(data: dict[str, Any]) -> str:
    """The flip rate, in words (HTML)."""
    order = [str(p) for p in data["own_order"]]
    worlds = int(data["worlds"])
    if len(order) < 2:
        return (f"With one policy, {_quoted(order[0]) if order else 'it'} is best in every "
                "world: there is no order to flip.")
    first, second = (_quoted(p) for p in order)
    [rate] = percents(_number(data["flip_rate"]))
    metric = esc(_metric(data["metric"]))
    return (f"The order of {first} and {second} at your scenario's own values flips in "
            f"<strong>{rate}</strong> of the {worlds} plausible worlds sampled: at your "
            f"values {first} has the lower expected {metric}; in those worlds, {second} has.")


# ---------------------------------------------------------------- which judgements decide it


def _tornado_section(data: dict[str, Any], order: list[int], charts: dict[str, Any]) -> str:
    parameters = [data["parameters"][i] for i in order]
    stats = [data["indices"][p["name"]] for p in parameters]
    names = [plot_text(p["name"]) for p in parameters]
    rows = list(range(len(parameters)))
    fig = go.Figure()
    ends = [0.0, 1.0]
    for key, label, colour in (("total", "total index", TOTAL_COLOUR),
                               ("first", "first-order index", FIRST_COLOUR)):
        values = [_number(s[key]) for s in stats]
        cis = [s[f"{key}_ci95"] for s in stats]
        ends += [v for v in values if v is not None]
        ends += [b for ci in cis if ci for b in map(_number, ci) if b is not None]
        fig.add_trace(go.Bar(
            x=values, y=rows, orientation="h", name=label, marker={"color": colour},
            error_x=_spread(values, cis),
            customdata=[[name, _index(v), plot_text(_interval(ci, _index)),
                         _index(s[f"noise_{key}"])]
                        for name, v, ci, s in zip(names, values, cis, stats, strict=True)],
            hovertemplate=f"%{{customdata[0]}}<br>{label} %{{customdata[1]}} (95% CI "
                          "%{customdata[2]}; Monte Carlo noise ±%{customdata[3]})"
                          "<extra></extra>"))
    low = max(INDEX_LIMITS[0], min(ends)) - _INDEX_PAD
    high = min(INDEX_LIMITS[1], max(ends)) + _INDEX_PAD
    fig.update_layout(_layout("What decides it: each judgement's share of the variance"),
                      height=max(300, 2 * _ROW_HEIGHT * len(rows) + 150), barmode="group",
                      bargap=0.3, bargroupgap=0.05,
                      legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom",
                              "traceorder": "normal"})
    fig.update_layout(margin={"r": 40, "t": 80})
    fig.update_xaxes(range=[low, high], zeroline=True, zerolinecolor="#444",
                     zerolinewidth=1, showgrid=True, gridcolor="#e5e5e5", dtick=0.1,
                     title_text="Sobol' index: share of the variance (0 to 1)")
    fig.update_yaxes(tickmode="array", tickvals=rows, ticktext=names, autorange="reversed",
                     automargin=True, ticks="", showline=False)
    charts["tornado"] = fig
    label = ("Tornado chart of each uncertain judgement's first-order and total Sobol' index "
             "with 95% intervals, the largest total index on top")
    chart = (f'<div class="chart" id="chart-tornado" role="img" aria-label="{esc(label)}" '
             f'style="min-height:{fig.layout.height}px"></div>')
    output = esc(data["output"])
    # when it is not, the experiment layer's warnings (shown at the top) say so
    noise = ("The Monte Carlo noise of each index (its standard error from the replications' "
             "luck, &plusmn; in the table) is less than half of every index that drives the "
             "ratio (a total index of 0.05 or more): those drivers are not luck."
             if data["noise_ok"] else "")
    note = (f"One row per uncertain judgement, the largest total index on top. An index is a "
            f"share of the variance of {output} over the sampled worlds: the first-order "
            "index (light) is the share the judgement explains alone, the total index "
            "(dark) the share it has a hand in, interactions included, so the total is at "
            "least the first-order up to the estimates' error. The whiskers are 95% "
            "intervals (1.96 bootstrap standard errors either side, the Monte Carlo noise "
            "included); the estimates are not clipped, so they can fall a little "
            f"below 0 or above 1. {noise}")
    return _section("sensitivity", "Which judgements decide it", chart, note)


def _parameters_section(data: dict[str, Any], order: list[int]) -> str:
    head = ["judgement<br><small>paths</small>", "your value", "range<br><small>scale</small>",
            "declared by", "why", "total index<br><small>95% CI</small>",
            "first-order index<br><small>95% CI</small>",
            "Monte Carlo noise<br><small>total, first-order</small>"]
    rows = []
    for i in order:
        p = data["parameters"][i]
        s = data["indices"][p["name"]]
        declared = str(p["declared"])
        paths = "<br>".join(f"<code>{esc(path)}</code>" for path in p["paths"])
        rows.append([
            f"{esc(p['name'])}<br><small>{paths}</small>",
            esc(p["value"]),
            f"{esc(p['low'])} to {esc(p['high'])}<br><small>{esc(p['scale'])}</small>",
            esc(_DECLARED.get(declared, declared)),
            esc(p["why"]),
            *(f"{_index(s[key])}<br><small>{_interval(s[f'{key}_ci95'], _index)}</small>"
              for key in ("total", "first")),
            f"&plusmn;{_index(s['noise_total'])}, &plusmn;{_index(s['noise_first'])}",
        ])
    table = f'<div class="wide">{_table(head, rows, "parameters")}</div>'
    return _section("parameters", "The uncertain judgements", table,
                    "Each judgement was drawn uniformly over its range, on the scale given "
                    "(log: uniformly in its logarithm), independently of the others; its "
                    "paths are the scenario's values it sets. &ldquo;Declared by&rdquo; says "
                    "whether the scenario gave the range or Flashpoint's default did. Rows "
                    "as in the chart, the largest total index first; the noise is each "
                    "index's Monte Carlo standard error.")


def _held_section(held: list[dict[str, Any]]) -> str:
    if not held:
        return _section("held", "Judgements held at their value",
                        '<p class="none">None: every judgement was varied.</p>')
    rows = [[f"<code>{esc(h['path'])}</code>", esc(h["value"]), esc(h["why"])] for h in held]
    return _section("held", "Judgements held at their value",
                    _table(["path", "value", "why"], rows, "held"),
                    "These were not varied: each keeps the scenario's value, for the reason "
                    "given. The answers above hold for these values.")


_EXTRA_CSS = """
.headline{background:#eef4fa;border-left:6px solid #0072B2;padding:.5em 1em;margin:.6em 0;
font-size:1.15em;font-weight:500}
.flip{font-size:1.1em;margin:.4em 0 .2em}
table.best td:nth-child(2),table.best td:nth-child(3){white-space:nowrap}
table.parameters td,table.held td{vertical-align:top}
table.parameters td:nth-child(-n+5),table.parameters th:nth-child(-n+5),
table.held td,table.held th{text-align:left}
table.parameters td:nth-child(n+6),table.parameters td:nth-child(2),
table.parameters td:nth-child(3){white-space:nowrap}
table.parameters td:nth-child(5){min-width:14em}
table.parameters code,table.held code{overflow-wrap:anywhere}
table.parameters small{color:#444}
"""
