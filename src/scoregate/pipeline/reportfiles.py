"""Report files written one by one, after the run records: one that cannot be written does not
stop the others, and the error (exit 3) names each one that failed and the kept run records.

Why a write failed is said by ``record/writefile.py``, as for every file scoregate writes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from scoregate.record import store
from scoregate.report.html_listing import LIST_UNCHANGED
from scoregate.values.errors import RunError

Report = tuple[str, str, Path, str]
"""A report to write: what it is, the option that chooses its path, the path, the text."""


def write_each(*reports: Report) -> list[str]:
    """Write every report; the sentence of each that could not be written, in order."""
    problems = []
    for label, option, path, text in reports:
        try:
            store.write_text(path, text)
        except RunError as exc:
            problems.append(f"the {label} ({option}) was not written: {exc}")
    return problems


def reports_failed(problems: Sequence[str], records: Mapping[str, Path]) -> RunError:
    """The error (exit 3) for reports that could not be written, naming the kept records."""
    kept = ", ".join(f"{store.shown(path)} ({name})" for name, path in records.items())
    tail = f" The run record is kept: {kept}." if kept else ""
    return RunError(" ".join(problems) + tail)


@dataclass(frozen=True, slots=True)
class ReportPaths:
    output_dir: Path
    junit: Path
    markdown: Path
    html: Path
    html_items: int = LIST_UNCHANGED
    """The most unchanged items the HTML report lists (``--html-items``)."""

    @property
    def files(self) -> tuple[Path, Path, Path]:
        """The report files, in the order the ``Reports:`` line names them."""
        return (self.junit, self.markdown, self.html)

    def listed(self) -> str:
        """``Reports: junit.xml, report.md, report.html`` (paths as store.shown writes them)."""
        return "Reports: " + ", ".join(store.shown(path) for path in self.files)


def report_paths(
    config_output: Path,
    output_dir: Path | None,
    junit_path: Path | None,
    markdown_path: Path | None,
    html_path: Path | None = None,
    html_items: int = LIST_UNCHANGED,
) -> ReportPaths:
    out = output_dir or config_output
    return ReportPaths(
        out,
        junit_path or out / "junit.xml",
        markdown_path or out / "report.md",
        html_path or out / "report.html",
        html_items,
    )
