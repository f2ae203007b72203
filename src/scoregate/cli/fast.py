"""``scoregate --help`` and ``scoregate schema`` answered before click is imported.

A pre-commit hook or an editor pays the interpreter's start-up on every call; these two answers
are fixed texts, so they need neither click nor the config. The help is click's own rendering
at the usual 80 columns (``helptext.py``, written by ``python -m scoregate.cli.fast``;
``tests/cli/test_fast.py`` holds it equal to what click renders now); at another width, or for
anything else, click answers as always.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from scoregate.cli.width import terminal_width

HELP_WIDTH = 78
"""click's help width in an 80-column (or wider, or no) terminal (``width.py``)."""


def answer(args: Sequence[str]) -> bool:
    """Write the answer to ``args`` if it is a fixed text; whether it was."""
    if list(args) == ["schema"]:
        from scoregate.config.schemafile import schema_text

        sys.stdout.write(schema_text() + "\n")
        return True
    if list(args) in (["--help"], ["-h"]) and terminal_width() == HELP_WIDTH:
        from scoregate.cli.helptext import HELP

        sys.stdout.write(HELP)
        return True
    return False


def render() -> str:
    """What click writes for ``scoregate --help`` at ``HELP_WIDTH`` (imports click)."""
    from click.testing import CliRunner

    from scoregate.cli.app import cli

    result = CliRunner().invoke(
        cli, ["--help"], prog_name="scoregate", terminal_width=HELP_WIDTH, color=False
    )
    return result.output


def write_helptext() -> None:
    """Rewrite ``helptext.py`` from click's rendering (after a command or its help changed)."""
    import json
    from pathlib import Path

    # json.dumps quotes as ruff format does (double quotes), so the file stays format-clean
    lines = "".join(f"    {json.dumps(line)}\n" for line in render().splitlines(keepends=True))
    source = (
        '"""``scoregate --help`` as click renders it at 80 columns.\n\n'
        'Written by ``python -m scoregate.cli.fast``; do not edit."""\n\n'
        f"HELP = (\n{lines})\n"
    )
    (Path(__file__).parent / "helptext.py").write_text(source, encoding="utf-8")


if __name__ == "__main__":
    write_helptext()
