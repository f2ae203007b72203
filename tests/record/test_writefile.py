"""Files scoregate writes: a regular file is replaced atomically; a device, a FIFO or a
symlink is written through, never replaced; a failed write is a sentence and exit 3.

Tests run as root: a replaced /dev/null would break the machine, so these tests check that
the devices stay devices.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest
from testing.project import Project

from scoregate.record.writefile import writer
from scoregate.values.errors import RunError


def test_a_full_device_is_a_clear_error_and_stays_a_device(project: Project) -> None:
    result = project.run_cli("run", "--markdown", "/dev/full")
    assert result.code == 3, result.stderr
    (record,) = project.records()
    assert result.stderr.endswith(
        "error: the markdown report (--markdown) was not written: cannot write /dev/full: No "
        "space left on device (ENOSPC); free some space there, or write it elsewhere. The run "
        f"record is kept: {record.relative_to(project.root)} (qa).\n"
    )
    assert (project.output_dir / "junit.xml").read_text().startswith("<?xml")  # still written
    assert "passed" in result.stdout  # the verdict is still shown
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_dev_null_is_written_through_and_stays_a_device(project: Project) -> None:
    result = project.run_cli("run", "--junit", "/dev/null")
    assert result.code == 0, result.stderr
    assert "Reports: /dev/null, .scoregate/report.md, .scoregate/report.html\n" in result.stdout
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_symlinked_report_writes_its_target_and_stays_a_link(project: Project) -> None:
    kept = project.root / "kept"
    kept.mkdir()
    (kept / "report.md").write_text("an old report, much longer than the new one\n" * 1000)
    (project.root / "report.md").symlink_to("kept/report.md")
    (project.root / "junit.xml").symlink_to("kept/junit.xml")  # dangling: made through it
    result = project.run_cli("run", "--markdown", "report.md", "--junit", "junit.xml")
    assert result.code == 0, result.stderr
    for name in ("report.md", "junit.xml"):
        link = project.root / name
        assert link.is_symlink()
        assert os.readlink(link) == f"kept/{name}"
    markdown = (kept / "report.md").read_text()
    assert "an old report" not in markdown
    assert "correct" in markdown
    assert (kept / "junit.xml").read_text().startswith("<?xml")
    assert sorted(p.name for p in kept.iterdir()) == ["junit.xml", "report.md"]  # no temp file


def test_a_fifo_report_is_written_through(project: Project) -> None:
    fifo = project.root / "junit.fifo"
    os.mkfifo(fifo)
    received: list[str] = []

    def read() -> None:
        with fifo.open(encoding="utf-8") as pipe:  # waits for scoregate to open it
            received.append(pipe.read())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        result = project.run_cli("run", "--junit", "junit.fifo")
    finally:
        if reader.is_alive():  # scoregate never opened it: let the reader end
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(10)
    assert result.code == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    (xml,) = received
    assert xml.startswith("<?xml")
    assert "</testsuites>" in xml


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text("old\n")
    with pytest.raises(ZeroDivisionError), writer(target) as handle:
        handle.write("half")
        _ = 1 / 0
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_a_failed_write_through_a_link_removes_nothing(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "report.md").write_text("old\n")
    folder = tmp_path / "out"
    folder.mkdir()
    link = folder / "report.md"
    link.symlink_to(outside / "report.md")
    with pytest.raises(ZeroDivisionError), writer(link) as handle:
        handle.write("new")
        _ = 1 / 0
    assert link.is_symlink()
    assert (outside / "report.md").exists()
    assert [p.name for p in folder.iterdir()] == ["report.md"]


def test_a_path_under_a_regular_file_is_a_run_error(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("")
    with pytest.raises(RunError) as caught, writer(tmp_path / "blocker/report.md") as handle:
        handle.write("never")
    assert str(caught.value) == (
        f"cannot write {tmp_path}/blocker/report.md: {tmp_path}/blocker is a file, not a "
        "folder; choose another path."
    )
