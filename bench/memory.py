"""Peak memory and report sizes of a large run with long error messages.

Run:  .venv/bin/python bench/memory.py              (40 experiments × 2,000 items)
      .venv/bin/python bench/memory.py --quick      (10 × 500, a smoke check)

The case: 40 experiments on one dataset of 2,000 items, a fast sync task and one exact-match
evaluator. A first ``scoregate run`` records the baselines (every item passes). The measured
second run fails every 500th item (``--fail-every``) with a 200,000-character error message,
so those items regress against the baseline and every report has long errors to show.
The measured run is its own subprocess; its peak RSS is read from
``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` in a wrapper that runs nothing else.
Targets: peak RSS under 300 MB, junit.xml under 10 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = sys.executable
SCOREGATE = str(Path(sys.executable).parent / "scoregate")
MESSAGE_CHARS = 200_000

TASK = """
import os

FAIL = int(os.environ.get("BENCH_FAIL_EVERY", "0"))
MESSAGE = "x" * {chars}


def answer(*, item, **kwargs):
    if FAIL and int(item.id[1:]) % FAIL == 0:
        raise RuntimeError(f"{{item.id}} broke: " + MESSAGE)
    return item["expected_output"]
"""

PROBE = (
    "import resource, subprocess, sys; "
    "done = subprocess.run(sys.argv[1:], check=False, capture_output=True, text=True); "
    "sys.stderr.write(done.stderr[-2000:]); "
    "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def build(folder: Path, experiments: int, items: int) -> None:
    with (folder / "items.jsonl").open("w") as out:
        for i in range(items):
            out.write(json.dumps({"id": f"i{i}", "input": f"q{i}", "expected_output": f"a{i}"}))
            out.write("\n")
    (folder / "task.py").write_text(TASK.format(chars=MESSAGE_CHARS))
    lines = ["version: 1", "defaults:", "  output_dir: out", "experiments:"]
    for n in range(experiments):
        lines += [
            f"  - name: e{n}",
            "    dataset: items.jsonl",
            "    task: task:answer",
            "    concurrency: 4",
            "    evaluators: [{type: exact, name: correct}]",
            "    gate: {correct: {max_drop: 1.0, max_regressed_items: 1000000}, "
            "max_error_rate: 1.0}",
        ]
    (folder / "experiments.yaml").write_text("\n".join(lines) + "\n")


def measured(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, float, float]:
    """Exit code, peak RSS (MB) and wall seconds of one command in its own wrapper."""
    started = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "-c", PROBE, *cmd], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - started
    code, peak = done.stdout.split()
    if int(code) not in (0, 1, 3):
        raise SystemExit(f"{' '.join(cmd)} failed ({code}):\n{done.stderr}")
    return int(code), int(peak) / 1024, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10 experiments × 500 items")
    parser.add_argument("--experiments", type=int, default=40)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--fail-every", type=int, default=500, help="every Nth item fails")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    experiments, items = (10, 500) if args.quick else (args.experiments, args.items)
    folder = Path(tempfile.mkdtemp(prefix="scoregate-memory-"))
    try:
        build(folder, experiments, items)
        env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
        subprocess.run([SCOREGATE, "run"], cwd=folder, env=env, capture_output=True, check=False)
        baselines = folder / "baselines"
        baselines.mkdir()
        for n in range(experiments):
            (record,) = (folder / "out" / "runs" / f"e{n}").glob("*.json")
            shutil.copy(record, baselines / f"e{n}.json")
            record.unlink()
        env["BENCH_FAIL_EVERY"] = str(args.fail_every)
        code, peak, wall = measured([SCOREGATE, "run", "--baseline", "baselines"], folder, env)
        failing = len(range(0, items, args.fail_every))
        junit = (folder / "out" / "junit.xml").stat().st_size
        markdown = (folder / "out" / "report.md").stat().st_size
        page = (folder / "out" / "report.html").stat().st_size
        print(
            f"{experiments} experiments × {items} items, {failing} failing per experiment with "
            f"{MESSAGE_CHARS:,}-character errors (exit {code}, {wall:.1f} s)"
        )
        print(f"peak RSS        {peak:8.1f} MB")
        print(f"junit.xml       {junit / 1e6:8.2f} MB")
        print(f"report.md       {markdown / 1e6:8.2f} MB")
        print(f"report.html     {page / 1e6:8.2f} MB")
        if args.keep:
            print(f"work folder     {folder}")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
