"""Run records on disk: write (streamed, atomic), read, promote to baseline.

The file is one JSON object; ``items`` comes last and is written item by item, so a large
run is never held as one string.
"""

from __future__ import annotations

import codecs
import gc
import json
import os
import shutil
from array import array
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path
from typing import IO, Any, overload

from scoregate import record_check, scoretable, storable
from scoregate.errors import ConfigError
from scoregate.model import Item, ItemResult, RunRecord, Sample, Score, ScoreDef, Usage

SCHEMA_VERSION = 1


def shown(path: Path) -> str:
    """A path as the user would write it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{os.urandom(3).hex()}"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


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
    """A text file that appears at ``path`` only once completely written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    with atomic_writer(path) as handle:
        handle.write(text)


# One strict encoder for every line (no NaN tokens: JSON.parse reads the file); what it
# cannot hold is stored converted, never a crash after the run (storable.py).
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
    }


def score_dict(score: Score) -> dict[str, Any]:
    d: dict[str, Any] = {"name": score.name, "value": score.value}
    if score.raw != score.value:
        _put(d, "raw", score.raw)
    if score.scale:
        d["scale"] = list(score.scale)
    _put(d, "comment", score.comment)
    _put(d, "error", score.error)
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
    samples = []
    for s in result.samples:
        sample: dict[str, Any] = {
            "index": s.index,
            "output": s.output,
            "latency": round(s.latency, 6),
        }
        _put(sample, "error", s.error)
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
    return replace(record, items=LazyItems(path, starts, table, shown(path), _stamp(path)))


def _write(
    path: Path, record: RunRecord, table: scoretable.ScoreTable, extra: Mapping[str, Any] | None
) -> array[int]:
    """Write the record; return where each item line starts, then where the last one ends."""
    header = _dumps(header_dict(record, table, extra))[:-1] + ',"items":[\n'
    stored = record.items if isinstance(record.items, LazyItems) and record.items else None
    position = len(header.encode("utf-8"))
    starts = array("q", [position])
    with atomic_writer(path) as out:
        out.write(header)
        if stored is not None:  # the lines as stored: no parse, no encode
            for text in stored.text():
                out.write(text)
            out.write("]}\n")
            shift = position - stored.first_line_start
            starts = array("q", (start + shift for start in stored.starts))
        else:
            for index, result in enumerate(record.items):
                line = _dumps(item_dict(result))
                if index:
                    out.write(",\n")
                out.write(line)
                size = len(line) if line.isascii() else len(line.encode("utf-8"))
                starts.append(starts[-1] + size + 2)  # the line, its comma and newline
            out.write("\n]}\n")
            if len(starts) > 1:
                starts[-1] -= 1  # the last line has no comma
    if stored is not None and stored.path_is(path):
        stored.moved(path, starts)
    return starts


