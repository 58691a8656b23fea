"""What validate accepts, run runs: inputs past the documented limits are refused at validation.

Each case once validated and then crashed, hung or exhausted memory (issue 13, items 1-8).
"""

from __future__ import annotations

from pathlib import Path

import pytest

BASE = """\
scenario: limits
horizon: {horizon}
resolution: {resolution}
replications: {reps}
network: {{generator: erdos_renyi, accounts: {acc}, mean_follows: {mf}}}
segments: {{public: {{fraction: 0.995, weight: {w}}}, staff: {{fraction: 0.005}}}}
incident:
  type: hashtag_campaign
  author: {author}
  brand_followers: 5
  promotion: {{impressions_per_hour: {iph}, duration: 24h}}
  trending: {{threshold_per_hour: 5, impressions_per_reaction: {ipr}}}
monitoring: {{interval: {mi}}}
policies:
  - name: a
  - name: b
    actions: [{{do: advocates, segment: {seg}, rate_per_hour: {rate}, at: 1h}}]
"""
GOOD = dict(horizon="24h", resolution="15m", reps=10, acc=500, mf=5, w=1, author="brand",
            iph=100, ipr=5, mi="5m", rate=10, seg="public")
CASES = [
    # (what, changes, line, what the message says)
    ("deep nesting", None, 3, "nested at most 64 levels deep"),
    ("replications", {"reps": 1_000_000_000}, 4, "a whole number in [1, 100,000] or 'auto'"),
    ("long horizon", {"horizon": "9999999d"}, 3, "at least the horizon / 100,000"),
    ("huge horizon", {"horizon": "99999999999999999999999999999d"}, 3,
     "at least the horizon / 100,000"),
    ("fine resolution", {"horizon": "365d", "resolution": "1s", "mi": "1h"}, 3,
     "each replication's time series has one value per resolution step"),
    ("promotion 1e12", {"iph": "1e12"}, 11, "a number in [0, 1e+07]"),
    ("promotion 1e300", {"iph": "1e300"}, 11, "a number in [0, 1e+07]"),
    ("promotion total", {"iph": "9e6", "horizon": "96h"}, 11,
     "at most 100,000,000 impressions over the promotion's duration"),
    ("trending", {"ipr": "1e12"}, 12, "a number in [0, 1000]"),
    ("advocates rate", {"rate": "1e12"}, 17, "a number in [0, 10000]"),
    ("advocates posts", {"rate": "9000", "horizon": "200h"}, 17, "at most 1,000,000 posts"),
    ("monitor interval", {"mi": "0.001s"}, 13, "the monitor samples every interval"),
    ("mean_follows", {"mf": 1000}, 5, "at most accounts - 1 (499)"),
    ("weight", {"w": "1e308"}, 6, "a number in [0, 1e+06]"),
    ("empty author segment", {"acc": 50, "author": "{segment: staff}"}, 9,
     "a segment with accounts"),
    ("empty advocates segment", {"acc": 50, "seg": "staff"}, 17, "a segment with accounts"),
]


def _write(tmp_path: Path, changes: dict | None) -> Path:
    path = tmp_path / "s.yaml"
    if changes is None:
        text = BASE.format(**GOOD).replace("replications: 10",
                                           "replications: 10\nnested: " + "[" * 500 + "]" * 500)
    else:
        text = BASE.format(**{**GOOD, **changes})
    path.write_text(text)
    return path


def test_the_base_case_validates(tmp_path: Path, cli) -> None:
    code, _, err = cli("validate", str(_write(tmp_path, {})))
    assert code == 0, err


@pytest.mark.parametrize(("what", "changes", "line", "says"), CASES, ids=[c[0] for c in CASES])
def test_past_a_limit_is_refused_at_validation(tmp_path: Path, cli, what, changes, line,
                                               says) -> None:
    path = _write(tmp_path, changes)
    if what == "deep nesting":
        line = 5
    code, out, err = cli("validate", str(path))
    assert code == 2 and out == ""
    assert f"{path}:{line}:" in err and says in err, err
    assert "Traceback" not in err


def test_replications_past_the_limit_on_the_command_line(tmp_path: Path, cli) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli("run", str(_write(tmp_path, {})), "--replications", "1000000000")
    assert exit_.value.code == 2


def test_more_segments_than_the_engine_holds_are_refused_at_validation(tmp_path: Path,
                                                                       cli) -> None:
    """500 segments once validated, then the run refused them (the engine holds 254)."""
    def write(count: int) -> Path:
        rows = "\n".join(f"  s{i}: {{fraction: {1 / count!r}}}" for i in range(count))
        path = tmp_path / f"s{count}.yaml"
        path.write_text(f"scenario: many\nhorizon: 24h\nreplications: 1\nnetwork: "
                        f"{{generator: erdos_renyi, accounts: 5000, mean_follows: 10}}\n"
                        f"segments:\n{rows}\nincident: {{type: post, author: random}}\n"
                        f"policies: [{{name: none}}]\n")
        return path

    code, _, err = cli("validate", str(write(500)))
    assert code == 2 and "segments must be a mapping of at most 254 segments" in err
    assert f"{tmp_path / 's500.yaml'}:5:" in err
    code, _, err = cli("run", str(write(254)), "--quiet", "--workers", "1",
                       "--out", str(tmp_path / "out"))
    assert code == 0, err
