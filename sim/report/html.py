r"""``report.html``: one self-contained page (plotly.js inlined) built from a run's results.

Every user string (titles, descriptions, policy, segment and tier names) is escaped
with :func:`html.escape` in the markup and with :func:`plot_text` in the charts (plotly
renders a subset of HTML in its labels), and the data handed to the charts is JSON with
``<``, ``>`` and ``&`` written as unicode escapes, so no user text can close a tag or
a script, or show as anything but itself. Control characters (NUL, ESC, DEL, C1) are
written as their escapes (``\x00``, :func:`sim.formatting.printable`) in both, so none
reaches the file raw. Metrics are shown by their label and unit from
:mod:`sim.scenario.metric_registry`. Plotly is imported here and nowhere else in the package.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from sim._version import __version__
from sim.experiment.results import Results
from sim.formatting import percents, printable, readable
from sim.io import atomic_write_text
from sim.metrics import SERIES
from sim.report.assumptions import rows as assumption_rows
from sim.report.sentences import better_policies, headline, recommendation
from sim.scenario.loader import dump_resolved
from sim.scenario.metric_registry import METRICS as REGISTRY

# Okabe & Ito's colour-blind-safe palette
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000")
TABLE_METRICS = ("reach", "exposure", "articles", "peak_reactions_per_hour")
BOX_METRICS = ("reach", "exposure", "peak_reactions_per_hour", "articles")
MAX_POINTS = 400  # points per timeline curve
# units that count whole things: their values are shown as whole numbers (a mean below 10
# keeps one decimal, so that 0.6 articles is not read as 1)


_STOPPED = {"replications": "a fixed number", "precision": "auto: the precision was reached",
            "max_replications": "auto: stopped at max_replications before the precision"}


def esc(text: object) -> str:
    r"""Escape any value for HTML text or an attribute (control characters as ``\x00``)."""
    return html.escape(printable(text, keep="\n\t"), quote=True)


# what plotly reads as markup (tags, character references), LaTeX ($...$) or a hovertemplate
# field (%{...}): written as numeric character references, which plotly shows as characters
_PLOT_ESCAPES = {ord(c): f"&#{ord(c)};" for c in "&<>\"'$%"}


def plot_text(text: object) -> str:
    """Any value as plotly text that shows literally (``<b>`` stays ``<b>``, not bold).

    Plotly renders ``<b>``, ``<a href>``, ``<br>``... in titles, legends, tick labels,
    hover text, annotations and slider labels, and turns character references back into
    characters; it knows only a few named ones (not ``&quot;``), so every character is
    written as a numeric reference. Control characters are written as their escapes
    (:func:`sim.formatting.printable`).
    """
    return printable(text).translate(_PLOT_ESCAPES)


def metric_title(name: str) -> str:
    """A metric's plain-language name with its unit: ``reach (accounts)``."""
    metric = REGISTRY[name]
    return metric.label if metric.unit == metric.label else f"{metric.label} ({metric.unit})"


def metric_value(name: str, value: float | None, *, mean: bool = False) -> str:
    """A value of a metric, as a reader needs it.

    Counts are whole numbers (a mean below 10 keeps one decimal, so that 0.6 articles is
    not read as 1); other values have one decimal below 100 and none from 100 on.
    """
    if not REGISTRY[name].count:
        return readable(value, 1 if value is not None and abs(value) < 100 else 0)
    small = mean and value is not None and abs(value) < 10
    return readable(value, 1 if small else 0)


def _definitions(metrics: tuple[str, ...]) -> str:
    """One line per metric: its name, unit and definition, under a table or chart."""
    return ('<ul class="definitions">' + "".join(
        f"<li><strong>{esc(metric_title(m))}</strong>: {esc(REGISTRY[m].definition)}</li>"
        for m in metrics) + "</ul>")


def _bound(value: float) -> str:
    return readable(value) if float(value).is_integer() else f"{value:,}"


def _figures_json(charts: dict[str, Any]) -> str:
    """Every chart as one JSON object, safe inside a ``<script>`` element.

    Plotly writes each figure (undefined numbers as ``null``); ``<``, ``>`` and ``&`` are
    then written as unicode escapes so that no text in the data can close the element;
    so are DEL and C1 control characters, which JSON would leave raw (it escapes C0).
    """
    text = "{" + ",".join(f"{json.dumps(key)}:{fig.to_json()}"
                          for key, fig in charts.items()) + "}"
    return text.translate(JSON_ESCAPES)


# characters written as JSON unicode escapes in data inside a <script> element (see
# _figures_json): none can close the element, reach the file raw, or end a JavaScript line
JSON_ESCAPES = {c: f"\\u{c:04x}" for c in (ord("<"), ord(">"), ord("&"), *range(0x7F, 0xA0),
                                          0x2028, 0x2029)}



