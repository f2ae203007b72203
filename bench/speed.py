"""Speed benchmark of scoregate, side by side with Langfuse's run_experiment, in one table.

Run:  .venv/bin/python bench/speed.py            (about 20 minutes; prints the tables)
      .venv/bin/python bench/speed.py --quick    (one repeat, Langfuse's sync cases at N=100,
                                                  the scale rows at 10k and 100k items)
      .venv/bin/python bench/speed.py --only startup --only scale   (any groups)

After this table come the rows of issue 18 measured by their own scripts, in the same run:
bench/scale.py (a million items: run, compare, shards and merge; ``--quick``: 10k and 100k)
and bench/action_setup.py (the action's set-up: cold, warm pip cache, from its cache).

Every case runs in a fresh subprocess and reports the median of its repeats (3 by default). No
model is called: the task sleeps a fixed latency L and returns a deterministic output. The
evaluators are the same on both sides: three Python functions returning Langfuse
``Evaluation``s (exact, contains, regex), given to scoregate as ``python:`` evaluators and to
Langfuse as its evaluators; scoregate's builtin exact/contains/regex are measured too. The
recording rows run against the fake Langfuse server (testing/fake_langfuse) in this process,
Langfuse with its tracing on; the OpenAI rows against the fake OpenAI server, scoregate's
prompt task beside bare ``AsyncOpenAI`` calls at the same concurrency. The machine's load
(1-minute average) is printed beside every row: on a shared machine, compare ratios and rerun
when the load is low.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
SCOREGATE = str(Path(sys.executable).parent / "scoregate")

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

EVALUATORS = """
import re

from langfuse import Evaluation

PATTERN = re.compile(r"^answer: q[0-9]+$")


def exact(*, input, output, expected_output=None, **kwargs):
    return Evaluation(name="exact", value=1.0 if output == expected_output else 0.0)


def contains(*, input, output, **kwargs):
    return Evaluation(name="contains", value=1.0 if "answer" in output else 0.0)


def regex(*, input, output, **kwargs):
    return Evaluation(name="regex", value=1.0 if PATTERN.search(output) else 0.0)
"""

BUILTIN = """      - {type: exact, name: exact}
      - {type: contains, name: contains, value: "answer"}
      - {type: regex, name: regex, pattern: "^answer: q[0-9]+$"}"""
PYTHON_EVALUATORS = """      - {python: "evals:exact"}
      - {python: "evals:contains"}
      - {python: "evals:regex"}"""

CONFIG = """
version: 1
defaults:
  output_dir: out
experiments:
  - name: bench
    dataset: items.jsonl
    task: task_{task}:answer
    concurrency: {concurrency}
{record}    evaluators:
{evaluators}
    gate:
      exact: {{min: 0.0}}
"""

# scoregate's own work in-process: engine, evaluators, the recording delivered (finish) and
# the run record written. Wall and CPU (every thread's) seconds.
SCOREGATE_INPROC = """
import io, os, sys, time
from pathlib import Path
from scoregate.config import experiments as config
from scoregate.execute.prepared import Overrides
from scoregate.pipeline import runner
from scoregate.record import store
cfg = config.load(Path(sys.argv[1]), {})
prepared = runner.prepare(cfg, cfg.experiments)[0]
if prepared.experiment.langfuse.record is not None:  # one-off costs out of the timing
    import opentelemetry.exporter.otlp.proto.http.trace_exporter, opentelemetry.sdk.trace
    import langfuse._client.attributes
    from scoregate.integrations.langfuse import connection, exporter, recorder
    connection.connect(os.environ)
