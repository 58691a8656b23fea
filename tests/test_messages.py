"""Messages that say what was wrong in the user's own terms (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

BASE = """\
scenario: messages
horizon: 12h
network: {generator: erdos_renyi, accounts: 500, mean_follows: 5}
incident: {type: post, author: random, brand_followers: BRAND, start: START}
policies: [{name: a}]
"""


def _write(tmp_path: Path, brand: str = "20", start: str = "0h") -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace("BRAND", brand).replace("START", start))
    return path


@pytest.mark.parametrize("value", ["-1", "0", "two"])
def test_workers_says_the_same_bound_whatever_the_value(tmp_path: Path, cli, capsys,
                                                        value: str) -> None:
    with pytest.raises(SystemExit):
        cli("run", str(_write(tmp_path)), "--workers", value)
    assert f"--workers: must be a whole number >= 1; got '{value}'" in capsys.readouterr().err


def test_replications_mentions_auto(tmp_path: Path, cli, capsys) -> None:
    with pytest.raises(SystemExit):
        cli("run", str(_write(tmp_path)), "--replications", "abc")
    assert "must be a whole number in [1, 100,000] or 'auto'; got 'abc'" in (
        capsys.readouterr().err)


def test_a_start_after_the_horizon_is_shown_as_a_duration(tmp_path: Path, cli) -> None:
    code, _, err = cli("validate", str(_write(tmp_path, start="24h")))
    assert code == 2 and "incident.start must be before the horizon (12h); got 24h" in err


def test_a_count_written_with_an_exponent_is_a_whole_number(tmp_path: Path, cli) -> None:
    code, _, err = cli("validate", str(_write(tmp_path, brand="2e2")))
    assert code == 0, err
    code, _, err = cli("validate", str(_write(tmp_path, brand="2.5")))
    assert code == 2 and "incident.brand_followers must be a whole number >= 0; got 2.5" in err


def test_an_empty_out_is_refused(tmp_path: Path, cli) -> None:
    code, _, err = cli("run", str(_write(tmp_path)), "--out", "")
    assert code == 2 and "--out must name a folder" in err
    assert not (Path("results")).exists() or not any(Path("results").glob("s-*"))


def test_out_at_an_existing_file_says_what_to_do(tmp_path: Path, cli) -> None:
    existing = tmp_path / "a-file"
    existing.write_text("")
    code, _, err = cli("run", str(_write(tmp_path)), "--out", str(existing))
    assert code == 2 and "a file, not a folder; name a new folder" in err
