from __future__ import annotations

import re
from dataclasses import replace

from testing.project import make_record

from scoregate.config.model import GateConfig
from scoregate.decide.compare import compare
from scoregate.decide.gate import decide, evaluate
from scoregate.report import markdown
from scoregate.values.model import Sample, Score


def _report(record_values: dict[str, float | None], **kwargs: object) -> str:
    record = make_record(record_values, **kwargs)  # type: ignore[arg-type]
    comparison = compare(record, None, baseline_note="no baseline")
    return markdown.render(decide(evaluate(comparison, GateConfig()), [comparison]))


def test_task_and_evaluator_errors_are_listed_with_their_message() -> None:
    text = _report(
        {"a": 1.0, "b": None, "c": 1.0}, task_errors={"c": "TimeoutError: task timed out after 5s"}
    )
    assert (
        "<details><summary>2 errors (task or evaluator failures; they count against max_error_rate)</summary>"
        in text
    )
    assert "| `b` | 0 | `correct` | `evaluator 'correct' failed: ValueError: bad` |" in text
    assert "| `c` | 0 | task | `TimeoutError: task timed out after 5s` |" in text


def test_a_judge_error_shows_the_raw_reply_escaped() -> None:
    record = make_record({"a": 1.0})
    judged = Score(
        "helpful",
        None,
        raw="I think it is <b>great</b> | 9/10 @octocat",
        comment="I think it is <b>great</b> | 9/10 @octocat",
        error="helpful: the judge's reply is not a score: no JSON object or number found",
    )
    result = record.items[0]
    sample = Sample(0, "out", 0.1, None, (*result.samples[0].scores, judged))
    record = replace(record, items=(replace(result, samples=(sample,)),))
    comparison = compare(record, None)
    text = markdown.render(decide(evaluate(comparison, GateConfig()), [comparison]))
    row = next(line for line in text.splitlines() if line.startswith("| `a` | 0 | `helpful`"))
    assert "reply: I think it is &lt;b&gt;great&lt;/b&gt; \\| 9/10 @\u200boctocat" in row
    assert len(re.findall(r"(?<!\\)\|", row)) == 5  # four cells: the reply's pipe is escaped


def test_no_error_section_without_errors() -> None:
    assert "errors (task or evaluator" not in _report({"a": 1.0, "b": 0.0})


def test_a_too_small_dataset_is_noted_even_when_the_drop_check_passes() -> None:
    from scoregate.config.model import Thresholds

    baseline = make_record({f"i{k}": 1.0 if k % 2 else 0.0 for k in range(10)}, run_id="base")
    candidate = make_record({f"i{k}": 1.0 if k % 3 else 0.0 for k in range(10)})
    comparison = compare(candidate, baseline)
    gate = GateConfig(scores={"correct": Thresholds(max_drop=0.02)})
    checks = evaluate(comparison, gate)
    drop = next(c for c in checks if c.kind == "max_drop")
    assert drop.status == "pass"
    assert drop.note is not None
    assert drop.note.startswith("Too few items for this tolerance: the smallest drop this dataset")
    text = markdown.render(decide(checks, [comparison]))
    assert f"> ℹ️ `correct` max_drop: {drop.note}" in text
