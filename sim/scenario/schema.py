"""The scenario schema: frozen pydantic models, one per section of a scenario file.

Every constraint is declared once, next to its field (see
:mod:`sim.scenario.fields`). Checks that relate several fields live in the
validator of the smallest model that holds them all, and report each broken
rule at the exact key it concerns. Defaults that depend on other sections (a
segment's attention, a statement's share probability) are filled in by
:mod:`sim.scenario.resolve`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.formatting import with_article
from sim.scenario import fields as f
from sim.scenario import metric_registry, values
from sim.scenario.strategies import STRATEGIES
from sim.scenario.suggest import did_you_mean

GENERATORS = ("scale_free", "erdos_renyi", "small_world", "communities")
GENERATOR_DEFAULTS: dict[str, dict[str, float | int]] = {
    "scale_free": {"follower_exponent": 2.3, "reciprocity": 0.3},
    "erdos_renyi": {},
    "small_world": {"rewire": 0.1},
    "communities": {"communities": 20, "mixing": 0.05, "segments_by_community": False},
}
NETWORK_FILE_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz", ".graphml")
ACTION_KEYS: dict[str, tuple[str, ...]] = {
    "stop_promotion": (),
    "delete": ("streisand",),
    "statement": ("strategy", "share_probability", "effect", "newsworthiness"),
    "advocates": ("segment", "rate_per_hour"),
    "takedown": ("top", "platform_delay"),
}
ACTION_REQUIRED: dict[str, tuple[str, ...]] = {
    "statement": ("strategy",),
    "advocates": ("segment", "rate_per_hour"),
}
TRIGGER_METRICS = metric_registry.names(trigger=True)
RISK_METRICS = metric_registry.names(risk=True)
FRACTION_TOLERANCE = 1e-6

GeneratorName = f.choice(*GENERATORS)
Direction = f.choice("follows", "broadcasts")
IdKind = f.choice("auto", "integer", "text")
IncidentType = f.choice("post", "hashtag_campaign")
TriggerMetric = f.choice(*TRIGGER_METRICS)
ActionKind = f.choice(*ACTION_KEYS)
StrategyName = f.choice(*STRATEGIES)
RiskMetric = f.choice(*RISK_METRICS)
Exponent = Annotated[float, *f.scalar(f.number(2, strict_low=True))]


class Model(BaseModel):
    """Base of every scenario model: frozen, and unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _given(model: BaseModel, name: str) -> bool:
    return getattr(model, name) is not None


# ---------------------------------------------------------------- network


