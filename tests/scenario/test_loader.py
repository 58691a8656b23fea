from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.scenario import ScenarioError, dump_resolved, load_scenario, parse_scenario, resources
from sim.scenario.schema import FollowersAuthor
from sim.scenario.values import Fixed, LogNormal, NoNovelty, Seismic
from tests.conftest import FLAGSHIP, SCENARIOS
from tests.scenario.test_malformed import BASE


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_resolved_scenario_round_trips(path: Path, tmp_path: Path) -> None:
    scenario = load_scenario(path)
    resolved = tmp_path / "scenario.resolved.yaml"
    resolved.write_text(dump_resolved(scenario, str(path)))
    again = load_scenario(resolved)
    assert again == scenario
    assert dump_resolved(again, str(path)) == dump_resolved(scenario, str(path))


def test_resolved_file_records_the_version() -> None:
    text = dump_resolved(load_scenario(FLAGSHIP))
    assert f"flashpoint_version: {sim.__version__}\n" in text


def test_defaults_are_filled_in() -> None:
    text = BASE.replace("  attention: seismic(theta=0.23, plateau=5m)\n", "")
    scenario = parse_scenario(text.encode())
    assert scenario.network.follower_exponent == 2.3
    assert scenario.network.reciprocity == 0.3
    assert scenario.behaviour.attention == Seismic(theta=0.23, plateau=300.0, knee=3600.0,
                                                   tail=0.5)
    assert scenario.segments is not None
    assert all(s.attention == scenario.behaviour.attention for s in scenario.segments.values())
    statement = scenario.policies[2].actions[0]
    assert (statement.effect, statement.newsworthiness) == (0.5, 1.0)
    assert statement.share_probability == scenario.behaviour.share_probability == 0.05
    assert scenario.policies[1].actions[0].delay == Fixed(0.0)
    assert scenario.media is not None
    assert scenario.media.writing_delay == LogNormal(median=6 * 3600.0, sigma=0.8)
    # audience-scaled media defaults (2,000 accounts): 1%, 2% and half of the accounts
    assert (scenario.media.saturation, scenario.media.article_reach,
            scenario.media.offline_audience) == (20.0, 40, 1000)


def test_reaction_strength_defaults_to_a_branching_factor() -> None:
    text = BASE.replace("  share_probability: 0.05\n", "").replace(
        "  novelty: stretched_exp(half_life=1h, beta=0.4)\n", "")
    scenario = parse_scenario(text.encode())
    assert scenario.behaviour.share_probability is None
    assert scenario.behaviour.reactions_per_reaction == 0.2
    assert scenario.behaviour.novelty == NoNovelty()
    assert scenario.policies[2].actions[0].share_probability is None  # the story's, at run time
    assert parse_scenario(dump_resolved(scenario).encode()) == scenario  # it round-trips


def test_no_segments_means_one_public_segment() -> None:
    text = BASE.replace(
        "segments:\n  public: {fraction: 0.8}\n  critics: {fraction: 0.15, stance: -0.8}\n"
        "  journalists: {fraction: 0.05, media: true, weight: 10}\n", ""
    ).replace("media:\n  pickup_probability: 0.05\n  writing_delay: lognormal(median=6h, "
              "sigma=0.8)\n", "")
    scenario = parse_scenario(text.encode())
    assert scenario.segments is not None
    assert list(scenario.segments) == ["public"]
    assert scenario.segments["public"].fraction == 1.0


def test_segment_attention_overrides_behaviour() -> None:
    text = BASE.replace("  critics: {fraction: 0.15, stance: -0.8}",
                        "  critics: {fraction: 0.15, stance: -0.8, attention: 10m}")
    scenario = parse_scenario(text.encode())
    assert scenario.segments is not None
    assert scenario.segments["critics"].attention == Fixed(600.0)
    assert scenario.segments["public"].attention == Seismic(0.23, 300.0)


def test_statement_overrides_are_kept() -> None:
    text = BASE.replace("        strategy: apology",
                        "        strategy: apology\n        effect: 0.3\n"
                        "        share_probability: 0.1")
    action = parse_scenario(text.encode()).policies[2].actions[0]
    assert (action.effect, action.share_probability, action.newsworthiness) == (0.3, 0.1, 1.0)


def _file_network(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "edges.csv").write_text("follower,followed\n1,2\n2,3\n3,1\n")
    (data / "accounts.csv").write_text("account,segment\n1,critics\n")
    text = (BASE.replace("  generator: scale_free\n  accounts: 2000\n  mean_follows: 10\n",
                         "  file: data/edges.csv\n  segments_file: data/accounts.csv\n")
            .replace("  public: {fraction: 0.8}\n", "")
            .replace("{fraction: 0.15, stance: -0.8}", "{stance: -0.8}")
            .replace("{fraction: 0.05, media: true, weight: 10}", "{media: true, weight: 10}")
            .replace("  brand_followers: 200", "  brand_account: 2"))
    path = tmp_path / "file-network.yaml"
    path.write_text(text)
    return path


