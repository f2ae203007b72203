"""Outputs and scores the run record cannot hold are found as they are collected, through
the real CLI: each becomes that sample's error, the record is written and is strict JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from testing.project import Project

HOSTILE = """
import math


class Unprintable:
    def __repr__(self):
        raise RuntimeError("no repr for you")


def circular(*, item):
    found = {"id": item.id}
    found["self"] = found
    return found


def unprintable(*, item):
    return Unprintable()


def not_a_number(*, item):
    return {"answer": item["expected_output"], "confidence": math.nan}


def infinite(*, item):
    return -math.inf


def fine(*, item):
    return item["expected_output"]


def half_an_emoji(*, item):
    return item["expected_output"] + " \\ud83d"
"""

EVALUATORS = """
import math

import numpy


def numpy_float(*, output, expected_output, **kwargs):
    return numpy.float64(0.75)


def numpy_bool(*, output, expected_output, **kwargs):
    return numpy.bool_(output == expected_output)


def numpy_int(*, output, expected_output, **kwargs):
    return numpy.int64(1)


def nan_score(*, output, expected_output, **kwargs):
    return math.nan
"""


def strict(path: Path) -> dict[str, Any]:
    """The file parsed as JSON.parse would: a NaN or Infinity token is an error."""

    def refuse(token: str) -> None:
        raise AssertionError(f"{path.name} holds the bare token {token}")

    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)
    return data


def first_sample(record: dict[str, Any]) -> dict[str, Any]:
    sample: dict[str, Any] = record["items"][0]["samples"][0]
    return sample


@pytest.fixture
def hostile(project: Project) -> Project:
    project.write("hostile.py", HOSTILE)
    project.write("numeric_evaluators.py", EVALUATORS)
    return project


def use_task(project: Project, function: str, **extra: Any) -> None:
    experiment = project.experiment(gate={"max_error_rate": 1.0}, **extra)
    experiment["task"] = {"python": f"hostile:{function}"}
    project.write_config(experiment)


FIX = "Return plain data (text, finite numbers, lists and dicts of them); its repr() is stored instead."
NAN_FIX = "Return None (or text) where a number is missing; its repr() is stored instead."


@pytest.mark.parametrize(
    ("function", "error", "stored"),
    [
        (
            "circular",
            f"the task's output cannot be stored in the run record: it contains itself (a "
            f"circular reference). {FIX}",
            "{'id': 'a', 'self': {...}}",
        ),
        (
            "unprintable",
            "the task's output cannot be stored in the run record: it is an object of type "
            f"Unprintable whose repr() raised RuntimeError: no repr for you. {FIX}",
            "<Unprintable object: repr() failed>",
        ),
        (
            "not_a_number",
            "the task's output cannot be stored in the run record: it is or holds NaN or an "
            f"infinity, which JSON has no number for. {NAN_FIX}",
            "{'answer': '2', 'confidence': nan}",
        ),
        (
            "infinite",
            "the task's output cannot be stored in the run record: it is or holds NaN or an "
            f"infinity, which JSON has no number for. {NAN_FIX}",
            "-inf",
        ),
    ],
)
def test_an_output_the_record_cannot_hold_is_that_samples_error(
    hostile: Project, function: str, error: str, stored: str
) -> None:
    use_task(hostile, function)
    result = hostile.run_cli("run")
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr
    (path,) = hostile.records()
    record = strict(path)
    sample = first_sample(record)
    assert sample["error"] == error
    assert sample["output"] == stored
    assert sample["scores"] == []  # not scored: the evaluators never saw it
    assert record["table"]["errors"] == [0, 1, 2, 3, 4]
    assert f"5 errors in the task, most often (5×): {error}"[:150] in result.stdout
    report = (hostile.output_dir / "report.md").read_text(encoding="utf-8")
    assert "5 errors (task or evaluator failures" in report


def test_numpy_numbers_and_bools_from_an_evaluator_are_scores(hostile: Project) -> None:
    use_task(
        hostile,
        "fine",
        evaluators=[
            {"python": "numeric_evaluators:numpy_float", "name": "f"},
            {"python": "numeric_evaluators:numpy_bool", "name": "b"},
            {"python": "numeric_evaluators:numpy_int", "name": "i"},
        ],
    )
    result = hostile.run_cli("run")
    assert result.code == 0, result.stderr
    (path,) = hostile.records()
    record = strict(path)
    assert record["table"]["values"] == {"f": [0.75] * 5, "b": [1.0] * 5, "i": [1.0] * 5}
    assert record["table"]["errors"] == []
    assert first_sample(record)["scores"] == [  # each raw value equals the score: left out
        {"name": "f", "value": 0.75},
        {"name": "b", "value": 1.0},
        {"name": "i", "value": 1.0},
    ]
    # Without a scale, numbers are plain scores in their units; a bool is pass/fail on 0-1.
    assert "  f                          — → 0.75\n" in result.stdout
    assert "  b                          — → 1.000\n" in result.stdout
    assert "  i                          — → 1.0\n" in result.stdout


def test_a_nan_score_is_an_evaluator_error_stored_as_text(hostile: Project) -> None:
    use_task(hostile, "fine", evaluators=[{"python": "numeric_evaluators:nan_score", "name": "n"}])
    result = hostile.run_cli("run")
    assert result.code == 0, result.stderr
    (path,) = hostile.records()
    record = strict(path)
    assert first_sample(record)["scores"] == [
        {
            "name": "n",
            "value": None,
            "raw": "nan",
            "error": "n: returned nan; a score must be a finite number",
            "error_kind": "app",
        }
    ]
    assert record["table"]["values"] == {"n": [None] * 5}
    assert (
        "5 errors in evaluator 'n', most often (5×): n: returned nan; a score must be a finite "
        "number" in result.stdout
    )


def test_a_nan_in_a_dataset_row_is_stored_as_text(project: Project) -> None:
    """Python's JSON reader accepts a NaN token in a dataset; the record still holds none."""
    (project.root / "data.jsonl").write_text(
        '{"id": "a", "input": {"x": NaN, "y": Infinity}, "expected_output": "2"}\n',
        encoding="utf-8",
    )
    project.write_config(project.experiment(gate={}))
    result = project.run_cli("run")
    assert result.code == 0, result.stderr
    (path,) = project.records()
    assert strict(path)["items"][0]["input"] == {"x": "NaN", "y": "Infinity"}


