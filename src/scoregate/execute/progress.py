"""Progress: a bar on a terminal, a plain line every few seconds elsewhere (CI logs)."""

from __future__ import annotations

import time
from typing import TextIO


class ProgressLine:
    def __init__(self, label: str, total: int, stream: TextIO, *, tty: bool | None = None) -> None:
        self.label = label
        self.total = total
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.done = 0
        self.errors = 0
        self.started = time.monotonic()
        self.last = 0.0 if self.tty else self.started
        self.interval = 0.1 if self.tty else 10.0

    def advance(self, samples: int = 1, *, errors: int = 0) -> None:
        self.done += samples
        self.errors += errors
        now = time.monotonic()
        if now - self.last >= self.interval or self.done == self.total:
            self.last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = now - self.started
        errors = f", {self.errors} errors" if self.errors else ""
        if self.tty:
            width = 30
            filled = int(width * self.done / self.total) if self.total else width
            bar = "█" * filled + "░" * (width - filled)
            self.stream.write(
                f"\r{self.label} {bar} {self.done}/{self.total}{errors} {elapsed:.1f}s"
            )
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(
                f"{self.label}: {self.done}/{self.total} samples{errors} ({elapsed:.1f}s)\n"
            )
        self.stream.flush()
