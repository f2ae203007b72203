"""show, baseline promote and compare take the run ids scoregate prints; compare keeps the
last run's reports."""

from __future__ import annotations

import re
from pathlib import Path

from testing.project import Project, make_record

from scoregate.record import store

GATE = {"correct": {"min": 0.8, "max_regressed_items": 0}}
GOOD = "20260101T000000Z-a1b2c3"
WORSE = "20260101T000000Z-a1ffff"


def stored(project: Project, run_id: str, values: dict[str, float]) -> Path:
    record = make_record(values, run_id=run_id)
    return store.write_record(store.record_path(project.output_dir, record), record)


def two_runs(project: Project) -> tuple[Path, Path]:
    project.write_config(project.experiment(gate=GATE))
    good = stored(project, GOOD, dict.fromkeys("abcde", 1.0))
    worse = stored(project, WORSE, {**dict.fromkeys("abde", 1.0), "c": 0.0})
    return good, worse


def test_show_compare_and_promote_take_a_run_id_or_its_start(project: Project) -> None:
    good, worse = two_runs(project)
    by_file = project.run_cli("show", good)
    assert by_file.code == 0, by_file.stderr
    assert project.run_cli("show", GOOD) == by_file
    assert project.run_cli("show", "20260101T000000Z-a1b") == by_file

    by_files = project.run_cli("compare", worse, good, "--markdown", "files.md")
    by_ids = project.run_cli("compare", WORSE, GOOD, "--markdown", "ids.md")
    assert by_files.code == by_ids.code == 1
    assert by_ids.stderr == ""
    assert (project.root / "ids.md").read_text(encoding="utf-8") == (
        project.root / "files.md"
    ).read_text(encoding="utf-8")

    code, out, err = project.run_cli("baseline", "promote", "20260101T000000Z-a1b2")
    assert (code, err) == (0, "")
    assert out == f"Baseline for 'qa' is now baselines/qa.json (run {GOOD}).\n"
    assert (project.root / "baselines" / "qa.json").read_bytes() == good.read_bytes()


def test_an_unknown_or_ambiguous_run_id_is_a_usage_error_naming_where_it_looked(
    project: Project,
) -> None:
    two_runs(project)
    runs = project.output_dir / "runs"
    code, out, err = project.run_cli("show", "20260101T000000Z-a1")
    assert (code, out) == (2, "")
    assert err == (
        f"error: 20260101T000000Z-a1: 2 runs in {runs} have an id starting with "
        f"'20260101T000000Z-a1': {GOOD} (qa), {WORSE} (qa); give the whole run id.\n"
    )
    for command in (("show",), ("baseline", "promote"), ("compare", GOOD)):
        code, out, err = project.run_cli(*command, "20991231T000000Z-000000")
        assert (code, out) == (2, ""), command
        assert err == (
            "error: 20991231T000000Z-000000: no such run record file, and no run record "
            f"{runs}/<experiment>/20991231T000000Z-000000*.json; give a run record file, or a "
            "run id as 'scoregate run' prints it (runs written elsewhere: pass that folder with "
            "--output-dir).\n"
        ), command
    assert not (project.root / "baselines").exists()

    # Runs written with --output-dir are found there.
    other = make_record(dict.fromkeys("abcde", 1.0), run_id="20260301T000000Z-0fe1d0")
    store.write_record(store.record_path(project.root / "elsewhere", other), other)
    assert project.run_cli("show", other.run_id).code == 2
    code, out, err = project.run_cli("show", other.run_id, "--output-dir", "elsewhere")
    assert (code, err) == (0, "")


def test_compare_writes_its_reports_beside_the_run_s_not_over_them(project: Project) -> None:
    project.write_config(project.experiment(gate=GATE))
    code, out, err = project.run_cli("run")
    assert code == 0, err
    first = re.search(r"Run record \(qa\): \.scoregate/runs/qa/(\S+)\.json", out)
    assert first is not None
    assert project.run_cli("baseline", "promote", first[1]).code == 0

    project.write_config(project.experiment(gate=GATE, task_kwargs={"wrong": ["c"]}))
    code, out, err = project.run_cli("run")
    assert code == 1, err
    second = re.search(r"Run record \(qa\): \.scoregate/runs/qa/(\S+)\.json", out)
    assert second is not None
    report = (project.output_dir / "report.md").read_bytes()
    junit = (project.output_dir / "junit.xml").read_bytes()

    # Compared the other way round, the verdict differs: the run's reports must stay as they were.
    code, out, err = project.run_cli("compare", first[1], second[1])
    assert (code, err) == (0, "")
    assert out.endswith(
        "Reports: .scoregate/compare/junit.xml, .scoregate/compare/report.md, .scoregate/compare/report.html\n"
    )
    assert (project.output_dir / "report.md").read_bytes() == report
    assert (project.output_dir / "junit.xml").read_bytes() == junit
    compared = (project.output_dir / "compare" / "report.md").read_text(encoding="utf-8")
    assert compared.startswith("## ✅ scoregate: passed — all 3 checks passed\n")

    code, out, err = project.run_cli("compare", second[1], first[1])
    assert code == 1, err
    assert (project.output_dir / "compare" / "report.md").read_bytes() == report
    assert (project.output_dir / "report.md").read_bytes() == report
