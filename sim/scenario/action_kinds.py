"""Every action kind, declared once: its name, meaning, own keys and what it can remove.

An action kind's declaration (:class:`ActionKind`) holds everything the scenario layer
knows of it: its description; a pydantic model of its own keys (type, default, meaning and
the default's source, each declared once next to the key with :func:`sim.scenario.fields.sourced`;
a key without a default is required); how the defaults that depend on the rest of the
scenario are worked out (a statement's share probability from the story, its effects from
the strategy table); and which root items of the cascade it can remove, by name. The
schema (:class:`sim.scenario.schema.Action`), the resolver, the generated reference and the
assumptions table read this table. What an action *does* is its effect function, registered
under the same name in :mod:`sim.policies.actions` (the layer above, which also maps the
removed items' names to the engine's kinds of root item).

Adding an action kind is one :func:`register_action_kind` call (plus its effect function).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from sim.errors import FlashpointError
from sim.scenario import fields as f
from sim.scenario import limits, values
from sim.scenario.strategies import NEWSWORTHINESS_SOURCE, REACTION_SOURCE, STRATEGIES

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

# the root items of a cascade an action can remove (its exposures after the removal are void)
ROOT_ITEMS = ("trigger", "promotion", "derived")
# the per-account scratch state an action can need the engine to hold: "statement", a row
# per statement (who saw it, and when; who shared it); "support", when each account first
# saw a supportive post
ENGINE_STATE = ("statement", "support")
StrategyName = f.choice(*STRATEGIES)


class ActionFields(BaseModel):
    """Base of an action kind's own keys: frozen, and unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Default(NamedTuple):
    """A default worked out from the rest of the scenario, and where it comes from."""

    value: Any
    source: f.Source


ScenarioDefaults = Callable[[Any, "Scenario"], dict[str, Default]]


@dataclass(frozen=True)
class ActionKind:
    """One action kind.

    Attributes:
        name: the value of ``do`` in a scenario file, and the key of its effect function.
        description: what it does, in one line, for the reference.
        fields: the model of its own keys (an :class:`ActionFields` subclass).
        scenario_defaults: the defaults that depend on the rest of the scenario, as
            ``(own keys, scenario) -> {key: Default}``; the resolver fills them in where the
            key is not given (``None``). Keys with a fixed default declare it in ``fields``.
        removes: the root items it can remove, from :data:`ROOT_ITEMS`.
        needs: the engine's per-account state it uses, from :data:`ENGINE_STATE`.
        needs_promotion: it applies only to a hashtag campaign with a paid promotion.
        posted_by_brand: it posts from the brand's account, which the network must have.
    """

    name: str
    description: str
    fields: type[ActionFields] = ActionFields
    scenario_defaults: ScenarioDefaults | None = None
    removes: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    needs_promotion: bool = False
    posted_by_brand: bool = False

    def keys(self) -> tuple[str, ...]:
        """Its own keys, in declaration order."""
        return tuple(self.fields.model_fields)

    def required(self) -> tuple[str, ...]:
        """Its own keys that must be given."""
        return tuple(k for k, info in self.fields.model_fields.items() if info.is_required())

    def defaults(self, own: ActionFields, scenario: Scenario) -> dict[str, Default]:
        """The defaults of ``own``'s keys that depend on ``scenario``."""
        if self.scenario_defaults is None:
            return {}
        return self.scenario_defaults(own, scenario)


KINDS: dict[str, ActionKind] = {}


def register_action_kind(kind: ActionKind) -> ActionKind:
    """Add ``kind`` to the table (a name can be declared only once).

    Raises:
        FlashpointError: the name is taken, it removes an unknown item, or one of its keys
            is a key every action has.
    """
    if kind.name in KINDS:
        raise FlashpointError(f"the action kind {kind.name!r} is declared twice")
    unknown = [item for item in kind.removes if item not in ROOT_ITEMS]
    if unknown:
        raise FlashpointError(f"the action kind {kind.name!r} removes {unknown}; it can remove "
                              f"only {', '.join(ROOT_ITEMS)}")
    unknown = [item for item in kind.needs if item not in ENGINE_STATE]
    if unknown:
        raise FlashpointError(f"the action kind {kind.name!r} needs {unknown}; the engine "
                              f"holds only {', '.join(ENGINE_STATE)}")
    common = {"do", "at", "when", "delay"} & set(kind.keys())
    if common:
        raise FlashpointError(f"the action kind {kind.name!r} declares {sorted(common)}, which "
                              "every action has")
    KINDS[kind.name] = kind
    return kind


