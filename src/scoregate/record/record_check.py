"""A stored run record checked as it is read: every field the comparison and the reports use
has the type they expect, and each item line agrees with the score table of the header.

A record is read lazily (store.py, itemlines.py): the header and its score table on load, an item line
when a report shows that item. Both are checked then, so a damaged or edited record (a
baseline above all: the gate trusts it) is an error naming the file, line and field, never
a crash in the middle of a report and never a comparison with numbers that are not there.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from scoregate.record.scoretable import METRIC_COLUMNS, ScoreTable
from scoregate.values.errors import ConfigError

FIX = "this run record was damaged or edited: restore it, or record a new one"


class Bad(Exception):
    """A field that is not what it must be: ``field`` is its path (``samples[0].error``)."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


def damaged(where: str, text: str) -> ConfigError:
    return ConfigError(f"{where}: {text}; {FIX}.")


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, (str, int, float, bool)) or value is None else ""
    if not text:
        return f"a JSON {'object' if isinstance(value, dict) else 'array'}"
    return text if len(text) <= 60 else text[:59] + "…"


def _is_number(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _text(value: Any, field: str, *, optional: bool = True) -> None:
    if not (isinstance(value, str) or (optional and value is None)):
        raise Bad(field, f"{_shown(value)} is not text")


def _int(value: Any, field: str, *, low: int = 0) -> int:
    if type(value) is not int or value < low:
        raise Bad(field, f"{_shown(value)} is not a whole number from {low}")
    return value


def _number(value: Any, field: str) -> None:
    if not _is_number(value):
        raise Bad(field, f"{_shown(value)} is not a number")


def score_value(value: Any, field: str, *, plain: bool = False) -> None:
    """A 0-1 score's value, or a plain score's (a number in its own units), or null."""
    if value is None or (_is_number(value) and (plain or 0 <= value <= 1)):
        return
    wanted = "a number" if plain else "a number from 0 to 1"
    raise Bad(field, f"{_shown(value)} is not a score value ({wanted}, or null)")


def plain_names(score_defs: Any) -> frozenset[str]:
    """The scores a header's ``score_defs`` marks plain: numbers in their own units."""
    if not isinstance(score_defs, dict):
        return frozenset()
    return frozenset(
        name for name, d in score_defs.items() if isinstance(d, dict) and d.get("plain") is True
    )


def _object(value: Any, field: str, *, optional: bool = True) -> Mapping[str, Any]:
    if optional and value is None:
        return {}
    if not isinstance(value, dict):
        raise Bad(field, f"{_shown(value)} is not a JSON object")
    return value


def _list(value: Any, field: str, *, optional: bool = True) -> Sequence[Any]:
    if optional and value is None:
        return ()
    if not isinstance(value, list):
        raise Bad(field, f"{_shown(value)} is not a list")
    return value


def _scale(value: Any, field: str) -> None:
    if value is None:
        return
    if not (
        isinstance(value, list)
        and len(value) == 2
        and all(_is_number(v) for v in value)
        and value[0] < value[1]
    ):
        raise Bad(field, f"{_shown(value)} is not a scale [low, high]")


def _usage(value: Any, field: str) -> None:
    usage = _object(value, field)
    if not usage:
        return
    for key in ("prompt_tokens", "completion_tokens", "calls"):
        _int(usage.get(key), f"{field}.{key}")
    for key in ("cache_hits", "unpriced"):
        if key in usage:
            _int(usage[key], f"{field}.{key}")
    _number(usage.get("cost"), f"{field}.cost")


def _plain_score(d: Any) -> bool:
    """The common score, name and value only, checked at a glance (the reader's hot path)."""
    if type(d) is not dict or len(d) != 2:
        return False
    value = d.get("value", 2.0)
    return type(d.get("name")) is str and (
        value is None or (type(value) is float and 0.0 <= value <= 1.0)
    )


_NONE: frozenset[Any] = frozenset()


def score(data: Any, field: str, plain: frozenset[str] = _NONE) -> None:
    if _plain_score(data):
        return
    d = _object(data, field, optional=False)
    _text(d.get("name"), f"{field}.name", optional=False)
    if "value" not in d:
        raise Bad(f"{field}.value", "missing")
    score_value(d["value"], f"{field}.value", plain=d["name"] in plain)
    _scale(d.get("scale"), f"{field}.scale")
    _text(d.get("comment"), f"{field}.comment")
    _text(d.get("error"), f"{field}.error")
    _usage(d.get("usage"), f"{field}.usage")


_PLAIN_SAMPLE = frozenset(("index", "output", "latency", "scores"))


def _plain_sample(d: Any) -> bool:
    """The common sample (no error, no usage), checked at a glance (the reader's hot path)."""
    if type(d) is not dict or not _PLAIN_SAMPLE.issuperset(d):
        return False
    index, scores = d.get("index"), d.get("scores", ())
    return (
        type(index) is int
        and index >= 0
        and type(d.get("latency", 0.0)) is float
        and type(scores) in (list, tuple)
        and all(_plain_score(x) for x in scores)
    )


def _sample(data: Any, field: str, plain: frozenset[str]) -> Mapping[str, Any]:
    if _plain_sample(data):
        return data  # type: ignore[no-any-return]
    d = _object(data, field, optional=False)
    _int(d.get("index"), f"{field}.index")
    if "latency" in d:
        _number(d["latency"], f"{field}.latency")
    _text(d.get("error"), f"{field}.error")
    _usage(d.get("usage"), f"{field}.usage")
    for k, found in enumerate(_list(d.get("scores"), f"{field}.scores")):
        score(found, f"{field}.scores[{k}]", plain)
    return d


def item(
    data: Any, field: str = "", *, plain: frozenset[str] = _NONE
) -> Sequence[Mapping[str, Any]]:
    """Check one item's fields; its samples, checked. ``field`` leads every field path;
    ``plain``: the scores in their own units (:func:`plain_names`)."""
    lead = f"{field}." if field else ""
    d = _object(data, field or "the item line", optional=False)
    if type(d.get("id")) is not str:
        _text(d.get("id"), f"{lead}id", optional=False)
    if "metadata" in d:
        _object(d["metadata"], f"{lead}metadata")
    if type(d.get("source", "")) is not str:
        _text(d["source"], f"{lead}source")
    if "trace_id" in d:
        _text(d["trace_id"], f"{lead}trace_id")
    for name, value in _object(d.get("expected_scores"), f"{lead}expected_scores").items():
        _number(value, f"{lead}expected_scores.{name}")
    if "samples" not in d:
        raise Bad(f"{lead}samples", "missing")
    samples = _list(d["samples"], f"{lead}samples", optional=False)
    return [_sample(s, f"{lead}samples[{k}]", plain) for k, s in enumerate(samples)]


def header(data: Mapping[str, Any]) -> None:
    """The fields of a record other than its items and its score table."""
    _text(data.get("experiment"), "experiment", optional=False)
    _text(data.get("run_id"), "run_id", optional=False)
    for key in ("config_digest", "started_at", "finished_at", "shard"):
        _text(data.get(key), key)
    for key in ("dataset", "git", "metadata"):
        _object(data.get(key), key)
    if "repeats" in data:
        _int(data["repeats"], "repeats", low=1)
    for name, definition in _object(data.get("score_defs"), "score_defs").items():
        field = f"score_defs.{name}"
        d = _object(definition, field, optional=False)
        if "pass_mark" in d:
            _number(d["pass_mark"], f"{field}.pass_mark")
        _scale(d.get("scale"), f"{field}.scale")
        _text(d.get("kind"), f"{field}.kind")
        _object(d.get("fingerprint"), f"{field}.fingerprint")
        if type(d.get("plain", False)) is not bool:
            raise Bad(f"{field}.plain", f"{_shown(d['plain'])} is not true or false")
    for k, found in enumerate(_list(data.get("run_scores"), "run_scores")):
        # A run score without a scale is a number in its own units.
        unscaled = isinstance(found, dict) and found.get("scale") is None
        score(found, f"run_scores[{k}]", frozenset([found.get("name")]) if unscaled else _NONE)
    for k, warning in enumerate(_list(data.get("warnings"), "warnings")):
        _text(warning, f"warnings[{k}]", optional=False)
    references = _object(data.get("metadata"), "metadata").get("reference_scores")
    for name, rows in _object(references, "metadata.reference_scores").items():
        for k, row in enumerate(_list(rows, f"metadata.reference_scores.{name}")):
            field = f"metadata.reference_scores.{name}[{k}]"
            _number(_object(row, field, optional=False).get("expected"), f"{field}.expected")
            if row.get("judged") is not None:
                _number(row["judged"], f"{field}.judged")


def table(data: Any, plain: frozenset[str] = _NONE) -> None:
    """The header's score table: ids, samples per item, a value column per score, errors.
    ``plain``: the scores in their own units (:func:`plain_names`), any number, not 0-1."""
    d = _object(data, "table", optional=False)
    ids = _list(d.get("ids"), "table.ids", optional=False)
    for k, item_id in enumerate(ids):
        _text(item_id, f"table.ids[{k}]", optional=False)
    samples = d.get("samples")
    if isinstance(samples, list):
        if len(samples) != len(ids):
            raise Bad("table.samples", f"{len(samples)} counts for {len(ids)} items")
        for k, count in enumerate(samples):
            _int(count, f"table.samples[{k}]")
        total = sum(samples)
    else:
        total = _int(samples, "table.samples") * len(ids)
    for name, column in _object(d.get("values"), "table.values", optional=False).items():
        field = f"table.values.{name}"
        values = _list(column, field, optional=False)
        if len(values) != total:
            raise Bad(field, f"{len(values)} values for {total} samples")
        in_units = name in plain
        if not all(v is None or (_is_number(v) and (in_units or 0 <= v <= 1)) for v in values):
            position = next(
                k
                for k, v in enumerate(values)
                if not (v is None or (_is_number(v) and (in_units or 0 <= v <= 1)))
            )
            where = f"{field}[{position}]{_of_item(ids, samples, position)}"
            score_value(values[position], where, plain=in_units)
    for k, position in enumerate(_list(d.get("errors"), "table.errors", optional=False)):
        if type(position) is not int or not 0 <= position < total:
            raise Bad(f"table.errors[{k}]", f"{_shown(position)} is not a sample position")
    usage = d.get("usage")
    if not (isinstance(usage, list) and len(usage) == 5 and all(_is_number(u) for u in usage)):
        raise Bad("table.usage", f"{_shown(usage)} is not the five usage numbers")
    if "metrics" in d:
        _metric_columns(d["metrics"], total)


def _metric_columns(data: Any, total: int) -> None:
    """The table's latency, tokens and cost per sample (record/scoretable.py)."""
    for name, column in _object(data, "table.metrics", optional=False).items():
        field = f"table.metrics.{name}"
        if name not in METRIC_COLUMNS:
            columns = ", ".join(METRIC_COLUMNS)
            raise Bad("table.metrics", f"{_shown(name)} is not a metric column ({columns})")
        values = _list(column, field, optional=False)
        if len(values) != total:
            raise Bad(field, f"{len(values)} values for {total} samples")
        known = [v for v in values if v is not None]
        # At a glance (the reader's hot path): numbers only, finite, none below 0.
        numbers = set(map(type, known)) <= {int, float} and 0 <= sum(known) < math.inf
        if numbers and (not known or min(known) >= 0):
            continue
        for k, value in enumerate(values):
            if not (value is None or (_is_number(value) and value >= 0)):
                raise Bad(f"{field}[{k}]", f"{_shown(value)} is not a number of 0 or more")


def _of_item(ids: Sequence[Any], samples: Any, position: int) -> str:
    """`` (item 'd')``: the item a flat sample position belongs to."""
    counts = samples if isinstance(samples, list) else [samples] * len(ids)
    for item_id, count in zip(ids, counts, strict=True):
        if position < count:
            return f" (item {item_id!r})"
        position -= count
    return ""


def agrees(
    samples: Sequence[Mapping[str, Any]], item_id: str, tab: ScoreTable, index: int, start: int
) -> None:
    """An item line's samples against the header's table at item position ``index``, whose
    first sample is at flat position ``start``."""
    if item_id != tab.ids[index]:
        raise Bad("id", f"{item_id!r} here, but the header's score table has {tab.ids[index]!r}")
    if len(samples) != tab.counts[index]:
        raise Bad(
            "samples",
            f"{len(samples)} here, but the header's score table counts {tab.counts[index]}",
        )
    values = tab.values
    for k, sample in enumerate(samples):
        scores = sample.get("scores") or ()
        found = {s["name"]: s["value"] for s in scores}
        position = start + k
        for name in found:
            if name not in values:
                raise Bad(f"samples[{k}]", f"score {name!r} is not in the header's score table")
        for name, column in values.items():
            here = found.get(name)
            if here != column[position]:
                raise Bad(
                    f"samples[{k}] score {name!r}",
                    f"{_shown(here)} here, but {_shown(column[position])} in the header's "
                    "score table",
                )
        failed = sample.get("error") is not None or any(x.get("error") is not None for x in scores)
        if failed != (position in tab.errors):
            state = "an error" if failed else "no error"
            raise Bad(
                f"samples[{k}]",
                f"{state} here, but the header's score table says the opposite",
            )


def whole(data: Mapping[str, Any]) -> None:
    """A record not in write_record's layout (hand-made, or older): every field, at once."""
    header(data)
    plain = plain_names(data.get("score_defs"))
    for index, found in enumerate(_list(data.get("items"), "items", optional=False)):
        item(found, f"items[{index}]", plain=plain)
