"""SIGTERM (``timeout``, GitLab, Kubernetes, a cancelled GitHub job) is handled as Ctrl-C:
the same partial run record and message, exit 143.

No timing: the task writes one line to ``started.log`` as each item starts, and items from
``HELD`` on wait until the run ends. SIGTERM is sent once item ``HELD`` has started: by then
every worker took its last item, so at least ``HELD - CONCURRENCY + 1`` items are finished
and recorded, and none after ``HELD - 1`` can finish.
"""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest
from testing.project import SCOREGATE
from testing.waiting import wait_for_start

ITEMS = 40
CONCURRENCY = 3
HELD = 6

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
        threading.Event().wait(120)  # held until SIGTERM ends the run
    return item["input"]


async def atask(*, item, **kwargs):
    if _started(item):
        await asyncio.sleep(120)
    return item["input"]
"""


def _project(root: Path, task: str) -> None:
    (root / "slowtask.py").write_text(TASK)
    with (root / "d.jsonl").open("w") as out:
        for i in range(ITEMS):
            out.write(json.dumps({"id": f"i{i}", "input": f"x{i}", "expected_output": f"x{i}"}))
            out.write("\n")
    (root / "experiments.yaml").write_text(
        "version: 1\nexperiments:\n  - name: e\n    dataset: d.jsonl\n"
        f"    task: {task}\n    concurrency: {CONCURRENCY}\n    evaluators: [{{type: exact}}]\n"
    )


@pytest.mark.parametrize("task", ["slowtask:task", "slowtask:atask"])
def test_sigterm_exits_143_and_keeps_what_finished(tmp_path: Path, task: str) -> None:
    _project(tmp_path, task)
    process = subprocess.Popen(
        [str(SCOREGATE), "run"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_start(tmp_path / "started.log", f"i{HELD}", process)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    records = list((tmp_path / ".scoregate/runs/e").glob("*.json"))
    assert len(records) == 1
    assert err.endswith(
        f"Interrupted: the finished items are kept in .scoregate/runs/e/{records[0].name}.\n"
    )
    record = json.loads(records[0].read_text())
    finished = len(record["items"])
    assert HELD - CONCURRENCY + 1 <= finished <= HELD
    ids = [i["id"] for i in record["items"]]
    assert set(ids) <= {f"i{n}" for n in range(HELD)}
    assert record["metadata"]["partial"] is True
    assert record["warnings"] == [f"interrupted: {finished} of {ITEMS} items finished"]
    assert all(i["samples"][0]["output"] == i["input"] for i in record["items"])
    assert not (tmp_path / ".scoregate/report.md").exists()


def test_sigterm_before_the_run_exits_143_with_the_interrupt_message(tmp_path: Path) -> None:
    """SIGTERM while the dataset loads (a task module that waits on import): "Interrupted."."""
    _project(tmp_path, "slowtask:task")
    (tmp_path / "slowtask.py").write_text(
        "import threading\n"
        "open('started.log', 'a').write('import\\n')\n"
        "threading.Event().wait(120)\n"
    )
    process = subprocess.Popen(
        [str(SCOREGATE), "run"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_start(tmp_path / "started.log", "import", process)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    assert err == "Interrupted.\n"
    assert not (tmp_path / ".scoregate/runs").exists()
