from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from testing.agreement import assert_outputs_agree, wrote_reports

from scoregate.pipeline import shards
from scoregate.values.errors import ConfigError
from scoregate.values.model import Item, ItemResult, RunRecord, Sample, Score

ROOT = Path(__file__).resolve().parents[2]
SCOREGATE = Path(sys.executable).parent / "scoregate"


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7, 16])
@pytest.mark.parametrize("n_items", [1, 10, 1000])
def test_every_item_lands_in_exactly_one_shard(count: int, n_items: int) -> None:
    items = [Item(f"item-{i}", i) for i in range(n_items)]
    seen: list[str] = []
    for index in range(1, count + 1):
        chosen, positions = shards.select(items, index, count)
        assert [items[p] for p in positions] == list(chosen)
        seen += [item.id for item in chosen]
    assert sorted(seen) == sorted(item.id for item in items)
    assert len(seen) == len(set(seen))


def test_a_slice_does_not_change_when_items_are_added_elsewhere() -> None:
    before = [Item(f"q{i}", i) for i in range(200)]
    after = [*before[:50], *(Item(f"new{i}", i) for i in range(30)), *before[50:]]
    for index in range(1, 5):
        old = {i.id for i in shards.select(before, index, 4)[0]}
        new = {i.id for i in shards.select(after, index, 4)[0] if not i.id.startswith("new")}
        assert old == new


def test_slices_are_balanced_enough() -> None:
    items = [Item(f"item-{i}", i) for i in range(4000)]
    sizes = [len(shards.select(items, i, 4)[0]) for i in range(1, 5)]
    assert all(900 < size < 1100 for size in sizes), sizes


@pytest.mark.parametrize("text", ["0/4", "5/4", "x", "1/0", "1-4", "2/"])
def test_bad_shard_text_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"--shard {text}")):
        shards.parse(text)