class Network(Model):
    """The follower graph: generated, or read from a file."""

    generator: GeneratorName | None = Field(
        None, description="Generate the graph with this model. Set exactly one of "
        "`generator` or `file`.")
    file: f.Text | None = Field(
        None, description="Edge list (`.csv`, `.tsv`, `.txt`, optionally `.gz`) or `.graphml`; "
        "relative paths resolve against the scenario's folder.")
    accounts: f.PositiveCount | None = Field(
        None, description="Number of accounts (generated networks; required).")
    mean_follows: f.NonNegative | None = Field(
        None, description="Mean number of accounts each account follows (generated networks; "
        "required).")
    follower_exponent: Exponent | None = Field(
        None, description="`scale_free`: tail exponent of the follower-count distribution. "
        "Default 2.3 (real Twitter graphs: 2.0-2.6).")
    reciprocity: f.Probability | None = Field(
        None, description="`scale_free`: share of follows that are returned. Default 0.3.")
    rewire: f.Probability | None = Field(
        None, description="`small_world`: probability that a lattice follow is rewired. "
        "Default 0.1.")
    communities: f.PositiveCount | None = Field(
        None, description="`communities`: number of planted groups. Default 20.")
    mixing: f.Probability | None = Field(
        None, description="`communities`: share of follows across groups. Default 0.05.")
    segments_by_community: f.Flag | None = Field(
        None, description="`communities`: give each segment whole communities (so segments "
        "cluster) instead of random accounts. Default false.")
    resample: f.Flag = Field(
        False, description="Generated networks: a fresh graph for every replication.")
    direction: Direction | None = Field(
        None, description="File networks: `follows` means a line `a b` says a follows b "
        "(content flows b -> a); `broadcasts` means a's posts reach b. Default `follows`.")
    segments_file: f.Text | None = Field(
        None, description="File networks: a CSV with columns `account,segment`.")
    ids: IdKind | None = Field(
        None, description="File networks: `integer` (every id must be a whole number), `text`, "
        "or `auto` (integers if every id is one). Default `auto`.")

    @model_validator(mode="after")
    def _one_source(self, info: ValidationInfo) -> Network:
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        if self.generator is None and self.file is None:
            raise f.fail("a mapping that sets exactly one of 'generator' or 'file'")
        if self.generator is not None and self.file is not None:
            problems.append((("file",), "left out when network.generator is set "
                             "(set exactly one of 'generator' or 'file')", self.file))
        elif self.generator is not None:
            for key in ("accounts", "mean_follows"):
                if getattr(self, key) is None:
                    problems.append(((key,), f"given for a generated network ({key}: ...)",
                                     None))
            for key in ("direction", "segments_file", "ids"):
                if _given(self, key):
                    problems.append(((key,), "left out of a generated network (it is for "
                                     "network.file)", getattr(self, key)))
            for generator, keys in GENERATOR_DEFAULTS.items():
                for key in keys:
                    if generator != self.generator and _given(self, key):
                        problems.append(((key,), f"left out unless network.generator is "
                                         f"{generator}", getattr(self, key)))
        else:
            assert self.file is not None
            for key in ("accounts", "mean_follows", *_all_generator_keys()):
                if _given(self, key):
                    problems.append(((key,), "left out of a file network (the file sets it)",
                                     getattr(self, key)))
            if self.resample:
                problems.append((("resample",), "false for a file network", True))
            base = (info.context or {}).get("base_dir")
            for key in ("file", "segments_file"):
                name = getattr(self, key)
                if name is None or base is None:
                    continue
                path = Path(base) / name
                if key == "file" and not name.lower().endswith(NETWORK_FILE_SUFFIXES):
                    problems.append(((key,), "a network file ending in "
                                     + ", ".join(NETWORK_FILE_SUFFIXES), name))
                elif not path.is_file():
                    problems.append(((key,), f"an existing file (looked for {path})", name))
        if problems:
            raise f.fail("", *problems)
        return self


def _all_generator_keys() -> list[str]:
    return [key for keys in GENERATOR_DEFAULTS.values() for key in keys]


# ---------------------------------------------------------------- audience


def _segment_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise f.fail("a segment name (non-empty text)")
    return value


SegmentName = Annotated[str, f.Expect("a segment name (non-empty text)"),
                        PlainValidator(_segment_name)]


class Segment(Model):
    """An audience segment: who its accounts are and how they react."""

    fraction: f.Probability | None = Field(
        None, description="Share of accounts in the segment; fractions sum to 1. Required for "
        "generated networks, an error with a file network.")
    share_multiplier: f.NonNegative = Field(1.0, description="Multiplies the reaction "
                                            "probability.")
    stance: f.Stance = Field(0.0, description="-1 hostile to the organisation, +1 loyal.")
    weight: f.NonNegative = Field(1.0, description="Reputational weight of one account "
                                  "reached, in the exposure index.")
    media: f.Flag = Field(False, description="Journalists: can write articles.")
    attention: f.Distribution | None = Field(
        None, description="Delay from a post to a follower in this segment seeing it. "
        "Default: `behaviour.attention`.")


DEFAULT_REACTIONS_PER_REACTION = 0.2  # docs/validation.md: the stylised-facts benchmark
DEFAULT_ATTENTION = values.Seismic(theta=0.23, plateau=300.0, knee=3600.0, tail=0.5)


