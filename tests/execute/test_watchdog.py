"""A blocking call inside ``async def`` (``time.sleep``) stops the event loop and every timer
on it; the watchdog turns it into a timeout and ends the run with what finished.

The blocking calls here last far longer (300 s) than the tests' subprocess timeout (60 s):
without the watchdog the run would not end in time, and the test fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from testing.project import SCOREGATE

from scoregate.execute import watchdog

ITEMS = 8
HELD = 3
"""The item whose task blocks the loop; the items before it finish at once."""

TIMED_OUT = (
    "task timed out after 1s: the event loop was blocked (a blocking call inside async def?)"
)
NOT_RUN = (
    "not run: the run stopped because the event loop was blocked "
    "(a blocking call inside async def?)"
)
STOPPED = (
    "stopped: the event loop was blocked past the 1s timeout, so no timeout could fire (a "
    "blocking call inside async def? await it, or move it to a thread with asyncio.to_thread); "
    "the samples not started are errors"
)

TASK = f"""
import asyncio
import os
import time


async def sleeps(*, item, **kwargs):
    await asyncio.sleep(0)
    if item["id"] == "i{HELD}":
        time.sleep(300)  # blocks the event loop: no timer can fire
    return item["input"]


async def ignores_signals(*, item, **kwargs):
    await asyncio.sleep(0)
    if item["id"] == "i{HELD}":
        os.system("exec sleep 300 </dev/null >/dev/null 2>&1")  # waits in C through signals
    return item["input"]
"""


def _project(root: Path, task: str) -> None:
    (root / "blocking.py").write_text(TASK)
    with (root / "d.jsonl").open("w") as out:
        for i in range(ITEMS):
            out.write(json.dumps({"id": f"i{i}", "input": f"x{i}", "expected_output": f"x{i}"}))
            out.write("\n")
    (root / "experiments.yaml").write_text(
        "version: 1\nexperiments:\n  - name: e\n    dataset: d.jsonl\n"
        f"    task: blocking:{task}\n    timeout: 1\n    concurrency: 2\n"
        "    evaluators: [{type: exact}]\n"
    )


def _check_items(record: dict[str, Any]) -> None:
    """Every item has one sample: its output, the blocked timeout, or "not run" (only after
    the blocked item)."""
    assert [i["id"] for i in record["items"]] == [f"i{n}" for n in range(ITEMS)]
    for n, item in enumerate(record["items"]):
        (sample,) = item["samples"]
        if n < HELD:
            assert sample["output"] == item["input"], item
        elif n == HELD:
            assert sample["error"] == TIMED_OUT
        else:
            assert sample.get("error") in {None, TIMED_OUT, NOT_RUN}, item
    assert record["items"][-1]["samples"][0]["error"] == NOT_RUN


def test_a_blocked_loop_times_out_and_the_run_ends_with_reports(tmp_path: Path) -> None:
    _project(tmp_path, "sleeps")
    done = subprocess.run(
        [str(SCOREGATE), "run"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3, done.stderr  # errors past the error budget (0 by default)
    (path,) = (tmp_path / ".scoregate/runs/e").glob("*.json")
    record = json.loads(path.read_text())
    _check_items(record)
    assert record["warnings"] == [STOPPED]
    assert record["metadata"]["partial"] is False
    assert record["gate"]["checks"][0]["kind"] == "max_error_rate"
    assert (tmp_path / ".scoregate/report.md").is_file()
    assert (tmp_path / ".scoregate/junit.xml").is_file()
    assert f"Run record (e): .scoregate/runs/e/{path.name}\n" in done.stdout


def test_a_call_that_ignores_signals_ends_the_run_with_the_record(tmp_path: Path) -> None:
    """The watchdog cannot end the blocking call: it writes the run record and exits 3."""
    _project(tmp_path, "ignores_signals")
    verdict = tmp_path / "verdict"
    process = subprocess.Popen(
        [str(SCOREGATE), "run"],
        cwd=tmp_path,
        env=os.environ | {"SCOREGATE_VERDICT_FILE": str(verdict)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so the test can end the orphaned ``sleep 300`` below
    )
    try:
        _, err = process.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 3, err
    (path,) = (tmp_path / ".scoregate/runs/e").glob("*.json")
    assert err.endswith(
        "error: [e] a call inside async def blocked the event loop and could not be "
        "interrupted, so the run ends here, without a gate or reports; the finished items are "
        f"kept in .scoregate/runs/e/{path.name}, the blocked and unstarted samples as errors. "
        "Await that call, or move it to a thread with asyncio.to_thread.\n"
    )
    record = json.loads(path.read_text())
    _check_items(record)
    assert record["warnings"] == [STOPPED]
    assert record["metadata"]["partial"] is True
    assert "gate" not in record
    assert not (tmp_path / ".scoregate/report.md").exists()
    # The verdict file agrees with the exit code: the run ended as scoregate meant it to.
    assert verdict.read_text() == "3\n"


def test_the_watchdog_raises_loop_blocked_inside_the_blocking_call() -> None:
    stalls: list[float] = []

    async def main() -> str:
        watch = watchdog.LoopWatch(0.1, lambda: stalls.append(time.monotonic()))
        watch.start(asyncio.get_running_loop())
        try:
            await asyncio.sleep(0.01)
            time.sleep(300)
        except watchdog.LoopBlocked as exc:
            return str(exc)
        finally:
            watch.stop()
        return "not interrupted"

    started = time.monotonic()
    assert asyncio.run(main()) == watchdog.BLOCKED
    assert len(stalls) == 1
    assert stalls[0] - started >= watchdog.MIN_STALL  # the floor, not the 0.1 s timeout
    assert signal.getsignal(signal.SIGUSR2) == signal.SIG_DFL


def test_a_loop_that_turns_is_left_alone() -> None:
    """Awaiting for longer than the timeout is not a stall: the loop turns meanwhile."""

    stalls: list[float] = []

    async def main() -> None:
        watch = watchdog.LoopWatch(0.1, lambda: stalls.append(time.monotonic()))
        watch.start(asyncio.get_running_loop())
        try:
            await asyncio.sleep(watchdog.MIN_STALL * 2)
        finally:
            watch.stop()

    asyncio.run(main())
    assert stalls == []