@contextmanager
def paused_gc() -> Iterator[None]:
    """Build many small acyclic objects without the cyclic collector rescanning them.

    Loading or comparing 100,000 items makes millions of tuples; with the collector running
    it costs about twice as long. Afterwards what was built is frozen out of later scans.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()


def read_record(path: Path) -> RunRecord:
    with paused_gc():
        return _read_record(path)


_ITEMS_OPEN = b',"items":['


def _read_record(path: Path) -> RunRecord:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{os.path.abspath(path)}: no such run record.") from None
    except OSError as exc:
        raise ConfigError(f"{path}: not a readable run record: {exc}") from None
    try:
        lazy = _lazy_record(raw, path)
        if lazy is not None:
            return lazy
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not a readable run record: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise _not_a_record(path, exc) from None
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


def _lazy_record(raw: bytes, path: Path) -> RunRecord | None:
    """A record in write_record's layout, its items parsed only when used; else None.

    The header and its score table are checked now, each item line when it is parsed."""
    first, _, rest = raw.partition(b"\n")
    if not first.endswith(_ITEMS_OPEN):
        return None
    header = json.loads(first[: -len(_ITEMS_OPEN)] + b"}")
    if not isinstance(header, dict) or "table" not in header:
        return None
    lines = rest.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    if not lines or lines[-1] != b"]}" or b"" in lines:
        return None  # not as write_record leaves it: read whole, every field checked
    lines.pop()
    # Where each item line starts (and the last ends): the lines themselves are not kept.
    starts = array("q", accumulate((len(line) + 1 for line in lines), initial=len(first) + 1))
    del lines
    where = shown(path)
    if header.get("schema_version") == SCHEMA_VERSION:
        try:
            record_check.header(header)
            record_check.table(header["table"])
        except record_check.Bad as exc:
            raise record_check.damaged(f"{where}:1", str(exc)) from None
    table = scoretable.from_json(header["table"])
    if len(starts) - 1 != len(table.ids):
        raise record_check.damaged(
            where,
            f"the header's score table lists {len(table.ids)} items but the file holds "
            f"{len(starts) - 1} item lines",
        )
    items = LazyItems(path, starts, table, where, _stamp(path))
    return record_from_dict(header | {"items": ()}, items=items)


def _stamp(path: Path) -> tuple[int, int]:
    """What tells a file changed since it was read: its size and modification time."""
    found = path.stat()
    return found.st_size, found.st_mtime_ns


class LazyItems(Sequence[ItemResult]):
    """The items of a stored record, each read from its line of the file when it is used and
    checked against the header's score table then (record_check.py).

    Only where each line starts is held, not the lines, nor the items once read: a report
    reads a few, and a run's items can hold long texts (whole error messages), so a run of
    many experiments holds one experiment's items at a time (``keep``).
    """

    def __init__(
        self,
        path: Path,
        starts: array[int],
        table: scoretable.ScoreTable,
        where: str,
        stamp: tuple[int, int],
    ) -> None:
        self.table = table
        self._path = path
        self._starts = starts
        """Byte offset of each item line in the file, then one past the last line's end."""
        self._where = where
        self._stamp = stamp
        self._first_samples: list[int] | None = None

    def lines(self, first: int = 0, stop: int | None = None) -> Iterator[bytes]:
        """The item lines ``first`` to ``stop`` as stored (no comma, no newline)."""
        stop = len(self) if stop is None else stop
        with self._open() as handle:
            starts = self._starts
            handle.seek(starts[first])
            for index in range(first, stop):
                line = handle.read(starts[index + 1] - starts[index])
                yield line.rstrip(b"\r\n").removesuffix(b",")

    @property
    def first_line_start(self) -> int:
        return self._starts[0]

    @property
    def starts(self) -> array[int]:
        return self._starts

    def path_is(self, path: Path) -> bool:
        return path.resolve() == self._path.resolve()

    def moved(self, path: Path, starts: array[int]) -> None:
        """The same lines now sit at ``starts`` in ``path`` (rewritten with another header)."""
        self._path = path
        self._starts = starts
        self._stamp = _stamp(path)

    def text(self) -> Iterator[str]:
        """Every item line as stored, with its comma and newline, in pieces of about 1 MB."""
        decoder = codecs.getincrementaldecoder("utf-8")()
        with self._open() as handle:
            handle.seek(self._starts[0])
            left = self._starts[-1] - self._starts[0]
            while left > 0:
                piece = handle.read(min(left, 1 << 20))
                if not piece:
                    raise self._changed()
                left -= len(piece)
                yield decoder.decode(piece)
        yield decoder.decode(b"", final=True)

    def _changed(self) -> ConfigError:
        return ConfigError(
            f"{self._where}: the run record changed while scoregate was reading it; run the "
            "command again."
        )

    @contextmanager
    def _open(self) -> Iterator[IO[bytes]]:
        try:
            with self._path.open("rb") as handle:
                found = os.fstat(handle.fileno())
                if (found.st_size, found.st_mtime_ns) != self._stamp:
                    raise self._changed()
                yield handle
        except OSError as exc:
            raise ConfigError(f"{self._where}: the run record cannot be read: {exc}") from None

    def _parse(self, index: int, line: bytes) -> ItemResult:
        """Item line ``index`` (line ``index + 2`` of the file), checked."""
        where = f"{self._where}:{index + 2}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            reason = exc.msg.removesuffix(" at")
            problem = f"the item line is not JSON (column {exc.colno}: {reason})"
            raise record_check.damaged(where, problem) from None
        except UnicodeDecodeError as exc:
            raise record_check.damaged(where, f"the item line is not UTF-8 text ({exc})") from None
        if self._first_samples is None:
            self._first_samples = list(accumulate(self.table.counts, initial=0))
        try:
            samples = record_check.item(data)
            record_check.agrees(samples, data["id"], self.table, index, self._first_samples[index])
        except record_check.Bad as exc:
            item_id = data.get("id") if isinstance(data, dict) else None
            lead = f"item {item_id!r}: " if isinstance(item_id, str) else ""
            raise record_check.damaged(where, f"{lead}{exc}") from None
        return _item(data)

    def __len__(self) -> int:
        return len(self._starts) - 1

    @overload
    def __getitem__(self, index: int) -> ItemResult: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[ItemResult]: ...

    def __getitem__(self, index: int | slice) -> ItemResult | Sequence[ItemResult]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        index = range(len(self))[index]
        (line,) = self.lines(index, index + 1)
        return self._parse(index, line)

    def __iter__(self) -> Iterator[ItemResult]:
        with paused_gc():
            for index, line in enumerate(self.lines()):
                yield self._parse(index, line)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]


def _usage(d: Mapping[str, Any] | None) -> Usage | None:
    if not d:
        return None
    return Usage(
        d["prompt_tokens"], d["completion_tokens"], d["cost"], d["calls"], d.get("cache_hits", 0)
    )


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
    )


def _item(i: Mapping[str, Any]) -> ItemResult:
    return ItemResult(
        Item(
            str(i["id"]),
            i.get("input"),
            i.get("expected_output"),
            i.get("metadata") or {},
            i.get("source", ""),
            i.get("trace_id"),
        ),
        tuple(
            Sample(
                s["index"],
                s.get("output"),
                s.get("latency", 0.0),
                s.get("error"),
                tuple(_score(x) for x in s.get("scores", ())),
                _usage(s.get("usage")),
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
            d.get("pass_mark", 0.5),
            _scale(d.get("scale")),
            d.get("kind", "python"),
            d.get("fingerprint"),
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
