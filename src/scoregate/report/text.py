"""Shared formatting of values for every report."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from scoregate.record.scoretable import with_errors
from scoregate.report.bounds import ERROR_CHARS, bounded
from scoregate.values import scrub
from scoregate.values.figures import figure
from scoregate.values.model import Aggregate, Check, Comparison, RunRecord, Score

_UNREACHABLE = re.compile(r"cannot connect to (https?://[^\s()]+)")
"""The provider's message for a server that does not answer (provider.py's ``_call``)."""
_VOLATILE = re.compile(r"\d{4,}|[0-9a-f]{8,}")
"""What differs between two reports of the same error: request ids, ports, times, counts."""


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (the last one ``…``), its secrets scrubbed first
    so that no piece of one is left at the cut."""
    text = scrub.text(text)
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "…"


def _escape(char: str) -> str:
    return char.encode("unicode_escape").decode("ascii")


def one_line(text: str, limit: int) -> str:
    """Untrusted text made safe for one terminal line: control and format characters (newline,
    ESC, bidi overrides) are shown as escapes (``\\n``, ``\\x1b``, ``\\u202e``); text longer
    than ``limit`` characters is cut, never inside an escape, and ends with ``…``. Secrets
    are scrubbed before the cut."""
    text = scrub.text(text)
    pieces: list[str] = []
    size = 0
    for position, char in enumerate(text):
        piece = (
            _escape(char)
            if unicodedata.category(char)[0] == "C" or char in "\u2028\u2029"
            else char
        )
        if size + len(piece) > limit - (position < len(text) - 1):
            return "".join(pieces) + "…"
        pieces.append(piece)
        size += len(piece)
    return "".join(pieces)


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=repr)


def score_value(score: Score, plain: bool = False) -> str:
    """``0.82 (8.2/10)`` when a score has a declared scale, else ``0.82``; a plain number
    as it is (``42.0``)."""
    if score.value is None:
        return "error"
    if plain:
        return figure(score.value, plain=True)
    shown = f"{score.value:.2f}"
    if score.scale and isinstance(score.raw, (int, float)) and not isinstance(score.raw, bool):
        low, high = score.scale
        raw = f"{score.raw:g}/{high:g}" if low == 0 else f"{score.raw:g} on {low:g}-{high:g}"
        shown += f" ({raw})"
    return shown


def aggregate_text(agg: Aggregate | None, plain: bool = False) -> str:
    if agg is None:
        return "—"
    return figure(agg.mean, plain)


def mean_text(mean: float | None) -> str:
    return "—" if mean is None else f"{mean:.3f}"


# --- what a missing baseline left undone --------------------------------------------------------

BASELINE_KINDS = ("max_drop", "max_regressed_items")
"""The checks that compare with a baseline."""


def no_baseline_text(comparison: Comparison, checks: Sequence[Check]) -> str:
    """``no baseline: 2 checks not run (no baseline at baselines/qa.json; …)``, for a run
    gated without a baseline (raw: escape it where it lands)."""
    count = sum(
        1
        for c in checks
        if c.experiment == comparison.experiment
        and c.kind in BASELINE_KINDS
        and c.status in ("skip", "fail")
    )
    why = comparison.baseline_note or "none was given"
    return f"no baseline: {count} check{'s' if count != 1 else ''} not run ({why})"


# --- the verdict's count line -------------------------------------------------------------------


def _reason(check: Check) -> str:
    """A check's reason in a few words: its explanation up to the first "; "."""
    text = check.explanation.removeprefix("skipped: ")
    return text.split("; ", 1)[0]


def _grouped(checks: Sequence[Check], word: str, escape: Callable[[str], str]) -> str:
    """``2 not run (no baseline at baselines/qa.json)``, or with several reasons
    ``3 not run (2: no baseline at …; 1: flakiness needs repeats of 2 or more)``."""
    reasons = Counter(escape(_reason(c)) for c in checks)
    if len(reasons) == 1:
        return f"{len(checks)} {word} ({next(iter(reasons))})"
    shown = [f"{count}: {reason}" for reason, count in reasons.most_common(3)]
    if len(reasons) > 3:
        shown.append(f"{len(reasons) - 3} other reasons")
    return f"{len(checks)} {word} ({'; '.join(shown)})"


def checks_counted(checks: Sequence[Check], escape: Callable[[str], str]) -> str:
    """How the checks ended, in one line, each that did not pass or fail with its reason:
    ``all 3 checks passed``, ``4 of 6 checks passed, 2 not run (no baseline at …)``,
    ``2 of 6 checks failed, 3 passed, 1 not run (no baseline at …)``.

    ``escape`` makes a reason (it may quote untrusted text) safe where the line lands."""
    total = len(checks)
    if not total:
        return "no check was configured"
    by_status = {s: [c for c in checks if c.status == s] for s in ("pass", "fail", "warn", "skip")}
    passed, failed = len(by_status["pass"]), len(by_status["fail"])
    if passed == total:
        return f"all {total} check{'s' if total != 1 else ''} passed"
    parts = [f"{failed} of {total} checks failed"] if failed else []
    if passed or not failed:
        parts.append(f"{passed} of {total} checks passed" if not failed else f"{passed} passed")
    if by_status["warn"]:
        parts.append(_grouped(by_status["warn"], "warned", escape))
    if by_status["skip"]:
        parts.append(_grouped(by_status["skip"], "not run", escape))
    return ", ".join(parts)


# --- why samples failed -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ErrorSource:
    """The errors of one part of a run (the task, or one evaluator), and the most common one."""

    where: str
    """``the task``, ``judge 'correctness'`` or ``evaluator 'tone'``."""
    count: int
    message: str
    """The most common message (the first seen among equally common ones). Messages that
    differ only in ids and numbers of 4 digits or more (request ids, ports) count as one."""
    times: int
    """How many of ``count`` have that message."""


@dataclass(frozen=True, slots=True)
class ErrorSummary:
    sources: tuple[ErrorSource, ...]
    """Most errors first."""
    unreachable: tuple[tuple[str, int], ...]
    """Servers that could not be reached, with the number of errors that say so."""


def error_summary(record: RunRecord) -> ErrorSummary:
    """Where a run's samples failed and why, read from the items that have errors."""
    shapes: dict[str, Counter[str]] = {}
    first: dict[tuple[str, str], str] = {}
    hosts: Counter[str] = Counter()

    def add(where: str, message: str) -> None:
        shape = _VOLATILE.sub("#", message[:ERROR_CHARS])  # told apart by their start
        shapes.setdefault(where, Counter())[shape] += 1
        first.setdefault((where, shape), bounded(message, ERROR_CHARS))
        if found := _UNREACHABLE.search(message):
            hosts[found.group(1)] += 1

    for result in with_errors(record):
        for sample in result.samples:
            if sample.error:
                add("the task", sample.error)
            for score in sample.scores:
                if score.error:
                    definition = record.score_defs.get(score.name)
                    kind = "judge" if definition and definition.kind == "judge" else "evaluator"
                    add(f"{kind} '{score.name}'", score.error)
    sources = []
    for where, counted in shapes.items():
        shape, times = counted.most_common(1)[0]
        sources.append(ErrorSource(where, counted.total(), first[where, shape], times))
    sources.sort(key=lambda s: -s.count)
    return ErrorSummary(tuple(sources), tuple(hosts.most_common()))
