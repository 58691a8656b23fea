"""Generate docs/scenario-reference.md from the scenario schema.

    python tools/gen_reference.py          # print it
    python tools/gen_reference.py --write  # write docs/scenario-reference.md
    python tools/gen_reference.py --check  # exit 1 if the file is stale
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.io import atomic_write_text
from sim.scenario.reference import render

TARGET = Path(__file__).resolve().parent.parent / "docs" / "scenario-reference.md"


def main(argv: list[str]) -> int:
    text = render()
    if "--write" in argv:
        atomic_write_text(TARGET, text)
        print(f"wrote {TARGET}")
    elif "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is stale: run 'make reference'", file=sys.stderr)
            return 1
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