def build(results: Results, summary: dict[str, Any] | None = None) -> str:
    """The whole report as one HTML string (``summary``: ``results.summary()``, if at hand)."""
    summary = summary or results.summary()
    scenario = results.scenario
    charts: dict[str, Any] = {}
    sections = [
        _policy_table(results, summary),
        _risk(results, summary, charts),
        _timelines(results, charts),
        _tail(results, summary, charts),
        _distributions(results, charts),
        _cascade(results, summary, charts),
        _assumptions(results),
    ]
    sentences = "".join(f"<li>{esc(s)}</li>" for s in headline(results, summary))
    warnings = summary.get("warnings", [])
    cautions = ("" if not warnings else '<div class="warnings" role="alert"><strong>Read with '
                "care:</strong><ul>" + "".join(f"<li>{esc(w)}</li>" for w in warnings)
                + "</ul></div>")
    meta = (f"Built {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by Flashpoint {esc(__version__)}"
            f" &middot; seed {esc(scenario.seed)} &middot; {len(results.replications)} "
            f"replications ({_STOPPED.get(summary['stopped_by'], esc(summary['stopped_by']))})"
            f" &middot; baseline "
            f"&ldquo;{esc(results.policies[0])}&rdquo;")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(scenario.scenario)} - Flashpoint report</title>
