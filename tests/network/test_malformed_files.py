"""Malformed and hostile network files are refused with the file and line (issue 13, 14-16).

Each test goes through ``flashpoint network describe FILE``, as a user would.
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from sim.network import loaders

Cli = Callable[..., tuple[int, str, str]]


def _refused(cli: Cli, path: Path, message: str) -> str:
    """Describe ``path``; assert it is refused with ``PATH:message`` and no traceback."""
    code, out, err = cli("network", "describe", str(path))
    assert (code, out) == (2, ""), err
    assert err.startswith(f"{path}:{message}"), err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("line", "why"),
    [
        (",5", "each line must hold two account ids (follower and followed); got ',5'"),
        ("5,", "each line must hold two account ids (follower and followed); got '5,'"),
        (" ,5", "each line must hold two account ids (follower and followed); got ',5'"),
        ("\x00,3", "the file must be text; got binary data (a NUL byte)"),
        ('"a,b",0', "account ids must not be quoted (quotes are not read as CSV quoting); "
                    "got '\"a,b\",0'"),
    ],
    ids=["empty-first-id", "empty-second-id", "blank-id", "nul", "quoted-comma"],
)
@pytest.mark.parametrize("where", [1, 3])
def test_malformed_edge_line_names_file_and_line(tmp_path: Path, cli: Cli, line: str, why: str,
                                                 where: int) -> None:
    lines = ["1,2", "2,3", "3,4"]
    lines.insert(where - 1, line)
    path = tmp_path / "edges.csv"
    path.write_text("\n".join(lines) + "\n")
    _refused(cli, path, f"{where}: {why}")


def test_malformed_line_in_a_gzip_file_and_a_later_block(tmp_path: Path, cli: Cli,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loaders, "BLOCK_BYTES", 64)  # many blocks: the line is counted across
    path = tmp_path / "edges.tsv.gz"
    text = "".join(f"{i}\t{i + 1}\n" for i in range(200)) + "\t7\n"
    path.write_bytes(gzip.compress(text.encode()))
    _refused(cli, path, "201: each line must hold two account ids")


def test_quoted_header_is_still_a_header_and_quotes_in_comments_are_fine(tmp_path: Path,
                                                                         cli: Cli) -> None:
    path = tmp_path / "edges.csv"
    path.write_text('"src","trg"\n1,2  # "the first"\n2,3\n')
    code, out, err = cli("network", "describe", str(path), "--json")
    assert code == 0, err
    assert (json.loads(out)["accounts"], json.loads(out)["follows"]) == (3, 2)


def test_text_ids_lose_the_spaces_around_them(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "edges.csv"
    path.write_text("alice, bob\nbob ,carol\n")
    code, out, err = cli("network", "describe", str(path), "--json")
    assert code == 0, err
    assert json.loads(out)["accounts"] == 3  # "bob" and " bob" are one account


def test_graphml_edge_without_source_names_its_line(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "g.graphml"
    path.write_text('<?xml version="1.0"?>\n'
                    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
                    '<graph edgedefault="directed">\n'
                    '<node id="a"/><node id="b"/>\n'
                    '<edge source="a" target="b"/>\n'
                    '<edge target="b"/>\n'
                    "</graph></graphml>\n")
    _refused(cli, path, '6: an <edge> must have a source and a target (edge 2 of the file); '
                        'got target="b"')


def test_graphml_node_without_id_names_its_line(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "g.graphml"
    path.write_text('<graphml><graph edgedefault="directed">\n<node id="a"/>\n<node/>\n'
                    "</graph></graphml>\n")
    _refused(cli, path, "3: a <node> must have an id")


def test_good_graphml_still_loads(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "g.graphml"
    nx.write_graphml(nx.DiGraph([("a", "b"), ("b", "c")]), path)
    code, out, err = cli("network", "describe", str(path), "--json")
    assert code == 0, err
    assert json.loads(out)["follows"] == 2


def test_a_line_longer_than_the_limit_is_refused(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "edges.txt"
    path.write_text("1 2\n3 " + "4" * (loaders.MAX_LINE_BYTES + 1) + "\n5 6\n")
    _refused(cli, path, f"2: a line must be at most {loaders.MAX_LINE_BYTES:,} bytes long")


def test_a_file_without_line_breaks_is_refused_before_it_is_read_whole(
        tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loaders, "BLOCK_BYTES", 1000)
    path = tmp_path / "edges.txt"
    path.write_text("1 2\n" + "7" * 100_000)
    _refused(cli, path, "2: a line must be at most")


def limited(*argv: str) -> subprocess.CompletedProcess[str]:
    """``python -m sim ARGV`` with at most 4 GiB of address space.

    A reader that reads ``/dev/zero`` whole fails here with a MemoryError, instead of taking
    the machine's memory.
    """
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "sim", *argv], capture_output=True, text=True,
                          timeout=60, check=False, preexec_fn=limit, env=env)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_as_a_network_file_is_refused_at_line_1(tmp_path: Path) -> None:
    result = limited("network", "describe", "/dev/zero")
    assert result.returncode == 2, result.stderr
    assert result.stderr == "/dev/zero:1: the file must be text; got binary data (a NUL byte)\n"
    link = tmp_path / "zero.graphml"
    link.symlink_to("/dev/zero")
    result = limited("network", "describe", str(link))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"{link}:1: the file must be GraphML (XML)")


def test_gzip_bomb_is_refused(tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A small bomb, the limits scaled down: 4 MB of ``0,1`` lines in a 4 KB .gz."""
    monkeypatch.setattr(loaders, "GZIP_RATIO_FLOOR", 1 << 20)
    monkeypatch.setattr(loaders, "BLOCK_BYTES", 1 << 18)
    path = tmp_path / "bomb.csv.gz"
    path.write_bytes(gzip.compress(b"0,1\n" * 1_000_000, compresslevel=9))
    assert path.stat().st_size * loaders.MAX_GZIP_RATIO < 1 << 20
    err = _refused(cli, path, "")
    assert f"must decompress to at most {loaders.MAX_GZIP_RATIO} times its size" in err


