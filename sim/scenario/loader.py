"""The one funnel: YAML bytes -> plain data -> pydantic models -> a resolved Scenario."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticSerializationError

from sim._version import __version__
from sim.errors import FlashpointError
from sim.scenario import documented, resources, sweeps, uncertain, yamlsource
from sim.scenario.errors import Path as KeyPath
from sim.scenario.errors import Problem, ScenarioError, format_path, show
from sim.scenario.fields import ERROR_TYPE, Expect, Verbatim
from sim.scenario.resolve import resolve
from sim.scenario.schema import Action, Scenario
from sim.scenario.suggest import did_you_mean

VERSION_KEY = "flashpoint_version"
_CONTAINER_ERRORS = {
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "dict_type": "a mapping",
    "list_type": "a list",
}


def load_scenario(path: str | Path) -> Scenario:
    """Load, validate and resolve a scenario file.

    Raises:
        ScenarioError: the file has problems; its message lists every one.
        FlashpointError: the file cannot be read.
    """
    path = Path(path)
    try:
        raw = read_bounded(path)
    except OSError as exc:
        raise FlashpointError(f"{path}: cannot read the scenario file: {exc.strerror}") from None
    return parse_scenario(raw, str(path), path.resolve().parent)


def read_bounded(path: Path) -> bytes:
    """At most ``MAX_FILE_BYTES + 1`` bytes of a file: enough to refuse one that is too long.

    A file such as ``/dev/zero`` is never read whole (parsing then refuses the size).

    Raises:
        OSError: the file cannot be read.
    """
    with path.open("rb") as handle:
        return handle.read(yamlsource.MAX_FILE_BYTES + 1)


def parse_scenario(raw: bytes, file: str = "<scenario>", base_dir: Path | None = None) -> Scenario:
    """Validate and resolve a scenario from the bytes of a YAML file."""
    source, problems = yamlsource.parse(raw)
    if source is None:
        raise ScenarioError([_in_file(p, file) for p in problems])
    data = source.data
    if not isinstance(data, dict):
        raise ScenarioError([Problem(1, "document", "a mapping of scenario keys (scenario, "
                                     "horizon, network, incident, policies, ...)", show(data),
                                     file)])
    data = dict(data)
    version = data.pop(VERSION_KEY, None)
    if version is not None and not isinstance(version, str):
        raise ScenarioError([Problem(source.line_of((VERSION_KEY,)), VERSION_KEY, "text",
                                     show(version), file)])
    try:
        scenario = Scenario.model_validate(data, context={"base_dir": base_dir, "raw": data})
    except ValidationError as exc:
        raise ScenarioError(_problems(exc, source, file)) from None
    resolved = resolve(scenario, base_dir)
    _check_resources(resolved, source, file)
    sweeps.check(resolved, source.lines, file)
    uncertain.check(resolved, source.lines, file)
    documented.check(resolved, source.lines, file)
    return resolved


def check_scenario(scenario: Scenario) -> Scenario:
    """Validate and resolve a scenario object again, as :func:`load_scenario` does a file.

    For scenarios made or changed in Python: pydantic's ``model_copy(update=...)`` skips
    validation, so ``scenario.model_copy(update={"replications": "lots"})`` is a Scenario
    holding a bad value. Its values are written back to plain data, the way a file holds them,
    and validated through the same schema.

    Raises:
        ScenarioError: what is wrong, each problem as ``FIELD.PATH must be EXPECTED; got
            VALUE`` (no file or line).
    """
    return check_data(_plain(scenario))


def check_data(data: dict[str, Any]) -> Scenario:
    """Validate and resolve a scenario's plain data, as a file's is (no file, so no lines).

    Raises:
        ScenarioError: what is wrong, as for :func:`check_scenario`.
    """
    try:
        checked = Scenario.model_validate(data, context={"raw": data})
    except ValidationError as exc:
        raise ScenarioError(_problems(exc, _InPython(data), "")) from None
    return resolve(checked)


class _InPython(yamlsource.Source):
    """The plain data of a scenario object: no file, so no lines (line 0)."""

    def line_of(self, path: KeyPath) -> int:
        return 0


def problem_at(file: str | Path, path: KeyPath, expected: str, got: str) -> ScenarioError:
    """A :class:`ScenarioError` for one field of a scenario file, with the line of its key."""
    try:
        source, _ = yamlsource.parse(read_bounded(Path(file)))
    except OSError:
        source = None
    line = source.line_of(path) if source is not None else 1
    return ScenarioError([Problem(line, format_path(path), expected, got, str(file))])


def dump_resolved(scenario: Scenario, source: str | None = None) -> str:
    """The YAML text of a resolved scenario, with the program version; it loads back equal."""
    data = {VERSION_KEY: __version__, **scenario.model_dump(mode="json", exclude_none=True)}
    header = f"# Resolved by Flashpoint {__version__}"
    header += f" from {source}\n" if source else "\n"
    header += "# Every default is filled in; loading this file gives the same scenario.\n"
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _in_file(problem: Problem, file: str) -> Problem:
    return Problem(problem.line, problem.path, problem.expected, problem.got, file)


def _problems(exc: ValidationError, source: yamlsource.Source, file: str) -> list[Problem]:
    problems: list[Problem] = []
    for error in exc.errors(include_url=False):
        loc = _clean_loc(error["loc"], source.data)
        kind = error["type"]
        ctx = error.get("ctx") or {}
        if kind == ERROR_TYPE and ctx.get("problems"):
            for sub, expected, got in ctx["problems"]:
                path = loc + tuple(sub)
                shown = "nothing" if got is None else (
                    got if isinstance(got, Verbatim) else show(_plain(got)))
                problems.append(_problem(path, expected, shown, source, file))
            continue
        got = "nothing" if kind == "missing" else show(error.get("input"))
        if kind == ERROR_TYPE:
            expected = ctx["expected"]
        elif kind == "missing":
            expected = "given" + _expect_hint(loc)
        elif kind == "extra_forbidden":
            keys = _keys_at(loc[:-1])
            expected = f"a known key ({', '.join(keys)}){did_you_mean(str(loc[-1]), keys)}"
            got = show(loc[-1])
        elif kind in _CONTAINER_ERRORS:
            expected = _CONTAINER_ERRORS[kind]
        else:  # pragma: no cover - every field has its own validator
            expected = error["msg"]
        problems.append(_problem(loc, expected, got, source, file))
    return problems


def _problem(path: KeyPath, expected: str, got: str, source: yamlsource.Source,
             file: str) -> Problem:
    return Problem(source.line_of(path), format_path(path), expected, got, file)


def _plain(value: Any) -> Any:
    """``value`` as plain data, the way a scenario file writes it.

    A field whose value its serializer cannot write (a bad value put in by ``model_copy``)
    is kept as it is, or taken apart if it is a model, for validation to name.
    """
    if isinstance(value, Action):  # the keys every action has, then its kind's own
        return {**_plain_fields(value, list(type(value).model_fields)),
                **_plain_fields(value.own, list(type(value.own).model_fields))}
    if isinstance(value, BaseModel):
        return _plain_fields(value, list(type(value).model_fields))
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _plain_fields(model: BaseModel, names: list[str]) -> dict[str, Any]:
    out = {}
    for name in names:
        try:
            out[name] = model.model_dump(mode="json", include={name}, warnings=False)[name]
        except (PydanticSerializationError, TypeError, ValueError, AttributeError):
            out[name] = _plain(getattr(model, name))
    return out


def _clean_loc(loc: tuple[Any, ...], data: Any) -> KeyPath:
    """Drop the parts of a pydantic location that are not keys of the file."""
    kept: list[Any] = []
    node = data
    for index, part in enumerate(loc):
        if part == "[key]" and not (isinstance(node, dict) and part in node):
            continue  # pydantic's marker for a bad dict key, not a key of the file
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif index != len(loc) - 1:
            continue
        kept.append(part)
    return tuple(kept)


def _field_type_at(loc: KeyPath) -> Any:
    """The annotation of the schema at ``loc`` (models, lists and dicts unwrapped)."""
    node: Any = Scenario
    for part in loc:
        node = _unwrap(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(str(part))
            if field is None:
                return None
            node = field.annotation if not field.metadata else typing.Annotated[
                field.annotation, *field.metadata]
        elif typing.get_origin(node) is list:
            node = typing.get_args(node)[0]
        elif typing.get_origin(node) is dict:
            node = typing.get_args(node)[1]
        else:
            return None
    return node


def _unwrap(annotation: Any) -> Any:
    """Strip ``Optional`` from an annotation; keep ``Annotated`` metadata reachable."""
    args = typing.get_args(annotation)
    if args and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0] if len(rest) == 1 else annotation
    if typing.get_origin(annotation) is typing.Annotated:
        base = args[0]
        if isinstance(base, type) and issubclass(base, BaseModel):
            return base
    return annotation


def _keys_at(loc: KeyPath) -> list[str]:
    node = _unwrap(_field_type_at(loc))
    if isinstance(node, type) and issubclass(node, BaseModel):
        return list(node.model_fields)
    return []


def _expect_hint(loc: KeyPath) -> str:
    annotation = _field_type_at(loc)
    for meta in typing.get_args(annotation)[1:] if annotation is not None else ():
        if isinstance(meta, Expect):
            return f" ({meta.text})"
    node = _unwrap(annotation)
    if isinstance(node, type) and issubclass(node, BaseModel):
        return f" (a mapping with {', '.join(node.model_fields)})"
    return ""


def _check_resources(scenario: Scenario, source: yamlsource.Source, file: str) -> None:
    network = scenario.network
    if network.generator is not None:
        assert network.accounts is not None and network.mean_follows is not None
        follows = network.accounts * network.mean_follows
        key, got = "accounts", network.accounts
        what = f"{network.accounts} accounts x {network.mean_follows:g} follows"
    else:
        assert network.file is not None
        follows = resources.estimate_file_follows(Path(network.file))
        key, got = "file", network.file
        what = f"up to {follows:.3g} follows in the file"
    accounts = network.accounts or int(follows)
    need = resources.estimate_network_bytes(accounts, follows)
    have = resources.machine_memory()
    if need > have:
        raise ScenarioError([Problem(
            source.line_of(("network", key)), f"network.{key}",
            f"small enough to build in memory (about {resources.human_bytes(need)} for {what}; "
            f"this machine has {resources.human_bytes(have)})", show(got), file)])
