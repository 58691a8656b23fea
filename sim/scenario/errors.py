"""Scenario problems and the one template they are reported in.

Every problem reads ``FILE:LINE: FIELD.PATH must be EXPECTED; got VALUE``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sim.errors import FlashpointError

Path = tuple[str | int, ...]
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_MAX_SHOWN = 80


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a scenario file (``line`` 0: a scenario given in Python)."""

    line: int
    path: str
    expected: str
    got: str
    file: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.line else ""
        return f"{where}{self.path} must be {self.expected}; got {self.got}"


class ScenarioError(FlashpointError):
    """A scenario file that cannot be used; holds every problem found in it."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line, p.path))
        super().__init__("\n".join(str(p) for p in self.problems))


def format_path(path: Path) -> str:
    """Write ``('policies', 1, 'delay')`` as ``policies[1].delay``."""
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        elif isinstance(part, str) and _IDENTIFIER.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += f"[{show(part)}]"
    return out or "document"


def show(value: Any) -> str:
    """Show a value from a scenario the way the user wrote it, shortened if long."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, str):
        text = value if len(value) <= _MAX_SHOWN else value[: _MAX_SHOWN - 3] + "..."
        return repr(text)
    text = repr(value) if isinstance(value, float) else str(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


class FieldError(FlashpointError):
    """A scenario value found wrong after validation (say, a brand id not in the network file).

    ``path`` is the field's key path; :func:`sim.scenario.loader.problem_at` turns it into a
    :class:`Problem` with the line of the key in the scenario file.
    """

    def __init__(self, path: Path, expected: str, got: str) -> None:
        super().__init__(f"{format_path(path)} must be {expected}; got {got}")
        self.path = path
        self.expected = expected
        self.got = got
