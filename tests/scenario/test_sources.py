"""Every default's source is declared with its key; the judgements are found from them."""

from __future__ import annotations

from pydantic import BaseModel

from sim.scenario import action_kinds, parse_scenario, schema
from sim.scenario.fields import source_of
from sim.scenario.sources import entries, judgements
from sim.scenario.strategies import STRATEGIES

TEXT = """\
scenario: sources
horizon: 12h
network: {generator: scale_free, accounts: 2000, mean_follows: 10}
segments:
  public: {fraction: 0.9}
  press: {fraction: 0.1, media: true}
incident: {type: post, brand_followers: 100}
media: {pickup_probability: 0.1}
policies:
  - name: nothing
  - name: delete
    actions: [{do: delete, at: 1h}]
  - name: say sorry
    actions: [{do: statement, at: 1h, strategy: apology, newsworthiness: 0}]
"""


def test_judgements_are_found_and_published_figures_are_not() -> None:
    found = dict(judgements(parse_scenario(TEXT.encode())))
    assert found["media.offline_weight"] == 0.2
    assert found["policies.1.actions.0.streisand"] == 1.5
    assert found["policies.2.actions.0.effect"] == STRATEGIES["apology"].reaction
    assert found["behaviour.derived_fraction"] == 0.3
    assert found["incident.outrage"] == 1.0
    assert found["network.reciprocity"] == 0.3  # a generator's default, filled in
    assert found["media.article_reach"] == 40  # 2% of the accounts, filled in
    for path in ("behaviour.attention", "behaviour.novelty", "behaviour.reactions_per_reaction",
                 "seed", "precision", "segments.public.attention",
                 "media.pickup_probability",  # set in the scenario
                 "policies.2.actions.0.newsworthiness",  # set (to 0) in the scenario
                 ):
        assert path not in found, path


def test_a_value_set_in_the_scenario_has_no_source() -> None:
    scenario = parse_scenario(TEXT.encode())
    by_path = {e.path: e for e in entries(scenario)}
    assert by_path["media.pickup_probability"].default is None
    assert by_path["policies.2.actions.0.newsworthiness"].value == 0
    assert by_path["behaviour.attention"].default.source.kind == "published"
    assert by_path["segments.press.attention"].default.source.kind == "derived"


def test_every_defaulted_key_declares_its_source() -> None:
    models = [schema.Scenario, schema.Network, schema.Segment, schema.Behaviour,
              schema.Incident, schema.Media, schema.Monitoring, schema.Policy, schema.Action,
              schema.Risk, *(kind.fields for kind in action_kinds.KINDS.values())]
    missing = [f"{model.__name__}.{name}" for model in models
               for name, info in model.model_fields.items()
               if not info.is_required() and source_of(info) is None
               and info.default is not None and not isinstance(info.default, list | dict)
               and not isinstance(info.default, BaseModel)]
    assert missing == []
