"""report/markdown.py: untrusted text cannot break tables, open HTML or mention anyone."""

from __future__ import annotations

import re
from dataclasses import replace

from testing.project import make_record

from scoregate.config.model import GateConfig, Thresholds
from scoregate.decide.compare import compare
from scoregate.decide.gate import decide, evaluate
from scoregate.report import markdown
from scoregate.values.model import ItemResult, RunRecord, Score, Verdict

HOSTILE = (
    "@octocat and @org/team | col | `code` ``` fence\n"
    "<script>alert(1)</script> </details> <details><summary>x</summary> <img src=x onerror=y>\n"
    "[link](https://evil.example) **bold** ~~gone~~ \\| already escaped\r\nlast line"
)
LONG = "word " * 4000
UNESCAPED_PIPE = re.compile(r"(?<!\\)(?:\\\\)*\|")
"""A pipe after an even number of backslashes: a column separator."""
MENTION = re.compile(r"(?<![\w`])@[A-Za-z0-9][A-Za-z0-9-]*")


def scaled(record: RunRecord) -> RunRecord:
    """The record's score on a 0-10 scale, as a judge or a user evaluator reports it."""
    items = []
    for result in record.items:
        samples = tuple(
            replace(
                s,
                scores=tuple(
                    Score(x.name, x.value, x.value * 10, (0.0, 10.0), x.comment)
                    if x.value is not None
                    else x
                    for x in s.scores
                ),
            )
            for s in result.samples
        )
        items.append(ItemResult(result.item, samples))
    return replace(record, items=tuple(items))


def hostile_verdict() -> Verdict:
    ids = ["plain", "pipe|id", "@someone", "`tick`"]
    baseline = scaled(make_record(dict.fromkeys(ids, 0.9), run_id="base"))
    candidate = scaled(
        make_record(
            {"plain": 0.82, "pipe|id": 0.1, "@someone": 0.2, "`tick`": [0.9, 0.1]},
            outputs={"plain": HOSTILE, "pipe|id": LONG, "@someone": HOSTILE, "`tick`": HOSTILE},
            comments={"pipe|id": HOSTILE, "@someone": "<b>bold</b> @reviewer"},
        )
    )
    candidate = replace(candidate, warnings=(f"a warning with {HOSTILE}",))
    gate = GateConfig(
        scores={"correct": Thresholds(min=0.95, max_regressed_items=0, pass_mark=0.85)},
    )
    comparison = compare(
        candidate, baseline, baseline_note=None, pass_marks={"correct": 0.85}, count_flaky=True
    )
    return decide(evaluate(comparison, gate), [comparison])


def table_blocks(text: str) -> list[list[str]]:
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def test_tables_keep_their_shape() -> None:
    text = markdown.render(hostile_verdict())
    blocks = table_blocks(text)
    assert len(blocks) >= 5  # the score table, one per regressed item, the flaky table
    for block in blocks:
        columns = len(UNESCAPED_PIPE.findall(block[0]))
        assert re.fullmatch(r"\|(?:-{3}:?\|)+", block[1]), block[1]
        for row in block:
            assert len(UNESCAPED_PIPE.findall(row)) == columns, row
            assert row.endswith("|"), row


def test_no_html_details_or_mentions_leak_from_data() -> None:
    text = markdown.render(hostile_verdict())
    assert "<script" not in text
    assert "<img" not in text
    assert "<b>bold" not in text
    assert text.count("<details>") == text.count("</details>") == 2
    assert [line for line in text.splitlines() if "</details>" in line] == ["</details>"] * 2
    assert [line for line in text.splitlines() if "<details>" in line] == [
        "<details><summary>4 regressed items (passed in the baseline, fail now)</summary>",
        "<details><summary>1 flaky item (pass/fail differs across repeats)</summary>",
    ]
    assert MENTION.findall(text) == []
    assert "&lt;/details&gt;" in text
    assert "@\u200boctocat" in text
    assert "[link](" not in text
    assert "\\[link\\](https:\u200d//evil.example)" in text  # a zero-width joiner: no autolink
    assert "\\`code\\`" in text


def test_newlines_become_breaks_and_long_text_is_shortened() -> None:
    text = markdown.render(hostile_verdict())
    assert "last line" in text
    assert all("\r" not in line for line in text.splitlines())
    candidate_rows = [row for row in text.splitlines() if row.startswith("| candidate output |")]
    assert len(candidate_rows) == 4
    assert all("fence<br>&lt;script&gt;" in row for row in candidate_rows if "fence" in row)
    long_row = next(row for row in candidate_rows if "word word" in row)
    assert len(long_row) < 400
    assert long_row.endswith("… |")


def test_scaled_scores_show_their_raw_value() -> None:
    text = markdown.render(hostile_verdict())
    assert "**`plain`** regressed on `correct` 0.90 (9/10) → 0.82 (8.2/10)" in text


def test_verdict_table_and_failing_checks() -> None:
    text = markdown.render(hostile_verdict())
    lines = text.splitlines()
    assert lines[0] == "## ❌ scoregate: failed — 2 of 3 checks failed, 1 passed"
    assert "| score | baseline | candidate | Δ [95% CI] p | pass rate | status |" in lines
    row = next(line for line in lines if line.startswith("| `correct` |"))
    assert row.startswith("| `correct` | 0.900 | 0.405 | -0.495 [")
    assert row.endswith("| 0.0% | ❌ min, max_regressed_items |")
    assert "- ❌ `correct` min: mean 0.405 is below the minimum 0.950" in lines


def test_a_long_report_is_shortened_but_tables_are_kept() -> None:
    many = {f"item-{n:03d}": 1.0 for n in range(200)}
    baseline = make_record(many, run_id="base")
    candidate = make_record(dict.fromkeys(many, 0.0), outputs=dict.fromkeys(many, LONG))
    comparison = compare(candidate, baseline)
    gate = GateConfig(scores={"correct": Thresholds(max_regressed_items=0)})
    verdict = decide(evaluate(comparison, gate), [comparison])
    text = markdown.render(verdict, budget=20_000)
    assert len(text) <= 20_000
    assert "| `correct` | 1.000 | 0.000 |" in text
    assert "_Item details were shortened to fit in a comment; the run record has them whole._" in (
        text
    )
    assert text.count("<details>") == text.count("</details>")


def test_every_check_that_did_not_pass_is_listed_with_its_reason() -> None:
    candidate = make_record({"a": 1.0, "b": 0.0})
    comparison = compare(candidate, None, baseline_note="no baseline at baselines/qa.json")
    gate = GateConfig(scores={"correct": Thresholds(min=0.9, max_drop=0.1)}, max_flaky_rate=0.2)
    verdict = decide(evaluate(comparison, gate), [comparison])
    lines = markdown.render(verdict).splitlines()
    start = lines.index("**Checks that need attention**")
    assert [line for line in lines[start:] if line.startswith("- ")] == [
        "- ❌ `correct` min: mean 0.500 is below the minimum 0.900",
        "- ⏭️ `correct` max_drop: skipped: no baseline at baselines/qa.json",
        "- ⏭️ max_flaky_rate: flakiness needs repeats of 2 or more",
    ]
