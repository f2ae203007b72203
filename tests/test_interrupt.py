"""Ctrl-C: exit 130, and the finished items are kept in a partial run record."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

TASK = """
import time

def task(*, item, **kwargs):
    time.sleep(0.2)
    return item["input"]

async def atask(*, item, **kwargs):
    import asyncio
    await asyncio.sleep(0.2)
    return item["input"]
"""


@pytest.mark.parametrize("task", ["slowtask:task", "slowtask:atask"])
def test_ctrl_c_exits_130_and_keeps_what_finished(tmp_path: Path, task: str) -> None:
    (tmp_path / "slowtask.py").write_text(TASK)
    with (tmp_path / "d.jsonl").open("w") as out:
        for i in range(60):
            out.write(
                json.dumps({"id": f"i{i}", "input": f"x{i}", "expected_output": f"x{i}"}) + "\n"
            )
    (tmp_path / "experiments.yaml").write_text(
        "version: 1\nexperiments:\n  - name: e\n    dataset: d.jsonl\n"
        f"    task: {task}\n    concurrency: 4\n    evaluators: [{{type: exact}}]\n"
    )
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "scoregate"), "run"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)
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
    assert 0 < finished < 60
    assert record["metadata"]["partial"] is True
    assert record["warnings"] == [f"interrupted: {finished} of 60 items finished"]
    assert all(i["samples"][0]["output"] == i["input"] for i in record["items"])
    assert not (tmp_path / ".scoregate/report.md").exists()
