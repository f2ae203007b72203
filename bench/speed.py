"""Speed and memory benchmark of scoregate, side by side with Langfuse's run_experiment.

Run:  .venv/bin/python bench/speed.py            (about 2-3 minutes; prints a table)
      .venv/bin/python bench/speed.py --quick    (fewer repeats, for a smoke check)

Every case runs in a fresh subprocess, is repeated (3 times by default) and reports the median.
No model is called: the task sleeps a fixed latency L and returns a deterministic output, and
three builtin evaluators (exact, contains, regex) score it; Langfuse gets the same task and
three equivalent evaluators, with tracing disabled so it needs no server.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SCOREGATE = str(Path(sys.executable).parent / "scoregate")

# The sync task's module imports no asyncio, as a sync app's would not.
SYNC_TASK = """
import time

LATENCY = {latency}

def answer(*, item, **kwargs):
    if LATENCY:
        time.sleep(LATENCY)
    return "answer: " + item["input"]["q"]
"""

ASYNC_TASK = """
import asyncio

LATENCY = {latency}

async def answer(*, item, **kwargs):
    if LATENCY:
        await asyncio.sleep(LATENCY)
    return "answer: " + item["input"]["q"]
"""

CONFIG = """
version: 1
defaults:
  output_dir: out
experiments:
  - name: bench
    dataset: items.jsonl
    task: task_{task}:answer
    concurrency: {concurrency}
    baseline: none.json
    evaluators:
      - {{type: exact, name: exact}}
      - {{type: contains, name: contains, value: "answer"}}
      - {{type: regex, name: regex, pattern: "^answer: q[0-9]+$"}}
    gate:
      exact: {{min: 0.0}}
"""

# Times scoregate's own work in-process: engine, evaluators and the run record written.
SCOREGATE_INPROC = """
import io, sys, time
from pathlib import Path
from scoregate.config import experiments as config
from scoregate.execute.prepared import Overrides
from scoregate.pipeline import runner
from scoregate.record import store
cfg = config.load(Path("experiments.yaml"), {})
prepared = runner.prepare(cfg, cfg.experiments)[0]
t0 = time.perf_counter()
record, _ = runner.execute(prepared, cfg, overrides=Overrides(), git={}, stream=io.StringIO())
store.write_record(Path("out/record.json"), record)
print(time.perf_counter() - t0)
"""

LANGFUSE_INPROC = """
import asyncio, json, os, re, sys, time
os.environ["LANGFUSE_TRACING_ENABLED"] = "false"
from langfuse import Evaluation, Langfuse
import importlib

items = [json.loads(line) for line in open("items.jsonl")]
pattern = re.compile(r"^answer: q[0-9]+$")

def exact(*, input, output, expected_output=None, **kw):
    return Evaluation(name="exact", value=1.0 if output == expected_output else 0.0)

def contains(*, input, output, **kw):
    return Evaluation(name="contains", value=1.0 if "answer" in output else 0.0)

def regex(*, input, output, **kw):
    return Evaluation(name="regex", value=1.0 if pattern.search(output) else 0.0)

client = Langfuse(public_key="pk-bench", secret_key="sk-bench", base_url="http://127.0.0.1:9", tracing_enabled=False)
task = importlib.import_module(f"task_{sys.argv[1]}").answer
t0 = time.perf_counter()
result = client.run_experiment(name="bench", data=items, task=task, evaluators=[exact, contains, regex], max_concurrency=int(sys.argv[2]))
elapsed = time.perf_counter() - t0
assert len(result.item_results) == len(items), len(result.item_results)
print(elapsed)
"""


def workdir(n: int, latency: float, task: str, concurrency: int) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="scoregate-bench-"))
    with (folder / "items.jsonl").open("w") as out:
        for i in range(n):
            out.write(
                json.dumps(
                    {"id": f"i{i}", "input": {"q": f"q{i}"}, "expected_output": f"answer: q{i}"}
                )
                + "\n"
            )
    (folder / "task_sync.py").write_text(SYNC_TASK.format(latency=latency))
    (folder / "task_async.py").write_text(ASYNC_TASK.format(latency=latency))
    (folder / "experiments.yaml").write_text(CONFIG.format(task=task, concurrency=concurrency))
    return folder


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, str, int]:
    """Wall seconds, stdout, and peak RSS (KiB) of one subprocess."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, done.stdout, max(peak, before)


def rss_of(cmd: list[str], cwd: Path) -> float:
    """Peak RSS in MB of one command, measured by wrapping it so no other child counts."""
    probe = (
        "import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], check=False, capture_output=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    done = subprocess.run(
        [PYTHON, "-c", probe, *cmd], cwd=cwd, capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip()) / 1024


def median(values: list[float]) -> float:
    return statistics.median(values)


