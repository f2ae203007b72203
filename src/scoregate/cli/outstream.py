"""The process's stdout and stderr, guarded at the edge.

``scoregate`` (the console script) replaces ``sys.stdout`` and ``sys.stderr`` with a
:class:`GuardedStream` before anything runs, so whatever is printed (by scoregate, click, a
library's log, a traceback, a user's task or evaluator):

- passes the process's secret scrubber (:mod:`scoregate.values.scrub`);
- shows control and format characters other than newline, carriage return and tab as escapes
  (:func:`scoregate.report.safe.visible`): no escape sequence reaches the terminal;
- under GitHub Actions (``GITHUB_ACTIONS=true``), carries no workflow command but the ones
  scoregate writes with :func:`write_command` (:func:`scoregate.report.safe.no_workflow_command`
  breaks the others).

Text is passed on line by line (a line ends at ``\\n`` or ``\\r``) and on ``flush()``, so a
secret is scrubbed whole even when it is written in pieces.
"""

from __future__ import annotations

import io
import re
import sys
import threading
from collections.abc import Mapping
from typing import TextIO

from scoregate.report.safe import no_workflow_command, visible
from scoregate.values import scrub

_KEPT = re.compile(r"([\n\r\t])")


def _shown(text: str) -> str:
    """``text`` with every control character but newline, carriage return and tab escaped."""
    return "".join(
        piece if index % 2 else visible(piece) for index, piece in enumerate(_KEPT.split(text))
    )


class GuardedStream(io.TextIOBase):
    """A text stream that writes to ``stream`` what the module's doc says, and only that."""

    def __init__(self, stream: TextIO, *, actions: bool) -> None:
        super().__init__()
        self._stream = stream
        self._actions = actions
        self._pending = ""
        self._at_line_start = True
        self._lock = threading.RLock()

    # --- what a text stream answers ---------------------------------------------------------

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._stream.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self._stream.errors

    def __getattr__(self, name: str) -> object:
        if name == "buffer":  # bytes written there would pass no guard
            raise AttributeError(name)
        return getattr(self._stream, name)

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    def writable(self) -> bool:
        return True

    # --- writing ----------------------------------------------------------------------------

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        with self._lock:
            self._pending += text
            end = max(self._pending.rfind("\n"), self._pending.rfind("\r")) + 1
            if end:
                ready, self._pending = self._pending[:end], self._pending[end:]
                self._emit(ready)
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if self._pending:
                ready, self._pending = self._pending, ""
                self._emit(ready)
            self._stream.flush()

    def write_command(self, line: str) -> None:
        """Write one workflow command line of scoregate's own (secrets scrubbed, controls
        escaped, the command itself kept)."""
        with self._lock:
            self.flush()
            # One line: a line break inside it is escaped as GitHub unescapes it.
            text = line.removesuffix("\n").replace("\r", "%0D").replace("\n", "%0A") + "\n"
            if not self._at_line_start:
                text = "\n" + text
            self._stream.write(_shown(scrub.text(text)))
            self._at_line_start = True

    def _emit(self, text: str) -> None:
        text = _shown(scrub.text(text))
        if self._actions:
            text = no_workflow_command(text, line_start=self._at_line_start)
        self._stream.write(text)
        if text:
            self._at_line_start = text[-1] in "\n\r"


def install(env: Mapping[str, str]) -> None:
    """Guard ``sys.stdout`` and ``sys.stderr`` for the rest of the process (once)."""
    actions = env.get("GITHUB_ACTIONS") == "true"
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None or isinstance(stream, GuardedStream):
            continue
        setattr(sys, name, GuardedStream(stream, actions=actions))