def unregister_action_kind(name: str) -> None:
    """Remove the kind ``name`` from the table (for tests that register their own)."""
    KINDS.pop(name, None)


def names() -> tuple[str, ...]:
    """The names of the action kinds, in declaration order."""
    return tuple(KINDS)


def kind_of(name: str) -> ActionKind:
    """The declaration of the kind ``name``."""
    return KINDS[name]


def needing(policy_actions: list[Any], state: str) -> int:
    """How many of ``policy_actions`` need the engine state ``state`` (see :data:`ENGINE_STATE`)."""
    return sum(state in KINDS[a.do].needs for a in policy_actions)


def kinds_with(key: str) -> list[str]:
    """The kinds that have ``key`` among their own keys."""
    return [kind.name for kind in KINDS.values() if key in kind.fields.model_fields]


# ---------------------------------------------------------------- the kinds


class DeleteFields(ActionFields):
    """The keys of a ``delete`` action."""

    streisand: f.NonNegative = f.sourced(1.5, "Multiplies newsworthiness (the Streisand "
                                         "effect).", f.JUDGEMENT)


class StatementFields(ActionFields):
    """The keys of a ``statement`` action."""

    strategy: StrategyName = Field(description="The response strategy (see Statement "
                                   "strategies).")
    share_probability: f.Probability | None = f.sourced(
        None, "How readily the statement is reshared. Default: the story's share probability "
        "(`behaviour.share_probability`, or `reactions_per_reaction` over the mean follows, "
        "worked out when the run starts).", f.Source("the story's share probability",
                                                     "derived"),
        shown="`behaviour.share_probability`")
    effect: f.NonNegative | None = f.sourced(
        None, "Reaction multiplier for those who saw it.",
        REACTION_SOURCE, shown="the strategy's")
    newsworthiness: f.NonNegative | None = f.sourced(
        None, "Newsworthiness multiplier.", NEWSWORTHINESS_SOURCE,
        shown="the strategy's")


def _statement_defaults(own: StatementFields, scenario: Scenario) -> dict[str, Default]:
    strategy = STRATEGIES[own.strategy]
    return {
        "share_probability": Default(scenario.behaviour.share_probability,
                                     f.Source("the story's share probability", "derived")),
        "effect": Default(strategy.reaction, strategy.reaction_source),
        "newsworthiness": Default(strategy.newsworthiness, strategy.newsworthiness_source),
    }


class AdvocatesFields(ActionFields):
    """The keys of an ``advocates`` action."""

    segment: f.SegmentName = Field(description="The segment whose accounts post support.")
    rate_per_hour: Annotated[float, *f.scalar(f.number(0, limits.MAX_ADVOCATE_RATE))] = Field(
        description="Supportive posts per hour.")


class TakedownFields(ActionFields):
    """The keys of a ``takedown`` action."""

    top: f.PositiveCount = f.sourced(10, "How many of the most-reshared derived posts.",
                                     f.JUDGEMENT)
    platform_delay: f.Distribution = f.sourced(
        values.LogNormal(median=6 * 3600.0, sigma=0.5), "Delay before the platform acts.",
        f.JUDGEMENT)


for _kind in (
    ActionKind("stop_promotion", "End the paid promotion: no promoted impression after it "
               "(needs `incident.promotion`).", removes=("promotion",), needs_promotion=True),
    ActionKind("delete", "Delete the trigger: its later exposures and its reshares' are void "
               "(and the promotion's); press interest rises.", DeleteFields,
               removes=("trigger", "promotion")),
    ActionKind("statement", "Issue a statement from the brand's account: its followers see "
               "it, some reshare it; it changes the reaction odds of those who saw it.",
               StatementFields, _statement_defaults, needs=("statement",),
               posted_by_brand=True),
    ActionKind("advocates", "Start supportive posts by random accounts of a segment, a "
               "Poisson process.", AdvocatesFields, needs=("support",)),
    ActionKind("takedown", "Ask the platform to remove the most-reshared derived posts; it "
               "acts after a delay.", TakedownFields, removes=("derived",)),
):
    register_action_kind(_kind)
