"""How far scoregate follows a config or a dataset it reads (docs/security.md lists them).

A config or a dataset may come from someone else (a pull request, a shared file); reading it
must end, quickly, in items or in a message, never in a hang, a crash or a memory blow-up.
"""

from __future__ import annotations

from collections.abc import Sequence

MAX_DEPTH = 100
"""Levels of lists and mappings inside one another, counted from the top of the file (each
line of a JSONL file is a top of its own)."""

MAX_ALIAS_VALUES = 100_000
"""Values that all the YAML aliases (``*name``) of one file may repeat, together."""

MAX_CONFIG_VALUES = 50_000
"""Values in a config (or a schema file it names): each list, mapping and scalar counts once,
an alias as many as it repeats. Datasets have no such bound: their size is the user's."""

MAX_PROBLEMS = 100
"""Problems one config or one dataset lists; a file wrong everywhere stops there."""


def first_problems(problems: Sequence[str], where: str) -> list[str]:
    """The first ``MAX_PROBLEMS`` problems, and a note that there are more, if there are."""
    if len(problems) <= MAX_PROBLEMS:
        return list(problems)
    return [
        *problems[:MAX_PROBLEMS],
        f"{where}: scoregate lists the first {MAX_PROBLEMS} problems; fix them and run again "
        "to see the rest.",
    ]
