"""Face: the command line. `app` holds the group and its commands, `options` the shared options and error handler, `commands/` the commands loaded only when called."""

from __future__ import annotations

import sys
from typing import NoReturn


def main() -> NoReturn:
    """The console script: ``--help`` and ``schema`` answered at once (fast.py), the rest by
    click."""
    from scoregate.cli import fast

    if fast.answer(sys.argv[1:]):
        sys.stdout.flush()
        sys.exit(0)
    from scoregate.cli.app import main as run_cli

    run_cli()


__all__ = ["main"]
