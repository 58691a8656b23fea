"""Module boundaries the brief fixes: plotly only in the report code."""

from __future__ import annotations

import re

from tests.conftest import ROOT

IMPORT = re.compile(r"^\s*(from|import)\s+plotly\b", re.M)


def test_plotly_is_imported_only_by_the_report_code() -> None:
    importers = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "sim").rglob("*.py")
                       if IMPORT.search(p.read_text()))
    assert importers and all(p.startswith("sim/report/") for p in importers), importers
