"""One declaration per metric: everything that lists or judges metrics reads the registry."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim import metrics
from sim.errors import FlashpointError
from sim.scenario import action, metric_registry, parse_scenario, schema
from sim.scenario.reference import render
from sim.stats import paired
from tests.engine.test_actions import HASHTAG


def test_every_declared_metric_is_computed_and_nothing_else() -> None:
    declared = metric_registry.names(per_replication=True)
    assert metrics.METRICS == declared
    assert set(metrics.COMPUTE) == set(declared)
    assert set(metrics.SERIES_OF) == set(metric_registry.names(series=True))
    for metric in metric_registry.METRICS.values():
        assert metric.label and metric.unit and metric.definition, metric


def test_schema_and_reference_take_their_metric_choices_from_the_registry() -> None:
    assert action.TRIGGER_METRICS == metric_registry.names(trigger=True)
    assert schema.RISK_METRICS == metric_registry.names(risk=True)
    text = render()
    for name in metric_registry.names(trigger=True):
        assert f"`{name}`" in text


def test_a_metric_cannot_be_declared_twice() -> None:
    with pytest.raises(FlashpointError, match="declared twice"):
        metric_registry.register(metric_registry.Metric("reach", "x", "y", "z"))


@pytest.mark.parametrize("metric", metric_registry.names(trigger=True))
def test_the_monitor_can_watch_every_trigger_metric(metric: str) -> None:
    actions = (f"      - {{do: statement, strategy: holding, "
               f"when: {{metric: {metric}, above: 0}}}}")
    scenario = parse_scenario(HASHTAG.format(actions=actions).replace(
        "accounts: 20000", "accounts: 3000").encode())
    results = sim.run(scenario, replications=2)
    # above 0: the first sample after anything at all happened; the statement then goes out
    response = results.metric("policy", "response_h")
    reached = results.metric("baseline", metric if metric != "reactions_per_hour"
                             else "reactions")
    assert np.all(~np.isnan(response[reached > 0]))


def test_prob_better_follows_each_metrics_direction() -> None:
    policy = np.array([1.0, 2.0, 3.0, 4.0])
    baseline = np.array([2.0, 2.0, 2.0, 2.0])
    rng = np.random.default_rng(1)
    assert paired(policy, baseline, rng)["prob_better"] == pytest.approx(1.5 / 4)
    assert paired(policy, baseline, rng, lower_is_better=False)["prob_better"] == pytest.approx(
        2.5 / 4)
    results = sim.run(parse_scenario(HASHTAG.format(
        actions="      - {do: stop_promotion, at: 30m}").replace(
        "accounts: 20000", "accounts: 3000").encode()), replications=12)
    summary = results.summary()["policies"]["policy"]["vs_baseline"]
    for name in ("reach", "time_to_half_h"):
        a, b = results.metric("policy", name), results.metric("baseline", name)
        both = ~np.isnan(a) & ~np.isnan(b)
        wins = a[both] < b[both] if metric_registry.METRICS[name].lower_is_better \
            else a[both] > b[both]
        expected = (np.sum(wins) + 0.5 * np.sum(a[both] == b[both])) / np.sum(both)
        assert summary[name]["prob_better"] == pytest.approx(expected), name
    assert not metric_registry.METRICS["time_to_half_h"].lower_is_better
