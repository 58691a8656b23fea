"""What validate accepts, run runs: mutated bundled scenarios that validate, scaled small, run.

Hypothesis mutates the bundled scenarios (tests/scenario/test_fuzz.py's mutations); every
mutant that validates is scaled into a small range (accounts, followers, impressions,
horizon) and, if it still validates, runs one replication to the end. Anything but a
result or the project's own error is a defect. Derandomised in CI (tests/conftest.py); a
larger run: ``pytest tests/experiment/test_funnel.py --hypothesis-seed=N`` with
``FUNNEL_EXAMPLES=2000`` (docs/scenarios.md).
"""

from __future__ import annotations

import os
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.errors import FlashpointError
from sim.scenario import ScenarioError, parse_scenario
from tests.scenario.test_fuzz import VALID, _mutate

EXAMPLES = int(os.environ.get("FUNNEL_EXAMPLES", "60"))
CAPS = {"accounts": 300, "brand_followers": 30, "followers": 30, "impressions_per_hour": 300,
        "article_reach": 30, "offline_audience": 1000, "rate_per_hour": 20, "top": 5}


def _small(value: Any) -> Any:
    """``value`` with its sizes capped, so that one replication takes a moment."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in CAPS and isinstance(item, int | float) and not isinstance(item, bool):
                item = min(item, CAPS[key])
            elif key == "horizon":
                item = "12h"
            elif key in ("resolution", "interval"):
                item = "30m"
            elif key in ("replications", "max_replications"):
                item = 1
            out[key] = _small(item)
        return out
    if isinstance(value, list):
        return [_small(item) for item in value]
    return value


EDGES = st.one_of(st.sampled_from([0, 1, 2, 0.5, 0.999, 1e-9, 1e6, 10**9, 1e300]),
                  st.floats(0, 1), st.integers(0, 10**6))
DURATIONS = st.sampled_from(["0s", "1s", "30m", "2h", "11h", "1000d", "lognormal(median=1s)",
                             "fixed(0s)", "uniform(low=0s, high=1h)"])


def _leaves(value: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))]
    return [path]


def _set(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    head, *rest = path
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = _set(copy[head], tuple(rest), new)
    return copy


def _edge(data: st.DataObject, document: Any) -> Any:
    """One leaf of ``document`` set to an extreme but often valid value."""
    leaves = _leaves(document)
    if not leaves:
        return document
    path = data.draw(st.sampled_from(leaves))
    return _set(document, path, data.draw(st.one_of(EDGES, DURATIONS)))


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_every_mutant_that_validates_runs(data: st.DataObject) -> None:
    mutated = data.draw(st.sampled_from(VALID))
    for _ in range(data.draw(st.integers(1, 3))):
        if data.draw(st.booleans()):
            mutated = _edge(data, mutated)
        else:
            mutated = _mutate(mutated, data.draw)
    try:
        parse_scenario(yaml.safe_dump(mutated, sort_keys=False).encode())
        scenario = parse_scenario(yaml.safe_dump(_small(mutated), sort_keys=False).encode())
    except ScenarioError:
        return  # refused at validation, with its line: that is the promise kept
    try:
        results = sim.run(scenario, replications=1, workers=1)
    except FlashpointError:
        return  # the project's own error, with a message
    assert len(results.replications) == 1
