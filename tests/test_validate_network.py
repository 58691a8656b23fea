"""``flashpoint validate`` reads a file network as ``run`` will (issue 13, 14).

What validate accepts, run runs: the network file, the segments file and the brand's account
are checked at validation, each problem with its file and line.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest

from sim.scenario import yamlsource
from tests.conftest import SCENARIOS, run_flashpoint
from tests.network.test_malformed_files import limited

Cli = Callable[..., tuple[int, str, str]]

BRAND_LINE = 10


def _scenario(tmp_path: Path, network: str, content: bytes | str, brand: str = "2",
              segments: str = "account,segment\n1,critics\n") -> Path:
    """A file-network scenario whose network file is ``network`` holding ``content``."""
    data = content.encode() if isinstance(content, str) else content
    (tmp_path / network).write_bytes(data)
    (tmp_path / "accounts.csv").write_text(segments)
    path = tmp_path / "s.yaml"
    path.write_text(f"""\
scenario: file network
horizon: 2h
network:
  file: {network}
  segments_file: accounts.csv
segments:
  critics: {{stance: -0.5}}
incident:
  type: post
  brand_account: {brand}
policies:
  - name: nothing
""")
    assert path.read_text().splitlines()[BRAND_LINE - 1].strip().startswith("brand_account")
    return path


EDGES = "follower,followed\n1,2\n2,3\n3,1\n4,2\n"
GRAPHML = ('<?xml version="1.0"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
           '<graph edgedefault="directed">\n<node id="1"/><node id="2"/>\n'
           '<edge source="1" target="2"/>\n</graph></graphml>\n')


@pytest.mark.parametrize(
    ("network", "content", "message"),
    [
        ("edges.csv", "", "1: the file must hold at least one edge (two account ids per line); "
         "got an empty file"),
        ("edges.csv", "src,trg\n", "1: the file must hold at least one edge after its header; "
         "got only the header"),
        ("edges.csv.gz", "1,2\n", "1: the file must be gzip-compressed (its name ends in .gz)"),
        ("edges.graphml", "not xml at all\n", "1: the file must be GraphML (XML)"),
        ("edges.csv", "1,2\n2,3\n,5\n", "3: each line must hold two account ids"),
        ("edges.csv", b"1,2\n\x00,3\n", "2: the file must be text; got binary data (a NUL byte)"),
        ("edges.graphml", GRAPHML.replace('source="1" ', ""),
         "5: an <edge> must have a source and a target"),
    ],
    ids=["empty", "header-only", "not-gzip", "not-xml", "empty-id", "nul", "edge-no-source"],
)
def test_validate_reads_the_network_file(tmp_path: Path, cli: Cli, network: str,
                                         content: bytes | str, message: str) -> None:
    path = _scenario(tmp_path, network, content)
    code, out, err = cli("validate", str(path))
    assert (code, out) == (2, ""), err
    assert err.startswith(f"{tmp_path / network}:{message}"), err
    assert "Traceback" not in err
    code, out, err = cli("validate", "--quick", str(path))  # --quick does not open it
    assert (code, out, err) == (0, f"{path}: ok\n", "")


def test_brand_account_missing_from_the_file_names_the_scenario_line(tmp_path: Path,
                                                                      cli: Cli) -> None:
    path = _scenario(tmp_path, "edges.csv", EDGES, brand="99")
    code, out, err = cli("validate", str(path))
    assert (code, out) == (2, "")
    assert err == (f"{path}:{BRAND_LINE}: incident.brand_account must be an account id in "
                   "network.file; got '99'\n")
    graphml = _scenario(tmp_path, "edges.graphml", GRAPHML, brand="99")
    code, _, err = cli("validate", str(graphml))
    assert code == 2 and err.startswith(f"{graphml}:{BRAND_LINE}: incident.brand_account"), err


def test_a_good_file_network_is_ok_and_its_warnings_shown(tmp_path: Path, cli: Cli) -> None:
    path = _scenario(tmp_path, "edges.csv", EDGES, segments="1,critics\n77,critics\n")
    code, out, err = cli("validate", str(path))
    assert (code, out) == (0, f"{path}: ok\n"), err
    assert err == (f"warning: {tmp_path / 'accounts.csv'}: 1 account(s) are not in the network "
                   "and were skipped (the first: '77')\n")


def test_segments_file_problems_are_found_at_validation(tmp_path: Path, cli: Cli) -> None:
    path = _scenario(tmp_path, "edges.csv", EDGES, segments="account,segment\n1,critcs\n")
    code, out, err = cli("validate", str(path))
    assert (code, out) == (2, "")
    assert err.startswith(f"{tmp_path / 'accounts.csv'}:2: the segment must be one of the "
                          "scenario's segments"), err


def test_every_file_is_checked_and_counted(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    good = _scenario(tmp_path / "a", "edges.csv", EDGES)
    bad = _scenario(tmp_path / "b", "edges.csv", "")
    code, out, err = cli("validate", str(good), str(bad))
    assert code == 2
    assert out == f"{good}: ok\n"
    assert err.endswith("1 of 2 files have problems\n")


def test_generated_networks_are_not_built(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.network.build

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("validate built a generated network")

    monkeypatch.setattr(sim.network.build, "build_network", refuse)
    monkeypatch.setattr(sim.network.build, "audience", refuse)
    code, out, err = cli("validate", str(SCENARIOS[0]))
    assert code == 0, err
    assert out == f"{SCENARIOS[0]}: ok\n"


def test_quick_is_in_the_help() -> None:
    result = run_flashpoint("validate", "--help")
    assert result.returncode == 0
    assert "--quick" in result.stdout and "do not read network files" in result.stdout


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_as_the_scenario_file_is_refused_for_its_size() -> None:
    result = limited("validate", "/dev/zero")
    assert result.returncode == 2, result.stderr
    most = yamlsource.MAX_FILE_BYTES
    assert result.stderr == (f"/dev/zero:1: document must be a scenario file of at most {most} "
                             f"bytes; got more than {most} bytes\n")


def test_a_scenario_file_just_over_the_limit_is_refused(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("# padding\n" * (yamlsource.MAX_FILE_BYTES // 10) + "scenario: x\n")
    code, _, err = cli("validate", str(path))
    assert code == 2
    assert f"got more than {yamlsource.MAX_FILE_BYTES} bytes" in err


def test_gzip_network_within_limits_validates(tmp_path: Path, cli: Cli) -> None:
    path = _scenario(tmp_path, "edges.csv.gz", gzip.compress(EDGES.encode()))
    code, out, err = cli("validate", str(path))
    assert (code, out, err) == (0, f"{path}: ok\n", "")


def test_run_names_the_scenario_line_of_a_missing_brand_too(tmp_path: Path, cli: Cli) -> None:
    path = _scenario(tmp_path, "edges.csv", EDGES, brand="99")
    code, _, err = cli("run", str(path), "--quiet", "--workers", "1", "--replications", "1",
                       "--out", str(tmp_path / "out"))
    assert code == 2 and err.startswith(f"{path}:{BRAND_LINE}: incident.brand_account"), err


def test_an_author_from_a_segment_the_file_leaves_empty_is_refused(tmp_path: Path,
                                                                   cli: Cli) -> None:
    """It once fell back to a random account, silently."""
    path = _scenario(tmp_path, "edges.csv", EDGES, segments="account,segment\n")
    author = "  author: {segment: critics}"
    text = path.read_text().replace("  type: post\n", f"  type: post\n{author}\n")
    path.write_text(text)
    line = text.splitlines().index(author) + 1
    for command in (("validate",), ("run", "--quiet", "--workers", "1", "--replications", "1",
                                    "--out", str(tmp_path / "out"))):
        code, _, err = cli(command[0], str(path), *command[1:])
        assert code == 2, err
        assert err.startswith(f"{path}:{line}: incident.author.segment must be a segment with "
                              f"accounts in the network (critics has none"), err