class Behaviour(Model):
    """How accounts react to what they see."""

    share_probability: f.Probability | None = Field(
        None, description="Reaction probability per exposure, at full novelty, for a neutral "
        "account. Default: `reactions_per_reaction` divided by the mean number of follows "
        "per account.")
    reactions_per_reaction: f.NonNegative | None = Field(
        None, description="The nominal branching factor: share_probability times the mean "
        "number of follows per account, the mean number of new reactions that one reaction "
        "brings. Set this or share_probability, not both. Default 0.2 when neither is set, "
        "chosen with the stylised-facts benchmark (docs/validation.md); near 1 cascades are "
        "deep chains and their sizes swing widely.")
    attention: f.Distribution = Field(
        DEFAULT_ATTENTION,
        description="Delay from a share to a follower seeing it. Default: SEISMIC's Twitter "
        "memory kernel (Zhao et al. 2015), theta 0.23 and plateau 5m, with its tail steepened "
        "beyond 1h to exponent 0.5 so that 9% of first-hop reactions come after a day, as in "
        "real retweet times (docs/validation.md).")
    novelty: f.Novelty = Field(
        values.NoNovelty(),
        description="Decay of interest with the story's age; `none` switches it off. Default: "
        "none, because the attention kernel was fitted to real reaction times and already "
        "holds the loss of interest (docs/validation.md).")
    derived_fraction: f.Probability = Field(
        0.3, description="Share of reactions that are the account's own post (quote, "
        "screenshot, hashtag story) rather than a reshare (judgement).")

    @model_validator(mode="after")
    def _one_strength(self) -> Behaviour:
        if self.share_probability is not None and self.reactions_per_reaction is not None:
            raise f.fail("", (("reactions_per_reaction",), "left out when share_probability "
                              "is set (set one of the two)", self.reactions_per_reaction))
        return self


# ---------------------------------------------------------------- incident


@dataclass(frozen=True)
class SegmentAuthor:
    """The incident is posted by a random account of ``segment``."""

    segment: str


@dataclass(frozen=True)
class FollowersAuthor:
    """The incident is posted by an extra account given ``followers`` random followers.

    Generated networks only: the account is appended last, after the brand's if there is one
    (see :func:`sim.network.build.build_network`).
    """

    followers: int


AUTHOR_FORMS = "'brand', 'random', {segment: NAME} or {followers: N}"
_FOLLOWERS_EXPECTED, _followers_check = f.number(1, integer=True)


def _author(value: Any) -> str | SegmentAuthor | FollowersAuthor:
    if value in ("brand", "random") and isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"segment"}:
        return SegmentAuthor(_segment_name(value["segment"]))
    if isinstance(value, dict) and set(value) == {"followers"}:
        try:
            return FollowersAuthor(_followers_check(value["followers"]))
        except ValueError:
            raise f.fail("", (("followers",), _FOLLOWERS_EXPECTED + " (how many accounts "
                              "follow the author)", value["followers"])) from None
    hint = did_you_mean(value, ("brand", "random")) if isinstance(value, str) else ""
    raise f.fail(AUTHOR_FORMS + hint)


def _author_out(value: str | SegmentAuthor | FollowersAuthor) -> Any:
    if isinstance(value, SegmentAuthor):
        return {"segment": value.segment}
    if isinstance(value, FollowersAuthor):
        return {"followers": value.followers}
    return value


Author = Annotated[
    str | SegmentAuthor | FollowersAuthor, f.Expect(AUTHOR_FORMS),
    PlainValidator(_author), PlainSerializer(_author_out),
]


def _account_id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        raise f.fail("an account id from the network file (text or a whole number)")
    return str(value)


AccountId = Annotated[str, f.Expect("an account id (text or a whole number)"),
                      PlainValidator(_account_id)]

# The brand's account is needed only when the brand posts (author: brand) or speaks (a
# statement); then the network's kind says which key gives it.
BRAND_NEEDED = {
    "brand_followers": "given for a generated network (how many accounts follow the brand) "
                       "when {why}",
    "brand_account": "given for a file network (the id of the brand's account) when {why}",
}
_AUTHOR_IS_BRAND = "incident.author is brand"


class Promotion(Model):
    """Paid promotion of a hashtag campaign."""

    impressions_per_hour: f.NonNegative = Field(
        description="Paid impressions to random accounts per hour (a Poisson process).")
    duration: f.PositiveDuration = Field(description="How long the promotion runs unless "
                                         "stopped.")


class Trending(Model):
    """The story trends while its recent reactions exceed a threshold."""

    threshold_per_hour: f.Positive = Field(description="Reactions in the last hour that make "
                                           "the story trend.")
    impressions_per_reaction: f.NonNegative = Field(
        description="Random impressions per reaction in the last hour, while trending.")


