"""``scoregate show``: a stored run's items, lowest first, with comments and errors."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from testing.project import make_record, run_cli

from scoregate.record import store
from scoregate.report import show
from scoregate.values.model import ItemResult, RunRecord, Score

VALUES = {
    "good": 1.0,
    "low": 0.2,
    "mid": 0.6,
    "broken": None,
    "crashed": 1.0,
    "wobbly": [1.0, 0.3],
}


def stored_run() -> RunRecord:
    return make_record(
        VALUES,
        comments={"low": "the judge says: wrong city", "mid": "partly right"},
        task_errors={"crashed": "RuntimeError: boom"},
    )


@pytest.fixture
def record_file(tmp_path: Path) -> Path:
    return store.write_record(tmp_path / "run.json", stored_run())


def shown_ids(text: str) -> list[str]:
    return re.findall(r"^● (\S+)  input:", text, flags=re.MULTILINE)


def test_lowest_first_with_comments_and_errors(record_file: Path) -> None:
    code, out, err = run_cli("show", record_file, cwd=record_file.parent)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == (
        "qa run 20260101T000000Z-cand01: 6 items, showing 6 of 6 (lowest correct first)"
    )
    # Errors first, then by the item's mean: low 0.2, mid 0.6, wobbly 0.65, good 1.0.
    assert shown_ids(out) == ["broken", "crashed", "low", "mid", "wobbly", "good"]
    assert "    correct = 0.20  — the judge says: wrong city" in lines
    assert "    correct = 0.60  — partly right" in lines
    assert "    correct = error  error: evaluator 'correct' failed: ValueError: bad" in lines
    assert "  error: RuntimeError: boom" in lines
    assert "  [1]   correct = 0.30" in lines


def test_failures_and_below(record_file: Path) -> None:
    code, out, err = run_cli("show", record_file, "--failures", cwd=record_file.parent)
    assert (code, err) == (0, "")
    assert out.splitlines()[0].endswith("showing 4 of 4 (lowest correct first)")
    assert shown_ids(out) == ["broken", "crashed", "low", "wobbly"]

    code, out, err = run_cli(
        "show", record_file, "--score", "correct", "--below", "0.7", "--limit", "3",
        cwd=record_file.parent,
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out.splitlines()[0].endswith("showing 3 of 5 (lowest correct first)")
    assert shown_ids(out) == ["broken", "crashed", "low"]


def test_an_unknown_score_is_a_usage_error(record_file: Path) -> None:
    code, out, err = run_cli("show", record_file, "--score", "corect", cwd=record_file.parent)
    assert (code, out) == (2, "")
    assert err == (
        "error: run 20260101T000000Z-cand01 has no score 'corect'; its scores are: correct.\n"
    )


def with_judge(record: RunRecord) -> RunRecord:
    """Adds a 0-10 judge score: 8.2 for every item but ``low``, which gets 1."""
    items = []
    for result in record.items:
        raw = 1.0 if result.item.id == "low" else 8.2
        judge = Score("judge", raw / 10, raw=raw, scale=(0.0, 10.0), comment="reasoning")
        samples = tuple(
            replace(s, scores=(*s.scores, judge)) if s.error is None else s for s in result.samples
        )
        items.append(ItemResult(result.item, samples))
    return replace(record, items=tuple(items))


def test_a_named_score_sorts_and_shows_its_raw_value() -> None:
    text = show.render(
        with_judge(stored_run()), failures=False, score="judge", below=None, limit=50
    )
    assert text.splitlines()[0].endswith("showing 6 of 6 (lowest judge first)")
    assert shown_ids(text)[:2] == ["crashed", "low"]
    assert "    judge = 0.82 (8.2/10)  — reasoning" in text.splitlines()
    assert "    judge = 0.10 (1/10)  — reasoning" in text.splitlines()
    assert "correct =" not in text
    both = show.render(with_judge(stored_run()), failures=False, score=None, below=None, limit=1)
    assert both.splitlines()[0] == (
        "qa run 20260101T000000Z-cand01: 6 items, showing 1 of 6 (lowest correct/judge first)"
    )