t0, c0 = time.perf_counter(), time.process_time()
record, _ = runner.execute(
    prepared, cfg, overrides=Overrides(), git={}, stream=io.StringIO(), env=os.environ
)
record = runner.finish(prepared.experiment, record, root=cfg.root, env=os.environ, sharded=False)
store.write_record(Path("out/record.json"), record)
assert not record.warnings, record.warnings
print(time.perf_counter() - t0, time.process_time() - c0)
"""

# Langfuse's run_experiment with the same task and evaluators; argv: task kind, concurrency,
# "trace" (tracing on, to the fake server in LANGFUSE_BASE_URL, flushed) or "off".
LANGFUSE_INPROC = """
import importlib, json, os, sys, time
tracing = sys.argv[3] == "trace"
os.environ["LANGFUSE_TRACING_ENABLED"] = "true" if tracing else "false"
from langfuse import Langfuse
from evals import contains, exact, regex
items = [json.loads(line) for line in open("items.jsonl")]
client = Langfuse(
    public_key=os.environ.get("LANGFUSE_PUBLIC_KEY", "pk-bench"),
    secret_key=os.environ.get("LANGFUSE_SECRET_KEY", "sk-bench"),
    base_url=os.environ.get("LANGFUSE_BASE_URL", "http://127.0.0.1:9"),
    tracing_enabled=tracing,
)
task = importlib.import_module(f"task_{sys.argv[1]}").answer
t0, c0 = time.perf_counter(), time.process_time()
result = client.run_experiment(
    name="bench", data=items, task=task, evaluators=[exact, contains, regex],
    max_concurrency=int(sys.argv[2]),
)
client.flush()
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
assert len(result.item_results) == len(items), len(result.item_results)
print(wall, cpu)
"""

OPENAI_CONFIG = """
version: 1
defaults:
  output_dir: out
  openai: {{max_concurrent_calls: {concurrency}, timeout: 30, max_attempts: 1}}
experiments:
  - name: bench
    dataset: items.jsonl
    concurrency: {concurrency}
    task:
      openai:
        model: gpt-4o-mini
        messages:
          - {{role: user, content: "{{{{input.q}}}}"}}
    evaluators:
      - {{type: contains, name: contains, value: "q"}}
"""

BARE_OPENAI = """
import asyncio, json, sys
from openai import AsyncOpenAI

async def main():
    items = [json.loads(line) for line in open("items.jsonl")]
    client = AsyncOpenAI(max_retries=0, timeout=30)
    gate = asyncio.Semaphore(int(sys.argv[1]))
    async def one(item):
        async with gate:
            reply = await client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": item["input"]["q"]}]
            )
            return "q" in (reply.choices[0].message.content or "")
    results = await asyncio.gather(*(one(i) for i in items))
    assert len(results) == len(items)
    await client.close()

