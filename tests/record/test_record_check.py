"""record_check.py: a damaged baseline is exit 2 naming the file, line and field, through the
real CLI (``compare`` and ``run --baseline``), never a crash and never a silent pass."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from testing.project import Project

FIX = "this run record was damaged or edited: restore it, or record a new one."
HEADER, LINE_D = 0, 4
"""Positions in the file's lines: the header, then items a-e (line 5 holds item 'd')."""


@dataclass
class Recorded:
    project: Project
    candidate: Path
    """A run where item 'd' fails (it passed in the baseline): reports show it."""
    baseline: Path

    def damage(self, edit: Callable[[list[str]], None]) -> None:
        lines = self.baseline.read_text(encoding="utf-8").split("\n")
        edit(lines)
        self.baseline.write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture
def recorded(project: Project) -> Recorded:
    assert project.run_cli("run").code == 0
    (good,) = project.records()
    project.write_config(project.experiment(task_kwargs={"wrong": ["d"]}))
    assert project.run_cli("run").code == 0
    candidate = next(p for p in project.records() if p != good)
    baseline = project.root / "baselines" / "qa.json"
    baseline.parent.mkdir()
    shutil.copy(good, baseline)
    return Recorded(project, candidate, baseline)


def _json_line(lines: list[str], index: int, change: Callable[[dict[str, object]], None]) -> None:
    text = lines[index]
    comma = text.endswith(",")
    data = json.loads(text.rstrip(","))
    change(data)
    lines[index] = json.dumps(data, separators=(",", ":")) + ("," if comma else "")


def _header(change: Callable[[dict[str, object]], None]) -> Callable[[list[str]], None]:
    def edit(lines: list[str]) -> None:
        opening = ',"items":['
        data = json.loads(lines[HEADER][: -len(opening)] + "}")
        change(data)
        lines[HEADER] = json.dumps(data, separators=(",", ":"))[:-1] + opening

    return edit


def _item_d(change: Callable[[dict[str, object]], None]) -> Callable[[list[str]], None]:
    return lambda lines: _json_line(lines, LINE_D, change)


def _set_score(value: object) -> Callable[[dict[str, object]], None]:
    def change(item: dict[str, object]) -> None:
        item["samples"][0]["scores"][0]["value"] = value  # type: ignore[index]

    return change


def _table_value(value: object) -> Callable[[dict[str, object]], None]:
    def change(header: dict[str, object]) -> None:
        header["table"]["values"]["correct"][3] = value  # type: ignore[index]

    return change


def _table_latency(value: object) -> Callable[[dict[str, object]], None]:
    def change(header: dict[str, object]) -> None:
        header["table"]["metrics"]["latency"][3] = value  # type: ignore[index]

    return change


def _pass_mark(header: dict[str, object]) -> None:
    header["score_defs"]["correct"]["pass_mark"] = "high"  # type: ignore[index]


def _reference_judged(header: dict[str, object]) -> None:
    rows = [{"id": "a", "expected": 8, "judged": 7}, {"id": "b", "expected": 3, "judged": "x"}]
    header["metadata"]["reference_scores"] = {"correct": rows}  # type: ignore[index]


def _drop_last_item(lines: list[str]) -> None:
    del lines[5]
    lines[4] = lines[4].rstrip(",")


def _truncate_d(lines: list[str]) -> None:
    lines[LINE_D] = lines[LINE_D][:40]


