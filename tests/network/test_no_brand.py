"""A scenario whose brand neither posts nor speaks may leave out the brand's account."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.engine.world import World
from sim.network.build import audience, build_network
from sim.network.describe import describe
from sim.scenario import ScenarioError, load_scenario, parse_scenario
from tests.network.test_loaders import _file_scenario

GENERATED = """\
scenario: no brand
seed: 5
horizon: 12h
replications: 3
resolution: 1h
network: {{generator: scale_free, accounts: 3000, mean_follows: 10}}
segments:
  public: {{fraction: 0.8}}
  critics: {{fraction: 0.15, stance: -0.8}}
  journalists: {{fraction: 0.05, media: true, weight: 10}}
behaviour: {{share_probability: 0.05}}
incident:
  type: post
  author: {author}
{brand}media: {{pickup_probability: 0.1, writing_delay: 2h}}
policies:
  - name: nothing
  - name: delete
    actions: [{{do: delete, at: 1h}}]
{extra}"""

STATEMENT = """\
  - name: apologise
    actions: [{do: statement, strategy: apology, at: 1h}]
"""


def _generated(author: str = "random", brand: str = "", extra: str = "") -> str:
    return GENERATED.format(author=author, brand=brand, extra=extra)


def _file(tmp_path: Path, author: str = "{segment: critics}", extra: str = "") -> Path:
    path = _file_scenario(tmp_path, "account,segment\n1,critics\n3,critics\n")
    text = path.read_text().replace("  brand_account: 2\n", f"  author: {author}\n")
    path.write_text(text + extra)
    return path


@pytest.mark.parametrize("author", ["random", "{segment: critics}"])
def test_generated_network_without_brand_runs(author: str) -> None:
    scenario = parse_scenario(_generated(author).encode())
    assert scenario.incident.brand_followers is None
    graph = audience(scenario)
    assert graph.brand is None and graph.accounts == 3000
    assert (graph.segment >= 0).all()
    assert World(scenario, graph).brand == -1
    facts = describe(graph)
    assert facts["brand"] is None and sum(facts["segments"].values()) == 3000
    results = sim.run(scenario, replications=2)
    assert results.metrics.shape[1] == 2
    reach = results.metrics[0, :, 0]
    assert (reach >= 1).all()  # the incident reaches at least its author's followers


def test_leaving_out_the_brand_only_removes_its_account() -> None:
    with_brand = audience(parse_scenario(_generated(brand="  brand_followers: 200\n").encode()))
    without = audience(parse_scenario(_generated().encode()))
    assert with_brand.brand == 3000 and with_brand.accounts == 3001
    n = without.accounts
    np.testing.assert_array_equal(with_brand.offsets[:n + 1], without.offsets)
    np.testing.assert_array_equal(with_brand.followers[:without.follows], without.followers)
    np.testing.assert_array_equal(with_brand.segment[:n], without.segment)


def test_followers_author_without_brand_is_the_last_account() -> None:
    scenario = parse_scenario(_generated("{followers: 2999}").encode())
    graph = audience(scenario)
    assert graph.brand is None and graph.author == 3000 and graph.accounts == 3001
    followers = graph.followers_of(graph.author)
    assert len(np.unique(followers)) == 2999 and followers.max() < 3000  # from the audience
    assert World(scenario, graph).replication(0).author == 3000
    facts = describe(graph)
    assert facts["brand"] is None and facts["author"] == {"id": 3000, "followers": 2999}
    results = sim.run(scenario, replications=2)
    # its followers see the post within the 12h horizon with the default attention's chance,
    # 0.87: about 2,600 of them at least (4 SE below)
    assert (results.metrics[0, :, 0] >= 2999 * 0.87 - 4 * (2999 * 0.87 * 0.13) ** 0.5).all()


def test_file_network_without_brand_account_runs(tmp_path: Path) -> None:
    scenario = load_scenario(_file(tmp_path))
    assert scenario.incident.brand_account is None
    graph = build_network(scenario, np.random.default_rng(0))
    assert graph.brand is None and (graph.segment >= 0).all()
    assert describe(graph)["brand"] is None
    results = sim.run(scenario, replications=2)
    assert results.metrics.shape[1] == 2


def test_cli_validates_describes_and_exports_without_brand(tmp_path: Path, cli) -> None:
    generated = tmp_path / "generated.yaml"
    generated.write_text(_generated())
    for path in (generated, _file(tmp_path)):
        assert cli("validate", str(path)) == (0, f"{path}: ok\n", "")
    code, text, _ = cli("network", "describe", str(generated), "--json")
    assert code == 0 and json.loads(text)["brand"] is None
    code, text, _ = cli("network", "describe", str(generated))
    assert code == 0 and "brand" in text and "none" in text
    out = tmp_path / "audience.graphml"
    assert cli("network", "export", str(generated), "--out", str(out))[0] == 0
    assert "brand" not in out.read_text().split("<graph", 1)[1]


def test_statement_without_brand_is_refused(tmp_path: Path, cli) -> None:
    generated = tmp_path / "generated.yaml"
    generated.write_text(_generated(extra=STATEMENT))
    code, out, err = cli("validate", str(generated))
    assert (code, out) == (2, "") and "Traceback" not in err
    line = _generated(extra=STATEMENT).splitlines().index("incident:") + 1
    assert err.startswith(
        f"{generated}:{line}: incident.brand_followers must be given for a generated network "
        "(how many accounts follow the brand) when a policy makes a statement, which the brand "
        "posts (policies[2].actions[0]); got nothing\n")
    path = _file(tmp_path, extra=STATEMENT)
    code, out, err = cli("validate", str(path))
    assert (code, out) == (2, "") and "Traceback" not in err
    assert ("incident.brand_account must be given for a file network (the id of the brand's "
            "account) when a policy makes a statement, which the brand posts "
            "(policies[1].actions[0]); got nothing") in err


def test_brand_author_without_brand_is_refused(tmp_path: Path, cli) -> None:
    with pytest.raises(ScenarioError, match=r"incident.brand_followers must be given for a "
                       r"generated network \(how many accounts follow the brand\) when "
                       r"incident.author is brand; got nothing"):
        parse_scenario(_generated("brand").encode())
    path = _file(tmp_path, author="brand")
    code, out, err = cli("validate", str(path))
    assert (code, out) == (2, "") and "Traceback" not in err
    assert ("incident.brand_account must be given for a file network (the id of the brand's "
            "account) when incident.author is brand; got nothing") in err
