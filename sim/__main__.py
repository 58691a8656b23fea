"""Allow ``python -m sim``; :func:`entry` is also the ``flashpoint`` command."""

import sys


def entry() -> int:
    """Run the command line; an interrupt while it is still loading ends quietly (130)."""
    try:
        from sim.cli import main
    except KeyboardInterrupt:
        return 130
    return main()


if __name__ == "__main__":
    sys.exit(entry())