<style>{_CSS}</style>
<script>{get_plotlyjs()}</script>
</head>
<body>
<header id="headline">
<h1>{esc(scenario.scenario)}</h1>
<p class="recommendation">{esc(recommendation(summary))}</p>
<p class="description">{esc(scenario.description)}</p>
<p class="meta">{meta}</p>
{cautions}
<ul class="sentences">{sentences}</ul>
</header>
<main>
{''.join(sections)}
</main>
<script id="figures" type="application/json">{_figures_json(charts)}</script>
<script>{_JS}</script>
</body>
</html>
"""


def write(results: Results, directory: str | Path,
          summary: dict[str, Any] | None = None) -> Path:
    """Write ``report.html`` into ``directory`` (atomically); return its path."""
    path = Path(directory) / "report.html"
    atomic_write_text(path, build(results, summary))
    return path


def _section(key: str, title: str, body: str, note: str = "") -> str:
    return (f'<section id="{key}"><h2>{esc(title)}</h2>'
            + (f'<p class="note">{note}</p>' if note else "") + body + "</section>\n")


def _chart(key: str, label: str, table: str) -> str:
    return (f'<div class="chart" id="chart-{key}" role="img" aria-label="{esc(label)}"></div>'
            f"<details><summary>The data as a table</summary>{table}</details>")


def _table(head: Sequence[str | tuple[str, str]], rows: list[list[str]], cls: str = "") -> str:
    """A table; a heading is markup, or ``(markup, title)`` for one with a tooltip."""
    header = "".join(f'<th scope="col" title="{esc(h[1])}">{h[0]}</th>' if isinstance(h, tuple)
                     else f'<th scope="col">{h}</th>' for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>'


def _policy_table(results: Results, summary: dict[str, Any]) -> str:
    head: list[str | tuple[str, str]] = ["policy"]
    for m in TABLE_METRICS:
        title = esc(metric_title(m))
        head += [(f"{title}<br><small>mean (95% CI)</small>", REGISTRY[m].definition),
                 (f"{title}<br><small>P90</small>",
                  f"{REGISTRY[m].definition}: exceeded in 1 incident in 10")]
    exposure = esc(metric_title("exposure"))
    head += [(f"{exposure} vs baseline<br><small>change (95% CI)</small>",
              "the mean paired relative change against the baseline"),
             ("P(better)<br><small>(95% CI)</small>",
              f"share of replayed incidents with a lower {REGISTRY['exposure'].label} than "
              "under the baseline (Wilson interval)")]
    rows = []
    for name in results.policies:
        entry = summary["policies"][name]
        row = [esc(name)]
        for m in TABLE_METRICS:
            d = entry["metrics"][m]
            lo, hi = d["ci95"]
            row += [f'<span data-sort="{d["mean"]}">{metric_value(m, d["mean"], mean=True)}'
                    f'</span> <small>({metric_value(m, lo, mean=True)} to '
                    f'{metric_value(m, hi, mean=True)})</small>',
                    f'<span data-sort="{d["p90"]}">{metric_value(m, d["p90"])}</span>']
        if "vs_baseline" in entry:
            v = entry["vs_baseline"]["exposure"]
            lo, hi = v["relative_ci95"]
            shown, low_text, high_text = percents(v["relative_change"], lo, hi, signed=True)
            row.append(f'<span data-sort="{v["relative_change"]}">{shown}</span> '
                       f"<small>({low_text} to {high_text})</small>")
            plo, phi = v["prob_better_ci95"]
            row.append(f'<span data-sort="{v["prob_better"]}">'
                       f'{readable(v["prob_better"], 2)}</span>'
                       f" <small>({readable(plo, 2)} to {readable(phi, 2)})</small>")
        else:
            row += ['<span data-sort="0">baseline</span>', '<span data-sort="0.5">-</span>']
        rows.append(row)
    table = f'<div class="wide">{_table(head, rows, "sortable")}</div>'
    return _section("policies", "Policies", table + _definitions(TABLE_METRICS),
                    "Click a column heading to sort. Differences are paired: every policy "
                    "faced the same replayed incidents (see docs/statistics.md).")


def _risk(results: Results, summary: dict[str, Any], charts: dict[str, Any]) -> str:
    risk = results.scenario.risk
    if risk is None:
        return _section("risk", "Risk matrix", "<p>The scenario defines no risk tiers.</p>")
    tiers = list(risk.tiers)
    z = [[summary["policies"][p]["tiers"][t]["p"] for t in tiers] for p in results.policies]
    unit = REGISTRY[risk.metric].unit
    fig = go.Figure(go.Heatmap(
        z=z, x=[f"{plot_text(t)} (≥ {_bound(b)})" for t, b in risk.tiers.items()],
        y=[plot_text(p) for p in results.policies], zmin=0, zmax=1, colorscale="Cividis",
        text=[[f"{v:.0%}" for v in row] for row in z], texttemplate="%{text}",
        hovertemplate="%{y}<br>%{x}: %{z:.0%}<extra></extra>",
        colorbar={"title": {"text": "probability"}}))
    fig.update_layout(_layout(f"Probability of reaching each tier of "
                              f"{plot_text(metric_title(risk.metric))}"))
    fig.update_xaxes(title_text=f"tier (its lower bound, in {plot_text(unit)})")
    fig.update_yaxes(autorange="reversed")
    charts["risk"] = fig
    rows = [[esc(p)] + [f"{v:.0%}" for v in row] for p, row in zip(results.policies, z,
                                                                    strict=True)]
    bounds = ", ".join(f"{esc(t)} from {_bound(b)}" for t, b in risk.tiers.items())
    return _section("risk", "Risk matrix",
                    _chart("risk", "Heatmap of tier probabilities per policy",
                           _table(["policy"] + [f"{esc(t)} (≥ {_bound(b)})"
                                                for t, b in risk.tiers.items()], rows)),
                    f"A cell: the probability that an incident under that policy reaches the "
                    f"tier, that is {esc(metric_title(risk.metric))} at least the tier's lower "
                    f"bound ({bounds}). {esc(metric_title(risk.metric).capitalize())}: "
                    f"{esc(REGISTRY[risk.metric].definition)}.")


def _timelines(results: Results, charts: dict[str, Any]) -> str:
    times = results.times_h
    step = max(1, math.ceil(len(times) / MAX_POINTS))
    index = np.arange(0, len(times), step)
    if index[-1] != len(times) - 1:
        index = np.append(index, len(times) - 1)
    parts, rows, action_rows = [], [], []
    stats = results.timeseries
    for metric in ("reach", "exposure"):
        s = SERIES.index(metric)
        fig = go.Figure()
        for p, name in enumerate(results.policies):
            p10, p50, p90 = (stats.p10[p, s, index], stats.p50[p, s, index],
                             stats.p90[p, s, index])
            colour = PALETTE[p % len(PALETTE)]
            group = f"policy{p}"
            fig.add_trace(go.Scatter(x=times[index], y=p90, mode="lines", line={"width": 0},
                                     legendgroup=group, showlegend=False, hoverinfo="skip"))
            fig.add_trace(go.Scatter(x=times[index], y=p10, mode="lines", line={"width": 0},
                                     fill="tonexty", fillcolor=_alpha(colour, 0.18),
                                     legendgroup=group, showlegend=False, hoverinfo="skip"))
            fig.add_trace(go.Scatter(x=times[index], y=p50, mode="lines", name=plot_text(name),
                                     line={"color": colour, "width": 2}, legendgroup=group))
            rows.append([esc(metric_title(metric)), esc(name),
                         *(metric_value(metric, float(v[-1])) for v in (p50, p10, p90))])
            actions = results.scenario.policies[p].actions
            for a, action in enumerate(actions):
                when = results.actions_h[p, :, a]
                when = when[~np.isnan(when)]
                if not len(when):
                    continue
                fig.add_trace(go.Scatter(
                    x=when, y=np.interp(when, times[index], p50), mode="markers",
                    name=plot_text(f"{name}: {action_label(action)}"), legendgroup=group,
                    showlegend=False, opacity=0.5,
                    marker={"symbol": "line-ns-open", "size": 16, "color": colour,
                            "line": {"width": 2}},
                    hovertemplate=f"{plot_text(name)}: {plot_text(action_label(action))} "
                                  "at %{x:.2f} h"
                                  "<extra></extra>"))
                if metric == "reach":
                    action_rows.append([
                        esc(name), esc(action_label(action)),
                        f"{len(when)} of {len(results.replications)}",
                        readable(float(np.percentile(when, 10)), 2),
                        readable(float(np.median(when)), 2),
                        readable(float(np.percentile(when, 90)), 2)])
        fig.update_layout(_layout(f"Cumulative {plot_text(REGISTRY[metric].label)}: median, "
                                  "with the 10-90% band"))
        fig.update_xaxes(title_text="hours after the incident started")
        fig.update_yaxes(title_text=plot_text(metric_title(metric)))
        charts[f"timeline-{metric}"] = fig
        parts.append(f'<div class="chart" id="chart-timeline-{metric}" role="img" '
                     f'aria-label="Cumulative {esc(metric_title(metric))} over time per policy">'
                     "</div>")
    table = _table(["metric", "policy", "median at the horizon", "P10", "P90"], rows)
    table += _table(["policy", "action", "took effect in", "P10 (h)", "median (h)",
                     "P90 (h)"], action_rows)
    return _section("timelines", "Timelines", "".join(parts)
                    + _definitions(("reach", "exposure"))
                    + f"<details><summary>The data as a table</summary>{table}</details>",
                    "Click a policy in the legend to hide or show it. Tick marks on a curve: "
                    "when that policy's actions took effect, one per replication, so their "
                    "spread shows how the timing varied (a `when` trigger, a random delay).")


def _tail(results: Results, summary: dict[str, Any], charts: dict[str, Any]) -> str:
    curves = summary["exceedance"]["exposure"]
    fig = go.Figure()
    rows = []
    for p, name in enumerate(results.policies):
        probability = curves["p"][name]
        x = [x for x, q in zip(curves["x"], probability, strict=True) if q > 0]
        y = [q for q in probability if q > 0]
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=plot_text(name), line_shape="hv",
                                 line={"color": PALETTE[p % len(PALETTE)], "width": 2}))
        for level in (0.5, 0.1, 0.01):
            above = [x for x, q in zip(curves["x"], probability, strict=True) if q >= level]
            rows.append([esc(name), f"{level:.0%}",
                         metric_value("exposure", above[-1]) if above else "-"])
    label = REGISTRY["exposure"].label
    fig.update_layout(_layout(f"Tail risk: P({plot_text(label)} > x)"))
    xs = [v for trace in fig.data for v in trace.x if v > 0]
    ys = [v for trace in fig.data for v in trace.y if v > 0]
    fig.update_xaxes(type="log", dtick=_log_dtick(xs), title_text=plot_text(
        f"{metric_title('exposure')}: x"))
    fig.update_yaxes(type="log", dtick=_log_dtick(ys), title_text="probability of exceeding x")
    charts["tail"] = fig
    return _section("tail", "Tail risk", _chart(
        "tail", f"Exceedance curves of {esc(label)} per policy, log axes",
        _table(["policy", "probability", f"{esc(metric_title('exposure'))} exceeded with that "
                "probability"], rows)) + _definitions(("exposure",)))


LOG_METRICS = ("reach", "exposure", "peak_reactions_per_hour")  # heavy-tailed: log axis
WHISKERS = (5, 95)  # percentiles the whiskers reach; the points beyond are drawn one by one


def box_stats(values: np.ndarray) -> dict[str, float]:
    """What a box shows: P5, quartiles, median and P95 of ``values`` (undefined: NaN)."""
    keys = ("low", "q1", "median", "q3", "high")
    if not len(values):
        return dict.fromkeys(keys, math.nan)
    numbers = np.percentile(values, [WHISKERS[0], 25, 50, 75, WHISKERS[1]])
    return dict(zip(keys, (float(v) for v in numbers), strict=True))


def _floor(values: list[np.ndarray]) -> float:
    """Where a log axis draws zeros: a power of ten below the smallest positive value."""
    positive = [float(v[v > 0].min()) for v in values if np.any(v > 0)]
    return 10.0 ** (math.floor(math.log10(min(positive))) - 1) if positive else 0.1


def _log_dtick(values: Sequence[float]) -> int | None:
    """Ticks of a log axis: one per power of ten over a decade or more, else plotly's.

    Over a wide range plotly's own ticks label 2 and 5 between the powers of ten as well,
    and those labels run into each other.
    """
    positive = [v for v in values if v > 0]
    wide = positive and math.log10(max(positive) / min(positive)) >= 1
    return 1 if wide else None


def _distributions(results: Results, charts: dict[str, Any]) -> str:
    parts, rows = [], []
    jitter = np.random.default_rng(0)  # where the points sit across their column: not data
    for metric in BOX_METRICS:
        fig = go.Figure()
        log = metric in LOG_METRICS
        samples = []
        for name in results.policies:
            values = results.metric(name, metric)
            samples.append(values[~np.isnan(values)])
        floor = _floor(samples) if log else 0.0
        zeros = any(np.any(v <= 0) for v in samples) and log
        for p, (name, values) in enumerate(zip(results.policies, samples, strict=True)):
            colour = PALETTE[p % len(PALETTE)]
            stats = box_stats(values)
            shown = {k: max(v, floor) if log else v for k, v in stats.items()}
            fig.add_trace(go.Box(
                x=[p - 0.12], q1=[shown["q1"]], median=[shown["median"]], q3=[shown["q3"]],
                lowerfence=[shown["low"]], upperfence=[shown["high"]], width=0.3,
                name=plot_text(name), marker_color=colour, hoverinfo="skip"))
            y = np.maximum(values, floor) if log else values
            fig.add_trace(go.Scatter(
                x=p + 0.15 + jitter.uniform(-0.08, 0.08, len(values)), y=y, mode="markers",
                name=plot_text(name), marker={"color": colour, "size": 4, "opacity": 0.45},
                hovertemplate=f"{plot_text(name)}: "
                              + ("%{text}" if log else "%{y}") + "<extra></extra>",
                text=[metric_value(metric, float(v)) for v in values] if log else None))
            rows.append([esc(metric_title(metric)), esc(name)]
                        + [metric_value(metric, stats[k])
                           for k in ("low", "q1", "median", "q3", "high")]
                        + [metric_value(metric, float(values.max()) if len(values) else None),
                           f"{int(np.count_nonzero(values <= 0))} of {len(values)}"])
        title = plot_text(REGISTRY[metric].label) + (" (log axis)" if log else "")
        fig.update_layout(_layout(title), showlegend=False)
        fig.update_xaxes(tickvals=list(range(len(results.policies))),
                         ticktext=[plot_text(n) for n in results.policies],
                         range=[-0.5, len(results.policies) - 0.5], showgrid=False)
        fig.update_yaxes(title_text=plot_text(REGISTRY[metric].unit))
        if log:
            fig.update_yaxes(type="log", dtick=_log_dtick(
                [floor if zeros else math.nan] + [v for v in np.concatenate(samples)]))
            if zeros:
                fig.add_hline(y=floor, line={"dash": "dot", "color": "#777", "width": 1})
                fig.add_annotation(x=0, xref="paper", y=math.log10(floor), yref="y",
                                   text="0", showarrow=False, xanchor="right", xshift=-4,
                                   font={"color": "#555"})
        elif REGISTRY[metric].count and max((float(v.max()) for v in samples if len(v)),
                                            default=0.0) <= 10:
            fig.update_yaxes(dtick=1)  # a few articles: whole ticks, never 0.5
        charts[f"box-{metric}"] = fig
        parts.append(f'<div class="chart small" id="chart-box-{metric}" role="img" '
                     f'aria-label="Distribution of {esc(metric_title(metric))} per policy">'
                     "</div>")
    table = _table(["metric", "policy", "P5", "P25", "median", "P75", "P95", "max",
                    "incidents at 0"], rows)
    return _section("distributions", "Distributions",
                    '<div class="grid">' + "".join(parts) + "</div>" + _definitions(BOX_METRICS)
                    + f"<details><summary>The data as a table</summary>{table}</details>",
                    "Box: the middle half of the incidents, with the median; whiskers: from "
                    "the 5th to the 95th percentile; dots: every incident. Reach, exposure and "
                    "the peak hour have heavy tails and are on log axes, where each gridline is "
                    "ten times the one below; a log axis has no 0, so incidents at 0 are drawn "
                    "on the dotted line marked 0 at the bottom.")


STATES = ("unaware", "exposed", "reacted", "saw the response")
# exposed a light orange, reacted a dark wine red: apart in lightness as well as hue, so
# they stay apart on a washed-out projector and with a colour-vision deficiency
STATE_COLOURS = ("#D9D9D9", "#E69F00", "#882255", "#0072B2")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "x", "star", "hexagon")
SEGMENT_COLOURS = ("#000000", "#009E73", "#CC79A7", "#56B4E9", "#F0E442", "#7F7F7F")
FRAMES = 37  # 36 intervals: the slider's labels, every 2nd, 3rd or 4th, end on the last
FRAME_MS = 750  # Play at 1x: 37 frames in under 30 seconds, slow enough to talk over
SPEEDS = (1, 2, 4)


def action_label(action: Any) -> str:
    """A short name for an action: its kind, and its strategy or trigger."""
    label = action.do
    strategy = getattr(action, "strategy", None)
    if strategy:
        label += f" ({strategy})"
    if action.when is not None:
        label += f" when {action.when.metric} > {action.when.above:g}"
    return str(label)


def _state_marker(states: list[int]) -> dict[str, Any]:
    """Marker colours by state index (small integers, not colour strings: a smaller file)."""
    scale = [[i / 3, colour] for i, colour in enumerate(STATE_COLOURS)]
    return {"color": np.array(states, dtype=np.int8), "cmin": 0, "cmax": 3,
            "colorscale": scale}


def _states(run: dict[str, list[float | None]], t: float) -> list[int]:
    out = []
    for exposed, reacted, response in zip(run["exposed"], run["reacted"], run["response"],
                                          strict=True):
        if reacted is not None and reacted <= t:
            out.append(2)
        elif response is not None and response <= t:
            out.append(3)
        elif exposed is not None and exposed <= t:
            out.append(1)
        else:
            out.append(0)
    return out


def _counter(run: dict[str, list[float | None]], t: float) -> str:
    """A panel's counts so far: ``exposed 1,234 · reacted 56``."""
    exposed = sum(v is not None and v <= t for v in run["exposed"])
    reacted = sum(v is not None and v <= t for v in run["reacted"])
    return f"exposed {exposed:,} · reacted {reacted:,} so far"


