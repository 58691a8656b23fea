"""The story's reaction probability and the nominal branching factor it implies.

A scenario states how readily accounts react in one of two forms (``behaviour``):
``share_probability``, the chance per exposure, or ``reactions_per_reaction``, the nominal
branching factor ``R = share_probability x mean follows per account``. The second keeps
its meaning when ``mean_follows`` changes, which is why the default is stated that way
(``R = 0.2``, chosen with the stylised-facts benchmark, docs/validation.md).

The nominal R also weighs the segments (their fractions, share multipliers and the
incident's outrage against their stance). Real branching also depends on reciprocity and
on how follower counts and following counts go together, so R is a guide, not a law: near
1, cascades are deep chains and small changes swing their sizes, which is what
:func:`threshold_warning` says.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.scenario.schema import DEFAULT_REACTIONS_PER_REACTION, Scenario

NEAR_THRESHOLD = (0.7, 1.3)  # nominal R in this band draws a warning


def share_probability(scenario: Scenario, mean_follows: float) -> float:
    """The story's reaction probability per exposure, for a neutral account.

    ``behaviour.share_probability`` if the scenario sets it, else ``reactions_per_reaction``
    (default 0.2) divided by ``mean_follows``, at most 1.
    """
    behaviour = scenario.behaviour
    if behaviour.share_probability is not None:
        return behaviour.share_probability
    r = behaviour.reactions_per_reaction
    r = DEFAULT_REACTIONS_PER_REACTION if r is None else r
    return min(1.0, r / mean_follows) if mean_follows > 0 else 0.0


def reactions_per_reaction(scenario: Scenario, mean_follows: float,
                           fractions: Sequence[float] | None = None) -> float:
    """The nominal branching factor: ``p x mean_follows x`` the segments' mean multiplier.

    ``fractions`` are the segments' shares of the audience, in the scenario's order (for a
    file network, counted from the graph); by default the segments' ``fraction`` keys.
    """
    return (share_probability(scenario, mean_follows) * mean_follows
            * segment_multiplier(scenario, fractions))


def segment_multiplier(scenario: Scenario, fractions: Sequence[float] | None = None) -> float:
    """The segments' mean factor on the share probability: multiplier times outrage's effect.

    ``fractions`` are as for :func:`reactions_per_reaction`; 1 without segments.
    """
    segments = list((scenario.segments or {}).values())
    if fractions is None:
        fractions = [s.fraction or 0.0 for s in segments]
    outrage = scenario.incident.outrage
    return sum(share * s.share_multiplier * max(0.0, 1.0 - outrage * s.stance)
               for share, s in zip(fractions, segments, strict=True)) if segments else 1.0


def threshold_warning(scenario: Scenario, mean_follows: float,
                      fractions: Sequence[float] | None = None) -> str | None:
    """A warning when the nominal branching factor is near the epidemic threshold of 1."""
    r = reactions_per_reaction(scenario, mean_follows, fractions)
    low, high = NEAR_THRESHOLD
    if not low <= r <= high:
        return None
    return (f"behaviour: about {r:.2f} new reactions per reaction (share probability x mean "
            f"follows x the segments' multipliers), near the epidemic threshold of 1: cascades "
            f"become deep chains and their sizes swing widely with small changes of "
            f"share_probability or mean_follows. Real cascades are broad and shallow (about "
            f"0.2; docs/validation.md); set behaviour.reactions_per_reaction to say what you "
            f"mean")
