"""Errors a user can cause, each carrying the exit code it maps to (see DESIGN.md)."""

from __future__ import annotations

from collections.abc import Sequence


class ScoregateError(Exception):
    """A known failure: printed as its message, never as a stack trace."""

    return_code = 3
    outage = False
    """True when a service scoregate calls did not answer, or kept failing (unreachable,
    retries exhausted on 429 or 5xx, timed out): not the app's fault. A sample lost to an
    outage is left out of the comparison and counts against the error budget."""


class ConfigError(ScoregateError):
    """The configuration or the command line is wrong; nothing was run."""

    return_code = 2

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems = (problems,) if isinstance(problems, str) else tuple(problems)
        super().__init__("\n".join(self.problems))


class RunError(ScoregateError):
    """The run could not be completed: a dataset, a service or the error budget."""

    return_code = 3


class GateFailed(ScoregateError):
    """Raised only to carry exit code 1 through layers that return nothing else."""

    return_code = 1