def _clock(hours: float, extra: int = 0) -> str:
    """A time since the start, in minutes under an hour and in hours after.

    ``extra`` decimals more than the usual (none for minutes, one for hours).
    """
    return f"{hours * 60:.{extra}f} min" if hours < 1 else f"{hours:.{1 + extra}f} h"


def _clocks(times: Sequence[float]) -> list[str]:
    """The frames' labels, each neighbour distinct where decimals can make it so.

    :func:`_clock`'s labels, with up to two more decimals where two neighbouring frames would
    otherwise read the same ("5 min", "5 min").
    """
    labels: list[str] = []
    for extra in range(3):
        labels = [_clock(float(t), extra) for t in times]
        if all(a != b for a, b in zip(labels, labels[1:], strict=False)):
            break
    return labels


def _frame_times(snap: dict[str, Any]) -> np.ndarray:
    """Frame times spaced by activity: at quantiles of every event in the view.

    Frames are dense while much happens and sparse in quiet hours, and the last is the last
    event, so a late second wave (a press article a day later) is in the animation too.
    """
    events = [t for run in snap["runs"] for key in ("exposed", "reacted", "response")
              for t in run[key] if t is not None]
    if not events:
        return np.linspace(0.0, snap["horizon_h"], FRAMES)
    times = np.quantile(events, np.linspace(0, 1, FRAMES - 1))
    times = np.unique(np.round(np.concatenate([[0.0], times]), 2))
    # plotly labels every n-th step of the slider from the first, and drops the last unless
    # n divides the intervals: keep a multiple of 12 intervals (n = 2, 3, 4 or 6 all end on it)
    intervals = (len(times) - 1) // 12 * 12
    if intervals >= 12:
        times = times[np.unique(np.round(np.linspace(0, len(times) - 1, intervals + 1)
                                         ).astype(int))]
    return times


