"""Before the first task call, every path the run writes is checked: exit 2 naming the path
and why, and the task never runs.

Tests run as root, for whom permission bits do not stop a write; the unwritable folders here
are ones no one can write: a path under a regular file, and /proc (no file can be made there).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from testing.project import Project

CALLS = "calls.log"

TASK = f'''
def task(*, item, **kwargs):
    with open("{CALLS}", "a", encoding="utf-8") as log:
        log.write(item["id"] + "\\n")
    return item["expected_output"]
'''


@pytest.fixture
def app(tmp_path: Path) -> Project:
    """A project whose task notes each call in calls.log, and a regular file ``blocker``."""
    project = Project(tmp_path / "app")
    project.write("logged.py", TASK)
    experiment = project.experiment()
    experiment["task"] = "logged:task"
    project.write_config(experiment)
    project.write("blocker", "a regular file\n")
    return project


def _refused(app: Project, *args: str) -> str:
    """Run with ``args``; it must exit 2 before any task call, print nothing; its stderr."""
    result = app.run_cli("run", *args)
    assert result.code == 2, result.stderr
    assert result.stdout == ""
    assert not (app.root / CALLS).exists()
    return result.stderr


def test_an_output_folder_under_a_regular_file_is_refused(app: Project) -> None:
    assert _refused(app, "--output-dir", "blocker/out") == (
        "error: the output folder blocker/out cannot be created: blocker is a file, not a "
        "folder. Choose another folder with --output-dir, or defaults.output_dir in the config.\n"
    )


def test_an_output_folder_from_the_config_under_a_regular_file_is_refused(app: Project) -> None:
    experiment = app.experiment()
    experiment["task"] = "logged:task"
    app.write_config(experiment, defaults={"output_dir": "blocker/deeper/out"})
    assert _refused(app) == (
        "error: the output folder blocker/deeper/out cannot be created: blocker is a file, not "
        "a folder. Choose another folder with --output-dir, or defaults.output_dir in the "
        "config.\n"
    )


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_an_output_folder_where_no_file_can_be_made_is_refused(app: Project) -> None:
    assert _refused(app, "--output-dir", "/proc") == (
        "error: the output folder /proc cannot be written: no file can be made in /proc (No "
        "such file or directory). Choose another folder with --output-dir, or "
        "defaults.output_dir in the config.\n"
    )


def test_a_junit_path_that_is_a_folder_is_refused(app: Project) -> None:
    (app.root / "reports").mkdir()
    stderr = _refused(app, "--junit", "reports")
    assert stderr.endswith("\nError: Invalid value for '--junit': File 'reports' is a directory.\n")


def test_a_default_report_path_that_is_a_folder_is_refused(app: Project) -> None:
    (app.output_dir / "junit.xml").mkdir(parents=True)
    assert _refused(app) == (
        "error: the JUnit report .scoregate/junit.xml is a folder, not a file. Choose another "
        "path with --junit.\n"
    )


def test_every_unwritable_report_path_is_named_at_once(app: Project) -> None:
    (app.root / "link.md").symlink_to("missing/report.md")
    assert _refused(app, "--junit", "blocker/junit.xml", "--markdown", "link.md") == (
        "error: the JUnit report blocker/junit.xml cannot be written: blocker is a file, not a "
        "folder. Choose another path with --junit.\n"
        "error: the markdown report link.md links to missing/report.md, whose folder does not "
        "exist. Choose another path with --markdown.\n"
    )


def test_an_html_path_under_a_regular_file_is_refused(app: Project) -> None:
    assert _refused(app, "--html", "blocker/report.html") == (
        "error: the HTML report blocker/report.html cannot be written: blocker is a file, not "
        "a folder. Choose another path with --html.\n"
    )


def test_a_runner_file_in_a_missing_folder_is_refused(app: Project) -> None:
    result = app.run_cli(
        "run",
        env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(app.root / "gone/summary.md")},
    )
    assert result.code == 2, result.stderr
    assert result.stderr == (
        "error: $GITHUB_STEP_SUMMARY gone/summary.md cannot be written: its folder gone "
        "does not exist. Point $GITHUB_STEP_SUMMARY at a writable file, or unset it.\n"
    )
    assert not (app.root / CALLS).exists()


def test_a_shard_run_writes_no_report_so_their_paths_are_not_checked(app: Project) -> None:
    result = app.run_cli("run", "--shard", "1/1", "--junit", "blocker/junit.xml")
    assert result.code == 0, result.stderr
    (record,) = app.records()
    assert len(json.loads(record.read_text())["items"]) == 5
    assert len((app.root / CALLS).read_text().split()) == 5


def test_the_checks_leave_nothing_behind(app: Project) -> None:
    """The checks create no folder and leave no probe file; the run then makes its folders."""
    before = sorted(p.name for p in app.root.iterdir())
    _refused(app, "--markdown", "blocker/report.md")
    assert sorted(p.name for p in app.root.iterdir()) == before
    result = app.run_cli("run", "--output-dir", "new/out")
    assert result.code == 0, result.stderr
    assert sorted(p.name for p in (app.root / "new/out").iterdir()) == [
        "junit.xml",
        "report.html",
        "report.md",
        "runs",
    ]
