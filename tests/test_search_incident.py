"""tools/search_incident.py: the documented search keeps held-out figures out of sight."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.scenario.test_documented import FIGURE, SCENARIO

# FIGURE's "hundreds of posts" is held out; this one is fitted
FIT = """\
    - figure: dozens of posts in the first hour
      metric: reactions
      at: 1h
      from: 24
      to: 72
      use: fit
      source: http://example.org/b
"""


def _search(tmp_path: Path, *params: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO + FIGURE + FIT, encoding="utf-8")
    argv = [sys.executable, str(ROOT / "tools" / "search_incident.py"), str(path),
            "--replications", "3", "--workers", "1"]
    for param in params:
        argv += ["--param", param]
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          check=False)


def test_each_point_shows_the_fit_figures_only_and_the_best_has_the_least_loss(
        tmp_path: Path) -> None:
    done = _search(tmp_path, "incident.brand_followers=100,600")
    assert done.returncode == 0, done.stderr
    *rows, best = [json.loads(line) for line in done.stdout.splitlines()]
    assert [row["point"] for row in rows] == [{"incident.brand_followers": 100.0},
                                              {"incident.brand_followers": 600.0}]
    for row in rows:
        assert list(row["figures"]) == ["dozens of posts in the first hour"]
        low, median, high, use, _ = row["figures"]["dozens of posts in the first hour"]
        assert low <= median <= high and use == "fit"
    # six times the followers bring more posts in the first hour, under common random numbers
    assert rows[0]["figures"]["dozens of posts in the first hour"][1] < \
        rows[1]["figures"]["dozens of posts in the first hour"][1]
    assert best["best"] == min(rows, key=lambda row: row["loss"])


def test_a_bad_param_is_refused_with_the_reason_and_no_traceback(tmp_path: Path) -> None:
    for param, message in [
        ("incident.brand_followers=300", "values must be a list of 2 to 50 values"),
        ("incident.brand_followers=1:x", "incident.brand_followers: each value must be a "
                                         "number; got 'x'"),
        ("incident.nope=1,2", "incident.nope is not a parameter of the scenario"),
    ]:
        done = _search(tmp_path, param)
        assert done.returncode == 2 and done.stdout == ""
        assert message in done.stderr and "Traceback" not in done.stderr
