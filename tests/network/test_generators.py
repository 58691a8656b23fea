"""Statistical checks of the generators, with fixed seeds and tolerances from standard errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.network import generators
from sim.network.build import audience, build_network, segment_counts
from sim.network.describe import describe, fit_power_law, reciprocity
from sim.scenario import parse_scenario
from tests.scenario.test_malformed import BASE


@pytest.fixture(scope="module")
def scale_free_200k():
    return generators.scale_free(200_000, 40, np.random.default_rng(20261122),
                                 follower_exponent=2.3, reciprocity=0.3)


def test_scale_free_mean_follows_within_2_percent(scale_free_200k) -> None:
    assert scale_free_200k.accounts == 200_000
    assert abs(scale_free_200k.follows / 200_000 - 40) <= 0.02 * 40


def test_scale_free_reciprocity_within_003(scale_free_200k) -> None:
    assert abs(reciprocity(scale_free_200k) - 0.3) <= 0.03


def test_scale_free_tail_exponent_within_015(scale_free_200k) -> None:
    fit = fit_power_law(scale_free_200k.follower_counts())
    assert fit is not None
    assert abs(fit.exponent - 2.3) <= 0.15, fit
    assert fit.tail >= 500  # the fit rests on a real tail, not a handful of hubs


def test_scale_free_hubs_do_not_follow_back_their_audience(scale_free_200k) -> None:
    # Returning a fixed share of every account's follows made the most-followed accounts
    # follow tens of thousands back (follower and following counts correlated at 0.96), and
    # every cascade that reached one exploded. Popular accounts now return few follows.
    followers = scale_free_200k.follower_counts()
    following = scale_free_200k.following_counts()
    hubs = np.argsort(followers)[-20:]
    assert followers[hubs].min() > 5 * generators.FOLLOW_BACK
    assert following[hubs].max() < 5 * generators.FOLLOW_BACK, following[hubs]
    # the mean followers of the account at the far end of a random follow: what a
    # reaction can reach next: 40 with no correlation; 500 here before (3,600 at 10^6)
    reach_next = float(np.sum(followers * following) / np.sum(following))
    assert reach_next < 200, reach_next


@pytest.mark.parametrize("exponent", [2.1, 2.6])
def test_scale_free_follows_the_requested_exponent(exponent: float) -> None:
    graph = generators.scale_free(200_000, 20, np.random.default_rng(7),
                                  follower_exponent=exponent, reciprocity=0.0)
    fit = fit_power_law(graph.follower_counts())
    assert fit is not None and abs(fit.exponent - exponent) <= 0.15, fit
    assert reciprocity(graph) < 0.02


def test_power_law_fit_recovers_a_known_exponent() -> None:
    # continuous Pareto samples rounded down: pdf exponent 2.5 above xmin
    rng = np.random.default_rng(3)
    values = np.floor((rng.pareto(1.5, 100_000) + 1) * 10).astype(int)
    fit = fit_power_law(values)
    assert fit is not None
    se = (fit.exponent - 1) / math.sqrt(fit.tail)
    assert abs(fit.exponent - 2.5) <= 4 * se + 0.02


def test_erdos_renyi_degrees_are_poisson() -> None:
    n, c = 50_000, 8.0
    graph = generators.erdos_renyi(n, c, np.random.default_rng(11))
    for degrees in (graph.follower_counts(), graph.following_counts()):
        mean, variance = degrees.mean(), degrees.var(ddof=1)
        p = c / (n - 1)
        expected_var = c * (1 - p)
        assert abs(mean - c) <= 4 * math.sqrt(c / n)
        # sampling SE of a Poisson variance: sqrt((2 c^2 + c) / n)
        assert abs(variance - expected_var) <= 4 * math.sqrt((2 * c * c + c) / n)
        # Poisson's index of dispersion, and its share of zeros
        zero_share = np.mean(degrees == 0)
        assert abs(zero_share - math.exp(-c)) <= 4 * math.sqrt(math.exp(-c) / n)


def test_erdos_renyi_has_no_loops_or_duplicates() -> None:
    graph = generators.erdos_renyi(2_000, 30, np.random.default_rng(5))
    keys = graph.edge_keys()
    assert np.all(np.diff(keys) > 0)
    assert not np.any(keys // graph.accounts == keys % graph.accounts)


def test_small_world_without_rewiring_is_a_ring_lattice() -> None:
    graph = generators.small_world(100, 4, np.random.default_rng(0), rewire=0.0)
    assert graph.follows == 400
    # account 10 follows 8, 9, 11, 12: so it is a follower of each of them
    following = {u for u in range(100) if 10 in graph.followers_of(u)}
    assert following == {8, 9, 11, 12}


def test_small_world_rewires_the_requested_share() -> None:
    n, k, rewire = 20_000, 10, 0.2
    graph = generators.small_world(n, k, np.random.default_rng(2), rewire=rewire)
    keys = graph.edge_keys()
    followed, follower = keys // n, keys % n
    distance = np.minimum((followed - follower) % n, (follower - followed) % n)
    lattice = np.mean(distance <= k // 2)
    expected = 1 - rewire + rewire * (k / n)
    se = math.sqrt(rewire * (1 - rewire) / graph.follows)
    assert graph.follows == n * k
    assert abs(lattice - expected) <= 4 * se + 0.002  # + duplicates dropped and redrawn


def test_communities_cross_share_within_001() -> None:
    n, groups, mixing = 100_000, 20, 0.05
    graph = generators.communities(n, 20, np.random.default_rng(4), communities=groups,
                                   mixing=mixing)
    community = generators.community_of(n, groups)
    keys = graph.edge_keys()
    cross = np.mean(community[keys // n] != community[keys % n])
    assert abs(cross - mixing) <= 0.01
    assert abs(graph.follows / n - 20) < 1e-9


def _scenario(fractions: dict[str, float], accounts: int = 5000, extra: str = ""):
    lines = "\n".join(f"  {name}: {{fraction: {f}}}" for name, f in fractions.items())
    text = (BASE.replace("  accounts: 2000", f"  accounts: {accounts}{extra}")
            .replace("  public: {fraction: 0.8}\n  critics: {fraction: 0.15, stance: -0.8}\n"
                     "  journalists: {fraction: 0.05, media: true, weight: 10}", lines)
            .replace("media:\n  pickup_probability: 0.05\n  writing_delay: lognormal(median=6h, "
                     "sigma=0.8)\n", ""))
    return parse_scenario(text.encode())


def test_segment_counts_within_4_se_of_fractions() -> None:
    fractions = {"public": 0.8, "critics": 0.12, "fans": 0.07, "journalists": 0.01}
    scenario = _scenario(fractions, accounts=30_000)
    graph = build_network(scenario, np.random.default_rng(8))
    counts = describe(graph)["segments"]
    n = 30_000
    for name, f in fractions.items():
        assert abs(counts[name] - n * f) <= 4 * math.sqrt(n * f * (1 - f)), name
    assert sum(counts.values()) == n


def test_segment_counts_are_exact_by_largest_remainder() -> None:
    assert segment_counts([0.5, 0.25, 0.25], 10).tolist() == [5, 3, 2]
    assert segment_counts([0.8, 0.12, 0.07, 0.01], 100).tolist() == [80, 12, 7, 1]
    assert int(segment_counts([1 / 3] * 3, 1000).sum()) == 1000


def test_segments_are_spread_at_random_unless_by_community() -> None:
    scenario = _scenario({"public": 0.5, "critics": 0.5}, accounts=1000)
    graph = build_network(scenario, np.random.default_rng(1))
    first_half = graph.segment[:500]
    assert 0.35 < np.mean(first_half == 1) < 0.65


def test_brand_has_exactly_its_followers_and_no_segment() -> None:
    scenario = _scenario({"public": 1.0}, accounts=3000)
    graph = build_network(scenario, np.random.default_rng(1))
    assert graph.brand == 3000 and graph.accounts == 3001
    followers = graph.followers_of(graph.brand)
    assert len(followers) == 200 == len(np.unique(followers))
    assert graph.segment[graph.brand] == -1 and graph.weight[graph.brand] == 0
    assert graph.following_counts()[graph.brand] == 0


def _with_author(author: str, accounts: int = 3000, generator: str = "scale_free"):
    text = (BASE.replace("  accounts: 2000", f"  accounts: {accounts}")
            .replace("  generator: scale_free", f"  generator: {generator}")
            .replace("  author: brand", f"  author: {author}"))
    return parse_scenario(text.encode())


@pytest.mark.parametrize("generator", ["scale_free", "erdos_renyi", "small_world", "communities"])
def test_author_account_has_exactly_its_followers(generator: str) -> None:
    n, wanted = 3000, 1234
    graph = audience(_with_author(f"{{followers: {wanted}}}", n, generator))
    assert (graph.brand, graph.author, graph.accounts) == (n, n + 1, n + 2)
    followers = graph.followers_of(graph.author)
    assert len(followers) == wanted == len(np.unique(followers))
    assert np.all(followers < n)  # audience accounts only: never the brand, never itself
    assert np.all(np.diff(followers) > 0)  # sorted, as CSR rows are
    assert graph.following_counts()[graph.author] == 0  # it follows no one
    assert graph.segment[graph.author] == 0 and graph.segment_names[0] == "public"
    assert graph.stance is not None and graph.weight is not None
    assert len(graph.stance) == len(graph.weight) == len(graph.segment) == n + 2
    assert graph.weight[graph.author] == 1 and graph.weight[graph.brand] == 0
    assert graph.ids[graph.author] == n + 1
    facts = describe(graph)
    assert facts["author"] == {"id": n + 1, "followers": wanted}
    assert facts["brand"] == {"id": n, "followers": 200}
    assert graph.to_networkx().nodes[n + 1]["segment"] == "public"


def test_author_account_leaves_the_rest_of_the_network_unchanged() -> None:
    n = 3000
    plain = audience(_with_author("random", n))
    graph = audience(_with_author("{followers: 1500}", n))
    assert plain.author is None and plain.accounts == n + 1
    edges = int(plain.offsets[-1])
    assert np.array_equal(graph.offsets[: n + 2], plain.offsets)
    assert np.array_equal(graph.followers[:edges], plain.followers)
    assert np.array_equal(graph.segment[: n + 1], plain.segment)
    assert np.array_equal(graph.ids[: n + 1], plain.ids)
    assert graph.follows == edges + 1500


def test_author_followers_are_drawn_uniformly() -> None:
    # each audience account follows the author with probability N / n: over 40 networks the
    # count of each account is binomial(40, 0.5); its mean is 20 within a few standard errors
    n, wanted, networks = 400, 200, 40
    scenario = _with_author(f"{{followers: {wanted}}}", n, "erdos_renyi")
    hits = np.zeros(n)
    for seed in range(networks):
        graph = build_network(scenario, np.random.default_rng(seed))
        hits[graph.followers_of(graph.author)] += 1
    se = math.sqrt(networks * 0.25)
    assert abs(hits.mean() - networks / 2) < 1e-9  # exactly N per network
    assert np.all(np.abs(hits - networks / 2) < 5 * se)
    first, second = hits[: n // 2].sum(), hits[n // 2:].sum()  # no drift across the indices
    assert abs(first - second) < 4 * math.sqrt(networks * n * 0.25)
