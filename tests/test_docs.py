from __future__ import annotations

import re

import sim.experiment.api
import sim.network.build
from sim.scenario.reference import render
from tests.conftest import ROOT


def test_scenario_reference_is_up_to_date() -> None:
    current = (ROOT / "docs" / "scenario-reference.md").read_text(encoding="utf-8")
    assert current == render(), "docs/scenario-reference.md is stale: run 'make reference'"


def test_reference_lists_every_key_of_the_contract() -> None:
    text = render()
    for key in ["scenario", "description", "seed", "horizon", "replications", "resolution",
                "generator", "accounts", "mean_follows", "follower_exponent", "reciprocity",
                "rewire", "communities", "mixing", "resample", "file", "direction",
                "segments_file", "fraction", "share_multiplier", "stance", "weight", "media",
                "attention", "share_probability", "novelty", "derived_fraction", "type",
                "author", "brand_followers", "brand_account", "start", "outrage",
                "impressions_per_hour", "duration", "threshold_per_hour",
                "impressions_per_reaction", "pickup_probability", "saturation",
                "writing_delay", "article_reach", "offline_audience", "offline_weight",
                "interval", "name", "actions", "do", "at", "when", "delay", "streisand",
                "strategy", "effect", "segment", "rate_per_hour", "top", "platform_delay",
                "metric", "above", "tiers"]:
        assert re.search(rf"^\| `{key}` \|", text, re.MULTILINE), key


def test_readme_quick_start_commands_exist_in_the_makefile() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    targets = re.findall(r"^make (\w+)$", quick, re.MULTILINE)
    assert targets == ["demo", "test"]
    for target in targets:
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), target
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_python_api_page_runs(monkeypatch, capsys) -> None:
    text = (ROOT / "docs" / "python-api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    assert len(blocks) >= 5
    monkeypatch.chdir(ROOT)
    # the page builds the three-million-account network twice (sim.run, then audience()):
    # the second time takes the first's, which is the same graph (same scenario, same seed)
    built = {}
    build = sim.network.build.audience

    def once(scenario, replication=0):
        key = (scenario.model_dump_json(), replication)
        if key not in built:
            built[key] = build(scenario, replication)
        return built[key]

    monkeypatch.setattr(sim.network.build, "audience", once)
    monkeypatch.setattr(sim.experiment.api, "audience", once)
    namespace: dict[str, object] = {}
    exec(compile("\n".join(blocks), "docs/python-api.md", "exec"), namespace)  # noqa: S102
    out = capsys.readouterr().out
    assert "#McDStories hashtag hijack - 5 policies" in out
    assert "(5, 8, 15)" in out
    assert "['replications.csv', 'scenario.resolved.yaml', 'summary.json', 'timeseries.csv']" in out


def test_robustness_md_gives_every_default_range_by_the_name_the_page_uses() -> None:
    from sim.scenario.uncertain import DEFAULT_RANGES

    text = (ROOT / "docs" / "robustness.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    for rule in DEFAULT_RANGES:
        assert any(line.startswith(f"| {rule.name} (") for line in rows), rule.name