def _cascade(results: Results, summary: dict[str, Any], charts: dict[str, Any]) -> str:
    from plotly.subplots import make_subplots

    snap = results.snapshot  # the report never simulates: sim.run stores it with the results
    if snap is None:
        return _section("cascade", "The cascade, step by step",
                        "<p>No representative incident is stored with these results (they "
                        "were built by hand). <code>sim.experiment.snapshot.snapshot(results)"
                        "</code> simulates it; set <code>results.snapshot</code> to it and "
                        "build the report again.</p>")
    panels = snap["policies"]
    fig = make_subplots(rows=1, cols=len(panels),
                        subplot_titles=[plot_text(p) for p in panels],
                        horizontal_spacing=0.03)
    x, y = snap["x"], snap["y"]
    ex: list[float | None] = []
    ey: list[float | None] = []
    for a, b in snap["edges"]:
        ex += [x[a], x[b], None]
        ey += [y[a], y[b], None]
    segments = list(dict.fromkeys(snap["segment"]))
    symbols = [SYMBOLS[segments.index(s) % len(SYMBOLS)] for s in snap["segment"]]
    outlines = [SEGMENT_COLOURS[segments.index(s) % len(SEGMENT_COLOURS)]
                for s in snap["segment"]]
    times = _frame_times(snap)
    top, bottom = max(y, default=1.0), min(y, default=0.0)
    span = (top - bottom) or 1.0
    node_traces = []
    for col in range(1, len(panels) + 1):
        fig.add_trace(go.Scatter(x=ex, y=ey, mode="lines", hoverinfo="skip", showlegend=False,
                                 line={"width": 0.4, "color": "#BBBBBB"}), row=1, col=col)
        node_traces.append(len(fig.data))
        fig.add_trace(go.Scatter(
            x=x, y=y, mode="markers", showlegend=False,
            text=[plot_text(s) for s in snap["segment"]],
            hovertemplate="%{text}<extra></extra>",
            marker={"size": 9, "symbol": symbols, "line": {"width": 1.2, "color": outlines},
                    **_state_marker(_states(snap["runs"][col - 1], 0.0))}),
            row=1, col=col)
        node_traces.append(len(fig.data))
        fig.add_trace(go.Scatter(
            x=[(min(x, default=0.0) + max(x, default=1.0)) / 2], y=[top + 0.1 * span],
            mode="text", text=[_counter(snap["runs"][col - 1], 0.0)], hoverinfo="skip",
            showlegend=False, textfont={"size": 18, "color": "#111"}), row=1, col=col)
    for state, colour in zip(STATES, STATE_COLOURS, strict=True):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=state,
                                 marker={"color": colour, "size": 10}))
    for s, segment in enumerate(segments):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers",
                                 name=f"segment: {plot_text(segment)}",
                                 marker={"color": "#FFFFFF", "size": 10,
                                         "symbol": SYMBOLS[s % len(SYMBOLS)],
                                         "line": {"width": 2, "color": SEGMENT_COLOURS[
                                             s % len(SEGMENT_COLOURS)]}}))
    frames, rows = [], []
    clocks = _clocks(times)
    for k, t in enumerate(times):
        data = []
        for p, run in enumerate(snap["runs"]):
            states = _states(run, float(t))
            data.append(go.Scatter(marker=_state_marker(states)))
            data.append(go.Scatter(text=[_counter(run, float(t))]))
            counts = np.bincount(states, minlength=4)
            rows.append([clocks[k], esc(panels[p])] + [str(c) for c in counts])
        frames.append(go.Frame(data=data, traces=node_traces, name=str(k)))
    fig.frames = frames
    play = [{"label": f"Play {speed}x", "method": "animate",
             "args": [None, {"frame": {"duration": FRAME_MS // speed, "redraw": False},
                             "fromcurrent": True, "transition": {"duration": 0}}]}
            for speed in SPEEDS]
    steps = [{"label": clocks[k], "method": "animate",
              "args": [[str(k)], {"mode": "immediate", "frame": {"duration": 0, "redraw": False},
                                  "transition": {"duration": 0}}]} for k, t in enumerate(times)]
    fig.update_layout(
        _layout(f"Replication {snap['replication']} (closest to the median), "
                f"{len(x)} accounts around the author"),
        height=720,
        updatemenus=[{"type": "buttons", "direction": "left", "x": 0, "y": -0.04,
                      "xanchor": "left", "yanchor": "top", "showactive": False,
                      "font": {"size": 16}, "buttons": [
                          *play,
                          {"label": "Pause", "method": "animate",
                           "args": [[None], {"mode": "immediate",
                                             "frame": {"duration": 0, "redraw": False}}]}]}],
        sliders=[{"active": 0, "steps": steps, "x": 0.3, "len": 0.7, "y": -0.02,
                  "pad": {"r": 40}, "font": {"size": 11},
                  "currentvalue": {"prefix": "time: ", "font": {"size": 18}}}])
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, range=[bottom - 0.05 * span, top + 0.18 * span])
    charts["cascade"] = fig
    table = _table(["time", "policy", *STATES], rows)
    return _section("cascade", "The cascade", _chart(
        "cascade", "Animated network of one representative incident under two policies",
        table), f"The same incident (same accounts, same luck) under {_shown(panels, summary)}. "
        "Fill colour: what each account has done by then; outline colour and shape: its "
        "segment. Press Play, "
        "or drag the time slider. Lines: who exposed whom, and follows from accounts that "
        "posted.")


