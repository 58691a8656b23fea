from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

import sim
from sim.scenario import load_scenario, parse_scenario
from tests.conftest import ROOT, SCENARIOS, run_flashpoint


def test_validate_prints_ok_for_every_bundled_scenario(cli) -> None:
    paths = [str(p) for p in SCENARIOS]
    code, out, err = cli("validate", *paths)
    assert (code, err) == (0, "")
    assert out.splitlines() == [f"{p}: ok" for p in paths]


def test_console_script_validates_the_bundled_scenarios() -> None:
    script = Path(sys.executable).parent / "flashpoint"
    exe = str(script) if script.exists() else shutil.which("flashpoint")
    assert exe, "the flashpoint console script is not installed"
    import subprocess

    result = subprocess.run([exe, "validate", *sorted(p.name for p in SCENARIOS)],
                            cwd=ROOT / "scenarios", capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(": ok\n") == 3


def test_python_dash_m_sim_reports_the_version() -> None:
    result = run_flashpoint("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"flashpoint {sim.__version__}"


def test_no_command_prints_help_and_fails(cli) -> None:
    code, out, _ = cli()
    assert code == 2
    assert "validate" in out and "new" in out


def test_validate_resolved_prints_a_loadable_scenario(cli) -> None:
    code, out, _ = cli("validate", "--resolved", str(SCENARIOS[0]))
    assert code == 0
    text = out.split("\n", 1)[1]
    assert parse_scenario(text.encode()) == load_scenario(SCENARIOS[0])


@pytest.mark.parametrize("template", ["post", "hashtag"])
def test_new_writes_a_starter_that_validates(tmp_path: Path, cli, template: str) -> None:
    target = tmp_path / "our-first-drill"
    code, out, _ = cli("new", str(target), "--template", template)
    assert code == 0
    written = target.with_suffix(".yaml")
    assert out == f"wrote {written}; edit it, then check it with: flashpoint validate {written}\n"
    scenario = load_scenario(written)
    assert scenario.scenario == "our first drill"
    assert scenario.incident.type == {"post": "post", "hashtag": "hashtag_campaign"}[template]
    assert "# " in written.read_text()  # commented for the user
    assert cli("validate", str(written))[0] == 0


def test_new_escapes_the_title(tmp_path: Path, cli) -> None:
    target = tmp_path / 'say "hi": #1.yaml'
    assert cli("new", str(target))[0] == 0
    assert load_scenario(target).scenario == 'say "hi": #1'


def test_new_refuses_to_overwrite(tmp_path: Path, cli) -> None:
    target = tmp_path / "drill.yaml"
    target.write_text("keep me")
    code, out, err = cli("new", str(target))
    assert code == 2 and out == ""
    assert err == f"{target}: already exists; choose another name or pass --force\n"
    assert target.read_text() == "keep me"
    assert cli("new", str(target), "--force")[0] == 0
    assert load_scenario(target).scenario == "drill"


def test_new_into_a_missing_folder_is_a_user_error(tmp_path: Path, cli) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = cli("new", str(blocker / "drill"))
    assert code == 2
    assert "cannot write the file" in err
