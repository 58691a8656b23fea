"""Warnings about a scenario's design, before anything runs.

A scenario can be valid and still unable to give a meaningful answer: a story near the
epidemic threshold (:func:`sim.scenario.branching.threshold_warning`), or a press that
breeds its own articles. These are worked out from the scenario alone, so only for
generated networks (a file network's size and segments are known once it is loaded);
:func:`sim.experiment.checks.result_warnings` adds them to a run's warnings, and
``flashpoint validate`` prints them.
"""

from __future__ import annotations

from sim.scenario.branching import threshold_warning
from sim.scenario.media import scaled
from sim.scenario.schema import Scenario

PRESS_CHAIN = 1.0  # articles per article at which the press alone carries the story


def articles_per_article(scenario: Scenario) -> float | None:
    """How many articles one article's readers bring at most (full newsworthiness).

    ``article_reach x`` the journalists' share of the audience ``x pickup_probability``;
    None without media or for a file network.
    """
    network = scenario.network
    if scenario.media is None or network.accounts is None:
        return None
    media = scaled(scenario.media, network.accounts)
    share = sum(s.fraction or 0.0 for s in (scenario.segments or {}).values() if s.media)
    reach = media.article_reach or 0
    pickup = media.pickup_probability or 0.0
    return reach * share * pickup


def scenario_warnings(scenario: Scenario) -> list[str]:
    """Every warning about ``scenario``'s design, as sentences (empty when there is none)."""
    out: list[str] = []
    network = scenario.network
    if network.mean_follows is not None and network.accounts is not None:
        warning = threshold_warning(scenario, network.mean_follows)
        if warning:
            out.append(warning)
    chain = articles_per_article(scenario)
    if chain is not None and chain >= PRESS_CHAIN:
        out.append(
            f"media: each article's readers include enough journalists to bring about "
            f"{chain:.1f} more articles (article_reach x the journalists' share of the "
            f"audience x pickup_probability), so the press alone can carry the story to "
            f"everyone; lower media.pickup_probability or media.article_reach (the defaults "
            f"keep this at 20 times the journalists' share, whatever the audience's size)")
    return out
