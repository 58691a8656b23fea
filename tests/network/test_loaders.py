from __future__ import annotations

import csv
import gzip
import warnings
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from sim.network.build import build_network
from sim.network.describe import describe
from sim.network.graph import from_networkx
from sim.network.loaders import NetworkFileError, NetworkWarning, load_graph, read_segments
from sim.scenario import load_scenario
from sim.scenario.errors import FieldError
from tests.conftest import SHARED_DATA

EGONETS = sorted((SHARED_DATA / "twitter-egonets").glob("*.csv"))


def _independent_count(path: Path) -> tuple[set[str], set[tuple[str, str]], int]:
    """Count with the csv module: every id, the distinct non-loop edges, the self-loops."""
    ids: set[str] = set()
    edges: set[tuple[str, str]] = set()
    loops = 0
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for src, trg in reader:
            ids.update((src, trg))
            if src == trg:
                loops += 1
            else:
                edges.add((src, trg))
    return ids, edges, loops


@pytest.mark.skipif(not EGONETS, reason="../shared/data/twitter-egonets is not beside the repo")
@pytest.mark.parametrize("path", EGONETS, ids=[p.stem for p in EGONETS])
@pytest.mark.parametrize("direction", ["follows", "broadcasts"])
def test_real_follower_graph_loads_with_independent_counts(path: Path, direction: str) -> None:
    ids, edges, loops = _independent_count(path)
    graph = load_graph(path, direction=direction)
    lines = sum(1 for _ in path.open()) - 1
    assert graph.accounts == len(ids)
    assert graph.follows == len(edges)
    assert graph.dropped_self_loops == loops
    assert graph.dropped_duplicates == lines - loops - len(edges)
    # every edge of the file is in the graph, the right way round
    keys = set(zip(graph.ids[graph.sources()].tolist(), graph.ids[graph.followers].tolist(),
                   strict=True))
    as_ints = {(int(a), int(b)) for a, b in edges}
    assert keys == (as_ints if direction == "broadcasts" else {(b, a) for a, b in as_ints})
    facts = describe(graph)
    assert facts["accounts"] == len(ids) and facts["follows"] == len(edges)
    assert 0 < facts["reciprocity"] < 1
    assert 0 < facts["largest_weak_component_share"] <= 1


def test_all_three_text_formats_and_gzip_agree(tmp_path: Path) -> None:
    rows = [("1", "2"), ("2", "3"), ("3", "1"), ("1", "2"), ("4", "4")]
    variants = {
        "e.csv": "follower,followed\n" + "".join(f"{a},{b}\n" for a, b in rows),
        "e.tsv": "# a comment\n" + "".join(f"{a}\t{b}\n" for a, b in rows),
        "e.txt": "".join(f"{a}  {b}   # trailing\n\n" for a, b in rows),
    }
    graphs = []
    for name, text in variants.items():
        (tmp_path / name).write_text(text)
        with gzip.open(tmp_path / f"{name}.gz", "wt") as handle:
            handle.write(text)
        graphs += [load_graph(tmp_path / name), load_graph(tmp_path / f"{name}.gz")]
    for graph in graphs:
        assert (graph.accounts, graph.follows) == (4, 3)
        assert (graph.dropped_self_loops, graph.dropped_duplicates) == (1, 1)
        assert graph.edge_keys().tolist() == graphs[0].edge_keys().tolist()


def test_text_ids_and_direction(tmp_path: Path) -> None:
    path = tmp_path / "names.csv"
    path.write_text("alice,bob\ncarol,bob\n")
    follows = load_graph(path)  # alice follows bob: bob's posts reach alice
    bob = follows.ids.tolist().index("bob")
    assert sorted(follows.ids[follows.followers_of(bob)].tolist()) == ["alice", "carol"]
    broadcasts = load_graph(path, direction="broadcasts")
    alice = broadcasts.ids.tolist().index("alice")
    assert broadcasts.ids[broadcasts.followers_of(alice)].tolist() == ["bob"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("one-column.csv", "1,2\n3,4\n5\n",
         "one-column.csv:3: each line must hold two account ids"),
        ("empty.csv", "", "empty.csv:1: the file must hold at least one edge"),
        ("comments.csv", "# only\n\n", "comments.csv:1: the file must hold at least one edge"),
        ("header-only.csv", "src,trg\n", "header-only.csv:1: the file must hold at least one "
         "edge after its header"),
        ("fake.csv.gz", "1,2\n", "fake.csv.gz:1: the file must be gzip-compressed"),
        ("broken.graphml", "<graphml><graph>", "broken.graphml:1: the file must be GraphML"),
    ],
)
def test_bad_network_files_name_file_and_line(tmp_path: Path, name: str, content: str,
                                              message: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(NetworkFileError) as caught:
        load_graph(path)
    assert str(caught.value).startswith(f"{tmp_path}/{message}")


def test_non_integer_where_integers_are_declared(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("1,2\n3,4\n5,x7\n")
    with pytest.raises(NetworkFileError) as caught:
        load_graph(path, ids="integer")
    assert str(caught.value) == (f"{path}:3: account ids must be whole numbers (network.ids is "
                                 "integer); got 'x7'")
    assert load_graph(path, ids="auto").ids.dtype == object  # text ids are fine when not declared


def test_graphml_loads(tmp_path: Path) -> None:
    source = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "c")])
    path = tmp_path / "g.graphml"
    nx.write_graphml(source, path)
    graph = load_graph(path, direction="broadcasts")
    assert (graph.accounts, graph.follows, graph.dropped_self_loops) == (3, 2, 1)


