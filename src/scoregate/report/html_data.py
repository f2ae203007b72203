"""What the HTML report shows of each experiment's items, as plain data for its embedded JSON.

Every item once, with a status list (regressed, improved, flaky, error, new, missing,
unchanged) read from the comparison the gate made: the same regressed and improved items,
the same item means (``decide/compare.py``'s columns: an app-errored candidate sample counts
as 0 on a 0-1 score). Every text is scrubbed of secrets and made inert (no control or bidi
character); the texts of all items share one budget, so a report of 10,000 items stays small:
each text is cut at the same bound, the largest that fits, and the page says where it cut.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scoregate.decide.compare import columns
from scoregate.record import scoretable
from scoregate.report.bounds import ERROR_CHARS, bounded
from scoregate.report.safe import xml_text
from scoregate.report.text import as_text
from scoregate.values import scrub
from scoregate.values.model import Comparison, ItemResult, RunRecord, Sample, Usage

TEXT_BUDGET = 9_000_000
"""Characters of item text (inputs, expected outputs, outputs, comments) in one report."""
DETAIL_CHARS = 20_000
"""The most of one text an item's details show, however much room there is."""
MIN_CHARS = 200
"""The least of one text shown, however many items there are."""

STATUSES = ("regressed", "error", "flaky", "improved", "new", "missing", "unchanged")
"""An item's statuses, in the order they are listed."""

_HTTP = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)


def safe_url(url: object) -> str | None:
    """``url`` when it is a plain http(s) URL (the only kind the page makes a link of)."""
    return url if isinstance(url, str) and _HTTP.fullmatch(url) else None


def langfuse_url(record: RunRecord, key: str = "url", tail: str = "") -> str | None:
    """A Langfuse link stored in the run record (``metadata.langfuse``), when it is http(s)."""
    found = record.metadata.get("langfuse")
    url = found.get(key) if isinstance(found, Mapping) else None
    return safe_url(f"{url}{tail}") if isinstance(url, str) else None


def inert(value: object) -> str:
    """Untrusted text for the page: secrets scrubbed, controls and bidi shown as escapes."""
    return xml_text(scrub.text(as_text(value)))


@dataclass(frozen=True, slots=True)
class Texts:
    """Every text of a report's items, cut at one bound."""

    bound: int
    cut: int
    """How many texts were longer than the bound."""