class Incident(Model):
    """The misjudged post or the hijacked campaign."""

    type: IncidentType = Field(
        description="`post` or `hashtag_campaign`.")
    author: Author = Field(
        "brand", description="`brand`; `random` (a random audience account); `{segment: NAME}` "
        "(a random account of that segment); or `{followers: N}` (generated networks only: an "
        "extra account of the first segment, followed by N random audience accounts and "
        "following no one; N below `network.accounts`).")
    brand_followers: f.Count | None = Field(
        None, description="Generated networks: number of the brand account's followers, "
        "drawn at random. Required when the brand posts or speaks (`author: brand`, or a "
        "policy with a `statement` action); left out otherwise, the network has no brand "
        "account.")
    brand_account: AccountId | None = Field(
        None, description="File networks: the id of the brand's account. Required when the "
        "brand posts or speaks (`author: brand`, or a policy with a `statement` action); left "
        "out otherwise, no account of the file is the brand.")
    start: f.Duration = Field(0.0, description="When the incident starts.")
    outrage: f.NonNegative = Field(1.0, description="Reaction multiplier is max(0, 1 - outrage "
                                   "* stance) (judgement).")
    promotion: Promotion | None = Field(None, description="Hashtag campaigns: paid "
                                        "promotion.")
    trending: Trending | None = Field(None, description="Optional trending mechanism.")

    @model_validator(mode="after")
    def _by_type(self) -> Incident:
        if self.promotion is not None and self.type != "hashtag_campaign":
            raise f.fail("", (("promotion",), "left out unless incident.type is "
                              "hashtag_campaign", self.promotion))
        return self


# ---------------------------------------------------------------- media and monitoring


class Media(Model):
    """Media pickup: journalists write articles that reach a second audience."""

    pickup_probability: f.Probability = Field(
        0.05, description="Chance per journalist exposure, at full newsworthiness "
        "(judgement).")
    saturation: f.Positive | None = Field(
        None, description="Reactions at which newsworthiness reaches 1. Default: 1% of the "
        "audience's accounts (10,000 at a million; judgement).")
    writing_delay: f.Distribution = Field(
        values.LogNormal(median=64800.0, sigma=0.8),
        description="Delay from pickup to publication (judgement).")
    article_reach: f.Count | None = Field(
        None, description="Random accounts in the network that see one article. Default: 2% "
        "of the audience's accounts (20,000 at a million; judgement).")
    offline_audience: f.Count | None = Field(
        None, description="Readers outside the network per article. Default: half as many "
        "as the audience's accounts (500,000 at a million; judgement).")
    offline_weight: f.NonNegative = Field(0.2, description="Weight of one offline reader in "
                                          "the exposure index (judgement).")


class Monitoring(Model):
    """The social-listening monitor that `when` triggers look through."""

    interval: f.PositiveDuration = Field(300.0, description="How often the metrics are "
                                         "sampled.")


# ---------------------------------------------------------------- policies


class Trigger(Model):
    """Fire when a monitored metric is above a threshold."""

    metric: TriggerMetric = Field(
        description="The metric the monitor watches.")
    above: f.NonNegative = Field(description="Fire at the first sample above this value.")


