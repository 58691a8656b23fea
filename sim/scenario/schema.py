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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.formatting import with_article
from sim.scenario import fields as f
from sim.scenario import limits, metric_registry, values
from sim.scenario.action import Action
from sim.scenario.apportion import segment_counts
from sim.scenario.base import Model
from sim.scenario.documented import Documented
from sim.scenario.errors import format_path
from sim.scenario.exercise import Exercise
from sim.scenario.suggest import did_you_mean
from sim.scenario.sweeps import Sweep
from sim.scenario.uncertain import Uncertainties

GENERATORS = ("scale_free", "erdos_renyi", "small_world", "communities")
GENERATOR_DEFAULTS: dict[str, dict[str, float | int]] = {
    "scale_free": {"follower_exponent": 2.3, "reciprocity": 0.3},
    "erdos_renyi": {},
    "small_world": {"rewire": 0.1},
    "communities": {"communities": 20, "mixing": 0.05, "segments_by_community": False},
}
NETWORK_FILE_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz", ".graphml")
RISK_METRICS = metric_registry.names(risk=True)
FRACTION_TOLERANCE = 1e-6
_GENERATOR_SOURCE = f.Source("our default", "judgement")


def _generator_default(key: str) -> str:
    """A generator key's default, for the reference."""
    for defaults in GENERATOR_DEFAULTS.values():
        if key in defaults:
            value = defaults[key]
            return f"`{str(value).lower() if isinstance(value, bool) else value}`"
    raise KeyError(key)

GeneratorName = f.choice(*GENERATORS)
Direction = f.choice("follows", "broadcasts")
IdKind = f.choice("auto", "integer", "text")
IncidentType = f.choice("post", "hashtag_campaign")
RiskMetric = f.choice(*RISK_METRICS)
Exponent = Annotated[float, *f.scalar(f.number(2, strict_low=True))]
Weight = Annotated[float, *f.scalar(f.number(0, limits.MAX_WEIGHT))]
ImpressionsPerHour = Annotated[float, *f.scalar(f.number(0, limits.MAX_IMPRESSIONS_PER_HOUR))]
ImpressionsPerReaction = Annotated[
    float, *f.scalar(f.number(0, limits.MAX_IMPRESSIONS_PER_REACTION))]
MaxReplications = Annotated[int, *f.scalar(f.number(1, limits.MAX_REPLICATIONS, integer=True))]




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
    follower_exponent: Exponent | None = f.sourced(
        None, "`scale_free`: tail exponent of the follower-count distribution. Default 2.3.",
        f.Source("our default; real Twitter graphs: 2.0-2.6", "judgement"),
        shown=_generator_default("follower_exponent"))
    reciprocity: f.Probability | None = f.sourced(
        None, "`scale_free`: share of follows that are returned. Default 0.3.",
        _GENERATOR_SOURCE, shown=_generator_default("reciprocity"))
    rewire: f.Probability | None = f.sourced(
        None, "`small_world`: probability that a lattice follow is rewired. Default 0.1.",
        _GENERATOR_SOURCE, shown=_generator_default("rewire"))
    communities: f.PositiveCount | None = f.sourced(
        None, "`communities`: number of planted groups. Default 20.", _GENERATOR_SOURCE,
        shown=_generator_default("communities"))
    mixing: f.Probability | None = f.sourced(
        None, "`communities`: share of follows across groups. Default 0.05.",
        _GENERATOR_SOURCE, shown=_generator_default("mixing"))
    segments_by_community: f.Flag | None = f.sourced(
        None, "`communities`: give each segment whole communities (so segments cluster) "
        "instead of random accounts. Default false.", f.OUR_DEFAULT,
        shown=_generator_default("segments_by_community"))
    resample: f.Flag = f.sourced(
        False, "Generated networks: a fresh graph for every replication.", f.OUR_DEFAULT)
    direction: Direction | None = f.sourced(
        None, "File networks: `follows` means a line `a b` says a follows b (content flows "
        "b -> a); `broadcasts` means a's posts reach b. Default `follows`.", f.OUR_DEFAULT,
        shown="`follows`")
    segments_file: f.Text | None = Field(
        None, description="File networks: a CSV with columns `account,segment`.")
    ids: IdKind | None = f.sourced(
        None, "File networks: `integer` (every id must be a whole number), `text`, or `auto` "
        "(integers if every id is one). Default `auto`.", f.OUR_DEFAULT, shown="`auto`")

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
            if (self.accounts is not None and self.mean_follows is not None
                    and self.mean_follows > self.accounts - 1):
                problems.append((("mean_follows",), f"at most accounts - 1 "
                                 f"({self.accounts - 1:,}): an account cannot follow itself "
                                 f"or another twice", self.mean_follows))
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


