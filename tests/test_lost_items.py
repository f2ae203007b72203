"""No lost items: whatever a task raises, SystemExit and KeyboardInterrupt included, is an error
on that sample; the record holds one result per item and repeat (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from testing.project import Project, write_jsonl

ITEMS = 24

APP = """\
import asyncio
import sys


class Stop(BaseException):
    pass


def _fail(item_id):
    if item_id == "i3":
        sys.exit()
    if item_id == "i5":
        raise KeyboardInterrupt
    if item_id == "i7":
        raise Stop("a BaseException of the app's own")


def task(*, item, **kwargs):
    _fail(item.id)
    return item["expected_output"]


async def atask(*, item, **kwargs):
    if item.id == "i3":
        sys.exit(0)
    _fail(item.id)
    if item.id == "i9":
        raise asyncio.CancelledError()
    return item["expected_output"]


def judge(*, output, **kwargs):
    if output == "x11":
        sys.exit(1)
    return 1.0


async def ajudge(*, output, **kwargs):
    if output == "x11":
        raise KeyboardInterrupt
    return 1.0
"""

MESSAGES = {
    "i3": "SystemExit (the code called sys.exit())",
    "i5": "KeyboardInterrupt",
    "i7": "Stop: a BaseException of the app's own",
}


def _project(tmp_path: Path, task: str, evaluator: str | None = None) -> Project:
    project = Project(tmp_path / "p")
    project.write("lostapp.py", APP)
    write_jsonl(
        project.root / "data.jsonl",
        ({"id": f"i{n}", "input": n, "expected_output": f"x{n}"} for n in range(ITEMS)),
    )
    evaluators: list[dict[str, str]] = [{"type": "exact", "name": "correct"}]
    if evaluator:
        evaluators.append({"python": f"lostapp:{evaluator}", "name": "judged"})
    experiment = project.experiment(
        gate={"max_error_rate": 0.5, "correct": {"min": 0.9}}, evaluators=evaluators
    )
    experiment["task"] = f"lostapp:{task}"
    project.write_config(experiment | {"concurrency": 1})
    return project


def _samples(project: Project) -> dict[str, dict[str, object]]:
    (path,) = project.records()
    record = json.loads(path.read_text(encoding="utf-8"))
    assert len(record["items"]) == ITEMS
    assert record["metadata"]["partial"] is False
    found = {}
    for item in record["items"]:
        (sample,) = item["samples"]
        found[item["id"]] = sample
    return found


@pytest.mark.parametrize("task", ["task", "atask"])
def test_sys_exit_and_keyboard_interrupt_in_a_task_are_errors_on_their_items(
    tmp_path: Path, task: str
) -> None:
    project = _project(tmp_path, task)
    code, out, err = project.run_cli("run")
    samples = _samples(project)
    expected = dict(MESSAGES)
    if task == "atask":
        expected["i3"] = "SystemExit: 0 (the code called sys.exit())"
        expected["i9"] = "CancelledError"
    errored = {i: s["error"] for i, s in samples.items() if "error" in s}
    assert errored == expected
    assert all(samples[i]["error_kind"] == "app" for i in errored)
    # The errored samples count as failures: 21 (20) of 24 items correct, below the minimum.
    assert code == 1, out + err
    mean = (ITEMS - len(expected)) / ITEMS
    assert f"  FAIL correct.min: mean {mean:.3f} is below the minimum 0.900" in out


@pytest.mark.parametrize(
    ("task", "evaluator"), [("task", "judge"), ("task", "ajudge"), ("atask", "ajudge")]
)
def test_an_evaluator_that_exits_is_an_error_on_its_score(
    tmp_path: Path, task: str, evaluator: str
) -> None:
    project = _project(tmp_path, task, evaluator)
    project.run_cli("run")
    samples = _samples(project)
    scores = samples["i11"]["scores"]
    assert isinstance(scores, list)
    (judged,) = [s for s in scores if s["name"] == "judged"]
    why = (
        "SystemExit: 1 (the code called sys.exit())"
        if evaluator == "judge"
        else "KeyboardInterrupt"
    )
    assert judged == {
        "name": "judged",
        "value": None,
        "error": f"evaluator 'judged' failed: {why}",
        "error_kind": "app",
    }