class Action(Model):
    """One thing the organisation does, at a time or when a metric crosses a threshold."""

    do: ActionKind = Field(
        description="The action kind.")
    at: f.Duration | None = Field(None, description="Time after the incident starts. Set "
                                  "exactly one of `at` or `when`.")
    when: Trigger | None = Field(None, description="A metric threshold, checked every "
                                 "`monitoring.interval`.")
    delay: f.Distribution = Field(values.Fixed(0.0), description="Detection and sign-off "
                                  "delay after `at` or the trigger.")
    streisand: f.NonNegative | None = Field(
        None, description="`delete`: multiplies newsworthiness. Default 1.5 (judgement).")
    strategy: StrategyName | None = Field(
        None, description="`statement` (required): the response strategy.")
    share_probability: f.Probability | None = Field(
        None, description="`statement`: how readily the statement is reshared. Default: "
        "the story's share probability (`behaviour.share_probability`, or "
        "`reactions_per_reaction` over the mean follows).")
    effect: f.NonNegative | None = Field(
        None, description="`statement`: reaction multiplier for those who saw it. Default: "
        "the strategy's.")
    newsworthiness: f.NonNegative | None = Field(
        None, description="`statement`: newsworthiness multiplier. Default: the strategy's.")
    segment: SegmentName | None = Field(None, description="`advocates` (required): the "
                                        "segment whose accounts post support.")
    rate_per_hour: f.NonNegative | None = Field(
        None, description="`advocates` (required): supportive posts per hour.")
    top: f.PositiveCount | None = Field(
        None, description="`takedown`: how many of the most-reshared derived posts. "
        "Default 10 (judgement).")
    platform_delay: f.Distribution | None = Field(
        None, description="`takedown`: delay before the platform acts. Default "
        "lognormal(median=6h, sigma=0.5) (judgement).")

    @model_validator(mode="after")
    def _by_kind(self) -> Action:
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        if self.at is None and self.when is None:
            raise f.fail("an action with exactly one of 'at' (a time) or 'when' (a trigger)")
        if self.at is not None and self.when is not None:
            problems.append((("when",), "left out when 'at' is set (set exactly one of "
                             "'at' or 'when')", self.model_dump(mode="json")["when"]))
        own = ACTION_KEYS[self.do]
        for kind, keys in ACTION_KEYS.items():
            for key in keys:
                if key not in own and _given(self, key) and kind != self.do:
                    users = [k for k, ks in ACTION_KEYS.items() if key in ks]
                    problems.append(((key,), f"left out of {with_article(self.do)} action "
                                     f"(it is for {' and '.join(users)})", getattr(self, key)))
        for key in ACTION_REQUIRED.get(self.do, ()):
            if getattr(self, key) is None:
                problems.append(((key,), f"given for {with_article(self.do)} action", None))
        if problems:
            raise f.fail("", *_dedupe(problems))
        return self


def _dedupe(problems: list[tuple[Any, str, Any]]) -> list[tuple[Any, str, Any]]:
    seen: set[Any] = set()
    out = []
    for problem in problems:
        if problem[0] not in seen:
            seen.add(problem[0])
            out.append(problem)
    return out


class Policy(Model):
    """A named response policy: a list of actions."""

    name: f.Name = Field(description="Unique name, shown in reports.")
    description: f.Text = Field("", description="Optional longer text.")
    actions: list[Action] = Field([], description="What the organisation does. Empty: do "
                                  "nothing.")


class Risk(Model):
    """Severity tiers: lower bounds on a metric."""

    metric: RiskMetric = Field(
        "exposure", description="The metric the tiers are thresholds on.")
    tiers: dict[SegmentName, f.NonNegative] = Field(
        description="Tier name to lower bound, in ascending order.")

    @field_validator("tiers", mode="after")
    @classmethod
    def _ascending(cls, tiers: dict[str, float]) -> dict[str, float]:
        if not tiers:
            raise f.fail("a mapping of at least one tier name to its lower bound")
        bounds = list(tiers.items())
        for (_, low), (name, high) in zip(bounds, bounds[1:], strict=False):
            if not high > low:
                raise f.fail("", ((name,), f"greater than the tier before it ({low:g}): "
                                  "tiers are in ascending order", high))
        return tiers


# ---------------------------------------------------------------- the scenario