def make_records(n: int, folder: Path) -> tuple[Path, Path]:
    """Two stored run records of n items with three scores each (the candidate a bit worse)."""
    sys.path.insert(0, str(ROOT / "src"))
    import random

    from scoregate.record import store
    from scoregate.values.model import Item, ItemResult, RunRecord, Sample, Score, ScoreDef

    rng = random.Random(7)
    names = ("exact", "contains", "regex")
    truth = [[rng.random() for _ in names] for _ in range(n)]
    paths = []
    for label, noise in (("base", 0.0), ("cand", 0.05)):
        items = tuple(
            ItemResult(
                Item(f"i{i}", {"q": f"q{i}"}, f"answer {i}"),
                (
                    Sample(
                        0,
                        f"answer {i}",
                        0.01,
                        None,
                        tuple(
                            Score(s, min(1.0, max(0.0, truth[i][k] + rng.gauss(-0.01, noise))))
                            for k, s in enumerate(names)
                        ),
                    ),
                ),
            )
            for i in range(n)
        )
        record = RunRecord("bench", f"run-{label}", items, {s: ScoreDef(s) for s in names})
        path = folder / f"{label}.json"
        store.write_record(path, record)
        paths.append(path)
    return paths[0], paths[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one repeat per case")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    reps = 1 if args.quick else args.repeats
    rows: list[tuple[str, str, str, str]] = []
    env = dict(os.environ, LANGFUSE_TRACING_ENABLED="false")
    # Byte-compile scoregate as `pip install` does: an editable checkout under
    # PYTHONDONTWRITEBYTECODE would otherwise recompile every module on every start.
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "src")], check=True)

    def add(case: str, ours: str, theirs: str = "", ratio: str = "") -> None:
        rows.append((case, ours, theirs, ratio))
        print(f"  {case}: {ours}  {theirs}  {ratio}", file=sys.stderr, flush=True)

    # 1. Latency-bound: N=1000, L=50 ms, C=10, ideal 5 s; wall includes start-up.
    for kind in ("sync", "async"):
        folder = workdir(1000, 0.05, kind, 10)
        walls = [timed([SCOREGATE, "run"], folder)[0] for _ in range(reps)]
        ours = median(walls) / 5.0
        if kind == "sync":
            folder100 = workdir(100, 0.05, "sync", 10)
            theirs_wall = timed([PYTHON, "-c", LANGFUSE_INPROC, "sync", "10"], folder100, env)[0]
            theirs = theirs_wall / 0.5
        else:
            theirs = (
                median(
                    [
                        timed([PYTHON, "-c", LANGFUSE_INPROC, "async", "10"], folder, env)[0]
                        for _ in range(reps)
                    ]
                )
                / 5.0
            )
        add(
            f"N=1000 L=50ms C=10 {kind}: wall/ideal",
            f"{ours:.3f}",
            f"{theirs:.3f}" + (" (N=100)" if kind == "sync" else ""),
            f"{theirs / ours:.1f}x",
        )

    # 2. Pure per-item cost: L=0, three evaluators, run record written.
    for n in (1000, 10000):
        for kind in ("async", "sync"):
            folder = workdir(n, 0.0, kind, 10)
            ours = median(
                [float(timed([PYTHON, "-c", SCOREGATE_INPROC], folder)[1]) for _ in range(reps)]
            )
            theirs = median(
                [
                    float(timed([PYTHON, "-c", LANGFUSE_INPROC, kind, "10"], folder, env)[1])
                    for _ in range(reps)
                ]
            )
            add(
                f"N={n} L=0 {kind}: ms per item",
                f"{1000 * ours / n:.4f}",
                f"{1000 * theirs / n:.4f}",
                f"{ours / theirs:.2f}x of theirs",
            )

    # 3. Peak memory of the N=10,000 run (the whole CLI: run, compare, gate, reports).
    folder = workdir(10000, 0.0, "async", 10)
    peaks = [rss_of([SCOREGATE, "run"], folder) for _ in range(reps)]
    add("N=10000 scoregate run: peak RSS", f"{median(peaks):.1f} MB")

    # 4. compare + gate + JUnit + markdown from two stored records of 100,000 items.
    folder = Path(tempfile.mkdtemp(prefix="scoregate-bench-"))
    base, cand = make_records(100_000, folder)
    (folder / "experiments.yaml").write_text(
        "version: 1\nexperiments:\n  - name: bench\n    dataset: x.jsonl\n    task: t:f\n"
        "    evaluators: [{type: exact}, {type: contains, name: contains}, {type: regex, name: regex, pattern: x}]\n"
        "    gate:\n      exact: {min: 0.1, max_drop: 0.02, max_regressed_items: 100000}\n"
        "      contains: {max_drop: 0.02}\n      regex: {max_drop: 0.02}\n"
    )
    walls = [timed([SCOREGATE, "compare", str(cand), str(base)], folder)[0] for _ in range(reps)]
    add("N=100000 compare+gate+JUnit+markdown (CLI, from records)", f"{median(walls):.2f} s")

    # 5. Start-up: the three commands interleaved, so a slow moment of the machine hits all three.
    bare_runs, help_runs, validate_runs = [], [], []
    for _ in range(max(reps, 11)):
        bare_runs.append(timed([PYTHON, "-c", "pass"], ROOT)[0])
        help_runs.append(timed([SCOREGATE, "--help"], ROOT)[0])
        validate_runs.append(timed([SCOREGATE, "validate"], ROOT)[0])
    bare, helps, validate = median(bare_runs), median(help_runs), median(validate_runs)
    add("python -c pass", f"{1000 * bare:.0f} ms")
    add("scoregate --help", f"{1000 * helps:.0f} ms", "", f"{helps / bare:.1f}x bare")
    add(
        "scoregate validate (demo)", f"{1000 * validate:.0f} ms", "", f"{validate / bare:.1f}x bare"
    )

    width = max(len(r[0]) for r in rows)
    print(f"\n{'case':<{width}} | {'scoregate':>12} | {'langfuse run_experiment':>24} | ratio")
    print(f"{'-' * width}-|-{'-' * 12}-|-{'-' * 24}-|------")
    for case, ours, theirs, ratio in rows:
        print(f"{case:<{width}} | {ours:>12} | {theirs:>24} | {ratio}")
    print(
        textwrap.dedent("""
        wall/ideal: the whole CLI (start-up included) over N*L/C. ms per item: the engine, three
        evaluators and the run record, in-process, L=0. Langfuse: run_experiment with tracing
        disabled; its sync case runs N=100 once, since it runs sync tasks serially.
    """)
    )


if __name__ == "__main__":
    main()
