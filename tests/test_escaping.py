"""User text shown as itself: no rich markup, no control characters, no spreadsheet formulas.

Issue 13, defects 9-12: a scenario's title and policy names are user text, and reach the
terminal (rich), report.html and the CSV files. Every test goes through the command line.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import sim
from sim.experiment.api import load_results
from sim.experiment.results import csv_text, csv_text_value, replications_csv
from sim.formatting import printable
from tests.conftest import run_flashpoint

Cli = Callable[..., tuple[int, str, str]]
# control characters as a terminal sees them: ESC, NUL, DEL, and C1 (CSI, NEL)
RAW = ("\x1b", "\x00", "\x7f", "\x9b", "\x85")


def _yaml_text(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (control characters as escapes)."""
    return json.dumps(text).replace("\x7f", "\\x7f")  # JSON leaves DEL raw


def _scenario(tmp_path: Path, title: str, policies: list[str],
              description: str = "A small test incident.") -> Path:
    """A tiny scenario (500 accounts, 2 replications, 8 hours) with these names."""
    lines = [
        f"scenario: {_yaml_text(title)}",
        f"description: {_yaml_text(description)}",
        "seed: 3", "horizon: 8h", "replications: 2", "resolution: 1h",
        "network: {generator: erdos_renyi, accounts: 500, mean_follows: 10}",
        "segments:",
        "  public: {fraction: 0.9}",
        "  critics: {fraction: 0.1, stance: -0.8}",
        "incident: {type: post, author: brand, brand_followers: 100}",
        "policies:",
        f"  - name: {_yaml_text(policies[0])}",
    ]
    for hours, name in enumerate(policies[1:], start=1):
        lines += [f"  - name: {_yaml_text(name)}",
                  f"    actions: [{{do: delete, at: {hours}h}}]"]
    path = tmp_path / "scenario.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _no_raw_controls(text: str) -> None:
    found = [repr(c) for c in RAW if c in text]
    assert not found, found


# 9: rich markup ------------------------------------------------------------------------