class Scenario(Model):
    """A whole scenario: audience, incident, policies, and how to simulate them."""

    scenario: f.Name = Field(description="Title, shown in reports (plain text).")
    description: f.Text = Field("", description="Optional longer text.")
    seed: f.Seed = Field(0, description="Root seed; all randomness derives from it.")
    horizon: f.PositiveDuration = Field(description="Simulated time after the incident "
                                        "starts.")
    replications: f.Replications = Field(
        100, description="Monte Carlo replications per policy, or `auto`: add batches of "
        "replications until every paired difference from the baseline in the risk metric is "
        "known to within `precision` (or `max_replications` is reached).")
    precision: f.Precision = Field(
        values.Precision(0.05, relative=True),
        description="For `replications: auto`: the 95% confidence interval half-width to "
        "reach, in the risk metric's units, or a percentage of the baseline's mean.")
    max_replications: f.PositiveCount = Field(
        5000, description="For `replications: auto`: stop here even if `precision` is not "
        "reached.")
    resolution: f.PositiveDuration = Field(300.0, description="Bin width of reported time "
                                           "series.")
    network: Network = Field(description="The follower graph.")
    behaviour: Behaviour = Field(Behaviour(), description="How accounts react.")
    segments: dict[SegmentName, Segment] | None = Field(
        None, description="Audience segments. Default: one segment `public`.")
    incident: Incident = Field(description="The incident.")
    media: Media | None = Field(None, description="Media pickup. Default: none.")
    monitoring: Monitoring = Field(Monitoring(), description="The monitor for `when` "
                                   "triggers.")
    policies: list[Policy] = Field(description="At least one; the first is the baseline.")
    risk: Risk | None = Field(None, description="Optional severity tiers.")

    @field_validator("resolution", mode="after")
    @classmethod
    def _within_horizon(cls, value: float, info: ValidationInfo) -> float:
        horizon = info.data.get("horizon")
        if horizon is not None and value > horizon:
            raise f.fail(f"at most the horizon ({values.format_duration(horizon)})")
        return value

    @field_validator("segments", mode="after")
    @classmethod
    def _fractions(cls, segments: dict[str, Segment], info: ValidationInfo) -> Any:
        kind = _network_kind(info)
        if not segments:
            raise f.fail("a mapping of at least one segment")
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        if kind == "file":
            for name, segment in segments.items():
                if segment.fraction is not None:
                    problems.append(((name, "fraction"), "left out with a file network "
                                     "(membership comes from segments_file)", segment.fraction))
        elif kind == "generator":
            missing = [n for n, s in segments.items() if s.fraction is None]
            for name in missing:
                problems.append(((name,), "given a fraction for a generated network", None))
            if not missing:
                total = math.fsum(s.fraction or 0.0 for s in segments.values())
                if abs(total - 1.0) > FRACTION_TOLERANCE:
                    parts = " + ".join(f"{n} {s.fraction:g}" for n, s in segments.items())
                    raise f.fail("", ((), "fractions that sum to 1",
                                      f.Verbatim(f"{total:g} ({parts})")))
        if problems:
            raise f.fail("", *problems)
        return segments

    @field_validator("incident", mode="after")
    @classmethod
    def _incident(cls, incident: Incident, info: ValidationInfo) -> Incident:
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        network: Network | None = info.data.get("network")
        kind = _network_kind(info)
        if kind == "generator":
            if incident.brand_account is not None:
                problems.append((("brand_account",), "left out of a generated network (use "
                                 "brand_followers)", incident.brand_account))
            if incident.brand_followers is None:
                if incident.author == "brand":
                    problems.append((("brand_followers",), BRAND_NEEDED["brand_followers"]
                                     .format(why=_AUTHOR_IS_BRAND), None))
            elif (network is not None and network.accounts is not None
                  and incident.brand_followers >= network.accounts):
                problems.append((("brand_followers",), f"less than network.accounts "
                                 f"({network.accounts})", incident.brand_followers))
        elif kind == "file":
            if incident.brand_followers is not None:
                problems.append((("brand_followers",), "left out of a file network (the "
                                 "file says who follows the brand)", incident.brand_followers))
            if incident.brand_account is None and incident.author == "brand":
                problems.append((("brand_account",), BRAND_NEEDED["brand_account"]
                                 .format(why=_AUTHOR_IS_BRAND), None))
        if isinstance(incident.author, SegmentAuthor):
            problem = _unknown_segment(incident.author.segment, info)
            if problem:
                problems.append((("author", "segment"), *problem))
        elif isinstance(incident.author, FollowersAuthor):
            problems += _followers_author(incident.author, network, kind)
        horizon = info.data.get("horizon")
        if horizon is not None and incident.start >= horizon:
            problems.append((("start",), f"before the horizon "
                             f"({values.format_duration(horizon)})", incident.start))
        if problems:
            raise f.fail("", *problems)
        return incident

    @field_validator("media", mode="after")
    @classmethod
    def _journalists(cls, media: Media | None, info: ValidationInfo) -> Media | None:
        segments: dict[str, Segment] | None = info.data.get("segments")
        if media is not None and "segments" in info.data:
            if not any(s.media for s in (segments or {}).values()):
                raise f.fail("left out, or segments must include one with 'media: true' "
                             "(journalists write the articles)")
        return media

    @field_validator("policies", mode="after")
    @classmethod
    def _policies(cls, policies: list[Policy], info: ValidationInfo) -> list[Policy]:
        if not policies:
            raise f.fail("a list of at least one policy (the first is the baseline)")
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        first_seen: dict[str, int] = {}
        incident: Incident | None = info.data.get("incident")
        horizon = info.data.get("horizon")
        for i, policy in enumerate(policies):
            if policy.name in first_seen:
                problems.append(((i, "name"), f"unique (policies[{first_seen[policy.name]}] "
                                 "has the same name)", policy.name))
            first_seen.setdefault(policy.name, i)
            for j, action in enumerate(policy.actions):
                where = (i, "actions", j)
                if (action.do == "stop_promotion" and incident is not None
                        and incident.promotion is None):
                    problems.append(((*where, "do"), "an action that applies: stop_promotion "
                                     "needs incident.promotion", action.do))
                if action.segment is not None:
                    problem = _unknown_segment(action.segment, info)
                    if problem:
                        problems.append(((*where, "segment"), *problem))
                if action.at is not None and horizon is not None and action.at >= horizon:
                    problems.append(((*where, "at"), f"before the horizon "
                                     f"({values.format_duration(horizon)})",
                                     values.format_duration(action.at)))
        if problems:
            raise f.fail("", *problems)
        return policies

    @model_validator(mode="after")
    def _brand_speaks(self) -> Scenario:
        """A statement is posted by the brand: the network must have the brand's account."""
        key = "brand_followers" if self.network.generator is not None else "brand_account"
        if getattr(self.incident, key) is not None:
            return self
        for i, policy in enumerate(self.policies):
            for j, action in enumerate(policy.actions):
                if action.do == "statement":
                    why = (f"a policy makes a statement, which the brand posts "
                           f"(policies[{i}].actions[{j}])")
                    raise f.fail("", (("incident", key), BRAND_NEEDED[key].format(why=why),
                                      None))
        return self