def _record(shard: str | None, ids: list[str], **changes: object) -> RunRecord:
    results = tuple(
        ItemResult(Item(i, i), (Sample(0, i, 0.0, None, (Score("s", 1.0),)),)) for i in ids
    )
    base = RunRecord(
        experiment="qa",
        run_id=f"run-{shard}",
        items=results,
        config_digest="cfg",
        dataset={"kind": "file", "digest": "ds", "items": 4},
        git={"commit": "abc"},
        shard=shard,
        metadata={"positions": list(range(len(ids)))},
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_merge_rejects_mismatched_shards_naming_each_problem() -> None:
    good = _record("1/2", ["a", "b"])
    other_commit = _record("2/2", ["c"], git={"commit": "def"})
    with pytest.raises(ConfigError) as caught:
        shards.merge([("one.json", good), ("two.json", other_commit)])
    assert caught.value.problems == (
        "two.json: different commit (def) from one.json (abc); merge only the shards of one run.",
    )
    other_config = _record("2/2", ["c"], config_digest="zzz")
    with pytest.raises(ConfigError, match=r"two.json: different config \(zzz\)"):
        shards.merge([("one.json", good), ("two.json", other_config)])
    other_dataset = _record("2/2", ["c"], dataset={"digest": "other"})
    with pytest.raises(ConfigError, match=r"two.json: different dataset \(other\)"):
        shards.merge([("one.json", good), ("two.json", other_dataset)])


def test_merge_reports_missing_and_duplicated_slices() -> None:
    with pytest.raises(ConfigError) as caught:
        shards.merge([("a.json", _record("1/3", ["a"])), ("b.json", _record("1/3", ["b"]))])
    assert caught.value.problems == (
        "b.json: shard 1/3 is duplicated (also a.json).",
        "missing shards 2/3, 3/3 of qa.",
    )
    with pytest.raises(ConfigError, match=r"c.json: not a shard"):
        shards.merge([("c.json", _record(None, ["a"]))])


def test_merge_orders_items_by_their_dataset_position() -> None:
    one = _record("1/2", ["b", "d"], metadata={"positions": [1, 3]})
    two = _record("2/2", ["a", "c"], metadata={"positions": [0, 2]})
    merged = shards.merge([("1", one), ("2", two)])
    assert [r.item.id for r in merged.items] == ["a", "b", "c", "d"]
    assert merged.shard is None
    assert "positions" not in merged.metadata
    assert merged.metadata["merged_from"] == ["run-1/2", "run-2/2"]


def test_merge_matches_datasets_by_content_so_old_absolute_paths_join_new_relative_ones() -> None:
    # Records before scoregate wrote dataset paths relative to the config's folder kept the
    # machine's absolute path; shards are one dataset when their items are (the digest).
    old = _record(
        "1/2", ["a", "b"], dataset={"kind": "file", "path": "/ci/repo/data.jsonl", "digest": "ds"}
    )
    new = _record(
        "2/2",
        ["c"],
        dataset={"kind": "file", "path": "data.jsonl", "digest": "ds"},
        metadata={"positions": [2]},
    )
    merged = shards.merge([("old.json", old), ("new.json", new)])
    assert [r.item.id for r in merged.items] == ["a", "b", "c"]
    assert merged.dataset["path"] == "data.jsonl"
    other = _record("2/2", ["c"], dataset={"kind": "file", "path": "data.jsonl", "digest": "ds2"})
    with pytest.raises(ConfigError) as caught:
        shards.merge([("old.json", old), ("new.json", other)])
    assert caught.value.problems == (
        "new.json: different dataset (ds2) from old.json (ds); merge only the shards of one run.",
    )


def _cli(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(SCOREGATE), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if wrote_reports(done.stdout):
        assert_outputs_agree(done.stdout, cwd=cwd, exit_code=done.returncode)
    return done


def _stable(text: str) -> str:
    """Reports without what differs between two runs by design: run ids, timestamps and the
    task's wall time (latency)."""
    text = re.sub(r"\d{8}T\d{6}Z-[0-9a-f]{6}", "RUN", text)
    text = re.sub(r"\| latency \|[^\n]*", "| latency |", text)
    text = re.sub(r'(name="metric\.latency[.a-z]*" value=")[^"]*"', r'\1"', text)
    return re.sub(r'(timestamp|time)="[^"]*"', "", text)


def test_merged_run_gives_the_same_verdict_and_reports_as_the_unsharded_run(tmp_path: Path) -> None:
    config = ROOT / "examples/regression/experiments.yaml"
    whole = _cli("run", "-c", config, "--output-dir", tmp_path / "whole")
    assert whole.returncode == 1, whole.stderr
    for index in (1, 2, 3):
        part = _cli(
            "run", "-c", config, "--shard", f"{index}/3", "--output-dir", tmp_path / "parts"
        )
        assert part.returncode == 0, part.stderr
        assert f"Shard {index}/3 of qa" in part.stdout
    records = sorted((tmp_path / "parts/runs/qa").glob("*.json"))
    assert len(records) == 3
    assert sum(len(json.loads(r.read_text())["items"]) for r in records) == 24
    merged = _cli("merge", *records, "-c", config, "--output-dir", tmp_path / "merged")
    assert merged.returncode == 1, merged.stderr
    for report in ("report.md", "junit.xml"):
        a = (tmp_path / "whole" / report).read_text()
        b = (tmp_path / "merged" / report).read_text()
        assert _stable(a) == _stable(b)
    assert "FAILED" in merged.stdout


def test_merge_of_an_incomplete_set_exits_2_naming_the_missing_shard(tmp_path: Path) -> None:
    for index in (1, 3):
        assert _cli("run", "--shard", f"{index}/3", "--output-dir", tmp_path).returncode == 0
    records = sorted((tmp_path / "runs/qa").glob("*.json"))
    done = _cli("merge", *records, "--output-dir", tmp_path / "m")
    assert done.returncode == 2
    assert done.stderr.strip() == "error: missing shard 2/3 of qa."
    assert not (tmp_path / "m").exists()
