"""What a run shows in the terminal: a progress bar and a summary table (rich)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from sim.experiment.results import Results
from sim.formatting import readable


@contextmanager
def progress_bar(total: int | str, quiet: bool = False,
                 note: str | None = None) -> Iterator[Callable[[int, int], None]]:
    """A progress bar of replications done, with the time left; yields ``advance(done, total)``.

    With ``total="auto"`` the bar's total is the current stage's end, and grows. ``note``
    (the workers used, and why) is printed on the line above the bar.
    """
    if quiet:
        yield lambda done, total: None
        return
    label = "replications (auto)" if total == "auto" else "replications"
    console = Console(stderr=True)
    if note:
        console.print(f"running on {escape(note)}", highlight=False)
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("run", total=None if total == "auto" else total)
        yield lambda done, now: progress.update(task, completed=done, total=now)


def summary_table(results: Results, console: Console | None = None,
                  summary: dict[str, Any] | None = None) -> None:
    """Per policy: mean reach, P90 exposure, mean articles, and the change in mean exposure."""
    console = console or Console()
    summary = summary or results.summary()
    stopped = {"precision": ", precision reached", "max_replications":
               ", max_replications reached before the precision"}.get(summary["stopped_by"], "")
    table = Table(title=f"{summary['scenario']}: {summary['replications']} replications"
                  f"{stopped}, seed {summary['seed']}", title_justify="left")
    for heading in ("policy", "mean reach", "P90 exposure", "mean articles",
                    "exposure vs baseline (95% CI)"):
        table.add_column(heading, justify="left" if heading == "policy" else "right")
    for name, entry in summary["policies"].items():
        metrics = entry["metrics"]
        change = "baseline"
        if "vs_baseline" in entry:
            paired = entry["vs_baseline"]["exposure"]
            rel = paired["relative_change"]
            low, high = paired["relative_ci95"]
            change = "-" if rel is None or math.isnan(rel) else f"{rel:+.1%}"
            if change != "-" and not (math.isnan(low) or math.isnan(high)):
                change += f" ({low:+.0%} to {high:+.0%})"
        table.add_row(name, readable(metrics["reach"]["mean"]),
                      readable(metrics["exposure"]["p90"]),
                      readable(metrics["articles"]["mean"], 1), change)
    console.print(table)


