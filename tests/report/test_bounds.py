"""report/bounds.py: a report shows the start of a long text; the run record keeps it whole."""

from __future__ import annotations

import json
import re
import shutil

from testing.project import Project

from scoregate.report.bounds import bounded

LONG_ERROR = """
def answer(*, item, **kwargs):
    if item.id == "d":
        raise RuntimeError("d broke: " + "x" * 200_000)
    return item["expected_output"]
"""


def test_bounded_keeps_short_text_and_cuts_long_text_saying_how_much() -> None:
    assert bounded("short", 500) == "short"
    cut = bounded("x" * 200_000, 500)
    assert len(cut) == 500
    assert cut.endswith("… (199,545 more characters in the run record)")
    assert cut.startswith("x" * 455 + "…")
    assert bounded("abcdef", 5) == "abcd…"


def test_a_long_error_is_whole_in_the_record_and_bounded_in_every_report(
    project: Project,
) -> None:
    assert project.run_cli("run").code == 0
    (good,) = project.records()
    (project.root / "baselines").mkdir()
    shutil.copy(good, project.root / "baselines" / "qa.json")
    project.write(f"{project.module}.py", LONG_ERROR)

    result = project.run_cli("run")

    assert result.code == 3, result.stderr  # the task's error exceeds max_error_rate 0
    (record_file,) = set(project.records()) - {good}
    record = json.loads(record_file.read_text(encoding="utf-8"))
    (item_d,) = [i for i in record["items"] if i["id"] == "d"]
    assert item_d["samples"][0]["error"] == "RuntimeError: d broke: " + "x" * 200_000
    longest = re.compile("x{501,}")
    for report in (project.output_dir / "junit.xml", project.output_dir / "report.md"):
        text = report.read_text(encoding="utf-8")
        assert longest.search(text) is None, report.name
        assert len(text) < 20_000, report.name
    assert longest.search(result.stdout) is None
    assert "1 error in the task: RuntimeError: d broke: xxx" in result.stdout
    shown = project.run_cli("show", record_file, "--failures")
    assert shown.code == 0, shown.stderr
    assert "  error: RuntimeError: d broke: xxx" in shown.stdout
    assert "… (199,568 more characters in the run record)" in shown.stdout
    assert longest.search(shown.stdout) is None
