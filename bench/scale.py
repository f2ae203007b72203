"""A large run: time, CPU and peak memory of run, compare, shards and merge at 100k and 1M items.

Run:  .venv/bin/python bench/scale.py                (100k and 1M items; about 10 minutes)
      .venv/bin/python bench/scale.py --quick        (10k and 100k items, a smoke check)
      .venv/bin/python bench/scale.py --sizes 100000 (any sizes)
      .venv/bin/python bench/scale.py --sizes 1000000 --only compare  (one row; run or compare)

The case: one experiment on a JSONL dataset of N items, a sync Python task that answers the
expected output at once (every 100th item wrong in the candidate run, so the reports have
regressions to show) and one exact-match evaluator. Every command is the real console script
in its own subprocess, started by a wrapper that runs nothing else and reads the command's
peak RSS and CPU from ``getrusage(RUSAGE_CHILDREN)``.

Rows, per size:
  run                  ``scoregate run --no-baseline``: engine, evaluators, the record written
  compare              ``scoregate compare CANDIDATE BASELINE``: read both, gate, every report
  4 shards             ``run --shard I/4`` four times (CPU summed)
  merge                ``scoregate merge`` of the four shard records, gated against the baseline
  4 shards + merge     their CPU against one unsharded run's

Targets (issue 18): run and compare under 400 MB peak at 1M; compare + gate + reports at 1M
≤ 8 s; merge ≤ 1.2× compare; 4 shards + merge ≤ 1.3× the CPU of one run; from 100k to 1M
at most linear in time (ratio ≤ 10). Times on a shared machine are noisy: the load average
is printed beside the table, and each ratio is given in CPU seconds too (they hold under
load; wall seconds do not).
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
from dataclasses import dataclass
from pathlib import Path

PYTHON = sys.executable
SCOREGATE = str(Path(sys.executable).parent / "scoregate")

TASK = """
import os

WRONG = int(os.environ.get("BENCH_WRONG_EVERY", "0"))


def answer(*, item, **kwargs):
    if WRONG and int(item.id[1:]) % WRONG == 0:
        return "wrong"
    return item["expected_output"]
"""

CONFIG = """version: 1
defaults:
  output_dir: out
experiments:
  - name: big
    dataset: items.jsonl
    task: task:answer
    concurrency: 4
    baseline: baseline.json
    evaluators: [{type: exact, name: correct}]
    gate: {correct: {max_drop: 1.0, max_regressed_items: 100000000}}