def text_bound(lengths: Sequence[int], budget: int = TEXT_BUDGET) -> int:
    """The largest per-text bound (at most DETAIL_CHARS, at least MIN_CHARS) at which the texts
    of these lengths fit in ``budget`` characters."""
    ordered = sorted(lengths)
    total, left = 0, len(ordered)
    for length in ordered:
        if total + length * left > budget:
            return max(MIN_CHARS, min(DETAIL_CHARS, (budget - total) // left))
        total += length
        left -= 1
    return DETAIL_CHARS


def _usage(sample: Sample) -> Usage:
    total = sample.usage or Usage()
    for score in sample.scores:
        if score.usage:
            total += score.usage
    return total


def _cost(result: ItemResult | None) -> list[float] | None:
    """[latency in seconds (mean of the samples), tokens, cost] of one item."""
    if result is None or not result.samples:
        return None
    usage = Usage()
    for sample in result.samples:
        usage += _usage(sample)
    latency = math.fsum(s.latency for s in result.samples) / len(result.samples)
    return [
        round(latency, 4),
        usage.prompt_tokens + usage.completion_tokens,
        round(usage.cost, 6),
    ]


def _error(result: ItemResult) -> str | None:
    for sample in result.samples:
        if sample.error:
            return sample.error
        for score in sample.scores:
            if score.error:
                return f"{score.name}: {score.error}"
    return None


class _Item:
    """Builds one item's entry; texts are collected first and cut once the bound is known."""

    def __init__(self, names: Sequence[str], texts: list[str]) -> None:
        self.names = names
        self.texts = texts
        self.seen: dict[str, int] = {}

    def text(self, value: object) -> int | None:
        """The index of ``value``'s text in the shared list (None for no value); a text
        that is there already (the same expected output twice) is pointed to, not repeated."""
        if value is None:
            return None
        text = inert(value)
        index = self.seen.get(text)
        if index is None:
            index = self.seen[text] = len(self.texts)
            self.texts.append(text)
        return index

    def comments(self, result: ItemResult | None) -> list[int | None]:
        if result is None or not result.samples:
            return [None] * len(self.names)
        sample = result.samples[0]
        found = [sample.score(name) for name in self.names]
        return [self.text(s.comment) if s is not None and s.comment else None for s in found]

    def repeats(self, result: ItemResult) -> list[dict[str, Any]]:
        rows = []
        for sample in result.samples:
            values = []
            for name in self.names:
                score = sample.score(name)
                values.append(None if score is None or score.value is None else score.value)
            row: dict[str, Any] = {"v": values, "lat": round(sample.latency, 4)}
            if sample.error:
                row["e"] = self.text(bounded(sample.error, ERROR_CHARS))
            rows.append(row)
        return rows


def _means(record: RunRecord, names: list[str], comparison: Comparison, *, candidate: bool) -> Any:
    marks = {s.name: s.pass_mark for s in comparison.scores}
    plain = {s.name for s in comparison.scores if s.plain}
    table = scoretable.of(record)
    return columns(table, names, marks, count_errors=candidate, plain=plain)


def items_data(
    comparison: Comparison, trace: Callable[[str], str | None] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """One experiment's items for the page, and the texts they point to (uncut)."""
    names = [s.name for s in comparison.scores]
    cand, base = comparison.candidate, comparison.baseline
    now_means = _means(cand, names, comparison, candidate=True)
    before_means = _means(base, names, comparison, candidate=False) if base else {}
    regressed = {n: set(s.regressed) for n, s in zip(names, comparison.scores, strict=True)}
    improved = {n: set(s.improved) for n, s in zip(names, comparison.scores, strict=True)}
    flaky = {n: set(s.flaky) for n, s in zip(names, comparison.scores, strict=True)}
    new, missing = set(comparison.new_items), comparison.missing_items
    before = scoretable.finder(base) if base is not None else (lambda _: None)
    texts: list[str] = []
    build = _Item(names, texts)
    items = []

    def mean(found: Mapping[str, Any], name: str, item_id: str) -> float | None:
        column = found.get(name)
        value = column.means.get(item_id) if column is not None else None
        return None if value is None else round(value, 6)

    for result in cand.items:
        item_id = result.item.id
        old = before(item_id)
        entry: dict[str, Any] = {
            "id": inert(item_id),
            "c": [mean(now_means, n, item_id) for n in names],
            "b": [mean(before_means, n, item_id) for n in names],
            "rg": [i for i, n in enumerate(names) if item_id in regressed[n]],
            "im": [i for i, n in enumerate(names) if item_id in improved[n]],
            "fl": [i for i, n in enumerate(names) if item_id in flaky[n]],
            "in": build.text(result.item.input),
            "ex": build.text(result.item.expected_output),
            "co": build.text(result.samples[0].output) if result.samples else None,
            "bo": build.text(old.samples[0].output) if old and old.samples else None,
            "jc": build.comments(result),
            "jb": build.comments(old),
            "reps": build.repeats(result) if len(result.samples) > 1 else [],
            "cost": [_cost(old), _cost(result)],
        }
        error = _error(result)
        entry["err"] = build.text(bounded(error, ERROR_CHARS)) if error else None
        link = trace(result.item.trace_id) if trace and result.item.trace_id else None
        entry["trace"] = [inert(result.item.trace_id), link] if link else None
        entry["st"] = _statuses(entry, error is not None, item_id in new)
        items.append(entry)
    for item_id in missing:
        old = before(item_id)
        entry = {
            "id": inert(item_id),
            "c": [None] * len(names),
            "b": [mean(before_means, n, item_id) for n in names],
            "rg": [], "im": [], "fl": [],
            "in": build.text(old.item.input) if old else None,
            "ex": build.text(old.item.expected_output) if old else None,
            "co": None,
            "bo": build.text(old.samples[0].output) if old and old.samples else None,
            "jc": [None] * len(names),
            "jb": build.comments(old),
            "reps": [],
            "cost": [_cost(old), None],
            "err": None,
            "trace": None,
            "st": ["missing"],
        }  # fmt: skip
        items.append(entry)
    return {"scores": names, "items": items}, texts


def _statuses(entry: Mapping[str, Any], error: bool, new: bool) -> list[str]:
    found = {
        "regressed": bool(entry["rg"]),
        "error": error,
        "flaky": bool(entry["fl"]),
        "improved": bool(entry["im"]),
        "new": new,
    }
    listed = [status for status in STATUSES if found.get(status)]
    return listed or ["unchanged"]


def cut_texts(texts: list[str], bound: int) -> Texts:
    """Cut every text at ``bound`` in place (saying how much was left out); how many were."""
    cut = 0
    for index, text in enumerate(texts):
        if len(text) > bound:
            texts[index] = bounded(text, bound)
            cut += 1
    return Texts(bound, cut)
