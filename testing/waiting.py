"""Waiting on a CLI subprocess for something it does (an item started, spans arrived): an
event, never a sleep of a guessed length. Fails the test, with the process's stderr, when the
process ends first, and after 60 s (a hang, not a slow machine)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

LIMIT = 60.0


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[str], what: str) -> None:
    """Until ``condition()`` holds; ``what`` names it in the failure."""
    deadline = time.monotonic() + LIMIT
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            _, err = process.communicate()
            pytest.fail(f"the run ended before {what}: {err}")
        time.sleep(0.02)
    process.kill()
    pytest.fail(f"{what} did not happen within {LIMIT:.0f} s")


def wait_for_start(log: Path, item_id: str, process: subprocess.Popen[str]) -> None:
    """Until ``item_id`` appears in ``log`` (the test's task writes each id as it starts)."""

    def started() -> bool:
        return log.exists() and item_id in log.read_text(encoding="utf-8").split()

    wait_until(started, process, f"item {item_id} started")
