"""What a run shows in the terminal: a progress bar and a summary table (rich)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from sim.experiment.results import Results
from sim.formatting import percents, printable, readable
from sim.report.sentences import recommendation
from sim.scenario.metric_registry import METRICS


@contextmanager
def progress_bar(total: int | str, quiet: bool = False,
                 note: str | None = None) -> Iterator[Callable[[int, int], None]]:
    """A progress bar of replications done, with the time left; yields ``advance(done, total)``.

    With ``total="auto"`` the bar's total is the current stage's end, and grows. ``note``
    (the workers used, and why) is printed on the line above the bar.

    Nothing is shown before the first ``advance``: a run refused before its work starts
    (a bad option, a checkpoint in the way) leaves only its error on the terminal.
    """
    if quiet:
        yield lambda done, total: None
        return
    label = "replications (auto)" if total == "auto" else "replications"
    console = Console(stderr=True)
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn())
    progress = Progress(*columns, console=console, transient=False)
    task = None

    def advance(done: int, now: int) -> None:
        nonlocal task
        if task is None:
            if note:
                console.print(f"running on {escape(note)}", highlight=False)
            progress.start()
            task = progress.add_task("run", total=None if total == "auto" else total)
        progress.update(task, completed=done, total=now)

    try:
        yield advance
    finally:
        if task is not None:
            progress.stop()


def summary_table(results: Results, console: Console | None = None,
                  summary: dict[str, Any] | None = None) -> None:
    """Per policy: mean reach, the risk metric's P90, mean articles, and its change in mean.

    The risk metric is the scenario's ``risk.metric`` (exposure without ``risk``), as in
    the report's headline and the recommendation under the table.

    Printed to a file or a pipe (no terminal, and no ``COLUMNS`` set), the table is as wide
    as it needs to be, not wrapped at rich's default of 80 columns.

    User text (the scenario's title, policy names) is shown as it is written: as
    :class:`rich.text.Text`, never read as rich markup (``[/bold]`` stays ``[/bold]``), and
    with its control characters escaped (:func:`sim.formatting.printable`), so no title can
    move the cursor, clear the screen or make a hyperlink.
    """
    summary = summary or results.summary()
    stopped = {"precision": ", precision reached", "max_replications":
               ", max_replications reached before the precision"}.get(summary["stopped_by"], "")
    title = Text(f"{printable(summary['scenario'])}: {summary['replications']} replications"
                 f"{stopped}, seed {summary['seed']}", style="table.title")
    table = Table(title=title, title_justify="left")
    risk = summary.get("risk_metric", "exposure")
    for heading in ("policy", "mean reach", f"P90 {risk}", "mean articles",
                    f"{risk} vs baseline (95% CI)"):
        table.add_column(heading, justify="left" if heading == "policy" else "right")
    for name, entry in summary["policies"].items():
        metrics = entry["metrics"]
        change = "baseline"
        if "vs_baseline" in entry:
            paired = entry["vs_baseline"][risk]
            rel = paired["relative_change"]
            low, high = paired["relative_ci95"]
            change, low_text, high_text = percents(rel, low, high, signed=True)
            if change != "-" and "-" not in (low_text, high_text):
                change += f" ({low_text} to {high_text})"
        table.add_row(Text(printable(name)), readable(metrics["reach"]["mean"]),
                      _shown(metrics[risk]["p90"], METRICS[risk].count),
                      readable(metrics["articles"]["mean"], 1), change)
    console = console or _console_for(table)
    console.print(table)
    console.print(Text(printable(recommendation(summary))), highlight=False)


def _shown(value: float | None, count: bool) -> str:
    """A value as the report shows it: counts whole, others with one decimal below 100."""
    whole = count or value is None or abs(value) >= 100
    return readable(value, 0 if whole else 1)


def _console_for(table: Table) -> Console:
    """A console on stdout: the terminal's width, or else the table's natural width."""
    console = Console()
    if not console.is_terminal and not os.environ.get("COLUMNS"):
        wide = console.options.update_width(10_000)
        console.width = max(console.width, Measurement.get(console, wide, table).maximum)
    return console


