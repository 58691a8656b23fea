from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import networkx as nx
import pytest

from tests.conftest import FLAGSHIP
from tests.network.test_loaders import _file_scenario


def _small(tmp_path: Path, seed: int, name: str = "small.yaml") -> Path:
    text = re.sub(r"\n  accounts: \d+", "\n  accounts: 3000", FLAGSHIP.read_text())
    text = re.sub(r"\n  brand_followers: \d+", "\n  brand_followers: 150", text)
    text = re.sub(r"\nseed: \d+", f"\nseed: {seed}", text)
    path = tmp_path / name
    path.write_text(text)
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("suffix", [".csv", ".graphml"])
def test_same_seed_gives_byte_identical_exports(tmp_path: Path, cli, suffix: str) -> None:
    scenario = _small(tmp_path, 1)
    first, second = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    assert cli("network", "export", str(scenario), "--out", str(first))[0] == 0
    assert cli("network", "export", str(scenario), "--out", str(second))[0] == 0
    assert _digest(first) == _digest(second)
    other = _small(tmp_path, 2, "other.yaml")
    third = tmp_path / f"c{suffix}"
    assert cli("network", "export", str(other), "--out", str(third))[0] == 0
    assert _digest(third) != _digest(first)


def test_csv_export_has_one_row_per_follow_and_reloads(tmp_path: Path, cli) -> None:
    scenario = _small(tmp_path, 1)
    out = tmp_path / "audience.csv"
    code, printed, _ = cli("network", "export", str(scenario), "--out", str(out))
    assert code == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "follower,followed"
    code, text, _ = cli("network", "describe", str(scenario), "--json")
    facts = json.loads(text)
    assert len(lines) - 1 == facts["follows"]
    assert printed == f"wrote {out}: {facts['accounts']:,} accounts, {facts['follows']:,} follows\n"
    code, text, _ = cli("network", "describe", str(out), "--json")
    again = json.loads(text)
    assert (again["accounts"], again["follows"]) == (facts["accounts"], facts["follows"])
    assert again["reciprocity"] == pytest.approx(facts["reciprocity"])


def test_graphml_export_carries_segments(tmp_path: Path, cli) -> None:
    scenario = _small(tmp_path, 1)
    out = tmp_path / "audience.graphml"
    assert cli("network", "export", str(scenario), "--out", str(out))[0] == 0
    graph = nx.read_graphml(out)
    segments = nx.get_node_attributes(graph, "segment")
    assert set(segments.values()) == {"public", "critics", "fans", "journalists", "brand"}
    assert graph.number_of_nodes() == 3001


def test_describe_text_for_a_scenario(tmp_path: Path, cli) -> None:
    code, out, err = cli("network", "describe", str(_small(tmp_path, 1)))
    assert (code, err) == (0, "")
    labels = [line.split("  ")[0] for line in out.splitlines()]
    assert labels == ["accounts", "follows", "reciprocity", "followers", "tail exponent",
                      "largest component", "segments", "brand", "dropped", "memory"]
    assert "account 3000 with 150 followers" in out


def test_export_refuses_unknown_suffix(tmp_path: Path, cli) -> None:
    code, _, err = cli("network", "export", str(_small(tmp_path, 1)), "--out",
                       str(tmp_path / "x.json"))
    assert code == 2
    assert "must end in .csv or .graphml; got '.json'" in err


def test_brand_not_in_file_names_the_scenario_line(tmp_path: Path, cli) -> None:
    path = _file_scenario(tmp_path, "1,critics\n", brand="99")
    code, _, err = cli("network", "describe", str(path))
    assert code == 2
    line = path.read_text().splitlines().index("  brand_account: 99") + 1
    assert err == (f"{path}:{line}: incident.brand_account must be an account id in "
                   "network.file; got '99'\n")


def test_unknown_accounts_are_a_warning_not_a_failure(tmp_path: Path, cli) -> None:
    path = _file_scenario(tmp_path, "1,critics\n77,critics\n")
    code, out, err = cli("network", "describe", str(path))
    assert code == 0 and "accounts           4" in out
    assert err.startswith("warning: ") and "1 account(s) are not in the network" in err


def test_bad_network_file_via_cli(tmp_path: Path, cli) -> None:
    path = tmp_path / "x.csv"
    path.write_text("1,2\n7\n")
    code, out, err = cli("network", "describe", str(path))
    assert (code, out) == (2, "")
    assert err == (f"{path}:2: each line must hold two account ids (follower and followed); "
                   "got '7'\n")
