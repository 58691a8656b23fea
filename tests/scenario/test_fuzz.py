"""The loader either returns a Scenario or raises ScenarioError: never another exception."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario import Scenario, ScenarioError, parse_scenario
from sim.scenario.schema import (
    Action,
    Behaviour,
    Incident,
    Media,
    Network,
    Policy,
    Risk,
    Segment,
)
from tests.conftest import SCENARIOS

KEYS = sorted(
    {k for model in (Scenario, Network, Segment, Behaviour, Incident, Media, Policy, Action, Risk)
     for k in model.model_fields}
)
VALID = [yaml.safe_load(p.read_text()) for p in SCENARIOS]
VALUE_TEXTS = ["30m", "2h", "-3m", "0", "1.5d", "5", "lognormal(median=45m, sigma=0.6)",
               "lognormal(median=5m)", "fixed(2h)", "eval(1)", "none", "brand", "random",
               "stretched_exp(half_life=1h, beta=0.4)", "scale_free", "statement", "apology",
               "reach", "public", "critics", "stop_promotion", "", "(", "seismic(theta=0.23,"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12), st.floats(),
    st.sampled_from(VALUE_TEXTS), st.text(max_size=20),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=10), st.integers(-5, 5))
documents = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(keys, children, max_size=5)),
    max_leaves=30,
)


def _load(raw: bytes) -> None:
    try:
        result = parse_scenario(raw, "fuzz.yaml")
    except ScenarioError as error:
        assert error.problems, "a ScenarioError must carry at least one problem"
        for problem in error.problems:
            assert str(problem).startswith(f"fuzz.yaml:{problem.line}: ")
            assert " must be " in str(problem) and "; got " in str(problem)
    else:
        assert isinstance(result, Scenario)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_random_yaml_documents(document: Any) -> None:
    _load(yaml.safe_dump(document).encode())


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_random_text(text: str) -> None:
    _load(text.encode("utf-8", "surrogatepass"))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes(raw: bytes) -> None:
    _load(raw)


def _mutate(data: Any, draw: st.DrawFn) -> Any:
    """Apply one random mutation somewhere inside ``data``."""
    if isinstance(data, dict) and data and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(data, key=str)))
        copy = dict(data)
        copy[key] = _mutate(copy[key], draw)
        return copy
    if isinstance(data, list) and data and draw(st.booleans()):
        index = draw(st.integers(0, len(data) - 1))
        copy = list(data)
        copy[index] = _mutate(copy[index], draw)
        return copy
    action = draw(st.sampled_from(["replace", "delete", "add", "empty"]))
    if action == "replace" or not isinstance(data, dict | list):
        return draw(documents)
    if action == "empty":
        return type(data)()
    if isinstance(data, dict):
        copy = dict(data)
        if action == "delete" and copy:
            copy.pop(draw(st.sampled_from(sorted(copy, key=str))))
        else:
            copy[draw(keys)] = draw(documents)
        return copy
    copy = list(data)
    if action == "delete" and copy:
        copy.pop(draw(st.integers(0, len(copy) - 1)))
    else:
        copy.append(draw(documents))
    return copy


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutations_of_valid_scenarios(data: st.DataObject) -> None:
    base = data.draw(st.sampled_from(VALID))
    mutated = base
    for _ in range(data.draw(st.integers(1, 3))):
        mutated = _mutate(mutated, data.draw)
    _load(yaml.safe_dump(mutated, sort_keys=False).encode())