def _shown(panels: list[str], summary: dict[str, Any]) -> str:
    """The cascade's policies in words; "best" only for a policy that beat the baseline."""
    if len(panels) < 2:
        return f"the baseline &ldquo;{esc(panels[0])}&rdquo;"
    label = esc(REGISTRY[summary["risk_metric"]].label)
    other = f"&ldquo;{esc(panels[1])}&rdquo;"
    better = better_policies(summary)
    if better and better[0] == panels[1]:
        return f"the baseline and the recommended policy {other} (the best on {label})"
    return (f"the baseline and {other}, the policy with the lowest mean {label}; it is not "
            "distinguishable from the baseline, so the two panels show no proven improvement")


def _assumptions(results: Results) -> str:
    table = _table(["parameter", "value", "where it comes from"],
                   [[esc(path), esc(value), esc(origin)]
                    for path, value, origin in assumption_rows(results.scenario)], "plain")
    text = dump_resolved(results.scenario, results.source)
    return _section("assumptions", "Assumptions", table
                    + f"<details><summary>The resolved scenario file</summary>"
                    f"<pre>{esc(text)}</pre></details>",
                    "Every parameter of the scenario as it ran. A default is either a published "
                    "figure (with its source) or a judgement: our choice, to be changed with "
                    "open eyes (docs/scenarios.md and docs/model.md).")