def test_ordinary_gzip_file_is_not_taken_for_a_bomb(tmp_path: Path, cli: Cli,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loaders, "GZIP_RATIO_FLOOR", 1 << 16)
    monkeypatch.setattr(loaders, "BLOCK_BYTES", 1 << 14)
    path = tmp_path / "edges.csv.gz"
    pairs = np.random.default_rng(1).choice(100_000, size=(20_000, 2), replace=False)
    text = "".join(f"{a},{b}\n" for a, b in pairs.tolist())
    path.write_bytes(gzip.compress(text.encode(), compresslevel=9))
    assert len(text) > 1 << 16  # the ratio is checked
    code, out, err = cli("network", "describe", str(path), "--json")
    assert code == 0, err
    assert json.loads(out)["follows"] == 20_000


def test_more_edges_than_the_limit_are_refused(tmp_path: Path, cli: Cli,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loaders, "MAX_FILE_EDGES", 100)
    monkeypatch.setattr(loaders, "BLOCK_BYTES", 256)
    path = tmp_path / "edges.csv"
    path.write_text("".join(f"{i},{i + 1}\n" for i in range(1000)))
    err = _refused(cli, path, "")
    assert "the file must hold at most 100 edges (MAX_FILE_EDGES); got more by this line" in err
    line = int(err.split(":")[1])
    assert 100 < line < 200  # refused as soon as a block takes it past the limit


def test_more_edges_than_memory_holds_are_refused(tmp_path: Path, cli: Cli,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loaders, "machine_memory", lambda: 10_000)
    path = tmp_path / "edges.csv"
    path.write_text("".join(f"{i},{i + 1}\n" for i in range(1000)))
    err = _refused(cli, path, "1000: the network must fit in this machine's memory")
    assert "got 1,000 edges by this line" in err


@pytest.mark.parametrize("block", [7, 64, 1 << 24])
def test_block_size_does_not_change_the_graph(tmp_path: Path, cli: Cli, block: int,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Headers after comments, ids turning to text late, a BOM: read the same in any blocks."""
    monkeypatch.setattr(loaders, "BLOCK_BYTES", block)
    path = tmp_path / "edges.csv"
    body = "".join(f"{i},{(i * 13) % 97}\n" for i in range(300))
    path.write_text("\ufeff# comment\n\n# another\nfollower,followed\n" + body + "x,007\n7,1\n")
    code, out, err = cli("network", "describe", str(path), "--json")
    assert code == 0, err
    facts = json.loads(out)
    assert (facts["accounts"], facts["follows"], facts["dropped_self_loops"]) == (302, 301, 1)
