"""Run records on disk: write (streamed, atomic), read, promote to baseline.

The file is one JSON object; ``items`` comes last and is written item by item, so a large
run is never held as one string.
"""

from __future__ import annotations

import json
import os
import shutil
from array import array
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from itertools import accumulate, islice
from pathlib import Path
from typing import IO, Any

from scoregate.record import linestarts, record_check, scoretable
from scoregate.record.gcpause import paused_gc as paused_gc  # noqa: PLC0414 (store.paused_gc)
from scoregate.record.itemlines import LazyItems
from scoregate.record.joined import JoinedItems
from scoregate.record.pathnames import shown as shown  # noqa: PLC0414 (store.shown)
from scoregate.values import scrub, storable
from scoregate.values.errors import ConfigError
from scoregate.values.model import (
    ErrorKind,
    Item,
    ItemResult,
    RunRecord,
    Sample,
    Score,
    ScoreDef,
    Usage,
)

SCHEMA_VERSION = 1


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{os.urandom(3).hex()}"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def record_path(output_dir: Path, record: RunRecord) -> Path:
    return output_dir / "runs" / record.experiment / f"{record.run_id}.json"


def looks_like_file(text: str) -> bool:
    """A command-line run that names a file (it exists, has a folder or ends in .json), not an id."""
    return "/" in text or os.sep in text or text.endswith(".json") or Path(text).exists()


def find_run(run_id: str, output_dir: Path) -> Path:
    """The run record ``OUTPUT_DIR/runs/<experiment>/<run id>.json`` of a run id as
    ``scoregate run`` prints it, or of the start of one that no other run shares."""
    runs = output_dir / "runs"
    found = sorted(runs.glob(f"*/{_glob_escape(run_id)}*.json"))
    exact = [p for p in found if p.stem == run_id]
    if len(exact) == 1 or len(found) == 1:
        return (exact or found)[0]
    where = os.path.abspath(runs)
    if not found:
        raise ConfigError(
            f"{run_id}: no such run record file, and no run record {where}/<experiment>/"
            f"{run_id}*.json; give a run record file, or a run id as 'scoregate run' prints it "
            "(runs written elsewhere: pass that folder with --output-dir)."
        )
    listed = ", ".join(f"{p.stem} ({p.parent.name})" for p in found)
    raise ConfigError(
        f"{run_id}: {len(found)} runs in {where} have an id starting with '{run_id}': {listed}; "
        "give the whole run id."
    )


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


@contextmanager
def atomic_writer(path: Path) -> Iterator[IO[str]]:
    """A text file that appears at ``path`` only once completely written; a symlink, a
    device or a FIFO is written through instead (writefile.py)."""
    from scoregate.record.writefile import writer

    with writer(path) as handle:
        yield handle


def write_text(path: Path, text: str) -> None:
    """Write ``text`` atomically, without the process's secrets (:mod:`scoregate.values.scrub`)."""
    with atomic_writer(path) as handle:
        handle.write(scrub.text(text))


# One strict encoder for every line (no NaN tokens: JSON.parse reads the file); what it
# cannot hold is stored converted, never a crash after the run (values/storable.py).
_dumps = storable.dumps


