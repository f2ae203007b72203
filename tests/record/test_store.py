"""store.py: run records written atomically with their schema version, read back, promoted."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace
from pathlib import Path

import numpy
import pytest
from testing.project import make_record

from scoregate.record import scoretable, store
from scoregate.values.errors import ConfigError
from scoregate.values.model import Item, ItemResult, RunRecord, Sample, Score, ScoreDef, Usage


def full_record() -> RunRecord:
    scored = Sample(
        0,
        {"answer": "Paris", "tags": ["geo"]},
        0.25,
        None,
        (
            Score("correct", 1.0, raw=1.0),
            Score("judge", 0.82, raw=8.2, scale=(0.0, 10.0), comment="close enough"),
            Score("broken", None, error="evaluator 'broken' failed: ValueError: x"),
        ),
        Usage(10, 5, 0.001, 1, 0),
    )
    failed = Sample(1, None, 0.5, "RuntimeError: model refused")
    return RunRecord(
        experiment="qa",
        run_id="20260101T000000Z-abc123",
        items=(
            ItemResult(
                Item(
                    "france", {"question": "capital of France?"}, "Paris", {"topic": "geo"}, "d:1"
                ),
                (scored, failed),
            ),
            ItemResult(Item("empty", "", None), (Sample(0, "", 0.125, None, ()),)),
        ),
        score_defs={
            "correct": ScoreDef("correct", 0.5, None, "exact"),
            "judge": ScoreDef("judge", 0.7, (0.0, 10.0), "judge", {"model": "m", "prompt": "p"}),
        },
        config_digest="0123456789abcdef",
        dataset={"kind": "file", "path": "data.jsonl", "items": 2},
        git={"commit": "abc", "branch": "main"},
        started_at="2026-01-01T00:00:00Z",
        finished_at="2026-01-01T00:00:09Z",
        repeats=2,
        warnings=("something to note",),
        metadata={"scoregate_version": "0.1.0", "partial": False},
    )


def test_a_record_is_read_back_as_written(tmp_path: Path) -> None:
    record = full_record()
    path = store.write_record(store.record_path(tmp_path, record), record)
    assert path == tmp_path / "runs" / "qa" / "20260101T000000Z-abc123.json"
    assert store.read_record(path) == record


def test_the_file_is_one_json_object_with_schema_version_and_extra_sections(
    tmp_path: Path,
) -> None:
    record = full_record()
    path = store.write_record(tmp_path / "r.json", record, {"gate": {"passed": True}})
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["schema_version"] == store.SCHEMA_VERSION == 1
    assert data["gate"] == {"passed": True}
    assert list(data)[-1] == "items"
    assert data["usage"] == {
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "cost": 0.001,
        "calls": 1,
        "cache_hits": 0,
    }
    judge = data["items"][0]["samples"][0]["scores"][1]
    assert judge == {
        "name": "judge",
        "value": 0.82,
        "raw": 8.2,
        "scale": [0.0, 10.0],
        "comment": "close enough",
    }
    assert data["items"][0]["samples"][1] == {
        "index": 1,
        "output": None,
        "latency": 0.5,
        "error": "RuntimeError: model refused",
        "error_kind": "app",
        "scores": [],
    }


def test_writing_is_atomic(tmp_path: Path) -> None:
    path = tmp_path / "runs" / "record.json"
    store.write_text(path, "the old complete file\n")
    with pytest.raises(RuntimeError), store.atomic_writer(path) as handle:
        handle.write('{"schema_version": 1, "items": [')
        raise RuntimeError("killed half way")
    assert path.read_text(encoding="utf-8") == "the old complete file\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["record.json"]


def test_a_written_file_has_the_usual_permissions(tmp_path: Path) -> None:
    """Readable like any file the user writes (a temp file would be private: 0600)."""
    path = tmp_path / "report.md"
    previous = os.umask(0o022)
    try:
        store.write_text(path, "report\n")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


class _FailsOnSecondPass(tuple[ItemResult, ...]):
    """Items that can be counted and tabled, then fail while the file is being written."""

    passes = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        type(self).passes += 1
        if type(self).passes > 1:
            raise RuntimeError("the disk went away")
        return super().__iter__()


def test_a_record_that_fails_while_written_leaves_no_file(tmp_path: Path) -> None:
    record = make_record({"a": 1.0, "b": 0.0})
    bad = replace(record, items=_FailsOnSecondPass(record.items))
    path = tmp_path / "r.json"
    with pytest.raises(RuntimeError):
        store.write_record(path, bad)
    assert list(tmp_path.iterdir()) == []


def test_what_slips_past_the_checks_is_stored_converted_never_a_crash(tmp_path: Path) -> None:
    """Outputs are checked as the engine collects them (test_storable.py); one made to fail
    after that (its repr() raises, it refers to itself, a NaN) is stored converted."""

    class Exploding:
        def __repr__(self) -> str:
            raise RuntimeError("cannot show myself")

    circular: dict[str, object] = {}
    circular["me"] = circular
    record = make_record({"a": 1.0, "b": 0.0, "c": 1.0})
    outputs = (Exploding(), circular, [float("nan"), float("-inf")])
    items = [
        ItemResult(r.item, (replace(r.samples[0], output=o),))
        for r, o in zip(record.items, outputs, strict=True)
    ]
    items[2] = replace(items[2], item=replace(items[2].item, expected_output=numpy.array([1, 2])))
    bad = replace(record, items=tuple(items))
    path = store.write_record(tmp_path / "r.json", bad)

    def refuse(token: str) -> None:
        raise AssertionError(f"bare {token}")

    lines = path.read_text(encoding="utf-8").splitlines()
    items = [json.loads(line.rstrip(","), parse_constant=refuse) for line in lines[1:-1]]
    assert [i["samples"][0]["output"] for i in items] == [
        "<Exploding object: repr() failed>",
        {"me": "<circular reference>"},
        ["NaN", "-Infinity"],
    ]
    assert items[2]["expected_output"] == "array([1, 2])"


def test_unreadable_records_are_config_errors(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    with pytest.raises(ConfigError) as caught:
        store.read_record(missing)
    assert caught.value.problems == (f"{missing}: no such run record.",)

    broken = tmp_path / "broken.json"
    broken.write_text('{"schema_version": 1,', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        store.read_record(broken)
    assert caught.value.problems == (
        f"{broken}: not a readable run record: Expecting property name enclosed in double "
        "quotes: line 1 column 22 (char 21)",
    )

    future = tmp_path / "future.json"
    future.write_text('{"schema_version": 2, "items": []}', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        store.read_record(future)
    assert caught.value.problems == (
        f"{future}: not a scoregate run record (schema_version 1): missing or wrong field "
        "'schema_version' is 2.",
    )


def test_promote_copies_a_readable_record_to_the_baseline(tmp_path: Path) -> None:
    record = make_record({"a": 1.0, "b": 0.0})
    source = store.write_record(tmp_path / "runs" / "r.json", record)
    baseline = tmp_path / "baselines" / "qa.json"
    assert store.promote(source, baseline) == baseline
    assert baseline.read_bytes() == source.read_bytes()
    assert store.read_record(baseline) == record

    junk = tmp_path / "junk.json"
    junk.write_text("[]", encoding="utf-8")
    other = tmp_path / "baselines" / "other.json"
    with pytest.raises(ConfigError) as caught:
        store.promote(junk, other)
    assert caught.value.problems == (
        f"{junk}: not a scoregate run record: it does not hold a JSON object.",
    )
    assert not other.exists()


def test_run_ids_sort_by_time_and_are_unique() -> None:
    ids = {store.new_run_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(len(i) == len("20260101T000000Z-abc123") and i[8] == "T" for i in ids)


def test_error_kinds_are_kept_and_older_records_read_as_app(tmp_path: Path) -> None:
    item = Item("a", 1)
    samples = (
        Sample(0, None, 0.1, "ProviderError: model m: cannot connect", error_kind="infra"),
        Sample(1, "x", 0.1, None, (Score("j", None, error="judge 'j': down", error_kind="infra"),)),
        Sample(2, None, 0.1, "RuntimeError: boom"),
    )
    record = RunRecord("qa", "r1", (ItemResult(item, samples),))
    path = store.write_record(tmp_path / "r.json", record)
    back = store.read_record(path)
    (result,) = back.items
    assert [s.error_kind for s in result.samples] == ["infra", "app", "app"]
    assert result.samples[1].scores[0].error_kind == "infra"
    table = scoretable.of(back)
    assert (table.infra, dict(table.lost)) == (frozenset({0}), {"j": frozenset({1})})
    # A record written before error kinds: every error is the app's.
    text = path.read_text(encoding="utf-8").replace(',"error_kind":"infra"', "")
    header, rest = text.split("\n", 1)
    data = json.loads(header[: -len(',"items":[')] + "}")
    del data["table"]["infra"], data["table"]["lost"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data)[:-1] + ',"items":[\n' + rest, encoding="utf-8")
    (result,) = store.read_record(old).items
    assert [s.error_kind for s in result.samples] == ["app", "app", "app"]
    assert scoretable.of(store.read_record(old)).infra == frozenset()