"""

PROBE = (
    "import resource, subprocess, sys; "
    "done = subprocess.run(sys.argv[1:], check=False, capture_output=True, text=True); "
    "sys.stderr.write(done.stderr[-3000:]); "
    "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(done.returncode, u.ru_maxrss, u.ru_utime + u.ru_stime)"
)


@dataclass
class Measured:
    wall: float
    cpu: float
    peak_mb: float


def measured(cmd: list[str], cwd: Path, env: dict[str, str]) -> Measured:
    """Wall seconds, CPU seconds and peak RSS of one command in its own wrapper."""
    started = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "-c", PROBE, *cmd], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - started
    code, peak, cpu = done.stdout.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({code}):\n{done.stderr}")
    return Measured(wall, float(cpu), int(peak) / 1024)


def build(folder: Path, items: int) -> None:
    with (folder / "items.jsonl").open("w") as out:
        for i in range(items):
            out.write(json.dumps({"id": f"i{i}", "input": f"q{i}", "expected_output": f"a{i}"}))
            out.write("\n")
    (folder / "task.py").write_text(TASK)
    (folder / "experiments.yaml").write_text(CONFIG)


def _only_record(folder: Path) -> Path:
    (record,) = (folder / "out" / "runs" / "big").glob("*.json")
    return record


def measure_size(items: int, keep: bool, only: str | None = None) -> dict[str, Measured]:
    folder = Path(tempfile.mkdtemp(prefix=f"scoregate-scale-{items}-"))
    found: dict[str, Measured] = {}
    try:
        build(folder, items)
        env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
        if only in (None, "run"):
            found["run"] = measured([SCOREGATE, "run", "--no-baseline"], folder, env)
        else:
            subprocess.run(
                [SCOREGATE, "run", "--no-baseline"],
                cwd=folder,
                env=env,
                capture_output=True,
                check=True,
            )
        if only == "run":
            return found
        _only_record(folder).rename(folder / "baseline.json")
        env["BENCH_WRONG_EVERY"] = "100"
        subprocess.run(
            [SCOREGATE, "run", "--no-baseline"],
            cwd=folder,
            env=env,
            capture_output=True,
            check=True,
        )
        candidate = _only_record(folder).rename(folder / "candidate.json")
        found["compare"] = measured(
            [SCOREGATE, "compare", str(candidate), "baseline.json"], folder, env
        )
        if only == "compare":
            return found
        shards = [
            measured([SCOREGATE, "run", "--shard", f"{i}/4"], folder, env) for i in (1, 2, 3, 4)
        ]
        found["4 shards"] = Measured(
            sum(s.wall for s in shards), sum(s.cpu for s in shards), max(s.peak_mb for s in shards)
        )
        records = sorted(str(p) for p in (folder / "out" / "runs" / "big").glob("*.json"))
        found["merge"] = measured([SCOREGATE, "merge", *records], folder, env)
    finally:
        if keep:
            print(f"work folder ({items:,} items): {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return found


def _row(name: str, figure: str, target: str, met: bool | None) -> str:
    mark = "" if met is None else ("met" if met else "NOT MET")
    return f"| {name:<34} | {figure:>22} | {target:<20} | {mark:<7} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10k and 100k items")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--keep", action="store_true", help="keep the work folders")
    parser.add_argument(
        "--only", choices=["run", "compare"], help="measure one command (the others still build)"
    )
    args = parser.parse_args()
    sizes = [10_000, 100_000] if args.quick else args.sizes
    load_before = os.getloadavg()
    results = {n: measure_size(n, args.keep, args.only) for n in sizes}
    load_after = os.getloadavg()
    largest = max(sizes)
    print(f"| {'case':<34} | {'figure':>22} | {'target':<20} | {'':<7} |")
    print(f"|{'-' * 36}|{'-' * 24}|{'-' * 22}|{'-' * 9}|")
    for n, found in results.items():
        big = n == largest and n >= 1_000_000
        if "run" in found:
            run = found["run"]
            print(_row(f"run, {n:,} items", f"{run.wall:.1f} s, CPU {run.cpu:.1f} s", "", None))
            print(
                _row(
                    "  peak RSS",
                    f"{run.peak_mb:.0f} MB",
                    "< 400 MB at 1M",
                    run.peak_mb < 400 if big else None,
                )
            )
        if "compare" not in found:
            continue
        compare = found["compare"]
        print(
            _row(
                f"compare + gate + reports, {n:,}",
                f"{compare.wall:.2f} s, CPU {compare.cpu:.2f} s",
                "≤ 8 s at 1M",
                compare.wall <= 8 if big else None,
            )
        )
        print(
            _row(
                "  peak RSS",
                f"{compare.peak_mb:.0f} MB",
                "< 400 MB at 1M",
                compare.peak_mb < 400 if big else None,
            )
        )
        if "merge" not in found:
            continue
        run, shards, merge = (found[k] for k in ("run", "4 shards", "merge"))
        ratio = merge.wall / compare.wall
        print(
            _row(
                f"merge (4 shards), {n:,}",
                f"{merge.wall:.2f} s = {ratio:.2f}× compare",
                "≤ 1.2× compare",
                ratio <= 1.2,
            )
        )
        cpu_ratio = merge.cpu / compare.cpu
        print(
            _row(
                "  merge CPU / compare CPU",
                f"{merge.cpu:.2f} / {compare.cpu:.2f} s = {cpu_ratio:.2f}×",
                "≤ 1.2×",
                cpu_ratio <= 1.2,
            )
        )
        cpu = (shards.cpu + merge.cpu) / run.cpu
        print(
            _row(
                f"4 shards + merge CPU, {n:,}",
                f"{shards.cpu + merge.cpu:.1f} s = {cpu:.2f}× run",
                "≤ 1.3× one run's CPU",
                cpu <= 1.3,
            )
        )
        print(
            _row(
                "  peak RSS shard / merge",
                f"{shards.peak_mb:.0f} / {merge.peak_mb:.0f} MB",
                "",
                None,
            )
        )
    if len(sizes) >= 2 and not args.only:
        small, large = min(sizes), max(sizes)
        scale = large / small
        for key in ("run", "compare"):
            growth = results[large][key].cpu / results[small][key].cpu
            print(
                _row(
                    f"{key} CPU {small:,} → {large:,}",
                    f"{growth:.1f}× for {scale:.0f}× items",
                    f"≤ {scale:.0f}× (linear)",
                    growth <= scale,
                )
            )
    print(
        f"\nload average (1, 5, 15 min): before {', '.join(f'{x:.2f}' for x in load_before)}; "
        f"after {', '.join(f'{x:.2f}' for x in load_after)}; {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