def test_file_network_paths_resolve_against_the_scenario_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _file_network(tmp_path)
    monkeypatch.chdir("/")
    scenario = load_scenario(path)
    assert scenario.network.file == str(tmp_path / "data" / "edges.csv")
    assert scenario.network.segments_file == str(tmp_path / "data" / "accounts.csv")
    assert scenario.network.direction == "follows"
    assert scenario.incident.brand_account == "2"
    assert scenario.segments is not None
    assert list(scenario.segments) == ["critics", "journalists", "public"]
    elsewhere = tmp_path / "out" / "scenario.resolved.yaml"
    elsewhere.parent.mkdir()
    elsewhere.write_text(dump_resolved(scenario))
    assert load_scenario(elsewhere) == scenario


def test_file_network_refuses_fractions_and_brand_followers(tmp_path: Path) -> None:
    path = _file_network(tmp_path)
    path.write_text(path.read_text().replace("{stance: -0.8}", "{fraction: 0.1, stance: -0.8}")
                    .replace("  brand_account: 2", "  brand_followers: 20"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    paths = [p.path for p in caught.value.problems]
    assert paths == ["segments.critics.fraction", "incident.brand_account",
                     "incident.brand_followers"]


def test_author_with_followers_parses_and_round_trips(tmp_path: Path) -> None:
    scenario = parse_scenario(BASE.replace("  author: brand", "  author: {followers: 1999}")
                              .encode())
    assert scenario.incident.author == FollowersAuthor(followers=1999)
    text = dump_resolved(scenario)
    assert "  author:\n    followers: 1999\n" in text
    resolved = tmp_path / "scenario.resolved.yaml"
    resolved.write_text(text)
    again = load_scenario(resolved)
    assert again == scenario and again.incident.author == FollowersAuthor(followers=1999)
    for author in ("brand", "random", "{segment: critics}"):  # the other forms are unchanged
        other = parse_scenario(BASE.replace("  author: brand", f"  author: {author}").encode())
        assert _load_back(other, tmp_path) == other


def _load_back(scenario: sim.Scenario, tmp_path: Path) -> sim.Scenario:
    path = tmp_path / "again.yaml"
    path.write_text(dump_resolved(scenario))
    return load_scenario(path)


def test_author_with_followers_is_refused_with_a_file_network(tmp_path: Path, cli) -> None:
    path = _file_network(tmp_path)
    path.write_text(path.read_text().replace("  author: brand", "  author: {followers: 20}"))
    code, out, err = cli("validate", str(path))
    line = path.read_text().splitlines().index("  author: {followers: 20}") + 1
    assert (code, out) == (2, "")
    assert err == (
        f"{path}:{line}: incident.author must be 'brand', 'random' or {{segment: NAME}} with a "
        "file network ({followers: N} is for generated networks only: a file network's "
        "accounts have the followers the file gives them; use author: {segment: ...} or "
        "random); got {followers: 20}\n")
    path.write_text(path.read_text().replace("{followers: 20}", "{segment: critics}"))
    assert cli("validate", str(path))[0] == 0


def test_resource_guard_names_estimate_and_machine_memory() -> None:
    text = BASE.replace("  accounts: 2000", "  accounts: 2000000000").replace(
        "  mean_follows: 10", "  mean_follows: 100")
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text.encode(), "big.yaml")
    (problem,) = caught.value.problems
    need = resources.estimate_network_bytes(2_000_000_000, 2e11)
    assert problem.path == "network.accounts" and problem.line == 8
    assert resources.human_bytes(need) in problem.expected
    assert f"this machine has {resources.human_bytes(resources.machine_memory())}" in (
        problem.expected)


def test_resource_guard_lets_ten_million_accounts_through() -> None:
    # issue 3's largest benchmark network: 10^7 accounts x 40 follows on a 24 GiB machine
    need = resources.estimate_network_bytes(10_000_000, 4e8)
    assert need < 24 * 2**30


def test_yaml_merge_keys_and_anchors_are_supported() -> None:
    text = BASE.replace("  - name: do nothing\n", "  - &quiet\n    name: do nothing\n").replace(
        "  - name: pull promotion\n", "  - <<: *quiet\n    name: pull promotion\n")
    scenario = parse_scenario(text.encode())
    assert [p.name for p in scenario.policies] == ["do nothing", "pull promotion", "apologise"]


def test_media_defaults_scale_with_a_file_networks_audience(tmp_path: Path) -> None:
    from sim.engine.world import World
    from sim.network.build import audience
    from tests.engine.helpers import star_scenario

    scenario = star_scenario(tmp_path, 3000, p=0.1, attention="exponential(mean=1h)",
                             extra="segments: {public: {media: true}}\n"
                                   "media: {pickup_probability: 0.1}\n")
    assert scenario.media is not None and scenario.media.article_reach is None  # unknown yet
    world = World(scenario, audience(scenario))
    assert world.media is not None  # 3,000 followers of the brand: the audience
    assert (world.media.saturation, world.media.article_reach,
            world.media.offline_audience) == (30.0, 60, 1500)
    assert world.media.pickup_probability == 0.1
