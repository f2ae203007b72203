"""Before the first task call: every file the run will write can be written.

A run that cannot write its run record or its reports would otherwise find out after every
item ran (and every model call was paid for). Checked here, creating nothing: the output
folder and each run record folder can be created (or exist) and a file can be made in them;
each report path is not a folder and its folder can be created, or, for a path that is
written through (a symlink, a device, a FIFO: see record/writefile.py), it is writable. Writability
is tried for real, with a probe file made and removed at once, so it holds for root too (for
whom permission bits do not stop a write, but a read-only file system or /proc does).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from scoregate.values.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Output:
    """A path the run will write: a folder it creates, or a file."""

    what: str
    """How the message names it: "the output folder", "the JUnit report"."""
    path: Path
    fix: str
    """The sentence that tells the user what to do."""
    folder: bool = False
    create: bool = True
    """Whether scoregate makes the missing folders on the way (not for a runner's files)."""


def run_outputs(
    output_dir: Path,
    experiments: Sequence[str],
    *,
    junit: Path | None,
    markdown: Path | None,
    env: Mapping[str, str],
    html: Path | None = None,
) -> list[Output]:
    """What ``scoregate run`` and ``merge`` write (no reports: a shard run writes none)."""
    folder_fix = "Choose another folder with --output-dir, or defaults.output_dir in the config."
    outputs = [Output("the output folder", output_dir, folder_fix, folder=True)]
    outputs += [
        Output(f"the run record folder of '{name}'", output_dir / "runs" / name, folder_fix, True)
        for name in experiments
    ]
    if junit is not None:
        outputs.append(Output("the JUnit report", junit, "Choose another path with --junit."))
    if markdown is not None:
        outputs.append(
            Output("the markdown report", markdown, "Choose another path with --markdown.")
        )
    if html is not None:
        outputs.append(Output("the HTML report", html, "Choose another path with --html."))
    if junit is not None and env.get("GITHUB_ACTIONS") == "true":
        for variable in ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"):
            if value := env.get(variable):
                fix = f"Point ${variable} at a writable file, or unset it."
                outputs.append(Output(f"${variable}", Path(value), fix, create=False))
    return outputs


def check_run(
    output_dir: Path,
    experiments: Sequence[str],
    reports: tuple[Path, Path, Path] | None,
    env: Mapping[str, str],
) -> None:
    """``check`` what a run or a merge writes; ``reports``: the JUnit, markdown and HTML
    paths, or None (a shard run writes no report)."""
    junit, markdown, html = reports or (None, None, None)
    check(run_outputs(output_dir, experiments, junit=junit, markdown=markdown, env=env, html=html))


def check(outputs: Sequence[Output]) -> None:
    """Raise ConfigError (exit 2) naming each output that cannot be written, and why."""
    problems: list[str] = []
    failed: list[Path] = []
    for output in outputs:
        where = Path(os.path.abspath(output.path))
        if any(where == f or f in where.parents for f in failed):
            continue  # inside a folder already reported
        found = folder_problem(output) if output.folder else file_problem(output)
        if found is not None:
            problems.append(f"{output.what} {_shown(output.path)} {found} {output.fix}")
            if output.folder:
                failed.append(where)
    if problems:
        raise ConfigError(problems)


def folder_problem(output: Output) -> str | None:
    """Why no file can be made in the folder ``output.path``, or None."""
    path = Path(os.path.abspath(output.path))
    if os.path.exists(path):
        if not os.path.isdir(path):
            return "is a file, not a folder."
        reason = _creatable(path, output.create)
        return None if reason is None else f"cannot be written: {reason}."
    reason = _creatable(path, output.create)
    return None if reason is None else f"cannot be created: {reason}."


def file_problem(output: Output) -> str | None:
    """Why the file ``output.path`` cannot be written, or None."""
    path = Path(os.path.abspath(output.path))
    try:
        mode = os.lstat(path).st_mode
    except OSError:  # missing (or a folder on the way is a file): made in its folder
        reason = _creatable(path.parent, output.create)
        return None if reason is None else f"cannot be written: {reason}."
    if stat.S_ISDIR(mode):
        return "is a folder, not a file."
    if stat.S_ISREG(mode):  # replaced: a new file is made beside it
        reason = _creatable(path.parent, output.create)
        return None if reason is None else f"cannot be written: {reason}."
    if stat.S_ISLNK(mode):
        target = Path(os.path.realpath(path))
        if os.path.isdir(target):
            return f"links to the folder {_shown(target)}; it must be a file."
        if not os.path.exists(target):
            if os.path.isdir(target.parent):
                return None
            return f"links to {_shown(target)}, whose folder does not exist."
    if not os.access(path, os.W_OK):  # written through: a device, a FIFO, a link's target
        return "is not writable."
    return None


def _creatable(folder: Path, create: bool) -> str | None:
    """Why ``folder`` (missing, or existing) cannot be made or written in, or None."""
    existing = next(p for p in (folder, *folder.parents) if os.path.exists(p))
    if not os.path.isdir(existing):
        return f"{_shown(existing)} is a file, not a folder"
    if existing != folder and not create:
        return f"its folder {_shown(folder)} does not exist"
    error = _probe(existing)
    if error is None:
        return None
    made = "file" if existing == folder else "folder"
    return f"no {made} can be made in {_shown(existing)} ({error.strerror})"


def _probe(folder: Path) -> OSError | None:
    """Make a file in ``folder`` and remove it; the error if that failed."""
    probe = folder / f".scoregate-probe-{os.urandom(4).hex()}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(probe, flags, 0o600)
    except OSError as exc:
        return exc
    os.close(fd)
    with suppress(OSError):
        os.unlink(probe)
    return None


def _shown(path: Path) -> str:
    """A path as the user wrote it: relative to the working folder when inside it; a symlink
    is named, not where it points (unlike store.shown)."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)
