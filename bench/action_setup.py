"""The action's set-up, as it runs on a job: cold, from a warm pip cache, and from the cache.

Run:  .venv/bin/python bench/action_setup.py

Three ways the "Install scoregate" step of action.yml can find a job:
  cold          no cache at all: a new virtualenv, ``pip install`` of this checkout and every
                dependency downloaded and built (an empty pip cache; the index is whatever pip
                is configured with here)
  warm wheels   the same, from a pip cache a previous install filled
  venv cache    what the action does on a cache hit: the virtualenv restored from an
                actions/cache archive (tar + zstd, as actions/cache makes it) and
                ``scoregate --version`` checked
Target (issue 18): ≤ 20 s on a warm cache; the cold time stated. The archive size is printed too
(GitHub keeps 10 GB of caches per repository).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def timed(command: list[str], **kwargs: object) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - started


def install(folder: Path, cache: Path) -> float:
    """A new virtualenv and scoregate installed into it, as the action's step does."""
    venv = folder / "scoregate-venv"
    shutil.rmtree(venv, ignore_errors=True)
    env = dict(os.environ, PIP_CACHE_DIR=str(cache))
    env.pop("PYTHONPATH", None)
    started = time.perf_counter()
    subprocess.run([PYTHON, "-m", "venv", str(venv)], check=True, capture_output=True)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(ROOT)],
        check=True,
        capture_output=True,
        env=env,
    )
    subprocess.run([str(venv / "bin" / "scoregate"), "--version"], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="scoregate-action-setup-"))
    try:
        cache = folder / "pip-cache"
        load = os.getloadavg()
        cold = install(folder, cache)
        warm = install(folder, cache)
        archive = folder / "venv.tzst"
        timed(
            ["tar", "--use-compress-program", "zstd -T0", "-cf", str(archive), "scoregate-venv"],
            cwd=folder,
        )
        shutil.rmtree(folder / "scoregate-venv")
        started = time.perf_counter()
        subprocess.run(
            ["tar", "--use-compress-program", "zstd -d", "-xf", str(archive)],
            cwd=folder,
            check=True,
        )
        version = folder / "scoregate-venv" / "bin" / "scoregate"
        subprocess.run([str(version), "--version"], check=True, capture_output=True)
        restored = time.perf_counter() - started
        size = archive.stat().st_size / 1e6
        print("| the action's set-up                       | seconds | target      |")
        print("|-------------------------------------------|---------|-------------|")
        print(f"| cold: new venv, pip install, empty cache  | {cold:7.1f} | stated      |")
        print(f"| warm pip cache: new venv, pip install     | {warm:7.1f} |             |")
        print(
            f"| venv cache hit: restore {size:5.0f} MB, check   | {restored:7.1f} | ≤ 20 s      |"
        )
        print(
            f"\nload average before (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in load)}; "
            f"after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs. "
            "The cache restore leaves out the download from GitHub's cache service "
            "(its archive size is above)."
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
