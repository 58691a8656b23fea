"""The table of response strategies and their default effects.

A strategy is a row of data, not a class. The reaction multiplier applies to
the accounts that saw the statement; the newsworthiness multiplier applies to
media pickup once the statement is out. Directions follow Coombs' Situational
Crisis Communication Theory (2007) and Herhausen et al. (J. Marketing 2019);
the sizes are judgements, and every one can be overridden in a scenario with
``effect`` and ``newsworthiness``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.fields import Source

REACTION_SOURCE = Source("strategy table: direction from Coombs (SCCT 2007) and Herhausen et "
                         "al. (J. Marketing 2019); size judgement", "judgement")
NEWSWORTHINESS_SOURCE = Source("strategy table (judgement)", "judgement")


@dataclass(frozen=True)
class Strategy:
    """Default effects of one response strategy, and where each comes from.

    Attributes:
        reaction: the reaction multiplier for the accounts that saw the statement.
        newsworthiness: the newsworthiness multiplier once the statement is out.
        meaning: what the organisation says, in a few words.
        reaction_source: where ``reaction`` comes from.
        newsworthiness_source: where ``newsworthiness`` comes from.
    """

    reaction: float
    newsworthiness: float
    meaning: str
    reaction_source: Source = REACTION_SOURCE
    newsworthiness_source: Source = NEWSWORTHINESS_SOURCE


STRATEGIES: dict[str, Strategy] = {
    "apology": Strategy(0.5, 1.0, "the organisation apologises"),
    "empathy": Strategy(0.6, 1.0, "the organisation expresses concern for those affected"),
    "explanation": Strategy(0.75, 1.0, "the organisation explains what happened"),
    "corrective": Strategy(
        0.55, 1.1, "announced action: a suspension, a fix, a policy change"
    ),
    "holding": Strategy(0.85, 1.0, "we are looking into it"),
    "compensation": Strategy(
        1.1, 1.1, "an offer of compensation (Herhausen et al. 2019: can fuel the fire)"
    ),
    "denial": Strategy(1.3, 1.3, "the organisation denies the problem"),
    "attack": Strategy(1.6, 1.5, "the organisation attacks the accuser"),
}