# Damage found when the header is read: before anything runs.
ON_LOAD = [
    pytest.param(
        _header(_table_value("high")),
        "baselines/qa.json:1: table.values.correct[3] (item 'd'): 'high' is not a score value "
        "(a number from 0 to 1, or null)",
        id="table-value-high",
    ),
    pytest.param(
        _header(_table_value(7)),
        "baselines/qa.json:1: table.values.correct[3] (item 'd'): 7 is not a score value "
        "(a number from 0 to 1, or null)",
        id="table-value-out-of-range",
    ),
    pytest.param(
        _header(_table_latency(-1.5)),
        "baselines/qa.json:1: table.metrics.latency[3]: -1.5 is not a number of 0 or more",
        id="table-latency-negative",
    ),
    pytest.param(
        _header(_table_latency("slow")),
        "baselines/qa.json:1: table.metrics.latency[3]: 'slow' is not a number of 0 or more",
        id="table-latency-text",
    ),
    pytest.param(
        _header(lambda header: header["table"]["metrics"].update(speed=[])),  # type: ignore[index]
        "baselines/qa.json:1: table.metrics: 'speed' is not a metric column (latency, tokens, "
        "task_cost, judge_cost, calls, cached, unpriced)",
        id="table-metric-unknown",
    ),
    pytest.param(
        _header(_pass_mark),
        "baselines/qa.json:1: score_defs.correct.pass_mark: 'high' is not a number",
        id="pass-mark-high",
    ),
    pytest.param(
        _header(_reference_judged),
        "baselines/qa.json:1: metadata.reference_scores.correct[1].judged: 'x' is not a number",
        id="reference-score-judged-x",
    ),
    pytest.param(
        _drop_last_item,
        "baselines/qa.json: the header's score table lists 5 items but the file holds 4 item lines",
        id="an-item-without-its-line",
    ),
]

# Damage in the line of item 'd', found when a report shows it (it regressed).
ON_READ = [
    pytest.param(
        _item_d(_set_score("high")),
        "baselines/qa.json:5: item 'd': samples[0].scores[0].value: 'high' is not a score "
        "value (a number from 0 to 1, or null)",
        id="item-value-high",
    ),
    pytest.param(
        _item_d(_set_score(0.0)),
        "baselines/qa.json:5: item 'd': samples[0] score 'correct': 0.0 here, but 1.0 in the "
        "header's score table",
        id="item-value-differs-from-table",
    ),
    pytest.param(
        _item_d(lambda item: item.update(id="x")),
        "baselines/qa.json:5: item 'x': id: 'x' here, but the header's score table has 'd'",
        id="item-id-differs",
    ),
    pytest.param(
        _item_d(lambda item: item.update(samples="oops")),
        "baselines/qa.json:5: item 'd': samples: 'oops' is not a list",
        id="samples-not-a-list",
    ),
    pytest.param(
        _item_d(lambda item: item.update(samples=[])),
        "baselines/qa.json:5: item 'd': samples: 0 here, but the header's score table counts 1",
        id="samples-missing",
    ),
    pytest.param(
        _truncate_d,
        "baselines/qa.json:5: the item line is not JSON (column 38: Unterminated string starting)",
        id="line-cut-short",
    ),
]


@pytest.mark.parametrize(("edit", "message"), [*ON_LOAD, *ON_READ])
def test_compare_with_a_damaged_baseline_is_exit_2_naming_file_line_and_field(
    recorded: Recorded, edit: Callable[[list[str]], None], message: str
) -> None:
    recorded.damage(edit)
    result = recorded.project.run_cli("compare", recorded.candidate, "baselines/qa.json")
    assert (result.code, result.stderr) == (2, f"error: {message}; {FIX}\n"), result.stdout


@pytest.mark.parametrize(("edit", "message"), ON_LOAD)
def test_run_with_a_damaged_baseline_header_stops_before_running(
    recorded: Recorded, edit: Callable[[list[str]], None], message: str
) -> None:
    recorded.damage(edit)
    before = recorded.project.records()
    result = recorded.project.run_cli("run", "--baseline", "baselines/qa.json")
    assert (result.code, result.stderr) == (2, f"error: {message}; {FIX}\n"), result.stdout
    assert recorded.project.records() == before  # nothing ran


@pytest.mark.parametrize(("edit", "message"), ON_READ)
def test_run_with_a_damaged_baseline_item_is_exit_2_and_keeps_the_run(
    recorded: Recorded, edit: Callable[[list[str]], None], message: str
) -> None:
    recorded.damage(edit)
    before = recorded.project.records()
    result = recorded.project.run_cli("run", "--baseline", "baselines/qa.json")
    assert result.code == 2, result.stdout + result.stderr
    assert result.stderr.splitlines()[-1] == f"error: {message}; {FIX}"
    (kept,) = set(recorded.project.records()) - set(before)
    assert f"Run record (qa): {kept.relative_to(recorded.project.root)}" in result.stdout


