"""``record: true`` records the run while its items run, and an interrupted run loses no span.

No timing: items from ``HELD`` on wait until the run is stopped. The test waits (polling, with a
generous bound) until the fake server holds the finished items' spans while the run is still
going, then sends SIGTERM: the run exits 143, says how many samples reached Langfuse, and every
item of the partial run record is in Langfuse, linked to its scores.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from testing.fake_langfuse import FakeLangfuse, fake_langfuse
from testing.waiting import wait_until

__all__ = ["fake_langfuse"]

ITEMS = 40
CONCURRENCY = 4
HELD = 12

TASK = f"""
import asyncio
import threading

HELD = {HELD}


def task(*, item, **kwargs):
    if int(item["id"][1:]) >= HELD:
        threading.Event().wait(120)  # held until the run is stopped
    return item["input"]


async def atask(*, item, **kwargs):
    if int(item["id"][1:]) >= HELD:
        await asyncio.sleep(120)
    return item["input"]
"""


@pytest.mark.parametrize("task", ["slowtask:task", "slowtask:atask"])
def test_samples_reach_langfuse_while_the_run_goes_and_none_is_lost_on_sigterm(
    tmp_path: Path, fake_langfuse: FakeLangfuse, task: str
) -> None:
    (tmp_path / "slowtask.py").write_text(TASK)
    with (tmp_path / "d.jsonl").open("w") as out:
        for i in range(ITEMS):
            row = {"id": f"i{i}", "input": f"x{i}", "expected_output": f"x{i}"}
            out.write(json.dumps(row) + "\n")
    (tmp_path / "experiments.yaml").write_text(
        "version: 1\nexperiments:\n  - name: e\n    dataset: d.jsonl\n"
        f"    task: {task}\n    concurrency: {CONCURRENCY}\n    evaluators: [{{type: exact}}]\n"
        "    record: {run_name: 'live-{run_id}'}\n"
    )
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "scoregate"), "run"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | fake_langfuse.client_env(),
    )

    def roots() -> list[str]:
        return [s.dataset_item_id or "" for s in fake_langfuse.spans if s.is_experiment_item_root]

    # Recorded while the run goes: the items before HELD are in Langfuse, the run still held.
    wait_until(lambda: len(roots()) >= HELD, process, f"{HELD} items reached Langfuse")
    assert process.poll() is None
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)

    assert process.returncode == 143, err
    record_file = next((tmp_path / ".scoregate" / "runs" / "e").glob("*.json"))
    kept = json.loads(record_file.read_text())
    kept_ids = sorted(item["id"] for item in kept["items"])
    assert kept_ids == sorted(f"i{i}" for i in range(HELD))
    assert sorted(roots()) == kept_ids
    run_name = f"live-{kept['run_id']}"
    assert f"Langfuse: {HELD} of {HELD} finished samples recorded in run '{run_name}'" in err
    spans = fake_langfuse.spans
    assert {s.attributes["langfuse.experiment.name"] for s in spans} == {run_name}
    scores = fake_langfuse.scores
    assert len(scores) == HELD
    task_spans = {s.span_id: s for s in spans if s.is_experiment_item_root}
    assert {s.observation_id for s in scores} == set(task_spans)
    assert {s.trace_id for s in scores} == {s.trace_id for s in task_spans.values()}
