"""Malformed scenarios: each gets exit code 2, no traceback, and the right line and field path.

Each case edits a valid base scenario. The expected line is found in the edited text (the line
holding ``at``), independently of the loader, so a loader that reports the wrong line fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import run_flashpoint

BASE = """\
scenario: Test incident
seed: 3
horizon: 24h
replications: 10
resolution: 15m
network:
  generator: scale_free
  accounts: 2000
  mean_follows: 10
segments:
  public: {fraction: 0.8}
  critics: {fraction: 0.15, stance: -0.8}
  journalists: {fraction: 0.05, media: true, weight: 10}
behaviour:
  share_probability: 0.05
  attention: seismic(theta=0.23, plateau=5m)
  novelty: stretched_exp(half_life=1h, beta=0.4)
incident:
  type: hashtag_campaign
  author: brand
  brand_followers: 200
  outrage: 1.5
  promotion:
    impressions_per_hour: 1000
    duration: 12h
media:
  pickup_probability: 0.05
  writing_delay: lognormal(median=6h, sigma=0.8)
monitoring:
  interval: 5m
policies:
  - name: do nothing
  - name: pull promotion
    actions:
      - do: stop_promotion
        at: 1h
  - name: apologise
    actions:
      - do: statement
        strategy: apology
        when: {metric: reach, above: 500}
        delay: lognormal(median=45m, sigma=0.5)
risk:
  metric: exposure
  tiers: {minor: 100, major: 1000}
