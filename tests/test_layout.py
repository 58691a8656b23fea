"""Module boundaries the brief fixes: plotly only in the report code."""

from __future__ import annotations

import re

from tests.conftest import ROOT

IMPORT = re.compile(r"^\s*(from|import)\s+plotly\b", re.M)


def test_plotly_is_imported_only_by_the_report_code() -> None:
    importers = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "sim").rglob("*.py")
                       if IMPORT.search(p.read_text()))
    assert importers and all(p.startswith("sim/report/") for p in importers), importers


# From the bottom up: a module may import its own layer and the layers below it, never above.
LAYERS = (
    ("sim._version", "sim.errors", "sim.interrupts", "sim.io", "sim.formatting", "sim.stats",
     "sim.sensitivity", "sim.surrogate"),
    ("sim.scenario", "sim.observed"),  # scenario files and their values; observed timelines
    ("sim.randomness",),     # seeds and counter-based draws (read the values' distributions)
    ("sim.network",),
    ("sim.engine",),
    ("sim.metrics", "sim.policies"),
    ("sim.experiment",),
    ("sim.report", "sim.terminal"),
    ("sim", "sim.cli", "sim.__main__"),
)


def _layer(module: str) -> int:
    best, index = -1, -1
    for number, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, index = len(prefix), number
    assert index >= 0, module
    return index


def test_imports_point_down_the_layers() -> None:
    import ast

    upward = []
    for path in sorted((ROOT / "sim").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        here = _layer(module)
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.module
                     and node.level == 0 else [])
            for name in names:
                if name == "sim" or name.startswith("sim."):
                    if _layer(name) > here:
                        upward.append(f"{module} imports {name}")
    assert not upward, upward


def test_the_report_never_imports_the_engine_or_the_simulating_modules() -> None:
    # the report is built from Results alone: sim.run stores the cascade view's incident
    forbidden = re.compile(r"^\s*(from|import)\s+sim\.(engine|experiment\.snapshot|"
                           r"experiment\.runner|experiment\.api)\b", re.M)
    offenders = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "sim" / "report").rglob("*.py")
                       if forbidden.search(p.read_text()))
    assert offenders == [], offenders
