"""The picture and table of an incident's page: its baseline against the documented figures.

Usage::

    python tools/incident_figure.py scenarios/mcdstories.yaml [--replications 100]

Runs the scenario's documented policy (its ``documented:`` section) as ``flashpoint
documented`` does, then writes ``docs/incidents/images/NAME.svg`` (one row per figure: the
model's 80% band as a bar, its median as a tick, the documented value or range as a red
mark, on a log scale) and prints the page's table in Markdown. The SVG is plain text with
no script, so it shows the same wherever the page is read.
"""

from __future__ import annotations

import argparse
import math
import sys
from html import escape
from pathlib import Path

from sim.experiment.api import run
from sim.experiment.checks import result_warnings
from sim.experiment.documented import Comparison, compare
from sim.io import atomic_write_text
from sim.scenario import load_scenario

ROW, LEFT, WIDTH, TOP = 62, 360, 400, 52


def _x(value: float, low: float, high: float) -> float:
    value = min(max(value, low), high)
    return LEFT + WIDTH * (math.log10(value) - math.log10(low)) / (math.log10(high) -
                                                                  math.log10(low))


def _cut(text: str, size: int = 56) -> str:
    return text if len(text) <= size else text[: size - 1] + "\u2026"


def svg(title: str, comparisons: list[Comparison]) -> str:
    """One row per figure, each on its own log axis from a third of its smallest value."""
    height = TOP + ROW * len(comparisons) + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{LEFT + WIDTH + 170}" '
           f'height="{height}" font-family="sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="8" y="20" font-size="14" font-weight="bold">{escape(_cut(title, 90))}'
           f'</text>',
           '<text x="8" y="40" fill="#555">grey bar: the model\'s 80% band (10% to 90% of the '
           'replications), black tick: its median; red: what was reported. Each row has its '
           'own log scale.</text>']
    for i, c in enumerate(comparisons):
        y = TOP + ROW * i + 18
        finite = [v for v in (c.low, c.median, c.high, c.figure.low, c.figure.high)
                  if math.isfinite(v) and v > 0]
        low, high = min(finite) / 3, max(finite) * 3
        out.append(f'<text x="8" y="{y}">{escape(_cut(f"[{c.figure.use}] {c.figure.figure}"))}'
                   f'</text>')
        out.append(f'<text x="8" y="{y + 16}" fill="#555">{escape(_cut(c.figure.quantity))}'
                   f'</text>')
        out.append(f'<line x1="{LEFT}" y1="{y - 2}" x2="{LEFT + WIDTH}" y2="{y - 2}" '
                   f'stroke="#ddd"/>')
        x0 = _x(c.low if c.low > 0 else low, low, high)
        x1 = _x(c.high if math.isfinite(c.high) else high, low, high)
        out.append(f'<rect x="{x0:.1f}" y="{y - 12}" width="{max(x1 - x0, 2):.1f}" height="20" '
                   f'fill="#bbb"/>')
        if math.isfinite(c.median) and c.median > 0:
            xm = _x(c.median, low, high)
            out.append(f'<line x1="{xm:.1f}" y1="{y - 14}" x2="{xm:.1f}" y2="{y + 10}" '
                       f'stroke="black" stroke-width="2"/>')
        d0, d1 = _x(c.figure.low, low, high), _x(c.figure.high, low, high)
        if d1 - d0 < 3:
            out.append(f'<circle cx="{d0:.1f}" cy="{y - 2}" r="5" fill="#d62728"/>')
        else:
            out.append(f'<rect x="{d0:.1f}" y="{y - 5}" width="{d1 - d0:.1f}" height="6" '
                       f'fill="#d62728"/>')
        values = f"model {c.shown}; reported {c.figure.shown}"
        out.append(f'<text x="{LEFT}" y="{y + 24}" fill="#555" font-size="11">'
                   f'{escape(values)}</text>')
        verdict = c.verdict if c.figure.use == "check" else c.figure.use
        out.append(f'<text x="{LEFT + WIDTH + 10}" y="{y + 2}">{escape(verdict)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def table(comparisons: list[Comparison]) -> str:
    """The page's Markdown table of the comparison."""
    lines = ["| figure | model quantity | reported | model 80% band | use | result |",
             "|---|---|---|---|---|---|"]
    for c in comparisons:
        result = c.verdict if c.figure.use == "check" else (
            "in the band" if c.inside else "outside the band")
        lines.append(f"| {c.figure.figure} | {c.figure.quantity} | {c.figure.shown} | "
                     f"{c.shown} | {c.figure.use} | {result} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario")
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="docs/incidents/images")
    args = parser.parse_args(argv)
    scenario = load_scenario(args.scenario)
    if scenario.documented is None:
        parser.error("the scenario has no documented: section")
    results = run(scenario, replications=args.replications, workers=args.workers,
                  policies=[scenario.documented.policy])
    comparisons = compare(results)
    path = Path(args.out) / f"{Path(args.scenario).stem}.svg"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, svg(f"{scenario.scenario}: {scenario.documented.policy}",
                                comparisons))
    print(f"wrote {path} ({args.replications} replications, seed {scenario.seed})")
    print(table(comparisons))
    reach = results.metric(scenario.documented.policy, "reach")
    print(f"reach: mean {reach.mean():,.0f}, max {reach.max():,.0f} of "
          f"{scenario.network.accounts:,} accounts")
    for warning in result_warnings(results):
        print(f"warning: {warning}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
