"""Media defaults that scale with the audience.

An article's readers, the press's saturation point and the readers off the platform are
stated per account of the audience, so that a scenario keeps its meaning at any audience
size: the fixed figures that preceded them (20,000 readers on the platform, 500,000 off it,
full newsworthiness at 10,000 reactions) made every incident in a small audience reach
everyone through the press. The shares below give those same figures at a million accounts.
"""

from __future__ import annotations

from sim.scenario.schema import Media

SATURATION_SHARE = 0.01  # newsworthiness is full at reactions from 1% of the accounts
ARTICLE_REACH_SHARE = 0.02  # an article is seen by 2% of the accounts
OFFLINE_SHARE = 0.5  # and read off the platform by half as many people as the accounts


def scaled(media: Media, accounts: int) -> Media:
    """``media`` with its audience-scaled defaults filled in for ``accounts`` accounts."""
    update: dict[str, float | int] = {}
    if media.saturation is None:
        update["saturation"] = max(1.0, round(SATURATION_SHARE * accounts))
    if media.article_reach is None:
        update["article_reach"] = int(round(ARTICLE_REACH_SHARE * accounts))
    if media.offline_audience is None:
        update["offline_audience"] = int(round(OFFLINE_SHARE * accounts))
    return media.model_copy(update=update) if update else media
