"""Media defaults that scale with the audience.

An article's readers, the press's saturation point and the readers off the platform are
stated per account of the audience, so that a scenario keeps its meaning at any audience
size: the fixed figures that preceded them (20,000 readers on the platform, 500,000 off it,
full newsworthiness at 10,000 reactions) made every incident in a small audience reach
everyone through the press. The shares below give those same figures at a million accounts.

The chance that a journalist files on one exposure falls as the audience grows: an
article's readers are a share of the audience, so the journalists among them grow with it,
and a fixed chance makes articles breed articles in a large audience (0.05 gave hundreds
per incident at a million accounts). With the default, an article's readers bring at most
``ARTICLE_REACH_SHARE x PICKUP_ACCOUNTS`` = 20 times the journalists' share of the audience
more articles (0.2 with 1% journalists), at any size.
"""

from __future__ import annotations

from sim.scenario.schema import Media

SATURATION_SHARE = 0.01  # newsworthiness is full at reactions from 1% of the accounts
ARTICLE_REACH_SHARE = 0.02  # an article is seen by 2% of the accounts
OFFLINE_SHARE = 0.5  # and read off the platform by half as many people as the accounts
PICKUP_ACCOUNTS = 1000.0  # a journalist's chance per exposure is 1,000 / accounts,
PICKUP_MAX = 0.05  # at most this (the fixed default it replaced, kept for small audiences)


def scaled(media: Media, accounts: int) -> Media:
    """``media`` with its audience-scaled defaults filled in for ``accounts`` accounts."""
    update: dict[str, float | int] = {}
    if media.pickup_probability is None:
        update["pickup_probability"] = min(PICKUP_MAX, PICKUP_ACCOUNTS / max(1, accounts))
    if media.saturation is None:
        update["saturation"] = max(1.0, round(SATURATION_SHARE * accounts))
    if media.article_reach is None:
        update["article_reach"] = int(round(ARTICLE_REACH_SHARE * accounts))
    if media.offline_audience is None:
        update["offline_audience"] = int(round(OFFLINE_SHARE * accounts))
    return media.model_copy(update=update) if update else media