SegmentName = f.SegmentName


class Segment(Model):
    """An audience segment: who its accounts are and how they react."""

    fraction: f.Probability | None = Field(
        None, description="Share of accounts in the segment; fractions sum to 1. Required for "
        "generated networks, an error with a file network.")
    share_multiplier: f.NonNegative = f.sourced(1.0, "Multiplies the reaction probability.",
                                                f.OUR_DEFAULT)
    stance: f.Stance = f.sourced(0.0, "-1 hostile to the organisation, +1 loyal.",
                                 f.OUR_DEFAULT)
    weight: Weight = f.sourced(1.0, "Reputational weight of one account reached, in "
                                      "the exposure index.", f.OUR_DEFAULT)
    media: f.Flag = f.sourced(False, "Journalists: can write articles.", f.OUR_DEFAULT)
    attention: f.Distribution | None = f.sourced(
        None, "Delay from a post to a follower in this segment seeing it. Default: "
        "`behaviour.attention`.", f.Source("behaviour.attention", "derived"),
        shown="`behaviour.attention`")


DEFAULT_REACTIONS_PER_REACTION = 0.2  # docs/validation.md: the stylised-facts benchmark
DEFAULT_ATTENTION = values.Seismic(theta=0.23, plateau=300.0, knee=3600.0, tail=0.5)


class Behaviour(Model):
    """How accounts react to what they see."""

    share_probability: f.Probability | None = f.sourced(
        None, "Reaction probability per exposure, at full novelty, for a neutral account. "
        "Default: `reactions_per_reaction` divided by the mean number of follows per account.",
        f.Source("behaviour.reactions_per_reaction over the mean follows", "derived"),
        shown="`reactions_per_reaction` / mean follows")
    reactions_per_reaction: f.NonNegative | None = f.sourced(
        None, "The nominal branching factor: share_probability times the mean number of "
        "follows per account, the mean number of new reactions that one reaction brings. Set "
        "this or share_probability, not both. Default 0.2 when neither is set; near 1 "
        "cascades are deep chains and their sizes swing widely.",
        f.Source("the stylised-facts benchmark against real cascades (docs/validation.md)",
                 "published"), shown=f"`{DEFAULT_REACTIONS_PER_REACTION:g}`")
    attention: f.Distribution = f.sourced(
        DEFAULT_ATTENTION,
        "Delay from a share to a follower seeing it: SEISMIC's Twitter memory kernel, theta "
        "0.23 and plateau 5m, with its tail steepened beyond 1h to exponent 0.5 so that 9% "
        "of first-hop reactions come after a day, as in real retweet times.",
        f.Source("SEISMIC's Twitter memory kernel (Zhao et al., KDD 2015), its tail steepened "
                 "to real retweet times (docs/validation.md)", "published"))
    novelty: f.Novelty = f.sourced(
        values.NoNovelty(), "Decay of interest with the story's age; `none` switches it off.",
        f.Source("none: the attention kernel holds the loss of interest "
                 "(docs/validation.md)", "published"))
    derived_fraction: f.Probability = f.sourced(
        0.3, "Share of reactions that are the account's own post (quote, screenshot, "
        "hashtag story) rather than a reshare.", f.JUDGEMENT)

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
        return SegmentAuthor(f.segment_name(value["segment"]))
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

    impressions_per_hour: ImpressionsPerHour = Field(
        description="Paid impressions to random accounts per hour (a Poisson process).")
    duration: f.PositiveDuration = Field(description="How long the promotion runs unless "
                                         "stopped.")

    @model_validator(mode="after")
    def _bounded(self) -> Promotion:
        total = self.impressions_per_hour * self.duration / values.HOUR
        if total > limits.MAX_PROMOTED:
            raise f.fail("", (("impressions_per_hour",), f"at most "
                              f"{limits.MAX_PROMOTED:,.0f} impressions over the promotion's "
                              f"duration ({values.format_duration(self.duration)}: "
                              f"{total:,.0f})", self.impressions_per_hour))
        return self


