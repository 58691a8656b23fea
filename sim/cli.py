"""The ``flashpoint`` command line: a thin layer over the Python API."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from sim._version import __version__
from sim.errors import FlashpointError
from sim.io import atomic_write_text

TEMPLATES = ("post", "hashtag")
_TITLE_MARK = "__TITLE__"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 2 user error, 130 interrupted)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        code: int = args.handler(args)
        return code
    except FlashpointError as error:
        print(error, file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("flashpoint: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flashpoint",
        description="Simulate a social-media incident and compare response policies.",
        epilog="Scenario format: docs/scenario-reference.md. Exit codes: 0 ok, 2 bad input.",
    )
    parser.add_argument("--version", action="version", version=f"flashpoint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    validate = commands.add_parser(
        "validate", help="check scenario files and report every problem",
        description="Check scenario files. Prints 'FILE: ok' for each valid file and every "
        "problem of the others (FILE:LINE: FIELD must be ...; got ...). Exit 0 only if all "
        "are valid, 2 otherwise.")
    validate.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML files")
    validate.add_argument("--resolved", action="store_true",
                          help="also print each valid scenario with every default filled in")
    validate.set_defaults(handler=_validate)

    new = commands.add_parser(
        "new", help="write a commented starter scenario",
        description="Write NAME.yaml, a commented starter scenario that validates as it is.")
    new.add_argument("name", metavar="NAME", help="file to write (.yaml is added if missing)")
    new.add_argument("--template", choices=TEMPLATES, default="post",
                     help="post: a misjudged post; hashtag: a promoted hashtag hijacked "
                     "(default: post)")
    new.add_argument("--force", action="store_true", help="overwrite an existing file")
    new.set_defaults(handler=_new)
    return parser


def _validate(args: argparse.Namespace) -> int:
    from sim.scenario import dump_resolved, load_scenario

    failed = 0
    for name in args.files:
        try:
            scenario = load_scenario(name)
        except FlashpointError as error:
            print(error, file=sys.stderr)
            failed += 1
            continue
        print(f"{name}: ok", flush=True)
        if args.resolved:
            print(dump_resolved(scenario, name))
    if failed and len(args.files) > 1:
        print(f"{failed} of {len(args.files)} files have problems", file=sys.stderr)
    return 2 if failed else 0


def _new(args: argparse.Namespace) -> int:
    path = Path(args.name)
    if path.suffix.lower() not in (".yaml", ".yml"):
        path = path.with_name(path.name + ".yaml")
    if path.exists() and not args.force:
        raise FlashpointError(f"{path}: already exists; choose another name or pass --force")
    title = path.stem.replace("-", " ").replace("_", " ").strip() or "New scenario"
    template = resources.files("sim.scenario").joinpath("templates", f"{args.template}.yaml")
    text = template.read_text(encoding="utf-8").replace(_TITLE_MARK, _yaml_string(title))
    try:
        atomic_write_text(path, text)
    except OSError as exc:
        raise FlashpointError(f"{path}: cannot write the file: {exc.strerror}") from None
    print(f"wrote {path}; edit it, then check it with: flashpoint validate {path}")
    return 0


def _yaml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
