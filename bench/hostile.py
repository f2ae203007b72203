"""How long scoregate takes to refuse each hostile config and dataset (testing/hostile.py).

Run:  .venv/bin/python bench/hostile.py            (about a minute; prints a table)
      .venv/bin/python bench/hostile.py --repeat 1 --case config_alias_bomb

Each case is written into a fresh folder and run through ``scoregate validate`` and
``scoregate run`` in fresh subprocesses (median of the repeats, wall time including start-up);
the YAML cases also through ``validate`` with PyYAML's own parser (libyaml blocked). The
target (docs/security.md): every case ends with exit 2 in under 2 seconds with libyaml.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from testing.hostile import CASES, Case, without_libyaml  # noqa: E402
from testing.project import Project  # noqa: E402

SCOREGATE = str(Path(sys.executable).parent / "scoregate")


def measure(
    case: Case, command: str, libyaml: bool, repeat: int, env: Mapping[str, str] | None
) -> tuple[float, int, int]:
    """Median seconds, exit code and message length of ``scoregate COMMAND`` on the case."""
    with tempfile.TemporaryDirectory() as folder:
        project = Project(Path(folder) / "project")
        case.write(project, libyaml)
        times, code, length = [], 0, 0
        for _ in range(repeat):
            start = time.perf_counter()
            done = subprocess.run(
                [SCOREGATE, command],
                cwd=project.root,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            times.append(time.perf_counter() - start)
            code, length = done.returncode, len(done.stderr)
        return statistics.median(times), code, length


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--case", action="append", help="only this case (repeatable)")
    args = parser.parse_args()
    import os

    import yaml

    base = dict(os.environ)
    with tempfile.TemporaryDirectory() as site:
        pure = {**base, **without_libyaml(Path(site))}
        print(f"PyYAML {yaml.__version__}, libyaml {'yes' if yaml.__with_libyaml__ else 'no'}")
        print(f"{'case':34} {'validate':>9} {'run':>9} {'pure-Python':>12}  exit  message")
        for case in CASES:
            if args.case and case.name not in args.case:
                continue
            row = [measure(case, c, True, args.repeat, base) for c in ("validate", "run")]
            purely = measure(case, "validate", False, args.repeat, pure) if case.yaml else None
            codes = {r[1] for r in row} | ({purely[1]} if purely else set())
            print(
                f"{case.name:34} {row[0][0]:8.2f}s {row[1][0]:8.2f}s "
                + (f"{purely[0]:11.2f}s" if purely else f"{'':>12}")
                + f"  {','.join(map(str, sorted(codes))):>4}  {max(r[2] for r in row):>4} chars",
                flush=True,
            )


if __name__ == "__main__":
    main()
