"""The exercise: section: validated like every other key, each problem at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario import ScenarioError, dump_resolved, limits, load_scenario, parse_scenario
from sim.scenario.exercise import add_delays
from sim.scenario.values import Fixed, LogNormal, Uniform

BASE = """\
scenario: drill
horizon: 12h
replications: 5
network: {generator: erdos_renyi, accounts: 500, mean_follows: 5}
segments: {public: {fraction: 0.8}, critics: {fraction: 0.2}}
incident:
  type: hashtag_campaign
  brand_followers: 50
  promotion: {impressions_per_hour: 50, duration: 12h}
exercise:
  decisions:
    - prompt: Pull the promotion?
      at: 30m
      options:
        - name: keep
        - name: pull
          actions: [{do: stop_promotion}]
    - prompt: Say something?
      when: {metric: reach, above: 100}
      options:
        - name: silence
          actions: []
        - name: apologise
          actions:
            - {do: statement, strategy: apology}
          delay: 20m
  injects:
    - {at: 1h, sender: Head of comms, text: The CEO has seen it.}
  posts:
    critics: ["Nice try"]
"""


def _load(tmp_path: Path, text: str):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return load_scenario(path)


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        _load(tmp_path, text)
    return str(caught.value).splitlines()


def test_the_base_exercise_validates_without_policies_and_round_trips(tmp_path: Path) -> None:
    scenario = _load(tmp_path, BASE)
    assert scenario.policies == []
    exercise = scenario.exercise
    assert [len(d.options) for d in exercise.decisions] == [2, 2]
    action = exercise.decisions[1].options[1].actions[0]
    assert action.do == "statement" and action.effect is not None  # resolved like a policy's
    assert exercise.decisions[1].when.metric == "reach"
    text = dump_resolved(scenario)
    assert "at: 0" not in text.split("exercise:")[1].split("injects:")[0]  # no placeholder
    assert parse_scenario(text.encode()) == scenario


def test_without_an_exercise_policies_stay_required(tmp_path: Path) -> None:
    text = BASE.split("exercise:")[0]
    assert _problems(tmp_path, text) == [f"{tmp_path / 's.yaml'}:1: policies must be given; "
                                         "got nothing"]


def test_too_many_paths_names_the_decisions_and_the_count(tmp_path: Path) -> None:
    decision = ("    - prompt: Q{i}?\n      at: 1h\n      options:\n"
                + "".join(f"        - {{{{name: o{j}, actions: [{{{{do: delete}}}}], "
                          f"delay: {j}h}}}}\n" for j in range(3)))
    text = (BASE.split("  decisions:\n")[0] + "  decisions:\n"
            + "".join(decision.format(i=i) for i in range(6)))
    assert 3**6 > limits.MAX_EXERCISE_PATHS
    assert _problems(tmp_path, text) == [
        f"{tmp_path / 's.yaml'}:11: exercise.decisions must be a list of decisions with at "
        f"most {limits.MAX_EXERCISE_PATHS} paths (the product of their options' counts; each "
        "path is a policy of the run); got 729 paths (3 x 3 x 3 x 3 x 3 x 3)"]


def test_options_that_do_the_same_are_refused(tmp_path: Path) -> None:
    decision = ("    - prompt: Q?\n      at: 1h\n      options:\n        - name: wait\n"
                "        - name: also wait\n          delay: 2h\n"
                "        - {name: delete, actions: [{do: delete}]}\n"
                "        - {name: delete too, actions: [{do: delete, delay: 0s}]}\n")
    text = BASE.split("  decisions:\n")[0] + "  decisions:\n" + decision
    file = tmp_path / "s.yaml"
    assert _problems(tmp_path, text) == [
        f"{file}:16: exercise.decisions[0].options[1].actions must be actions (or a delay) that "
        "differ from those of options[0] (the two options would give the same paths); got "
        "nothing",
        f"{file}:19: exercise.decisions[0].options[3].actions must be actions (or a delay) that "
        "differ from those of options[2] (the two options would give the same paths); got the "
        "same actions"]


def test_an_option_action_with_its_own_time_is_refused_at_its_line(tmp_path: Path) -> None:
    text = BASE.replace("actions: [{do: stop_promotion}]",
                        "actions:\n            - do: stop_promotion\n              at: 1h")
    lines = _problems(tmp_path, text)
    assert lines == [f"{tmp_path / 's.yaml'}:19: exercise.decisions[0].options[1].actions[0].at"
                     " must be left out of an option's action (the decision's 'at' or 'when' "
                     "applies to each of its actions); got '1h'"]


def test_a_posts_segment_must_exist(tmp_path: Path) -> None:
    text = BASE.replace('critics: ["Nice try"]', 'crtics: ["Nice try"]')
    (line,) = _problems(tmp_path, text)
    assert line.startswith(f"{tmp_path / 's.yaml'}:30: exercise.posts.crtics must be a segment "
                           "of the scenario (one of: public, critics)")
    assert "(did you mean 'critics'?)" in line


def test_a_decision_needs_two_options(tmp_path: Path) -> None:
    text = BASE.replace("        - name: keep\n", "")
    assert _problems(tmp_path, text) == [
        f"{tmp_path / 's.yaml'}:14: exercise.decisions[0].options must be a list of 2 to 5 "
        "options; got 1 option"]


@pytest.mark.parametrize(("old", "new", "line", "says"), [
    ("        - name: silence\n", "        - name: apologise\n", 23,
     "exercise.decisions[1].options[1].name must be unique within the decision (options[0] "
     "has the same name)"),
    ("name: pull", "name: pull / now", 16, "without ' / '"),
    ("at: 30m", "at: 30m\n      when: {metric: reach, above: 1}", 14,
     "exercise.decisions[0].when must be left out when 'at' is set"),
    ("at: 30m", "at: 13h", 13, "exercise.decisions[0].at must be before the horizon (12h)"),
    ("{at: 1h, sender", "{at: 20h, sender", 28, "exercise.injects[0].at must be before"),
    ("{do: statement, strategy: apology}",
     "{do: statement, strategy: apology, delay: \"exponential(mean=5m)\"}", 25,
     "exercise.decisions[1].options[1].actions[0].delay must be a fixed delay, or left out, "
     "when the option's delay is fixed(20m)"),
    ("{do: statement, strategy: apology}", "{do: statement, strategy: apologee}", 25,
     "exercise.decisions[1].options[1].actions[0].strategy must be one of"),
    ("{do: stop_promotion}", "{do: advocates, segment: nobody, rate_per_hour: 1}", 17,
     "exercise.decisions[0].options[1].actions[0].segment must be a segment of the scenario"),
    ("  brand_followers: 50\n", "", 6, "incident.brand_followers must be given for a generated "
     "network (how many accounts follow the brand) when incident.author is brand"),
])
def test_exercise_problems_are_reported_at_their_line(tmp_path: Path, old: str, new: str,
                                                      line: int, says: str) -> None:
    assert old in BASE
    lines = _problems(tmp_path, BASE.replace(old, new, 1))
    assert any(entry.startswith(f"{tmp_path / 's.yaml'}:{line}: ") and says in entry
               for entry in lines), lines


def test_a_statement_in_an_option_needs_the_brand(tmp_path: Path) -> None:
    text = BASE.replace("  brand_followers: 50\n", "  author: random\n")
    (line,) = _problems(tmp_path, text)
    assert ("when an exercise option makes a statement, which the brand posts "
            "(exercise.decisions[1].options[1].actions[0])") in line


def test_delays_add_where_the_sum_is_a_distribution() -> None:
    assert add_delays(Fixed(600.0), Fixed(60.0)) == Fixed(660.0)
    assert add_delays(Fixed(0.0), LogNormal(60.0, 0.5)) == LogNormal(60.0, 0.5)
    assert add_delays(Uniform(0.0, 60.0), Fixed(60.0)) == Uniform(60.0, 120.0)
    assert add_delays(Fixed(1.0), LogNormal(60.0, 0.5)) is None
    assert add_delays(Uniform(0.0, 60.0), Uniform(0.0, 60.0)) is None