class Trending(Model):
    """The story trends while its recent reactions exceed a threshold."""

    threshold_per_hour: f.Positive = Field(description="Reactions in the last hour that make "
                                           "the story trend.")
    impressions_per_reaction: ImpressionsPerReaction = Field(
        description="Random impressions per reaction in the last hour, while trending.")


class Incident(Model):
    """The misjudged post or the hijacked campaign."""

    type: IncidentType = Field(
        description="`post` or `hashtag_campaign`.")
    author: Author = f.sourced(
        "brand", source=f.OUR_DEFAULT,
        description="`brand`; `random` (a random audience account); `{segment: NAME}` "
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
    start: f.Duration = f.sourced(0.0, "When the incident starts.", f.OUR_DEFAULT)
    outrage: f.NonNegative = f.sourced(1.0, "Reaction multiplier is max(0, 1 - outrage * "
                                       "stance).", f.JUDGEMENT)
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

    pickup_probability: f.Probability | None = f.sourced(
        None, "Chance per journalist exposure, at full newsworthiness.", f.JUDGEMENT,
        shown="1,000 divided by the audience's accounts, at most 0.05 (0.001 at a million)")
    saturation: f.Positive | None = f.sourced(
        None, "Reactions at which newsworthiness reaches 1.", f.JUDGEMENT,
        shown="1% of the audience's accounts (10,000 at a million)")
    writing_delay: f.Distribution = f.sourced(
        values.LogNormal(median=64800.0, sigma=0.8), "Delay from pickup to publication.",
        f.JUDGEMENT)
    article_reach: f.Count | None = f.sourced(
        None, "Random accounts in the network that see one article.", f.JUDGEMENT,
        shown="2% of the audience's accounts (20,000 at a million)")
    offline_audience: f.Count | None = f.sourced(
        None, "Readers outside the network per article.", f.JUDGEMENT,
        shown="half as many as the audience's accounts (500,000 at a million)")
    offline_weight: f.NonNegative = f.sourced(
        0.2, "Weight of one offline reader in the exposure index.", f.JUDGEMENT)


class Monitoring(Model):
    """The social-listening monitor that `when` triggers look through."""

    interval: f.PositiveDuration = f.sourced(300.0, "How often the metrics are sampled.",
                                             f.Source("our choice", "judgement"))


# ---------------------------------------------------------------- policies


class Policy(Model):
    """A named response policy: a list of actions."""

    name: f.Name = Field(description="Unique name, shown in reports.")
    description: f.Text = f.sourced("", "Optional longer text.", f.OUR_DEFAULT)
    actions: list[Action] = Field([], description="What the organisation does. Empty: do "
                                  "nothing.")


class Risk(Model):
    """Severity tiers: lower bounds on a metric."""

    metric: RiskMetric = f.sourced(
        "exposure", "The metric the tiers are thresholds on.", f.OUR_DEFAULT)
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



FITTED = ("behaviour.share_probability", "behaviour.novelty")
"""The values that ``flashpoint fit`` fits (sim.experiment.calibration), by dotted path.

``fitted:`` may also name any other numeric parameter fitted by a documented search
(docs/incidents/), or one parameter of a distribution (``media.writing_delay.median``);
:func:`sim.scenario.documented.check` checks that each is one."""


class Scenario(Model):
    """A whole scenario: audience, incident, policies, and how to simulate them."""

    scenario: f.Name = Field(description="Title, shown in reports (plain text).")
    description: f.Text = f.sourced("", "Optional longer text.", f.OUR_DEFAULT)
    seed: f.Seed = f.sourced(0, "Root seed; all randomness derives from it.", f.OUR_DEFAULT)
    horizon: f.PositiveDuration = Field(description="Simulated time after the incident "
                                        "starts.")
    replications: f.Replications = f.sourced(
        100, source=f.OUR_DEFAULT,
        description="Monte Carlo replications per policy, or `auto`: add batches of "
        "replications until every paired difference from the baseline in the risk metric is "
        "known to within `precision` (or `max_replications` is reached).")
    precision: f.Precision = f.sourced(
        values.Precision(0.05, relative=True),
        source=f.Source("5% of the baseline mean (our choice)", "setting"),
        description="For `replications: auto`: the 95% confidence interval half-width to "
        "reach, in the risk metric's units, or a percentage of the baseline's mean.")
    max_replications: MaxReplications = f.sourced(
        5000, source=f.Source("our choice", "setting"),
        description="For `replications: auto`: stop here even if `precision` is not "
        "reached.")
    resolution: f.PositiveDuration = f.sourced(300.0, "Bin width of reported time series.",
                                               f.OUR_DEFAULT)
    network: Network = Field(description="The follower graph.")
    behaviour: Behaviour = Field(Behaviour(), description="How accounts react.")
    segments: dict[SegmentName, Segment] | None = Field(
        None, description="Audience segments. Default: one segment `public`.")
    incident: Incident = Field(description="The incident.")
    media: Media | None = Field(None, description="Media pickup. Default: none.")
    monitoring: Monitoring = Field(Monitoring(), description="The monitor for `when` "
                                   "triggers.")
    policies: list[Policy] = Field(
        [], validate_default=True, description="At least one; the first is the baseline. "
        "May be left out when `exercise` is given (its paths are the policies of "
        "`flashpoint exercise`).",
        json_schema_extra={"default_shown": "required unless `exercise` is given"})
    risk: Risk | None = Field(None, description="Optional severity tiers.")
    exercise: Exercise | None = Field(
        None, description="A live crisis exercise: decision points whose options' "
        "combinations (paths) `flashpoint exercise` runs as policies. Default: none.")
    sweep: Sweep | None = Field(
        None, description="One parameter and the values `flashpoint sweep` runs every policy "
        "at, and optionally a second (`with`: every combination is run; "
        "docs/robustness.md). Default: none.")
    uncertain: Uncertainties | None = Field(
        None, description="The parameters `flashpoint robustness` varies, each with its "
        "plausible range (docs/robustness.md). Default: a documented range for each "
        "judgement of the scenario.")
    documented: Documented | None = Field(
        None, description="For a real incident: the figures that were reported about it, "
        "each with its source and whether it was used to fit the scenario, and the policy the "
        "organisation actually followed (`flashpoint documented`, docs/incidents/). Default: "
        "none.")
    fitted: dict[f.Name, f.Text] | None = Field(
        None, description="Values fitted to an observed incident, by dotted path (for a "
        "distribution, the whole of it or one parameter: `media.writing_delay.median`), each "
        "with where it was fitted (`fitted to FILE up to 1h`, written by `flashpoint fit`; or "
        "a documented search, docs/incidents/). The assumptions table shows it as the value's "
        "source, and `flashpoint robustness` does not vary it. Default: none.")

    @property
    def risk_metric(self) -> str:
        """The metric that policies are ranked on: ``risk.metric``, else exposure."""
        return self.risk.metric if self.risk else "exposure"

    @field_validator("resolution", mode="after")
    @classmethod
    def _within_horizon(cls, value: float, info: ValidationInfo) -> float:
        horizon = info.data.get("horizon")
        if horizon is not None and value > horizon:
            raise f.fail(f"at most the horizon ({values.format_duration(horizon)})")
        if horizon is not None and horizon / value > limits.MAX_STEPS:
            raise f.fail(f"at least the horizon / {limits.MAX_STEPS:,} "
                         f"({values.format_duration(horizon / limits.MAX_STEPS)}): each "
                         f"replication's time series has one value per resolution step")
        return value

    @field_validator("monitoring", mode="after")
    @classmethod
    def _samples(cls, value: Monitoring, info: ValidationInfo) -> Monitoring:
        horizon = info.data.get("horizon")
        if horizon is not None and horizon / value.interval > limits.MAX_STEPS:
            raise f.fail("", (("interval",), f"at least the horizon / {limits.MAX_STEPS:,} "
                              f"({values.format_duration(horizon / limits.MAX_STEPS)}): the "
                              f"monitor samples every interval",
                              f.Verbatim(values.format_duration(value.interval))))
        return value

    @field_validator("segments", mode="after")
    @classmethod
    def _fractions(cls, segments: dict[str, Segment], info: ValidationInfo) -> Any:
        kind = _network_kind(info)
        if not segments:
            raise f.fail("a mapping of at least one segment")
        count = len(segments) + (kind == "file" and "public" not in segments)
        if count > limits.MAX_SEGMENTS:
            raise f.fail("", ((), f"a mapping of at most {limits.MAX_SEGMENTS} segments "
                              f"('public' included)", f.Verbatim(f"{count} segments")))
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
                             f"({values.format_duration(horizon)})",
                             f.Verbatim(values.format_duration(incident.start))))
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
            raw = (info.context or {}).get("raw", {})
            if isinstance(raw, dict) and raw.get("exercise") is not None:
                return policies  # left out: the exercise's paths are the policies
            if not isinstance(raw, dict) or "policies" not in raw:
                raise f.fail("", ((), "given", None))
            raise f.fail("a list of at least one policy (the first is the baseline)")
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        first_seen: dict[str, int] = {}
        for i, policy in enumerate(policies):
            if policy.name in first_seen:
                problems.append(((i, "name"), f"unique (policies[{first_seen[policy.name]}] "
                                 "has the same name)", policy.name))
            first_seen.setdefault(policy.name, i)
            for j, action in enumerate(policy.actions):
                problems += _action_problems(action, (i, "actions", j), action.at, info)
        if problems:
            raise f.fail("", *problems)
        return policies

    @field_validator("exercise", mode="after")
    @classmethod
    def _exercise(cls, exercise: Exercise | None, info: ValidationInfo) -> Exercise | None:
        if exercise is None:
            return exercise
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        horizon = info.data.get("horizon")
        late = (f"before the horizon ({values.format_duration(horizon)})"
                if horizon is not None else "")
        for d, decision in enumerate(exercise.decisions):
            if horizon is not None and decision.at is not None and decision.at >= horizon:
                problems.append((("decisions", d, "at"), late,
                                 f.Verbatim(values.format_duration(decision.at))))
            for o, option in enumerate(decision.options):
                for j, action in enumerate(option.actions):
                    problems += _action_problems(
                        action, ("decisions", d, "options", o, "actions", j), None, info)
        for i, inject in enumerate(exercise.injects):
            if horizon is not None and inject.at >= horizon:
                problems.append((("injects", i, "at"), late,
                                 f.Verbatim(values.format_duration(inject.at))))
        for name in exercise.posts:
            problem = _unknown_segment(name, info)
            if problem:
                problems.append((("posts", name), *problem))
        if problems:
            raise f.fail("", *problems)
        return exercise

    def all_actions(self) -> Iterator[tuple[tuple[str | int, ...], Action]]:
        """Every action of the scenario with its path: the policies', then the exercise's."""
        for i, policy in enumerate(self.policies):
            for j, action in enumerate(policy.actions):
                yield ("policies", i, "actions", j), action
        if self.exercise is not None:
            for d, decision in enumerate(self.exercise.decisions):
                for o, option in enumerate(decision.options):
                    for j, action in enumerate(option.actions):
                        yield ("exercise", "decisions", d, "options", o, "actions", j), action

    @model_validator(mode="after")
    def _brand_speaks(self) -> Scenario:
        """A statement is posted by the brand: the network must have the brand's account."""
        key = "brand_followers" if self.network.generator is not None else "brand_account"
        if getattr(self.incident, key) is not None:
            return self
        for where, action in self.all_actions():
            if action.kind.posted_by_brand:
                who = "a policy" if where[0] == "policies" else "an exercise option"
                why = (f"{who} makes {with_article(action.do)}, which the brand posts "
                       f"({format_path(where)})")
                raise f.fail("", (("incident", key), BRAND_NEEDED[key].format(why=why), None))
        return self

    @model_validator(mode="after")
    def _segments_used_have_accounts(self) -> Scenario:
        """The author's segment and advocates' segments have accounts (generated networks)."""
        if self.network.generator is None or self.network.accounts is None:
            return self  # a file network's segments are counted once it is loaded
        segments = self.segments or {"public": Segment(fraction=1.0)}
        counts = dict(zip(segments, segment_counts(
            [s.fraction or 0.0 for s in segments.values()], self.network.accounts).tolist(),
            strict=True))
        why = (f"a segment with accounts (at {self.network.accounts:,} accounts, "
               f"{{name}}'s fraction gives none)")
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        author = self.incident.author
        if isinstance(author, SegmentAuthor) and counts.get(author.segment, 1) == 0:
            problems.append((("incident", "author", "segment"),
                             why.format(name=author.segment), author.segment))
        for where, action in self.all_actions():
            segment = getattr(action, "segment", None) if action.do == "advocates" else None
            if segment is not None and counts.get(segment, 1) == 0:
                problems.append(((*where, "segment"), why.format(name=segment), segment))
        if problems:
            raise f.fail("", *problems)
        return self

    @model_validator(mode="after")
    def _advocates_bounded(self) -> Scenario:
        """An advocates action's posts over the horizon are bounded (one event each)."""
        hours = self.horizon / values.HOUR
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        for where, action in self.all_actions():
            rate = getattr(action, "rate_per_hour", None) if action.do == "advocates" else None
            if rate is not None and rate * hours > limits.MAX_ADVOCATE_POSTS:
                problems.append(((*where, "rate_per_hour"),
                                 f"at most {limits.MAX_ADVOCATE_POSTS:,.0f} posts over the "
                                 f"horizon ({values.format_duration(self.horizon)}: "
                                 f"{rate * hours:,.0f})", rate))
        if problems:
            raise f.fail("", *problems)
        return self


def _action_problems(action: Action, where: tuple[str | int, ...], at: float | None,
                     info: ValidationInfo) -> list[tuple[tuple[str | int, ...], str, Any]]:
    """What is wrong with ``action`` (at ``where``) given the rest of the scenario.

    ``at`` is the action's own time, checked against the horizon (None: not its own, as
    for an exercise option's action, whose decision's time is checked instead).
    """
    problems: list[tuple[tuple[str | int, ...], str, Any]] = []
    incident: Incident | None = info.data.get("incident")
    horizon = info.data.get("horizon")
    if action.kind.needs_promotion and incident is not None and incident.promotion is None:
        problems.append(((*where, "do"), f"an action that applies: {action.do} "
                         "needs incident.promotion", action.do))
    for key, field in type(action.own).model_fields.items():
        name = getattr(action.own, key)
        if f.names_segment(field) and name is not None:
            problem = _unknown_segment(name, info)
            if problem:
                problems.append(((*where, key), *problem))
    if at is not None and horizon is not None and at >= horizon:
        problems.append(((*where, "at"), f"before the horizon "
                         f"({values.format_duration(horizon)})", values.format_duration(at)))
    return problems


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
