"""The HTML report's share of a run: ``scoregate run`` of N items with and without its page.

Run:  .venv/bin/python bench/htmlcost.py               (10,000 items, 3 rounds)
      .venv/bin/python bench/htmlcost.py --items 1000  (a smoke check)

The case is bench/scale.py's (a JSONL dataset of N items, a sync Python task, one exact-match
evaluator, a baseline run first, every 100th item wrong in the measured run, so the report has
regressions to show beside their baseline). Each round runs the real console script twice, in
its own wrapper that reads peak RSS and CPU (bench/scale.py's ``measured``): once as shipped,
once with a ``sitecustomize`` that makes ``report.html.render`` return an empty page, which is
the run without its HTML report. The rounds alternate, and the median of each is printed, so a
change in the machine's load touches both alike; the load average is printed beside.

Target (the htmlscale work on issues 15 and 18): the run with its report within 1.3× of the
run without it, in time; the report of 10,000 items under 15 MB (bench/html.py measures the
page in the browser).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale

NO_PAGE = '''"""bench/htmlcost.py: the run without its HTML report (the page left empty)."""
import scoregate.report.html as html


def render(verdict, **options):
    return "<!doctype html><title>left out by bench/htmlcost.py</title>"


html.render = render
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix=f"scoregate-htmlcost-{args.items}-"))
    load_before = os.getloadavg()
    try:
        scale.build(folder, args.items)
        env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
        first = [scale.SCOREGATE, "run", "--no-baseline"]
        subprocess.run(first, cwd=folder, env=env, capture_output=True, check=True)
        scale._only_record(folder).rename(folder / "baseline.json")
        env["BENCH_WRONG_EVERY"] = "100"
        stub = folder / "no-page"
        stub.mkdir()
        (stub / "sitecustomize.py").write_text(NO_PAGE)
        bare = dict(
            env, PYTHONPATH=os.pathsep.join(filter(None, [str(stub), env.get("PYTHONPATH")]))
        )
        command = [scale.SCOREGATE, "run"]
        found: dict[str, list[scale.Measured]] = {"with the HTML report": [], "without": []}
        sizes = []
        for _ in range(args.rounds):
            found["with the HTML report"].append(scale.measured(command, folder, env))
            sizes.append((folder / "out" / "report.html").stat().st_size)
            found["without"].append(scale.measured(command, folder, bare))
            page = (folder / "out" / "report.html").read_text()
            if "bench/htmlcost.py" not in page:
                raise SystemExit("the run without its page still wrote one: sitecustomize unused")
        if args.keep:
            print(f"work folder: {folder}")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    load_after = os.getloadavg()
    print(f"| run of {args.items:,} items (median of {args.rounds}) | wall s | CPU s | peak MB |")
    print("|---|---:|---:|---:|")
    medians = {}
    for name, runs in found.items():
        wall = statistics.median(r.wall for r in runs)
        cpu = statistics.median(r.cpu for r in runs)
        peak = statistics.median(r.peak_mb for r in runs)
        medians[name] = (wall, cpu, peak)
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {peak:.0f} |")
    (wall, cpu, peak), (wall0, cpu0, peak0) = medians.values()
    met = "met" if wall / wall0 <= 1.3 else "NOT MET"
    print(
        f"| ratio | {wall / wall0:.2f}× | {cpu / cpu0:.2f}× | {peak / peak0:.2f}× |  "
        f"(target ≤ 1.3× in time: {met})"
    )
    size = max(sizes)
    print(
        f"\nreport.html: {size / 1e6:.2f} MB (target < 15 MB at 10,000 items: "
        f"{'met' if size < 15e6 else 'NOT MET'})"
    )
    print(
        f"load average (1, 5, 15 min): before {', '.join(f'{x:.2f}' for x in load_before)}; "
        f"after {', '.join(f'{x:.2f}' for x in load_after)}; {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
