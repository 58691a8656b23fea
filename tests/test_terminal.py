"""The summary table: readable percentages, and not wrapped when printed to a file."""

from __future__ import annotations

import pytest

from sim.terminal import summary_table
from tests.report.test_report import _results


def test_piped_table_is_not_wrapped_and_never_shows_minus_zero(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    base = [100.0 + i for i in range(10)]
    results = _results([base, [0.996 * b for b in base]], [[1] * 10, [0] * 10])
    summary_table(results)  # to stdout, which capsys makes a file, not a terminal
    out = capsys.readouterr().out
    table = [line for line in out.splitlines() if line[:1] in "┏┃┡│└"]
    rows = [line for line in table if results.policies[1] in line]
    assert len(rows) == 1 and "-0.4% (-0.4% to -0.4%)" in rows[0], out
    assert "-0%" not in out
    assert len(table) == 6 and len({len(line) for line in table}) == 1, out  # no wrapped cell


def test_the_table_speaks_of_the_scenarios_risk_metric(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``risk.metric: reach`` the table's last columns are about reach, as the headline."""
    from sim.scenario.schema import Risk

    monkeypatch.delenv("COLUMNS", raising=False)
    results = _results([[100.0 + i for i in range(10)], [50.0 + i for i in range(10)]],
                       [[1] * 10, [0] * 10])
    results.scenario = results.scenario.model_copy(
        update={"risk": Risk(metric="reach", tiers={"minor": 1.0})})
    summary_table(results)
    out = capsys.readouterr().out
    assert "P90 reach" in out and "reach vs baseline (95% CI)" in out
    assert "P90 exposure" not in out and "exposure vs baseline" not in out