def test_what_an_evaluator_returned_is_stored_as_plain_values() -> None:
    import numpy

    from scoregate.execute.evaluators.results import normalise
    from scoregate.values.storable import stored_raw

    assert normalise(numpy.float32(0.5), None) == (0.5, None)
    assert normalise(numpy.bool_(False), None) == (0.0, None)
    assert normalise(numpy.float64("nan"), None) == (
        None,
        "returned nan; a score must be a finite number",
    )
    stored = [
        stored_raw(v)
        for v in (
            numpy.bool_(True),
            numpy.int8(3),
            numpy.float16(0.5),
            numpy.float64("inf"),
            numpy.array([1, 2]),
            {"a": [1]},
            "text",
        )
    ]
    assert stored == [True, 3, 0.5, "inf", "array([1, 2])", {"a": [1]}, "text"]
    assert [type(v) for v in stored[:3]] == [bool, int, float]


def test_a_lone_surrogate_in_an_output_is_stored_escaped_and_read_back(hostile: Project) -> None:
    """Half of a surrogate pair (a broken emoji) is text no UTF-8 file can hold: the record
    writes its JSON escape, the run goes on, and every report and ``show`` can read it."""
    use_task(hostile, "half_an_emoji")
    result = hostile.run_cli("run")
    assert result.code == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    (path,) = hostile.records()
    raw = path.read_bytes()
    raw.decode("utf-8")  # valid UTF-8: a lone surrogate cannot be encoded, only escaped
    assert b"\\ud83d" in raw
    sample = first_sample(strict(path))
    assert sample["output"] == "2 \ud83d"
    assert "error" not in sample
    for report in ("report.md", "junit.xml"):
        (hostile.output_dir / report).read_bytes().decode("utf-8")
    shown = hostile.run_cli("show", path)
    assert shown.code == 0, shown.stderr
    assert "2 \\ud83d" in shown.stdout