asyncio.run(main())
"""


def workdir(
    n: int,
    latency: float,
    task: str,
    concurrency: int,
    *,
    evaluators: str = BUILTIN,
    record: bool = False,
) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="scoregate-bench-"))
    with (folder / "items.jsonl").open("w") as out:
        for i in range(n):
            row = {"id": f"i{i}", "input": {"q": f"q{i}"}, "expected_output": f"answer: q{i}"}
            out.write(json.dumps(row) + "\n")
    (folder / "task_sync.py").write_text(SYNC_TASK.format(latency=latency))
    (folder / "task_async.py").write_text(ASYNC_TASK.format(latency=latency))
    (folder / "evals.py").write_text(EVALUATORS)
    (folder / "experiments.yaml").write_text(
        CONFIG.format(
            task=task,
            concurrency=concurrency,
            evaluators=evaluators,
            record="    record: {run_name: 'bench-{run_id}'}\n" if record else "",
        )
    )
    return folder


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, str]:
    """Wall seconds and stdout of one subprocess."""
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return wall, done.stdout


def figures(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """The (wall, cpu) seconds an in-process script printed."""
    wall, cpu = timed(cmd, cwd, env)[1].split()
    return float(wall), float(cpu)


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


def child_cpu(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """(wall, user+system CPU) seconds of one command."""
    t0 = time.perf_counter()
    process = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ
    )
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({status})")
    return time.perf_counter() - t0, usage.ru_utime + usage.ru_stime


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


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []

    def add(
        self, case: str, ours: str, theirs: str = "", target: str = "", met: bool | None = None
    ) -> None:
        verdict = "" if met is None else ("met" if met else "NOT MET")
        load = f"{os.getloadavg()[0]:.1f}"
        row = (case, ours, theirs, target, verdict, load)
        self.rows.append(row)
        print("  " + " | ".join(row), file=sys.stderr, flush=True)

    def print(self) -> None:
        head = ("case", "scoregate", "langfuse / bare SDK", "target", "", "load")
        widths = [max(len(r[i]) for r in [head, *self.rows]) for i in range(len(head))]
        for row in [head, tuple("-" * w for w in widths), *self.rows]:
            print(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def latency_rows(table: Table, reps: int, quick: bool, fake: object) -> None:
    """N=1000, L=50 ms, C=10: wall over ideal (5 s), start-up included; then recording on."""
    env_off = dict(os.environ, LANGFUSE_TRACING_ENABLED="false")
    fake_env = dict(os.environ) | fake.client_env()  # type: ignore[attr-defined]
    sync_n = 100 if quick else 1000
    for record in (False, True):
        for kind in ("sync", "async"):
            folder = workdir(1000, 0.05, kind, 10, evaluators=PYTHON_EVALUATORS, record=record)
            env = fake_env if record else None
            ours = median([timed([SCOREGATE, "run"], folder, env)[0] for _ in range(reps)]) / 5.0
            n = sync_n if kind == "sync" else 1000
            theirs_folder = folder if n == 1000 else workdir(n, 0.05, kind, 10)
            mode = "trace" if record else "off"
            runs = 1 if kind == "sync" else reps
            cmd = [PYTHON, "-c", LANGFUSE_INPROC, kind, "10", mode]
            theirs_env = fake_env if record else env_off
            theirs = median([timed(cmd, theirs_folder, theirs_env)[0] for _ in range(runs)]) / (
                n * 0.05 / 10
            )
            label = "recording to Langfuse" if record else "no recording"
            limit = 1.15 if record else 1.10
            table.add(
                f"N=1000 L=50ms C=10 {kind}, {label}: wall/ideal",
                f"{ours:.3f}",
                f"{theirs:.3f}" + (f" (N={n})" if n != 1000 else ""),
                f"<= {limit}" + (" and < Langfuse" if record else ""),
                ours <= limit and (not record or ours < theirs),
            )


def recording_cpu_rows(table: Table, reps: int, fake: object) -> None:
    """L=0, N=1000: CPU per recorded item (recording on minus off, every thread), both sides."""
    fake_env = dict(os.environ) | fake.client_env()  # type: ignore[attr-defined]
    n = 1000
    on = workdir(n, 0.0, "async", 10, evaluators=PYTHON_EVALUATORS, record=True)
    off = workdir(n, 0.0, "async", 10, evaluators=PYTHON_EVALUATORS)
    ours_on = median(
        [
            figures([PYTHON, "-c", SCOREGATE_INPROC, "experiments.yaml"], on, fake_env)[1]
            for _ in range(reps)
        ]
    )
    ours_off = median(
        [
            figures([PYTHON, "-c", SCOREGATE_INPROC, "experiments.yaml"], off, fake_env)[1]
            for _ in range(reps)
        ]
    )
    trace = [PYTHON, "-c", LANGFUSE_INPROC, "async", "10"]
    theirs_on = median([figures([*trace, "trace"], on, fake_env)[1] for _ in range(reps)])
    theirs_off = median([figures([*trace, "off"], on, fake_env)[1] for _ in range(reps)])
    ours = 1000 * (ours_on - ours_off) / n
    theirs = 1000 * (theirs_on - theirs_off) / n
    table.add(
        "N=1000 L=0 async: CPU ms per recorded item (on - off)",
        f"{ours:.3f}",
        f"{theirs:.3f}",
        "<= 0.5 and < Langfuse",
        ours <= 0.5 and ours < theirs,
    )


def per_item_rows(table: Table, reps: int) -> None:
    """L=0: our own time per item in-process (engine, evaluators, record written), both sides
    with the same Python evaluators, and scoregate's builtins; then whole processes."""
    env = dict(os.environ, LANGFUSE_TRACING_ENABLED="false")
    for n in (1000, 10000):
        for kind in ("async", "sync"):
            folder = workdir(n, 0.0, kind, 10, evaluators=PYTHON_EVALUATORS)
            (folder / "builtin.yaml").write_text(
                CONFIG.format(task=kind, concurrency=10, evaluators=BUILTIN, record="")
            )
            script = [PYTHON, "-c", SCOREGATE_INPROC]
            python = median(
                [figures([*script, "experiments.yaml"], folder)[0] for _ in range(reps)]
            )
            builtin = median([figures([*script, "builtin.yaml"], folder)[0] for _ in range(reps)])
            theirs = median(
                [
                    figures([PYTHON, "-c", LANGFUSE_INPROC, kind, "10", "off"], folder, env)[0]
                    for _ in range(reps)
                ]
            )
            for label, ours in (
                ("same Python evaluators", python),
                ("builtin evaluators", builtin),
            ):
                table.add(
                    f"N={n} L=0 {kind}, {label}: ms per item in-process",
                    f"{1000 * ours / n:.4f}",
                    f"{1000 * theirs / n:.4f}",
                    "<= 0.2 and <= 0.7x Langfuse",
                    1000 * ours / n <= 0.2 and ours <= 0.7 * theirs,
                )
    n = 10000
    folder = workdir(n, 0.0, "async", 10, evaluators=PYTHON_EVALUATORS)
    ours = median([timed([SCOREGATE, "run"], folder)[0] for _ in range(reps)])
    theirs = median(
        [
            timed([PYTHON, "-c", LANGFUSE_INPROC, "async", "10", "off"], folder, env)[0]
            for _ in range(reps)
        ]
    )
    table.add(
        f"N={n} L=0 async: ms per item, whole process (CLI / script)",
        f"{1000 * ours / n:.4f}",
        f"{1000 * theirs / n:.4f}",
        "< Langfuse",
        ours < theirs,
    )


