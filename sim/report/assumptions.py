"""Every parameter of a resolved scenario, and where its value comes from, for the report.

A value is either *set in the scenario* (the file gave it) or a *default*, and a default
is either a published figure (with its source, from docs/model.md and the model notes) or
a *judgement*: our choice, to be changed with open eyes (docs/scenarios.md lists them).
The sources are declared with the keys themselves; :mod:`sim.scenario.sources` reads them.
"""

from __future__ import annotations

from typing import Any

from sim.scenario.documented import fitted_parts
from sim.scenario.schema import Scenario
from sim.scenario.sources import entries

SET = "set in the scenario"


def rows(scenario: Scenario) -> list[tuple[str, str, str]]:
    """``(path, value, origin)`` for every leaf parameter of a resolved scenario.

    A value equal to its default (the schema's, or the one the resolver fills in: a
    segment's attention from ``behaviour``, a statement's effects from the strategy table)
    counts as the default, shown with its source; this works on a scenario read back from
    its resolved file too.
    """
    fitted = scenario.fitted or {}
    out = []
    for e in entries(scenario):
        if e.path.startswith(("fitted.", "documented.")):
            continue
        origin = SET if e.default is None else f"default: {e.default.source}"
        parts = fitted_parts(fitted, e.path)
        if e.path in fitted:
            origin = f"fitted: {fitted[e.path]}"
        elif parts:
            origin = "; ".join([*(f"fitted ({part}): {note}" for part, note in parts.items()),
                                f"the rest {origin}"])
        out.append((e.path, _shown(e.value), origin))
    return out


def _shown(value: Any) -> str:
    if isinstance(value, float):  # 1000000, not 1e+06
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:g}"
    return str(value)
