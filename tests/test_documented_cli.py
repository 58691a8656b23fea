"""`flashpoint documented`: the reported figures against the model, on the command line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_flashpoint
from tests.scenario.test_documented import FIGURE, SCENARIO


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_each_figure_is_shown_with_the_band_and_the_exit_code_says_if_all_held(
        tmp_path: Path, cli) -> None:
    wide = FIGURE.replace("from: 100", "from: 1").replace("to: 999", "to: 100000")
    path = _write(tmp_path, SCENARIO + wide)
    code, out, err = cli("documented", str(path), "--replications", "8", "--workers", "1",
                         "--json")
    data = json.loads(out)
    [figure] = data["figures"]
    assert data["policy"] == "apologise" and data["replications"] == 8
    assert figure["quantity"] == "reactions by 6h" and figure["documented"] == [1, 100000]
    low, high = figure["band"]
    assert low <= high and figure["inside"] is True
    assert code == (0 if figure["reproduced"] and not data["warnings"] else 1)
    # a figure no run can reach is outside the band, and the exit code says so
    path = _write(tmp_path, SCENARIO + FIGURE.replace("from: 100", "from: 10000000").replace(
        "to: 999", "to: 20000000"))
    code, out, _ = cli("documented", str(path), "--replications", "8", "--workers", "1")
    assert code == 1
    assert "[check] hundreds of posts: reactions by 6h 10,000,000 to 20,000,000; model" in out
    assert "outside the band" in out and "0 of 1 held-out figures reproduced" in out


def test_a_scenario_without_documented_figures_is_refused_without_a_traceback(
        tmp_path: Path) -> None:
    path = _write(tmp_path, SCENARIO)
    done = run_flashpoint("documented", str(path))
    assert done.returncode == 2 and done.stdout == ""
    assert "no documented: section" in done.stderr and "Traceback" not in done.stderr
    done = run_flashpoint("documented", str(_write(tmp_path, SCENARIO + FIGURE.replace(
        "policy: apologise", "policy: nobody"))))
    assert done.returncode == 2 and "documented.policy must be one of" in done.stderr
    assert "Traceback" not in done.stderr