def test_markup_in_the_title_and_policy_names_is_shown_as_written(
        tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # wide enough that no name wraps, however run
    title = "Incident [/bold] [bold red]BIG[/bold red] [link=https://x]click[/link]"
    policies = ["do nothing [/]", "pull [/] promotion", "[bold red]BIG[/bold red]"]
    path = _scenario(tmp_path, title, policies)
    code, out, err = cli("run", str(path), "--out", str(tmp_path / "out"), "--workers", "1")
    assert code == 0, err
    flat = " ".join(out.split())  # the table may wrap the title
    assert "Incident [/bold] [bold red]BIG[/bold red] [link=https://x]click[/link]" in flat
    for name in policies:
        assert name in out


def test_markup_is_literal_on_a_terminal_too(tmp_path: Path) -> None:
    """On a (forced) terminal, where rich styles text: no style, no hyperlink from a name."""
    path = _scenario(tmp_path, "[bold red]BIG[/bold red] [link=https://x]click[/link]",
                     ["do nothing", "pull [/] promotion"])
    env = {**os.environ, "FORCE_COLOR": "1", "TERM": "xterm-256color", "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-m", "sim", "run", str(path), "--out",
                           str(tmp_path / "out"), "--workers", "1"], capture_output=True,
                          text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "[bold red]BIG[/bold red] [link=https://x]click[/link]" in done.stdout
    assert "\x1b]8;" not in done.stdout  # no hyperlink
    assert "\x1b[1;31m" not in done.stdout and "pull [/] promotion" in done.stdout


# 10: control characters on the terminal ------------------------------------------------


def test_control_characters_in_user_text_never_reach_the_terminal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # a table wide enough for whole names
    title = "Clear \x1b[2J link \x1b]8;;http://x\x1b\\here\x1b]8;;\x1b\\ csi \x9b31m del \x7f"
    policies = ["do nothing \x1b[31m", "pull \x1b[2J promotion"]
    path = _scenario(tmp_path, title, policies)
    done = run_flashpoint("run", str(path), "--out", str(tmp_path / "out"), "--workers", "1")
    assert done.returncode == 0, done.stderr
    _no_raw_controls(done.stdout)
    _no_raw_controls(done.stderr)
    flat = " ".join(done.stdout.split())
    assert printable(title) in flat  # shown, escaped: Clear \x1b[2J link ...
    assert "pull \\x1b[2J promotion" in done.stdout
    assert "do nothing \\x1b[31m" in done.stdout


def test_an_error_naming_the_policies_shows_their_control_characters_escaped(
        tmp_path: Path, cli: Cli) -> None:
    path = _scenario(tmp_path, "t", ["do nothing \x1b[2J", "pull \x1b]8;;http://x\x1b\\"])
    code, out, err = cli("run", str(path), "--policy", "\x1b[31mnone", "--out",
                         str(tmp_path / "out"))
    assert code == 2
    _no_raw_controls(out + err)
    assert "do nothing \\x1b[2J" in err and "pull \\x1b]8;;http://x\\x1b\\" in err


def test_validate_resolved_prints_no_control_character_and_round_trips(
        tmp_path: Path, cli: Cli) -> None:
    title = "Clear \x1b[2J link \x1b]8;;http://x\x1b\\here\x1b]8;;\x1b\\ nul \x00 csi \x9b"
    path = _scenario(tmp_path, title, ["do nothing", "pull \x1b[2J \x7f"],
                     description="line one\nline two \x1b[31m")
    code, out, err = cli("validate", "--resolved", str(path))
    assert code == 0, err
    _no_raw_controls(out + err)
    resolved = out.split("\n", 1)[1]  # after "FILE: ok"
    assert yaml.safe_load(resolved)["scenario"] == title
    again = tmp_path / "again.yaml"
    again.write_text(resolved)
    assert sim.load_scenario(again) == sim.load_scenario(path)


def test_validate_resolved_escapes_a_next_line_character(tmp_path: Path, cli: Cli) -> None:
    """NEL (U+0085) is the one control character PyYAML writes raw (as a line break)."""
    path = _scenario(tmp_path, "next \x85 line", ["do nothing", "pull"])
    code, out, err = cli("validate", "--resolved", str(path))
    assert code == 0, err
    _no_raw_controls(out)


def test_replay_prints_policy_names_without_control_characters(tmp_path: Path,
                                                               cli: Cli) -> None:
    path = _scenario(tmp_path, "t", ["do nothing \x1b[2J", "pull \x00 \x9b"])
    code, out, err = cli("replay", str(path), "0")
    assert code == 0, err
    _no_raw_controls(out)
    assert "do nothing \\x1b[2J" in out and "pull \\x00 \\x9b" in out


# 11: report.html -----------------------------------------------------------------------


def test_report_holds_no_raw_nul_or_escape(tmp_path: Path, cli: Cli) -> None:
    title = "nul \x00 esc \x1b[2J del \x7f csi \x9b"
    policies = ["do nothing \x00", "pull \x1b[2J promotion \x00 \x9b"]
    path = _scenario(tmp_path, title, policies, description="desc \x00 \x1b[31m")
    out = tmp_path / "out"
    code, _, err = cli("run", str(path), "--out", str(out), "--workers", "1", "--quiet")
    assert code == 0, err
    for report in (out / "report.html", ):
        data = report.read_bytes()
        assert b"\x00" not in data and b"\x1b" not in data and b"\x7f" not in data
        assert "\x9b".encode() not in data
        text = data.decode()
        assert "nul \\x00 esc \\x1b[2J" in text  # the escapes, readable
        assert "pull \\x1b[2J promotion \\x00 \\x9b" in text
    # rebuilt from the checkpoint: the same
    (out / "report.html").unlink()
    code, _, err = cli("report", str(out))
    assert code == 0, err
    data = (out / "report.html").read_bytes()
    assert b"\x00" not in data and b"\x1b" not in data


# 12: CSV injection ---------------------------------------------------------------------

FORMULAS = ["=HYPERLINK(\"http://x\",\"click\")", "+1+2", "-1+2", "@SUM(A1)", "\tTAB",
            "'quoted", "plain, with comma"]


def test_csv_cells_that_could_start_a_formula_are_prefixed(tmp_path: Path, cli: Cli) -> None:
    policies = ["do nothing", *FORMULAS]
    path = _scenario(tmp_path, "=cmd|' /C calc'!A0", policies)
    out = tmp_path / "out"
    code, _, err = cli("run", str(path), "--out", str(out), "--workers", "1", "--quiet")
    assert code == 0, err
    expected = ["do nothing", *("'" + n if n[0] in "=+-@\t'" else n for n in FORMULAS)]
    for name in ("replications.csv", "timeseries.csv"):
        with (out / name).open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert list(dict.fromkeys(r["policy"] for r in rows)) == expected, name
        assert [csv_text_value(c) for c in dict.fromkeys(r["policy"] for r in rows)] == policies
        lines = (out / name).read_text().splitlines()
        assert not any(line.startswith(("=", "+", "-", "@", "\t")) for line in lines)
        assert any(line.startswith("\"'=HYPERLINK(\"\"http://x\"\"") for line in lines)
    # numbers stay numbers
    with (out / "replications.csv").open(newline="") as handle:
        row = next(csv.DictReader(handle))
    assert float(row["exposure"]) >= 0 and row["seed"] == "3"
    # everything else holds the true names
    summary = json.loads((out / "summary.json").read_text())
    assert list(summary["policies"]) == policies
    assert load_results(out).policies == policies
    code, _, err = cli("report", str(out))
    assert code == 0, err
    # replay prints the rows the run wrote
    code, replayed, err = cli("replay", str(path), "1", "--seed", "3")
    assert code == 0, err
    with (out / "replications.csv").open(newline="") as handle:
        written = [r for r in csv.reader(handle) if r[1] == "1"]
    assert [r for r in csv.reader(replayed.splitlines()[1:])] == written


def test_a_negative_number_is_not_prefixed() -> None:
    row = {"policy": "-x", "replication": 0, "seed": 1,
           **{m: -1.5 for m in sim.metrics.METRICS}}
    line = replications_csv([row]).splitlines()[1]
    assert line.startswith("\"'-x\",0,1,-1.5,")
    assert csv_text("-1") == "\"'-1\"" and csv_text("fine") == "fine"
