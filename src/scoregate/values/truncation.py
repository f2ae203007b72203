"""Samples whose model reply was cut at max_tokens, counted from a run record.

A cut reply is an error whose message says ``finish_reason "length"`` (execute/reply_checks.py
writes it), on the sample (a prompt task) or on a judge's score; the reports count the samples
with either, from the record alone, so ``show`` and ``compare`` count as ``run`` did.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scoregate.values.model import RunRecord

MARK = 'finish_reason "length"'


def truncated_samples(record: RunRecord) -> int:
    """How many samples of ``record`` had a reply cut at max_tokens (0 without model calls)."""
    if not isinstance(record.metadata.get("models"), Mapping):
        return 0
    count = 0
    for result in record.items:
        for sample in result.samples:
            errors: list[Any] = [sample.error, *(s.error for s in sample.scores)]
            count += any(isinstance(e, str) and MARK in e for e in errors)
    return count


def unpriced_models(record: RunRecord) -> list[str]:
    """The models of ``record`` whose calls had no price (their cost is unknown)."""
    models = record.metadata.get("models")
    if not isinstance(models, Mapping):
        return []
    return sorted(
        str(m) for m, v in models.items() if isinstance(v, Mapping) and v.get("priced") is False
    )
