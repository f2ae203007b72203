"""pipeline/reportfiles.py: a report that cannot be written is exit 3 naming it; the run record
and the other report are written all the same."""

from __future__ import annotations

import json

from testing.project import Project

# A real failure no check before the run can see: the task turns the report's folder into a
# file while the items run.
SPOILER = """
import pathlib
import shutil


def spoil(*, item):
    folder = pathlib.Path("reports")
    if folder.is_dir():
        shutil.rmtree(folder)
        folder.write_text("a file now", encoding="utf-8")
    return item["expected_output"]
"""


def test_a_report_that_cannot_be_written_is_exit_3_and_the_record_is_kept(
    project: Project,
) -> None:
    project.write("spoiler.py", SPOILER)
    (project.root / "reports").mkdir()
    experiment = project.experiment(concurrency=1)
    experiment["task"] = {"python": "spoiler:spoil"}
    project.write_config(experiment)

    result = project.run_cli("run", "--markdown", "reports/report.md")

    assert result.code == 3, result.stderr
    (path,) = project.records()
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["gate"]["passed"] is True
    shown = path.relative_to(project.root)
    assert f"Run record (qa): {shown}\n" in result.stdout
    assert result.stderr.splitlines()[-1] == (
        "error: the markdown report (--markdown) was not written: cannot write "
        "reports/report.md: reports is a file, not a folder; choose another path. "
        f"The run record is kept: {shown} (qa)."
    )
    assert (project.output_dir / "junit.xml").read_text(encoding="utf-8").startswith("<?xml")
    assert "\nPASSED: all 2 checks passed.\n" in result.stdout  # the terminal summary too
    assert "Reports:" not in result.stdout