def _followers_author(author: FollowersAuthor, network: Network | None,
                      kind: str | None) -> list[tuple[tuple[str | int, ...], str, Any]]:
    """What is wrong with ``author: {followers: N}`` on this network."""
    if kind == "file":
        return [(("author",), "'brand', 'random' or {segment: NAME} with a file network "
                 "({followers: N} is for generated networks only: a file network's accounts "
                 "have the followers the file gives them; use author: {segment: ...} or "
                 "random)", f.Verbatim(f"{{followers: {author.followers}}}"))]
    if (kind == "generator" and network is not None and network.accounts is not None
            and author.followers >= network.accounts):
        return [(("author", "followers"), f"less than network.accounts ({network.accounts})",
                 author.followers)]
    return []


def _unknown_segment(name: str, info: ValidationInfo) -> tuple[str, Any] | None:
    """Return ``(expected, got)`` if ``name`` is not a segment of the scenario."""
    kind = _network_kind(info)
    if "segments" not in info.data or kind is None:
        return None
    segments = info.data["segments"]
    known = list(segments) if segments else []
    if kind == "file" or not known:
        known = known if "public" in known else [*known, "public"]
    if name in known:
        return None
    return (f"a segment of the scenario (one of: {', '.join(known)})"
            f"{did_you_mean(name, known)}", name)


def _network_kind(info: ValidationInfo) -> str | None:
    """``"generator"`` or ``"file"``, from the validated network or, if it failed, the raw one."""
    network = info.data.get("network")
    if isinstance(network, Network):
        return "file" if network.file is not None else "generator"
    raw = (info.context or {}).get("raw", {}).get("network")
    if isinstance(raw, dict) and (raw.get("file") is None) != (raw.get("generator") is None):
        return "file" if raw.get("file") is not None else "generator"
    return None
