"""Warnings on results: saturation, triggers that never fire, no-op policies, empty segments."""

from __future__ import annotations

import numpy as np

import sim
from sim.experiment.checks import result_warnings
from sim.scenario import parse_scenario

TEXT = """\
scenario: checks
seed: 4
horizon: 12h
resolution: 1h
network: {{generator: erdos_renyi, accounts: 2000, mean_follows: 10}}
segments:
  public: {{fraction: {public}}}
  critics: {{fraction: {critics}, stance: -0.5}}
behaviour: {{share_probability: {p}}}
incident: {{type: post, author: random}}
policies:
  - name: none
  - name: never
    actions:
      - {{do: delete, when: {{metric: reach, above: 1000000}}}}
  - name: early delete
    actions:
      - {{do: delete, at: 1m}}
"""


def _warnings(p: float, public: float = 0.9, critics: float = 0.1) -> list[str]:
    scenario = parse_scenario(TEXT.format(p=p, public=public, critics=critics).encode())
    results = sim.run(scenario, replications=6)
    found = result_warnings(results)
    assert results.summary()["warnings"] == found
    return found


def test_a_saturated_run_a_dead_trigger_and_a_no_op_policy_are_named() -> None:
    found = _warnings(0.5)  # 10 follows x 0.5: every incident reaches nearly everyone
    text = "\n".join(found)
    assert "'none' reached more than half of the audience (2,000 accounts) in 6 of 6" in text
    assert "'never': the trigger of action 1 (delete when reach is above 1,000,000) never " \
           "fired in any replication; the highest reach reached was" in text
    assert "'never' gave exactly the baseline's outcomes in every replication" in text
    assert not any("'early delete' gave exactly" in w for w in found)


def test_a_meaningful_run_has_no_warnings_but_the_dead_trigger() -> None:
    found = _warnings(0.02)
    assert not any("more than half" in w for w in found)
    assert any("'never': the trigger" in w for w in found)


def test_an_empty_segment_is_named() -> None:
    found = _warnings(0.02, public=1.0, critics=0.0)
    assert any("segment 'critics' has no accounts" in w for w in found)
    assert np.all([isinstance(w, str) for w in found])


def test_a_statement_that_changes_nothing_is_still_named() -> None:
    # the statement is issued (its time and the unanswered reach differ from the baseline's)
    # but nobody reacts either way: the incident's outcomes are the baseline's
    text = TEXT.format(p=0.0, public=0.9, critics=0.1).replace(
        "incident: {type: post, author: random}",
        "incident: {type: post, author: random, brand_followers: 100}").replace(
        "      - {do: delete, at: 1m}", "      - {do: statement, strategy: apology, at: 1m}")
    results = sim.run(parse_scenario(text.encode()), replications=4)
    found = result_warnings(results)
    assert any("'early delete' gave exactly the baseline's outcomes" in w for w in found)
    assert not np.all(np.isnan(results.metric("early delete", "response_h")))