def openai_rows(table: Table, reps: int) -> None:
    """scoregate's prompt task against bare AsyncOpenAI calls, same concurrency, fake server."""
    from testing.fake_openai import FakeOpenAI

    n, concurrency = 300, 10
    folder = workdir(n, 0.0, "async", concurrency)
    (folder / "experiments.yaml").write_text(OPENAI_CONFIG.format(concurrency=concurrency))
    (folder / "bare.py").write_text(BARE_OPENAI)
    with FakeOpenAI() as fake:
        env = dict(os.environ) | fake.env()
        ours = median(
            [timed([SCOREGATE, "run", "--no-cache"], folder, env)[0] for _ in range(reps)]
        )
        bare = median(
            [timed([PYTHON, "bare.py", str(concurrency)], folder, env)[0] for _ in range(reps)]
        )
    table.add(
        f"OpenAI path N={n} C={concurrency}: wall, whole process",
        f"{ours:.2f} s",
        f"{bare:.2f} s",
        "<= 1.2x bare AsyncOpenAI",
        ours <= 1.2 * bare,
    )


def memory_and_compare_rows(table: Table, reps: int) -> None:
    folder = workdir(10000, 0.0, "async", 10)
    peaks = [rss_of([SCOREGATE, "run"], folder) for _ in range(reps)]
    table.add(
        "N=10000 scoregate run: peak RSS",
        f"{median(peaks):.1f} MB",
        "",
        "<= 100 MB",
        median(peaks) <= 100,
    )
    folder = Path(tempfile.mkdtemp(prefix="scoregate-bench-"))
    base, cand = make_records(100_000, folder)
    (folder / "experiments.yaml").write_text(
        "version: 1\nexperiments:\n  - name: bench\n    dataset: x.jsonl\n    task: t:f\n"
        "    evaluators: [{type: exact}, {type: contains, name: contains}, {type: regex, name: regex, pattern: x}]\n"
        "    gate:\n      exact: {min: 0.1, max_drop: 0.02, max_regressed_items: 100000}\n"
        "      contains: {max_drop: 0.02}\n      regex: {max_drop: 0.02}\n"
    )
    walls = [timed([SCOREGATE, "compare", str(cand), str(base)], folder)[0] for _ in range(reps)]
    table.add(
        "N=100000 compare+gate+JUnit+markdown (CLI)",
        f"{median(walls):.2f} s",
        "",
        "<= 3 s",
        median(walls) <= 3,
    )