def test_networkx_round_trip() -> None:
    source = nx.gnp_random_graph(200, 0.05, seed=1, directed=True)
    nx.set_node_attributes(source, {n: "critics" if n % 3 == 0 else "public" for n in source},
                           "segment")
    graph = from_networkx(source)
    back = graph.to_networkx()
    assert set(back.edges) == set(source.edges)
    assert set(back.nodes) == set(source.nodes)
    assert all(back.nodes[n]["segment"] == source.nodes[n]["segment"] for n in source)


def test_undirected_networkx_graph_follows_both_ways() -> None:
    graph = from_networkx(nx.path_graph(3))
    assert graph.follows == 4


def _file_scenario(tmp_path: Path, segments_csv: str, brand: str = "2") -> Path:
    (tmp_path / "edges.csv").write_text("follower,followed\n1,2\n2,3\n3,1\n4,2\n")
    (tmp_path / "accounts.csv").write_text(segments_csv)
    path = tmp_path / "s.yaml"
    path.write_text(f"""\
scenario: file network
horizon: 2h
network:
  file: edges.csv
  segments_file: accounts.csv
segments:
  critics: {{stance: -0.5}}
incident:
  type: post
  brand_account: {brand}
policies:
  - name: nothing
""")
    return path


def test_segments_file_assigns_segments(tmp_path: Path) -> None:
    scenario = load_scenario(_file_scenario(tmp_path, "account,segment\n1,critics\n3,critics\n"))
    graph = build_network(scenario, np.random.default_rng(0))
    by_id = dict(zip(graph.ids.tolist(), graph.segment.tolist(), strict=True))
    names = list(graph.segment_names)
    assert by_id == {1: names.index("critics"), 2: -1, 3: names.index("critics"),
                     4: names.index("public")}
    assert graph.stance[graph.ids.tolist().index(1)] == pytest.approx(-0.5)


def test_segments_file_unknown_segment_is_an_error(tmp_path: Path) -> None:
    path = _file_scenario(tmp_path, "account,segment\n1,critics\n3,critcs\n")
    with pytest.raises(NetworkFileError) as caught:
        build_network(load_scenario(path), np.random.default_rng(0))
    assert str(caught.value).startswith(f"{tmp_path / 'accounts.csv'}:3: the segment must be one "
                                        "of the scenario's segments")
    assert "did you mean 'critics'" in str(caught.value)


def test_segments_file_unknown_accounts_warn_with_counts(tmp_path: Path) -> None:
    path = _file_scenario(tmp_path, "1,critics\n77,critics\n78,public\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        graph = build_network(load_scenario(path), np.random.default_rng(0))
    messages = [str(w.message) for w in caught if issubclass(w.category, NetworkWarning)]
    assert messages == [f"{tmp_path / 'accounts.csv'}: 2 account(s) are not in the network and "
                        "were skipped (the first: '77')"]
    assert graph.accounts == 4


def test_brand_account_not_in_graph_is_a_field_error(tmp_path: Path) -> None:
    path = _file_scenario(tmp_path, "1,critics\n", brand="99")
    with pytest.raises(FieldError) as caught:
        build_network(load_scenario(path), np.random.default_rng(0))
    assert caught.value.path == ("incident", "brand_account")


def test_read_segments_defaults_to_public(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text("1,2\n")
    (tmp_path / "s.csv").write_text("")
    graph = load_graph(tmp_path / "e.csv")
    assert read_segments(tmp_path / "s.csv", graph, ["public", "x"]).tolist() == [0, 0]
