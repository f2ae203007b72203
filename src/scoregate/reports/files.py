"""Report files written one by one: one that cannot be written does not stop the others,
and the run record, written before them, is named in the error."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from scoregate import store
from scoregate.errors import RunError


def write_report(label: str, option: str, path: Path, text: str) -> str | None:
    """Write one report; on failure, the sentence saying which report and why, else None."""
    try:
        store.write_text(path, text)
    except OSError as exc:
        return (
            f"the {label} could not be written to {store.shown(path)}: {_reason(path, exc)}; "
            f"make that path writable or choose another with {option}."
        )
    return None


def reports_failed(problems: Sequence[str], records: Mapping[str, Path]) -> RunError:
    """The error (exit 3) for reports that could not be written, naming the kept records."""
    kept = ", ".join(f"{store.shown(path)} ({name})" for name, path in records.items())
    tail = f" The run record is kept: {kept}." if kept else ""
    return RunError(" ".join(problems) + tail)


def _reason(path: Path, exc: OSError) -> str:
    blocking = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        return f"{store.shown(blocking)} is a file, not a folder"
    reason = exc.strerror or str(exc)
    return f"{reason} ({exc.filename})" if exc.filename else reason
