"""Every bundled scenario and template gives an answer that means something.

Each runs as shipped (its full audience), with fewer replications than it asks for, and
must draw no result warning (saturation, a trigger that never fires, a policy identical to
the baseline, an empty segment), must not be dead (mean reach of a few hundred accounts at
least), must leave most of its audience unreached, and at least one policy's paired 95%
interval of the difference in the risk metric must exclude zero.

A scenario of a real incident (a ``documented:`` section, docs/incidents/) must also
reproduce every figure held out from its fit, from the same run: the reported value lies in
the 80% band of the policy the organisation followed, and the band is no wider than a factor
of 3 (or the figure's own band, justified on its page).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.experiment.checks import result_warnings
from sim.experiment.documented import compare
from sim.scenario import parse_scenario
from tests.conftest import SCENARIOS

# replications per file: enough for the paired intervals and the documented figures' bands
# (the scenario's seed, so the check is the same in every run); the police post is heavy-tailed
REPLICATIONS = {"police-officer-post": 200, "hashtag": 30, "post": 40}
DEFAULT_REPLICATIONS = 40

# Held-out figures the model does not yet reproduce, each said plainly on its incident's page
# (docs/incidents/) and in issue 17's closing note. The test checks they are still not
# reproduced, so a fix that reproduces one must take it off this list.
NOT_YET_REPRODUCED = {
    # the story is nearly over within the first day: the band is mostly below and 5.7x wide
    ("chrysler-tweet", "the message was retweeted by thousands (AutoGuide)"),
    # the median run never reaches the press: the band of the article count starts at 0
    ("police-officer-post", "by Monday, stories in the New Orleans paper, Newsweek, the New "
                            "York Times, the Washington Post and others"),
}
TEMPLATES = ("hashtag", "post")


def _scenario(name: str) -> sim.Scenario:
    if name in TEMPLATES:
        template = resources.files("sim.scenario").joinpath("templates", f"{name}.yaml")
        text = template.read_text(encoding="utf-8").replace("__TITLE__", f'"{name}"')
        return parse_scenario(text.encode(), file=f"template {name}")
    return sim.load_scenario(next(p for p in SCENARIOS if p.stem == name))


@pytest.mark.parametrize("name", [*(Path(p).stem for p in SCENARIOS), *TEMPLATES])
def test_bundled_scenario_is_meaningful(name: str) -> None:
    scenario = _scenario(name)
    results = sim.run(scenario, replications=REPLICATIONS.get(name, DEFAULT_REPLICATIONS),
                      workers=2)
    assert result_warnings(results) == []
    accounts = scenario.network.accounts
    assert accounts is not None
    reach = results.metric(results.policies[0], "reach")
    assert reach.mean() >= 300, reach.mean()
    assert np.median(reach) < 0.5 * accounts, np.median(reach)
    summary = results.summary()
    risk = summary["risk_metric"]
    excludes_zero = [
        policy for policy, entry in summary["policies"].items()
        if "vs_baseline" in entry
        and (entry["vs_baseline"][risk]["diff_ci95"][0] > 0
             or entry["vs_baseline"][risk]["diff_ci95"][1] < 0)
    ]
    assert excludes_zero, {p: e.get("vs_baseline", {}).get(risk, {}).get("diff_ci95")
                           for p, e in summary["policies"].items()}
    if scenario.documented is not None:
        held_out = [c for c in compare(results) if c.figure.use == "check"]
        assert held_out, "a real incident keeps at least one reported figure out of its fit"
        failing = {(name, c.figure.figure) for c in held_out if not c.reproduced}
        expected = {key for key in NOT_YET_REPRODUCED if key[0] == name}
        assert failing == expected, [
            (c.figure.figure, c.figure.shown, c.low, c.median, c.high) for c in held_out]