def startup_rows(table: Table, reps: int) -> None:
    """Interleaved, so a slow moment of the machine hits every command alike."""
    commands: dict[str, list[str]] = {
        "python -c pass": [PYTHON, "-c", "pass"],
        "scoregate --help": [SCOREGATE, "--help"],
        "scoregate schema": [SCOREGATE, "schema"],
        "scoregate validate (demo)": [SCOREGATE, "validate"],
    }
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(max(reps, 15)):
        for name, cmd in commands.items():
            wall, cpu = child_cpu(cmd, ROOT)
            walls[name].append(wall)
            cpus[name].append(cpu)
    bare, bare_cpu = median(walls["python -c pass"]), median(cpus["python -c pass"])
    table.add("python -c pass", f"{1000 * bare:.0f} ms (CPU {1000 * bare_cpu:.0f} ms)")
    limits = {"scoregate --help": 3, "scoregate schema": 3, "scoregate validate (demo)": 5}
    for name, limit in limits.items():
        wall, cpu = median(walls[name]), median(cpus[name])
        table.add(
            name,
            f"{1000 * wall:.0f} ms = {wall / bare:.1f}x bare (CPU {cpu / bare_cpu:.1f}x)",
            "",
            f"<= {limit}x bare",
            wall / bare <= limit,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one repeat; Langfuse sync at N=100")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--only",
        choices=[
            "latency",
            "recording",
            "per-item",
            "openai",
            "memory",
            "startup",
            "scale",
            "action",
        ],
        action="append",
        help="run only these groups of rows (repeatable)",
    )
    args = parser.parse_args()
    reps = 1 if args.quick else args.repeats
    # Byte-compile scoregate as `pip install` does: an editable checkout under
    # PYTHONDONTWRITEBYTECODE would otherwise recompile every module on every start.
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "src")], check=True)
    from testing.fake_langfuse import FakeLangfuse

    table = Table()
    started_load = os.getloadavg()
    groups: dict[str, Callable[[], None]] = {}
    with FakeLangfuse(public_key="pk-lf-bench", secret_key="sk-lf-bench") as fake:
        groups = {
            "latency": lambda: latency_rows(table, reps, args.quick, fake),
            "recording": lambda: recording_cpu_rows(table, reps, fake),
            "per-item": lambda: per_item_rows(table, reps),
            "openai": lambda: openai_rows(table, reps),
            "memory": lambda: memory_and_compare_rows(table, reps),
            "startup": lambda: startup_rows(table, reps),
        }
        for name, run in groups.items():
            if not args.only or name in args.only:
                run()
    cpus = os.cpu_count()
    print(
        f"\nscoregate speed, {time.strftime('%Y-%m-%d %H:%M')}; {cpus} cores; load average "
        f"{started_load[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end "
        f"(the last column: at each row)\n"
    )
    table.print()
    print(
        "\nwall/ideal: the whole CLI (start-up included) over N*L/C; Langfuse: run_experiment "
        "in-process, tracing off, or on and flushed to the fake Langfuse server (recording "
        "rows). CPU per recorded item: every thread's CPU, recording on minus off, in-process. "
        "ms per item: engine, three evaluators, run record written, in-process, L=0."
    )
    for script, wanted, extra in (
        ("scale.py", "scale", ["--quick"] if args.quick else []),
        ("action_setup.py", "action", []),
    ):
        if not args.only or wanted in args.only:
            print(f"\n$ bench/{script} {' '.join(extra)}".rstrip(), flush=True)
            subprocess.run([PYTHON, str(ROOT / "bench" / script), *extra], check=False)


if __name__ == "__main__":
    main()
