from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

import sim
from sim.scenario import load_scenario, parse_scenario
from tests.conftest import FLAGSHIP, ROOT, SCENARIOS, run_flashpoint


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
    assert result.stdout.count(": ok\n") == len(SCENARIOS) >= 4


def test_python_dash_m_sim_reports_the_version() -> None:
    result = run_flashpoint("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"flashpoint {sim.__version__}"


def test_no_command_prints_help_and_fails(cli) -> None:
    code, out, _ = cli()
    assert code == 2
    assert "validate" in out and "new" in out


def test_validate_resolved_prints_a_loadable_scenario(cli) -> None:
    code, out, _ = cli("validate", "--resolved", str(FLAGSHIP))
    assert code == 0
    text = out.split("\n", 1)[1]
    assert parse_scenario(text.encode()) == load_scenario(FLAGSHIP)


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


@pytest.mark.parametrize(("argv", "usage", "says"), [
    (["network", "export", "--format", "csv"], "flashpoint network export",
     "the following arguments are required: --out"),
    (["network", "export", "s.yaml", "--out", "s.csv", "--format", "csv"],
     "flashpoint network export", "unrecognized arguments: --format csv"),
    (["network", "describe", "s.yaml", "--bogus"], "flashpoint network describe",
     "unrecognized arguments: --bogus"),
    (["run", "s.yaml", "--bogus"], "flashpoint run", "unrecognized arguments: --bogus"),
    (["validate", "s.yaml", "--bogus"], "flashpoint validate", "unrecognized arguments: --bogus"),
])
def test_a_subcommand_error_shows_that_subcommands_usage(argv: list[str], usage: str,
                                                         says: str) -> None:
    result = run_flashpoint(*argv)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"usage: {usage} [-h]"), result.stderr
    assert result.stderr.endswith(f"{usage}: error: {says}\n"), result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_policy_is_refused_before_anything_is_shown(tmp_path: Path, cli) -> None:
    scenario = FLAGSHIP
    names = ", ".join(p.name for p in load_scenario(scenario).policies)
    code, out, err = cli("run", str(scenario), "--policy", "no such policy",
                         "--out", str(tmp_path / "out"))
    assert (code, out) == (2, "")
    assert err == (f"--policy must name a policy of the scenario (one of: {names}); "
                   "got 'no such policy'\n")  # no worker note, no progress bar
    assert not (tmp_path / "out").exists()


HEAVY = ("numba", "plotly", "dask", "networkx")


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["validate", str(FLAGSHIP)]])
def test_version_help_and_validate_do_not_import_the_heavy_modules(argv: list[str]) -> None:
    code = ("import sys\n"
            "import sim.cli\n"
            "try:\n"
            f"    sim.cli.main({argv!r})\n"
            "except SystemExit:\n"
            "    pass\n"
            f"print([m for m in {HEAVY!r} if m in sys.modules])\n")
    import subprocess

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]", result.stdout


def test_the_public_api_is_still_importable() -> None:
    import sim.experiment.api
    import sim.scenario

    assert sim.run is sim.experiment.api.run
    assert sim.load_scenario is sim.scenario.load_scenario
    from sim import FlashpointError, Results, Scenario, ScenarioError, dump_resolved, run

    assert all([FlashpointError, Results, Scenario, ScenarioError, dump_resolved, run])
    assert set(sim.__all__) <= set(dir(sim))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = sim.nope  # type: ignore[attr-defined]
