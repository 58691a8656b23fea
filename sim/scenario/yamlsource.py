"""Read a YAML scenario safely and remember the line of every key.

PyYAML's safe loader builds plain data but forgets where each key stood and
silently keeps the last of two duplicate keys. Here the document is composed
into nodes with the safe loader, then walked by hand: the walk records the
line of each key and list item, refuses duplicate keys, and caps how far
aliases may expand (so a "billion laughs" file is refused, not expanded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from sim.scenario.errors import Path, Problem, format_path, show

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_VALUES = 100_000
MAX_DEPTH = 64
_MERGE_TAG = "tag:yaml.org,2002:merge"
_PLAIN_TAGS = ("tag:yaml.org,2002:seq", "tag:yaml.org,2002:map")


class _Loader(yaml.SafeLoader):
    """The safe loader, reading ``1e-06`` and ``1.5e3`` as numbers, as YAML 1.2 does."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+.0123456789"),
)


@dataclass
class Source:
    """Plain data from a YAML file and the line of every key and list item in it."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int:
        """The line of ``path``, or of its nearest ancestor that the file has."""
        for end in range(len(path), 0, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return 1


class _Refused(Exception):
    def __init__(self, *problems: Problem) -> None:
        super().__init__(str(problems[0]))
        self.problems = list(problems)


def decode(raw: bytes) -> str:
    """Decode a scenario file's bytes, refusing binary data."""
    if len(raw) > MAX_FILE_BYTES:
        raise _Refused(
            Problem(1, "document", f"a scenario file of at most {MAX_FILE_BYTES} bytes",
                    f"more than {MAX_FILE_BYTES} bytes")
        )
    if b"\x00" in raw:
        raise _Refused(Problem(1, "document", "UTF-8 YAML text", "binary data (a NUL byte)"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _Refused(
            Problem(line, "document", "UTF-8 YAML text",
                    f"binary data (byte 0x{raw[exc.start]:02x} at offset {exc.start})")
        ) from None
    return text


def parse(raw: bytes) -> tuple[Source | None, list[Problem]]:
    """Parse a scenario file's bytes into a :class:`Source`, or return the problems."""
    try:
        text = decode(raw)
        return _Walker(text).run(), []
    except _Refused as refused:
        return None, refused.problems


class _Walker:
    def __init__(self, text: str) -> None:
        self.text = text
        try:
            self.loader = _Loader(text)
        except yaml.reader.ReaderError as exc:
            line = text[: exc.position].count("\n") + 1
            raise _Refused(
                Problem(line, "document", "YAML text without control characters",
                        f"character #x{exc.character:04x} at offset {exc.position}")
            ) from None
        self.count = 0
        self.lines: dict[Path, int] = {}
        self.problems: list[Problem] = []

    def run(self) -> Source:
        try:
            node = self.loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            what = exc.problem or exc.context or "a syntax error"
            raise _Refused(
                Problem(line, "document", f"valid YAML ({what})", self._line_text(line))
            ) from None
        except yaml.YAMLError as exc:
            raise _Refused(Problem(1, "document", "valid YAML", show(str(exc)))) from None
        except RecursionError:  # PyYAML composes nested collections recursively
            raise _Refused(Problem(self._too_deep(), "document",
                                   f"nested at most {MAX_DEPTH} levels deep",
                                   "deeper nesting than the parser can follow")) from None
        if node is None:
            raise _Refused(
                Problem(1, "document", "a mapping of scenario keys (scenario, horizon, "
                        "network, incident, policies, ...)", "an empty file")
            )
        try:
            data = self._build(node, (), 0)
        finally:
            self.loader.dispose()
        if self.problems:
            raise _Refused(*self.problems)
        return Source(data, self.lines)

    def _too_deep(self) -> int:
        """The line where brackets first nest deeper than MAX_DEPTH (1 if they never do)."""
        depth, line = 0, 1
        for char in self.text:
            if char == "\n":
                line += 1
            elif char in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    return line
            elif char in "]}":
                depth -= 1
        return 1

    def _line_text(self, line: int) -> str:
        lines = self.text.splitlines()
        text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        return show(text) if text else "the end of the file"

    def _build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.count += 1
        line = node.start_mark.line + 1
        if self.count > MAX_VALUES:
            top = path[:1]
            raise _Refused(
                Problem(self.lines.get(top, line), format_path(top), f"at most {MAX_VALUES} "
                        "values once YAML aliases are expanded", "more (an alias bomb?)")
            )
        if depth > MAX_DEPTH:
            raise _Refused(
                Problem(self.lines.get(path[:1], line), format_path(path[:1]),
                        f"nested at most {MAX_DEPTH} levels deep",
                        "deeper nesting (a recursive alias?)")
            )
        if isinstance(node, yaml.ScalarNode):
            try:
                return self.loader.construct_object(node, deep=True)
            except yaml.YAMLError as exc:
                problem = getattr(exc, "problem", None) or str(exc)
                raise _Refused(
                    Problem(line, format_path(path), "a plain YAML value (no custom tags)",
                            f"{show(node.value)} ({problem})")
                ) from None
        if node.tag not in _PLAIN_TAGS:
            raise _Refused(
                Problem(line, format_path(path), "a plain YAML value (no custom tags)",
                        show(node.tag))
            )
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, child in enumerate(node.value):
                self.lines.setdefault(path + (index,), child.start_mark.line + 1)
                items.append(self._build(child, path + (index,), depth + 1))
            return items
        if isinstance(node, yaml.MappingNode):
            return self._build_mapping(node, path, depth)
        raise _Refused(Problem(line, format_path(path), "a plain YAML value", show(node.tag)))

    def _build_mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        merged: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.extend(
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                continue
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused(
                    Problem(key_line, format_path(path), "a mapping with plain keys",
                            "a list or mapping used as a key")
                )
            key = self._build(key_node, path, depth + 1)
            if key in result:
                first = self.lines.get(path + (key,), key_line)
                self.problems.append(
                    Problem(key_line, format_path(path + (key,)),
                            f"given once (it was already given on line {first})",
                            "a duplicate key")
                )
                continue
            self.lines.setdefault(path + (key,), key_line)
            result[key] = self._build(value_node, path + (key,), depth + 1)
        for merge_node in merged:
            if not isinstance(merge_node, yaml.MappingNode):
                raise _Refused(
                    Problem(merge_node.start_mark.line + 1, format_path(path),
                            "merged ('<<') from a mapping", "something else")
                )
            for key, value in self._build_mapping(merge_node, path, depth + 1).items():
                result.setdefault(key, value)
        return result
