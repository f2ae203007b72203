"""After the items ran and before the gate: every gate key names a score the run produced
(Python evaluators name theirs only when called). Else a config error (exit 2), with the run
records kept so the run is not lost."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scoregate.decide import scorenames
from scoregate.execute.prepared import Prepared
from scoregate.record import store
from scoregate.values.errors import ConfigError
from scoregate.values.model import RunRecord


def check_gate_keys(
    prepared: Sequence[Prepared], records: Sequence[RunRecord], output_dir: Path
) -> None:
    problems = []
    for item, record in zip(prepared, records, strict=True):
        declared = [d.name for e in item.evaluators for d in e.score_defs()]
        found = scorenames.unknown_gate_keys(item.experiment, record, declared)
        problems += [f"[{record.experiment}] {problem}" for problem in found]
    if problems:
        for record in records:
            path = store.write_record(store.record_path(output_dir, record), record)
            problems.append(
                f"[{record.experiment}] Nothing was gated; the run is kept in {store.shown(path)}: "
                "fix the gate, then gate it without rerunning with 'scoregate compare RUN BASELINE'."
            )
        raise ConfigError(problems)
