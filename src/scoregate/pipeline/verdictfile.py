"""The last thing a gate writes: its exit code, in the file ``SCOREGATE_VERDICT_FILE`` names.

A process that ends before it (a task calling ``os._exit(0)``, a crash of the interpreter) can
exit 0 with no record and no report. A CI step that sets the variable reads the file back and
fails when it is missing or disagrees with the exit code (the GitHub Action does), so such an
exit is never read as a pass. A run abandoned because its event loop stayed blocked
(abandon.py) writes 3 before it exits 3.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

VARIABLE = "SCOREGATE_VERDICT_FILE"


def write(exit_code: int, env: Mapping[str, str]) -> None:
    """Write ``exit_code`` to the verdict file, when one is asked for."""
    target = env.get(VARIABLE)
    if target:
        Path(target).write_text(f"{exit_code}\n", encoding="utf-8")