def _layout(title: str) -> dict[str, Any]:
    return {"title": {"text": title}, "template": "simple_white", "height": 420,
            "margin": {"l": 60, "r": 20, "t": 50, "b": 50}, "colorway": list(PALETTE),
            "font": {"size": 14}}


def _alpha(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


_CSS = """
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:1280px;padding:0 16px;
color:#111;line-height:1.45;font-size:16px}
h1{font-size:1.8em;margin-bottom:.2em}h2{border-bottom:2px solid #0072B2;padding-bottom:.2em}
.warnings{background:#fff4e5;border-left:6px solid #D55E00;padding:.5em 1em;margin:1em 0}
.meta,.note{color:#444}
.recommendation{font-size:1.25em;font-weight:600;background:#eef4fa;border-left:6px solid #0072B2;
padding:.4em .8em;margin:.4em 0}.sentences li{margin:.3em 0;font-size:1.1em}
table{border-collapse:collapse;width:100%;font-size:.95em;margin:.5em 0}
th,td{border:1px solid #bbb;padding:4px 6px;text-align:right}
th:first-child,td:first-child{text-align:left}
table.plain td,table.plain th{text-align:left}
table.sortable th{cursor:pointer;background:#eef4fa}table.sortable th:hover{background:#d6e6f5}
.wide{overflow-x:auto}table.sortable td{white-space:nowrap}
table.sortable td:first-child{white-space:normal;min-width:8em}
table.sortable{font-size:.85em}table.sortable td,table.sortable th{padding:3px 4px}
table.sortable th{font-weight:600;vertical-align:bottom}.definitions{color:#444;font-size:.9em}
.chart{width:100%;min-height:420px}
#chart-cascade{width:calc(100vw - 48px);margin-left:calc(50% - 50vw + 24px)}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:8px}
pre{background:#f6f6f6;padding:8px;overflow:auto;max-height:480px;font-size:.85em}
details{margin:.3em 0 1em}
"""

_JS = """
// Plotly.animate rejects its promise, with no reason, when Pause interrupts a playing
// animation; that is the expected outcome of pressing Pause, not an error.
window.addEventListener('unhandledrejection', e => {
  if (e.reason === undefined) e.preventDefault();
});
const figures = JSON.parse(document.getElementById('figures').textContent);
for (const [key, fig] of Object.entries(figures)) {
  const el = document.getElementById('chart-' + key);
  if (el) Plotly.newPlot(el, {data: fig.data, layout: fig.layout, frames: fig.frames || [],
                               config: {responsive: true, displaylogo: false}});
}
document.querySelectorAll('table.sortable').forEach(table => {
  table.querySelectorAll('th').forEach((th, column) => {
    th.addEventListener('click', () => {
      const body = table.tBodies[0];
      const ascending = th.dataset.order !== 'asc';
      th.dataset.order = ascending ? 'asc' : 'desc';
      const key = row => {
        const cell = row.cells[column];
        const mark = cell.querySelector('[data-sort]');
        const value = mark ? parseFloat(mark.dataset.sort) : NaN;
        return isNaN(value) ? cell.textContent : value;
      };
      const rows = Array.from(body.rows).sort((a, b) => {
        const x = key(a), y = key(b);
        const order = (typeof x === 'number' && typeof y === 'number') ? x - y
          : String(x).localeCompare(String(y));
        return ascending ? order : -order;
      });
      rows.forEach(row => body.appendChild(row));
    });
  });
});
"""
