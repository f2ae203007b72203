"""Every command has help and is documented in the README."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from scoregate.cli.app import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = cli.list_commands(click.Context(cli))


def test_the_commands_are_the_ones_we_document() -> None:
    assert set(COMMANDS) >= {
        "run",
        "validate",
        "schema",
        "compare",
        "baseline",
        "show",
        "merge",
        "comment",
    }


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_a_readme_entry(name: str) -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "scoregate"), name, "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Usage: scoregate {name}")
    assert f"`scoregate {name}" in README, f"README.md does not document `scoregate {name}`"


def test_the_readme_commands_are_the_makefile_targets() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make demo" in README and "make test" in README
    assert "\ndemo:" in makefile and "\ntest:" in makefile
    assert ci.rstrip().endswith("make test"), "CI must run the README's test command"