def test_a_damaged_line_is_read_when_a_report_shows_its_item(recorded: Recorded) -> None:
    """Only the header's table decides the gate (checked on load); an item's line is read,
    and checked, when a report shows that item. The HTML report lists the first 2,000
    unchanged items, so an unchanged item's damaged line is found, after the gate, and
    named."""
    recorded.damage(lambda lines: _json_line(lines, 1, lambda item: item.update(samples="x")))
    result = recorded.project.run_cli("compare", recorded.candidate, "baselines/qa.json")
    assert result.code == 2, result.stdout
    assert "PASSED: all 2 checks passed." in result.stdout  # the gate, from the header
    assert result.stderr.startswith("error: baselines/qa.json:2: item 'a': samples")
    assert result.stderr.endswith(f"; {FIX}\n")


def test_a_record_in_another_layout_is_checked_whole(recorded: Recorded) -> None:
    """A record written by hand (one JSON document, no line per item) is read at once and
    every field checked; the field path says where."""
    lines = recorded.baseline.read_text(encoding="utf-8").splitlines()
    data = json.loads("\n".join(lines))
    data["items"][3]["samples"][0]["scores"][0]["value"] = "high"
    recorded.baseline.write_text(json.dumps(data, indent=2), encoding="utf-8")
    result = recorded.project.run_cli("compare", recorded.candidate, "baselines/qa.json")
    assert (result.code, result.stderr) == (
        2,
        "error: baselines/qa.json: items[3].samples[0].scores[0].value: 'high' is not a score "
        f"value (a number from 0 to 1, or null); {FIX}\n",
    )


def test_promote_checks_every_line_before_a_record_becomes_the_baseline(
    recorded: Recorded,
) -> None:
    recorded.baseline.unlink()
    recorded.baseline = recorded.candidate
    recorded.damage(lambda lines: _json_line(lines, 2, lambda item: item.update(samples="x")))
    result = recorded.project.run_cli("baseline", "promote", recorded.candidate)
    shown = recorded.candidate.relative_to(recorded.project.root)
    assert (result.code, result.stderr) == (
        2,
        f"error: {shown}:3: item 'b': samples: 'x' is not a list; {FIX}\n",
    )
    assert not (recorded.project.root / "baselines" / "qa.json").exists()


def test_a_plain_score_is_any_number_and_a_0_1_score_is_not() -> None:
    """A plain score (a number in its own units, ``score_defs.*.plain``) may be 42; a 0-1
    score may not, and each says what it wanted."""
    from scoregate.record import record_check

    table = {
        "ids": ["a", "b"],
        "samples": 1,
        "values": {"length": [42.0, None], "correct": [1.0, 0.0]},
        "errors": [],
        "usage": [0, 0, 0, 0, 0],
    }
    plain = record_check.plain_names({"length": {"plain": True}, "correct": {"pass_mark": 0.5}})
    assert plain == frozenset({"length"})
    record_check.table(table, plain)  # accepted
    with pytest.raises(record_check.Bad) as caught:
        record_check.table(table)
    assert str(caught.value) == (
        "table.values.length[0] (item 'a'): 42.0 is not a score value (a number from 0 to 1, "
        "or null)"
    )
    table["values"]["length"][1] = "long"  # type: ignore[index]
    with pytest.raises(record_check.Bad) as caught:
        record_check.table(table, plain)
    assert str(caught.value) == (
        "table.values.length[1] (item 'b'): 'long' is not a score value (a number, or null)"
    )
    line = {"id": "a", "samples": [{"index": 0, "scores": [{"name": "length", "value": 42}]}]}
    record_check.item(line, plain=plain)
    with pytest.raises(record_check.Bad) as caught:
        record_check.item(line)
    assert str(caught.value) == (
        "samples[0].scores[0].value: 42 is not a score value (a number from 0 to 1, or null)"
    )