"""

BOMB = "".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n',
        *(
            f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n"
            for i in range(8)
        ),
    ]
)


@dataclass(frozen=True)
class Case:
    id: str
    old: str | None  # text of BASE to replace (None: the whole document is `new`)
    new: str
    path: str  # the field path the message must name
    at: str | None = None  # a text whose first line is the expected line; default: `new`
    line: int | None = None  # or the expected line itself
    says: str = ""  # more text the message must contain

    def text(self) -> str:
        if self.old is None:
            return self.new
        assert BASE.count(self.old) == 1, f"{self.id}: {self.old!r} must occur once in BASE"
        return BASE.replace(self.old, self.new)

    def expected_line(self) -> int:
        if self.line is not None:
            return self.line
        text = self.text()
        marker = (self.at if self.at is not None else self.new).strip().splitlines()[0]
        index = text.index(marker)
        return text[:index].count("\n") + 1


CASES = [
    # wrong types
    Case("count-as-text", "replications: 10", "replications: ten", "replications"),
    Case("count-as-float", "replications: 10", "replications: 2.5", "replications"),
    Case("negative-seed", "seed: 3", "seed: -3", "seed"),
    Case("number-as-string", "  mean_follows: 10", '  mean_follows: "10"',
         "network.mean_follows"),
    Case("probability-above-1", "  share_probability: 0.05", "  share_probability: 1.5",
         "behaviour.share_probability"),
    Case("probability-as-bool", "  share_probability: 0.05", "  share_probability: true",
         "behaviour.share_probability"),
    Case("empty-title", "scenario: Test incident", 'scenario: ""', "scenario"),
    Case("network-scalar", "network:\n  generator: scale_free\n  accounts: 2000\n"
         "  mean_follows: 10\n", "network: big\n", "network"),
    Case("policies-not-a-list", "policies:\n  - name: do nothing\n",
         "policies: do nothing\nunused:\n  - name: do nothing\n", "policies"),
    # unknown keys with typos
    Case("typo-top-level", "replications: 10", "replicatons: 10", "replicatons",
         says="did you mean 'replications'"),
    Case("typo-network", "  accounts: 2000", "  acounts: 2000", "network.acounts",
         says="did you mean 'accounts'"),
    Case("typo-action-key", "        at: 1h", "        att: 1h", "policies[1].actions[0].att",
         says="did you mean 'at'"),
    Case("typo-generator", "  generator: scale_free", "  generator: scalefree",
         "network.generator", says="did you mean 'scale_free'"),
    Case("typo-incident-type", "  type: hashtag_campaign", "  type: hashtag", "incident.type",
         says="did you mean 'hashtag_campaign'"),
    Case("typo-strategy", "        strategy: apology", "        strategy: apologise",
         "policies[2].actions[0].strategy", says="did you mean 'apology'"),
    Case("typo-action-kind", "      - do: stop_promotion", "      - do: stop_promo",
         "policies[1].actions[0].do", says="did you mean 'stop_promotion'"),
    Case("typo-author-segment", "  author: brand", "  author: {segment: critcs}",
         "incident.author.segment", says="did you mean 'critics'"),
    Case("author-followers-zero", "  author: brand", "  author: {followers: 0}",
         "incident.author.followers",
         says="must be a whole number >= 1 (how many accounts follow the author); got 0"),
    Case("author-followers-as-text", "  author: brand", "  author: {followers: many}",
         "incident.author.followers", says="got 'many'"),
    Case("author-followers-too-many", "  author: brand", "  author: {followers: 2000}",
         "incident.author.followers",
         says="must be less than network.accounts (2000); got 2000"),
    Case("author-followers-and-segment", "  author: brand",
         "  author: {followers: 20, segment: critics}", "incident.author",
         says="must be 'brand', 'random', {segment: NAME} or {followers: N}; got a mapping"),
    # durations
    Case("duration-bare-number", "horizon: 24h", "horizon: 5", "horizon"),
    Case("duration-negative", "horizon: 24h", "horizon: -3m", "horizon"),
    Case("duration-words", "horizon: 24h", "horizon: 2 hours", "horizon"),
    Case("duration-zero-horizon", "horizon: 24h", "horizon: 0", "horizon"),
    Case("duration-negative-at", "        at: 1h", "        at: -3m",
         "policies[1].actions[0].at"),
    Case("resolution-beyond-horizon", "resolution: 15m", "resolution: 48h", "resolution"),
    Case("interval-negative", "  interval: 5m", "  interval: -5m", "monitoring.interval"),
    Case("at-beyond-horizon", "        at: 1h", "        at: 30h", "policies[1].actions[0].at"),
    # distributions
    Case("lognormal-without-sigma", "  attention: seismic(theta=0.23, plateau=5m)",
         "  attention: lognormal(median=5m)", "behaviour.attention", says="missing sigma"),
    Case("exponential-negative-mean", "        delay: lognormal(median=45m, sigma=0.5)",
         "        delay: exponential(mean=-1m)", "policies[2].actions[0].delay"),
    Case("eval-call", "        delay: lognormal(median=45m, sigma=0.5)",
         "        delay: eval(1)", "policies[2].actions[0].delay"),
    Case("import-call", "  attention: seismic(theta=0.23, plateau=5m)",
         "  attention: __import__('os')", "behaviour.attention"),
    Case("lognormal-negative-sigma", "        delay: lognormal(median=45m, sigma=0.5)",
         "        delay: lognormal(median=45m, sigma=-0.5)", "policies[2].actions[0].delay"),
    Case("uniform-low-above-high", "        delay: lognormal(median=45m, sigma=0.5)",
         "        delay: uniform(low=2h, high=1h)", "policies[2].actions[0].delay"),
    Case("delay-bare-number", "        delay: lognormal(median=45m, sigma=0.5)",
         "        delay: 45", "policies[2].actions[0].delay"),
    Case("novelty-missing-beta", "  novelty: stretched_exp(half_life=1h, beta=0.4)",
         "  novelty: stretched_exp(half_life=1h)", "behaviour.novelty"),
    Case("segment-unknown-distribution", "  journalists: {fraction: 0.05, media: true, weight: 10}",
         "  journalists: {fraction: 0.05, media: true, weight: 10, attention: gamma(k=2)}",
         "segments.journalists.attention"),
    # segments
    Case("fractions-sum-0.9", "  public: {fraction: 0.8}", "  public: {fraction: 0.7}",
         "segments", at="segments:", says="sum to 1"),
    Case("fraction-above-1", "  public: {fraction: 0.8}", "  public: {fraction: 1.2}",
         "segments.public.fraction"),
    Case("stance-out-of-range", "  critics: {fraction: 0.15, stance: -0.8}",
         "  critics: {fraction: 0.15, stance: -1.8}", "segments.critics.stance"),
    Case("segment-name-not-text", "  public: {fraction: 0.8}", "  1: {fraction: 0.8}",
         "segments[1]"),
    Case("media-without-journalists",
         "  journalists: {fraction: 0.05, media: true, weight: 10}",
         "  journalists: {fraction: 0.05, media: false, weight: 10}", "media",
         line=BASE.splitlines().index("media:") + 1),
    # exactly-one-of rules
    Case("generator-and-file", "  generator: scale_free", "  generator: scale_free\n"
         "  file: edges.csv", "network.file", at="  file: edges.csv"),
    Case("at-and-when", "        when: {metric: reach, above: 500}",
         "        when: {metric: reach, above: 500}\n        at: 2h",
         "policies[2].actions[0].when"),
    Case("neither-at-nor-when", "        at: 1h\n", "", "policies[1].actions[0]",
         at="      - do: stop_promotion"),
    Case("key-of-another-kind", "        at: 1h", "        at: 1h\n        streisand: 2",
         "policies[1].actions[0].streisand", at="        streisand: 2"),
    Case("statement-without-strategy", "        strategy: apology\n", "",
         "policies[2].actions[0].strategy", at="      - do: statement"),
    Case("generator-key-of-another-generator", "  generator: scale_free",
         "  generator: erdos_renyi\n  rewire: 0.2", "network.rewire", at="  rewire: 0.2"),
    Case("missing-accounts", "  accounts: 2000\n", "", "network.accounts", at="network:"),
    Case("missing-brand-followers", "  brand_followers: 200\n", "",
         "incident.brand_followers", at="incident:", says="when incident.author is brand"),
    Case("statement-without-brand-followers", "  author: brand\n  brand_followers: 200\n",
         "  author: random\n", "incident.brand_followers", at="incident:",
         says="when a policy makes a statement, which the brand posts (policies[2].actions[0])"),
    Case("promotion-on-a-post", "  type: hashtag_campaign", "  type: post", "incident.promotion",
         at="  promotion:"),
    Case("brand-followers-too-many", "  brand_followers: 200", "  brand_followers: 5000",
         "incident.brand_followers"),
    Case("file-network-missing-file", "  generator: scale_free\n  accounts: 2000\n"
         "  mean_follows: 10\n", "  file: missing-edges.csv\n", "network.file",
         says="an existing file"),
    # metrics and policies
    Case("unknown-trigger-metric", "        when: {metric: reach, above: 500}",
         "        when: {metric: likes, above: 500}", "policies[2].actions[0].when.metric"),
    Case("unknown-risk-metric", "  metric: exposure", "  metric: sentiment", "risk.metric"),
    Case("duplicate-policy-names", "  - name: apologise", "  - name: do nothing",
         "policies[2].name", line=BASE.splitlines().index("  - name: apologise") + 1),
    Case("empty-policies", "policies:\n  - name: do nothing\n  - name: pull promotion\n"
         "    actions:\n      - do: stop_promotion\n        at: 1h\n  - name: apologise\n"
         "    actions:\n      - do: statement\n        strategy: apology\n"
         "        when: {metric: reach, above: 500}\n"
         "        delay: lognormal(median=45m, sigma=0.5)\n", "policies: []\n", "policies"),
    Case("advocates-unknown-segment", "      - do: stop_promotion\n        at: 1h",
         "      - do: advocates\n        segment: fanz\n        rate_per_hour: 5\n        at: 1h",
         "policies[1].actions[0].segment", at="        segment: fanz"),
    Case("stop-promotion-without-promotion",
         "  promotion:\n    impressions_per_hour: 1000\n    duration: 12h\n", "",
         "policies[1].actions[0].do", at="      - do: stop_promotion"),
    Case("risk-tiers-descending", "  tiers: {minor: 100, major: 1000}",
         "  tiers: {minor: 1000, major: 100}", "risk.tiers.major"),
    # the YAML itself
    Case("duplicate-yaml-key", "seed: 3", "seed: 3\nseed: 4", "seed", at="seed: 4",
         says="already given on line 2"),
    Case("duplicate-nested-yaml-key", "    duration: 12h",
         "    duration: 12h\n    duration: 6h", "incident.promotion.duration",
         at="    duration: 6h"),
    Case("custom-tag", "seed: 3", 'seed: !!python/object/apply:os.system ["echo hi"]', "seed"),
    Case("yaml-syntax-tab", "seed: 3", "seed: 3\n\tbad: 1", "document", at="\tbad: 1"),
    Case("non-mapping-top-level", None, "- a\n- b\n", "document", line=1),
    Case("empty-file", None, "", "document", line=1),
    Case("comments-only", None, "# nothing here\n", "document", line=1),
    Case("anchor-bomb", None, BOMB, "f", line=6, says="alias"),
    Case("resource-guard", "  accounts: 2000", "  accounts: 10000000000", "network.accounts",
         says="this machine has"),
]


def _write(tmp_path: Path, case: Case) -> Path:
    path = tmp_path / f"{case.id}.yaml"
    path.write_text(case.text(), encoding="utf-8")
    return path


def test_base_scenario_is_valid(tmp_path: Path, cli) -> None:
    path = tmp_path / "base.yaml"
    path.write_text(BASE)
    assert cli("validate", str(path)) == (0, f"{path}: ok\n", "")


def test_there_are_at_least_forty_distinct_cases() -> None:
    assert len({c.id for c in CASES}) == len(CASES) >= 40
    assert len({c.text() for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed_scenario_is_refused_with_line_and_path(tmp_path: Path, cli, case: Case) -> None:
    path = _write(tmp_path, case)
    code, out, err = cli("validate", str(path))
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    expected = f"{path}:{case.expected_line()}: {case.path} must be "
    assert expected in err, f"expected {expected!r} in:\n{err}"
    assert "; got " in err
    assert case.says in err


def test_binary_file_is_refused(tmp_path: Path, cli) -> None:
    path = tmp_path / "picture.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    code, out, err = cli("validate", str(path))
    assert code == 2 and out == ""
    assert f"{path}:1: document must be UTF-8 YAML text; got binary data" in err


def test_invalid_utf8_names_its_line(tmp_path: Path, cli) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(BASE.replace("Test incident", "Caf\xe9").encode("latin-1"))
    code, _, err = cli("validate", str(path))
    assert code == 2
    assert f"{path}:1: document must be UTF-8 YAML text; got binary data (byte 0xe9" in err


def test_all_problems_are_reported_at_once(tmp_path: Path, cli) -> None:
    text = (BASE.replace("seed: 3", "seed: -3").replace("horizon: 24h", "horizon: 5")
            .replace("  accounts: 2000", "  acounts: 2000")
            .replace("  strategy: apology", "  strategy: sorry"))
    path = tmp_path / "many.yaml"
    path.write_text(text)
    code, _, err = cli("validate", str(path))
    assert code == 2
    lines = err.strip().splitlines()
    assert [line.split(":", 2)[2].strip() for line in lines] == [
        "seed must be a whole number >= 0; got -3",
        "horizon must be a duration with a unit, like '90s', '30m', '2h' or '1.5d' "
        "(greater than 0); got 5",
        "network.acounts must be a known key (generator, file, accounts, mean_follows, "
        "follower_exponent, reciprocity, rewire, communities, mixing, segments_by_community, "
        "resample, direction, segments_file, ids) (did you mean 'accounts'?); got 'acounts'",
        "policies[2].actions[0].strategy must be one of: apology, empathy, explanation, "
        "corrective, holding, compensation, denial, attack; got 'sorry'",
    ]
    strategy_line = BASE.splitlines().index("        strategy: apology") + 1
    assert [int(line.split(":")[1]) for line in lines] == [2, 3, 8, strategy_line]


def test_one_bad_file_among_good_ones_fails_the_run(tmp_path: Path, cli) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(BASE)
    bad = tmp_path / "bad.yaml"
    bad.write_text(BASE.replace("seed: 3", "seed: x"))
    code, out, err = cli("validate", str(good), str(bad))
    assert code == 2
    assert out == f"{good}: ok\n"
    assert f"{bad}:2: seed must be" in err and "1 of 2 files have problems" in err


def test_missing_file_is_a_user_error(tmp_path: Path, cli) -> None:
    code, out, err = cli("validate", str(tmp_path / "nope.yaml"))
    assert code == 2 and out == ""
    missing = tmp_path / "nope.yaml"
    assert err == f"{missing}: cannot read the scenario file: No such file or directory\n"


@pytest.mark.parametrize("case_id", ["anchor-bomb", "typo-network", "empty-file",
                                     "duplicate-yaml-key", "custom-tag"])
def test_real_process_exits_2_without_traceback(tmp_path: Path, case_id: str) -> None:
    case = next(c for c in CASES if c.id == case_id)
    path = _write(tmp_path, case)
    result = run_flashpoint("validate", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert f"{path}:{case.expected_line()}: {case.path} must be " in result.stderr


def test_binary_file_in_real_process(tmp_path: Path) -> None:
    path = tmp_path / "random.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    result = run_flashpoint("validate", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{path}:1: document must be UTF-8 YAML text" in result.stderr


def test_a_key_that_looks_like_pydantics_marker(tmp_path: Path, cli) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text("'[key]': null\n")
    code, _, err = cli("validate", str(path))
    assert code == 2
    assert f"{path}:1: ['[key]'] must be a known key (scenario, " in err


@pytest.mark.parametrize(("action", "says"), [
    ("{do: advocates, segment: critics, rate_per_hour: 5, at: 1h, top: 3}",
     "top must be left out of an advocates action (it is for takedown)"),
    ("{do: advocates, rate_per_hour: 5, at: 1h}", "segment must be given for an advocates action"),
    ("{do: statement, strategy: apology, at: 1h, top: 3}",
     "top must be left out of a statement action (it is for takedown)"),
    ("{do: statement, at: 1h}", "strategy must be given for a statement action"),
    ("{do: delete, at: 1h, top: 3}", "top must be left out of a delete action"),
    ("{do: takedown, at: 1h, segment: critics}", "segment must be left out of a takedown action"),
    ("{do: stop_promotion, at: 1h, streisand: 2}",
     "streisand must be left out of a stop_promotion action (it is for delete)"),
])
def test_an_action_kind_takes_the_right_article(tmp_path: Path, cli, action: str,
                                                says: str) -> None:
    path = tmp_path / "kind.yaml"
    path.write_text(BASE.replace("      - do: stop_promotion\n        at: 1h", f"      - {action}"))
    code, _, err = cli("validate", str(path))
    assert code == 2
    assert f"{path}:35: policies[1].actions[0].{says}" in err
