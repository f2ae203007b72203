"""A run whose event loop stays blocked: keep its run record, then the process ends.

When a call inside ``async def`` blocks the event loop and ignores every attempt to stop it
(see execute/watchdog.py), the watchdog's thread hands the record of what finished here, with
the blocked and unstarted samples as errors, before the process exits with code 3. The
verdict file (verdictfile.py) says 3 too: the run ended as scoregate meant it to, ungated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from scoregate.execute.watchdog import EXIT_STUCK
from scoregate.pipeline import verdictfile
from scoregate.record import store
from scoregate.values.model import RunRecord


def keep_record(
    output_dir: Path, stderr: TextIO, record: RunRecord, *, env: Mapping[str, str] | None = None
) -> None:
    """Write ``record`` (marked partial) to its file and say why the run ends here."""
    record = replace(record, metadata=dict(record.metadata) | {"partial": True})
    path = store.write_record(store.record_path(output_dir, record), record)
    stderr.write(
        f"error: [{record.experiment}] a call inside async def blocked the event loop and "
        "could not be interrupted, so the run ends here, without a gate or reports; the "
        f"finished items are kept in {store.shown(path)}, the blocked and unstarted samples "
        "as errors. Await that call, or move it to a thread with asyncio.to_thread.\n"
    )
    verdictfile.write(EXIT_STUCK, env or {})