def _put(d: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` unless the value is None or an empty tuple or dict: a record leaves such
    fields out. (No ``==`` on the value: a numpy array in a script's item answers an array.)"""
    if value is not None and not (isinstance(value, (tuple, dict)) and not value):
        d[key] = value


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in d.items():
        _put(out, key, value)
    return out


def usage_dict(usage: Usage | None) -> dict[str, Any] | None:
    if usage is None:
        return None
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "cost": round(usage.cost, 8),
        "calls": usage.calls,
        "cache_hits": usage.cache_hits,
    } | ({"unpriced": usage.unpriced} if usage.unpriced else {})


def score_dict(score: Score) -> dict[str, Any]:
    d: dict[str, Any] = {"name": score.name, "value": score.value}
    if score.raw != score.value:
        _put(d, "raw", score.raw)
    if score.scale:
        d["scale"] = list(score.scale)
    _put(d, "comment", score.comment)
    _put(d, "error", score.error)
    if score.error is not None:
        d["error_kind"] = score.error_kind
    _put(d, "usage", usage_dict(score.usage))
    return d


def item_dict(result: ItemResult) -> dict[str, Any]:
    """One line of the run record (built field by field: it runs once per item)."""
    item = result.item
    d: dict[str, Any] = {"id": item.id, "input": item.input}
    _put(d, "expected_output", item.expected_output)
    _put(d, "metadata", dict(item.metadata))
    _put(d, "source", item.source or None)
    _put(d, "trace_id", item.trace_id)
    _put(d, "expected_scores", dict(item.expected_scores))
    samples = []
    for s in result.samples:
        sample: dict[str, Any] = {
            "index": s.index,
            "output": s.output,
            "latency": round(s.latency, 6),
        }
        _put(sample, "error", s.error)
        if s.error is not None:
            sample["error_kind"] = s.error_kind
        _put(sample, "usage", usage_dict(s.usage))
        _put(sample, "scores", [score_dict(x) for x in s.scores])
        samples.append(sample)
    _put(d, "samples", samples)
    return d


def header_dict(
    record: RunRecord, table: scoretable.ScoreTable, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Everything but the items; the usage comes from the score table, already summed."""
    return {
        "schema_version": SCHEMA_VERSION,
        "experiment": record.experiment,
        "run_id": record.run_id,
        "config_digest": record.config_digest,
        "dataset": dict(record.dataset),
        "git": dict(record.git),
        "started_at": record.started_at,
        "finished_at": record.finished_at,
        "repeats": record.repeats,
        "shard": record.shard,
        "score_defs": {
            name: _clean(
                {
                    "pass_mark": d.pass_mark,
                    "scale": list(d.scale) if d.scale else None,
                    "kind": d.kind,
                    "fingerprint": dict(d.fingerprint) if d.fingerprint else None,
                    "plain": d.plain or None,
                }
            )
            for name, d in record.score_defs.items()
        },
        "run_scores": [score_dict(s) for s in record.run_scores],
        "warnings": list(record.warnings),
        "usage": usage_dict(table.usage),
        "metadata": dict(record.metadata),
        **(extra or {}),
        "table": scoretable.to_json(table),
    }


def write_record(path: Path, record: RunRecord, extra: Mapping[str, Any] | None = None) -> Path:
    """Write ``record`` atomically; ``extra`` adds top-level sections (the gate's findings).

    Layout: the header (everything but the items, with the score table) on the first line,
    then one item per line, so a reader can take the header alone and the items it needs.
    Each line is scrubbed of the process's secrets (the scrubber leaves JSON valid).
    """
    _write(path, record, scoretable.of(record), extra)
    return path


def keep(path: Path, record: RunRecord) -> RunRecord:
    """Write a finished run's record now, and hold its items on disk from then on: a run of
    many experiments holds the items of one at a time, however long their texts."""
    table = scoretable.of(record)
    starts = _write(path, record, table, None)
    if not record.items:
        return record
    plain = frozenset(name for name, d in record.score_defs.items() if d.plain)
    return replace(record, items=LazyItems(path, starts, table, _item, plain))


def _write(
    path: Path, record: RunRecord, table: scoretable.ScoreTable, extra: Mapping[str, Any] | None
) -> array[int]:
    """Write the record; return where each item line starts, then where the last one ends.

    Every line is scrubbed of the process's secrets (the scrubber leaves JSON valid). Items
    read from a file are copied as their lines (no parse, no encode), scrubbed again: the
    secrets may have changed since they were written (a task module that loads a .env)."""
    scrubber = scrub.current()
    header = scrubber.text(_dumps(header_dict(record, table, extra)))[:-1] + ',"items":[\n'
    found_items = record.items
    stored = (
        found_items if isinstance(found_items, (LazyItems, JoinedItems)) and found_items else None
    )
    chunks = (
        stored.text_chunks()
        if stored is not None
        else ([_dumps(item_dict(result))] for result in record.items)
    )
    starts = array("q", [len(header.encode("utf-8"))])
    with atomic_writer(path) as out:
        out.write(header)
        for chunk in chunks:
            text = ",\n".join(chunk)
            clean = scrubber.text(text)
            if clean != text:  # a secret in these lines: scrubbed one by one, to know their sizes
                chunk = [scrubber.text(line) for line in chunk]  # noqa: PLW2901
                clean = ",\n".join(chunk)
            if len(starts) > 1:
                out.write(",\n")
            out.write(clean)
            sizes = map(len, chunk) if clean.isascii() else (len(x.encode("utf-8")) for x in chunk)
            # Where each line ends: after it, its comma and its newline.
            starts.extend(islice(accumulate(map((2).__add__, sizes), initial=starts[-1]), 1, None))
        out.write("\n]}\n")
        if len(starts) > 1:
            starts[-1] -= 1  # the last line has no comma
    if stored is not None and stored.path_is(path):
        stored.moved(path, starts)
    return starts


def read_record(path: Path) -> RunRecord:
    with paused_gc():
        return _read_record(path)


_ITEMS_OPEN = b',"items":['


def _read_record(path: Path) -> RunRecord:
    try:
        with path.open("rb") as handle:
            try:
                lazy = _lazy_record(handle, path)
                if lazy is not None:
                    return lazy
                handle.seek(0)
                data = json.loads(handle.read())
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise ConfigError(f"{path}: not a readable run record: {exc}") from None
            except (KeyError, TypeError, ValueError) as exc:
                raise _not_a_record(path, exc) from None
    except FileNotFoundError:
        raise ConfigError(f"{os.path.abspath(path)}: no such run record.") from None
    except OSError as exc:
        raise ConfigError(f"{path}: not a readable run record: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: not a scoregate run record: it does not hold a JSON object.")
    try:
        if data.get("schema_version") == SCHEMA_VERSION:  # else record_from_dict says which
            record_check.whole(data)
        return record_from_dict(data)
    except record_check.Bad as exc:
        raise record_check.damaged(shown(path), str(exc)) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise _not_a_record(path, exc) from None


def _not_a_record(path: Path, exc: Exception) -> ConfigError:
    return ConfigError(
        f"{path}: not a scoregate run record (schema_version {SCHEMA_VERSION}): missing or "
        f"wrong field {exc}."
    )


def _lazy_record(handle: IO[bytes], path: Path) -> RunRecord | None:
    """A record in write_record's layout, its items parsed only when used; else None.

    The header and its score table are read and checked now, each item line when it is
    parsed; the rest of the file is only scanned for where its lines start (linestarts.py)."""
    found = linestarts.header_and_starts(handle, _ITEMS_OPEN)
    if found is None:
        return None  # not as write_record leaves it: read whole, every field checked
    header, starts = found
    where = shown(path)
    plain = record_check.plain_names(header.get("score_defs"))
    if header.get("schema_version") == SCHEMA_VERSION:
        try:
            record_check.header(header)
            record_check.table(header["table"], plain)
        except record_check.Bad as exc:
            raise record_check.damaged(f"{where}:1", str(exc)) from None
    table = scoretable.from_json(header["table"])
    if len(starts) - 1 != len(table.ids):
        raise record_check.damaged(
            where,
            f"the header's score table lists {len(table.ids)} items but the file holds "
            f"{len(starts) - 1} item lines",
        )
    items = LazyItems(path, starts, table, _item, plain)
    return record_from_dict(header | {"items": ()}, items=items)


def _usage(d: Mapping[str, Any] | None) -> Usage | None:
    if not d:
        return None
    keys = ("prompt_tokens", "completion_tokens", "cost", "calls", "cache_hits", "unpriced")
    return Usage(*(d.get(key, 0) for key in keys))


def _scale(value: Any) -> tuple[float, float] | None:
    return (float(value[0]), float(value[1])) if value else None


def _score(d: Mapping[str, Any]) -> Score:
    value = d["value"]
    if len(d) == 2:  # the common case, name and value only: skip the lookups
        return Score(d["name"], value, value)
    return Score(
        d["name"],
        value,
        d.get("raw", value),
        _scale(d.get("scale")),
        d.get("comment"),
        d.get("error"),
        _usage(d.get("usage")),
        _error_kind(d),
    )


def _error_kind(d: Mapping[str, Any]) -> ErrorKind:
    """A sample's or a score's error kind; records written before there were kinds: app."""
    return "infra" if d.get("error_kind") == "infra" else "app"


def _item(i: Mapping[str, Any]) -> ItemResult:
    return ItemResult(
        Item(
            str(i["id"]),
            i.get("input"),
            i.get("expected_output"),
            i.get("metadata") or {},
            i.get("source", ""),
            i.get("trace_id"),
            i.get("expected_scores") or {},
        ),
        tuple(
            Sample(
                s["index"],
                s.get("output"),
                s.get("latency", 0.0),
                s.get("error"),
                tuple(_score(x) for x in s.get("scores", ())),
                _usage(s.get("usage")),
                _error_kind(s),
            )
            for s in i["samples"]
        ),
    )


def record_from_dict(
    data: Mapping[str, Any], *, items: Sequence[ItemResult] | None = None
) -> RunRecord:
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ValueError(f"'schema_version' is {version!r}")
    if items is None:
        items = tuple(_item(i) for i in data["items"])
    defs = {
        name: ScoreDef(
            name,
            # A plain score without a pass mark has none; records before plain scores had 0.5.
            d.get("pass_mark", None if d.get("plain") else 0.5),
            _scale(d.get("scale")),
            d.get("kind", "python"),
            d.get("fingerprint"),
            bool(d.get("plain", False)),
        )
        for name, d in data.get("score_defs", {}).items()
    }
    return RunRecord(
        experiment=data["experiment"],
        run_id=data["run_id"],
        items=items,
        score_defs=defs,
        config_digest=data.get("config_digest", ""),
        dataset=data.get("dataset", {}),
        git=data.get("git", {}),
        started_at=data.get("started_at", ""),
        finished_at=data.get("finished_at", ""),
        repeats=data.get("repeats", 1),
        shard=data.get("shard"),
        run_scores=tuple(_score(s) for s in data.get("run_scores", ())),
        warnings=tuple(data.get("warnings", ())),
        metadata=data.get("metadata", {}),
    )


def promote(record_file: Path, baseline: Path) -> Path:
    """Copy a run record to the baseline path, atomically, after checking it reads: its
    header and every item line (a baseline's lines are read when a report shows them)."""
    for _ in read_record(record_file).items:
        pass
    with atomic_writer(baseline) as out, record_file.open(encoding="utf-8") as src:
        shutil.copyfileobj(src, out)
    return baseline
