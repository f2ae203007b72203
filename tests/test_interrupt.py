"""Ctrl-C: exit 130, and the finished items are kept in a partial run record.

No timing: the task writes one line to ``started.log`` as each item starts, and items from
``HELD`` on wait until the run ends. The test sends Ctrl-C once item ``HELD`` has
started: by then every worker took its last item, so at least ``HELD - CONCURRENCY + 1`` items
are finished and recorded, and none after ``HELD - 1`` can finish.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from testing.waiting import wait_for_start

ITEMS = 60
CONCURRENCY = 4
HELD = 8
"""The first item that waits; items 0 to HELD - 1 finish at once."""

TASK = f"""
import asyncio
import threading

HELD = {HELD}


def _started(item):
    with open("started.log", "a", encoding="utf-8") as log:
        log.write(item["id"] + "\\n")
    return int(item["id"][1:]) >= HELD


def task(*, item, **kwargs):
    if _started(item):
        threading.Event().wait(120)  # held until Ctrl-C ends the run
    return item["input"]


async def atask(*, item, **kwargs):
    if _started(item):
        await asyncio.sleep(120)
    return item["input"]
"""


@pytest.mark.parametrize("task", ["slowtask:task", "slowtask:atask"])
def test_ctrl_c_exits_130_and_keeps_what_finished(tmp_path: Path, task: str) -> None:
    (tmp_path / "slowtask.py").write_text(TASK)
    with (tmp_path / "d.jsonl").open("w") as out:
        for i in range(ITEMS):
            out.write(
                json.dumps({"id": f"i{i}", "input": f"x{i}", "expected_output": f"x{i}"}) + "\n"
            )
    (tmp_path / "experiments.yaml").write_text(
        "version: 1\nexperiments:\n  - name: e\n    dataset: d.jsonl\n"
        f"    task: {task}\n    concurrency: {CONCURRENCY}\n    evaluators: [{{type: exact}}]\n"
    )
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "scoregate"), "run"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_start(tmp_path / "started.log", f"i{HELD}", process)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    records = list((tmp_path / ".scoregate/runs/e").glob("*.json"))
    assert len(records) == 1
    assert (
        f"Interrupted: the finished items are kept in .scoregate/runs/e/{records[0].name}." in err
    )
    record = json.loads(records[0].read_text())
    finished = len(record["items"])
    assert HELD - CONCURRENCY + 1 <= finished <= HELD
    ids = [i["id"] for i in record["items"]]
    assert ids == sorted(ids, key=lambda i: int(i[1:]))
    assert set(ids) <= {f"i{n}" for n in range(HELD)}
    assert record["metadata"]["partial"] is True
    assert record["warnings"] == [f"interrupted: {finished} of {ITEMS} items finished"]
    assert all(i["samples"][0]["output"] == i["input"] for i in record["items"])
    assert not (tmp_path / ".scoregate/report.md").exists()
