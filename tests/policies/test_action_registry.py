"""An action kind is one declaration: a kind registered by a test runs end to end."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import simpy

import sim
from sim.engine.cascade import PROMOTION
from sim.engine.kernel import Run
from sim.policies import actions
from sim.report.assumptions import rows
from sim.scenario import action_kinds, parse_scenario
from sim.scenario import fields as f
from sim.scenario.reference import render
from sim.scenario.schema import Action

TOY = """\
scenario: toy action
seed: 5
horizon: 12h
replications: 4
resolution: 1h
network: {generator: erdos_renyi, accounts: 2000, mean_follows: 10}
behaviour: {share_probability: 0.02}
incident:
  type: hashtag_campaign
  author: random
  promotion: {impressions_per_hour: 500, duration: 12h}
policies:
  - name: nothing
  - name: halt
    actions:
      - do: halt_ads
        at: 1h
        news_factor: 2
  - name: halt by default
    actions:
      - {do: halt_ads, at: 2h}
"""


class HaltAdsFields(action_kinds.ActionFields):
    """The keys of a ``halt_ads`` action."""

    news_factor: f.NonNegative = f.sourced(1.0, "Multiplies newsworthiness.", f.JUDGEMENT)


def _halt_ads(env: simpy.Environment, run: Run, index: int, act: Action) -> None:
    run.cascade.remove(PROMOTION, env.now)
    run.cascade.add_news_factor(env.now, act.news_factor)


@pytest.fixture
def toy_kind() -> Iterator[action_kinds.ActionKind]:
    kind = action_kinds.register_action_kind(action_kinds.ActionKind(
        "halt_ads", "Toy: end the paid promotion.", HaltAdsFields, removes=("promotion",),
        needs_promotion=True))
    actions.action("halt_ads")(_halt_ads)
    yield kind
    action_kinds.unregister_action_kind("halt_ads")
    actions.forget_action("halt_ads")


def test_a_registered_kind_runs_end_to_end_on_two_workers(toy_kind) -> None:
    scenario = parse_scenario(TOY.encode())
    assert scenario.policies[1].actions[0].news_factor == 2.0
    assert scenario.policies[2].actions[0].news_factor == 1.0  # its declared default
    results = sim.run(scenario, workers=2)
    nothing = results.metric("nothing", "impressions")
    halted = results.metric("halt", "impressions")
    later = results.metric("halt by default", "impressions")
    # the promotion's 500 impressions an hour stop at 1h (or 2h) instead of running 12h
    assert np.all(halted + 4000 < nothing), (halted, nothing)
    assert np.all(halted < later) and np.all(later < nothing)
    assert np.all(results.actions_h[1, :, 0] == 1.0)
    assert actions.RULES.removes("halt_ads") == actions.RULES.removes("stop_promotion")


def test_the_resolved_file_round_trips_with_the_new_key(toy_kind) -> None:
    scenario = parse_scenario(TOY.encode())
    text = sim.dump_resolved(scenario)
    assert "news_factor: 2.0" in text
    assert parse_scenario(text.encode()) == scenario


def test_its_key_is_checked_at_its_line(toy_kind, tmp_path: Path,
                                        cli: Callable[..., tuple[int, str, str]]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(TOY.replace("news_factor: 2", "news_factor: -2"))
    code, _, err = cli("validate", str(path))
    line = TOY.splitlines().index("        news_factor: 2") + 1
    assert code == 2
    assert f"{path}:{line}: policies[1].actions[0].news_factor must be a number >= 0; got -2" in err
    path.write_text(TOY.replace("do: halt_ads\n", "do: delete\n"))
    code, _, err = cli("validate", str(path))
    assert (f"{path}:{line}: policies[1].actions[0].news_factor must be left out of a delete "
            "action (it is for halt_ads); got 2") in err
    path.write_text(TOY.replace("do: halt_ads\n", "do: halt_add\n"))
    code, _, err = cli("validate", str(path))
    assert "policies[1].actions[0].do must be one of: stop_promotion, delete, statement, " \
           "advocates, takedown, halt_ads (did you mean 'halt_ads'?); got 'halt_add'" in err


def test_it_is_in_the_reference_and_the_assumptions(toy_kind) -> None:
    text = render()
    assert "### `do: halt_ads`\n\nToy: end the paid promotion." in text
    assert ("| `news_factor` | a number >= 0 | `1` | judgement | Multiplies newsworthiness. |"
            in text)
    found = {row[0]: row[1:] for row in rows(parse_scenario(TOY.encode()))}
    assert found["policies.1.actions.0.news_factor"] == ("2", "set in the scenario")
    assert found["policies.2.actions.0.news_factor"] == ("1", "default: judgement")


def test_the_toy_kind_is_gone_after_its_test() -> None:
    assert "halt_ads" not in action_kinds.names()
    assert "halt_ads" not in actions.ACTIONS
    with pytest.raises(sim.ScenarioError, match="halt_ads"):
        parse_scenario(TOY.encode())


def test_every_kind_has_an_effect_and_removes_known_items() -> None:
    assert set(actions.ACTIONS) == set(action_kinds.names())
    assert set(actions.ROOT_KINDS) == set(action_kinds.ROOT_ITEMS)
    for name in action_kinds.names():
        assert len(actions.RULES.removes(name)) == len(action_kinds.kind_of(name).removes)


def test_a_kind_is_declared_once() -> None:
    with pytest.raises(sim.FlashpointError, match="declared twice"):
        action_kinds.register_action_kind(action_kinds.ActionKind("delete", "again"))
    with pytest.raises(sim.FlashpointError, match="can remove only"):
        action_kinds.register_action_kind(action_kinds.ActionKind("x", "x", removes=("all",)))
