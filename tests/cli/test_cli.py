"""Every command through the real console script in a subprocess, with its exit code."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator
from testing.project import Project, run_cli

from scoregate.config import validate
from scoregate.record import store

GATE = {"correct": {"min": 0.8, "max_regressed_items": 0}}


def failing_cases(junit_file: Path) -> list[str]:
    root = ET.parse(junit_file).getroot()
    return [
        str(case.get("name")) for case in root.iter("testcase") if case.find("failure") is not None
    ]


def test_run_promote_run_again_and_compare(project: Project) -> None:
    project.write_config(project.experiment(gate=GATE))
    code, out, err = project.run_cli("run")
    assert code == 0, err
    (first,) = project.records()
    assert f"Run record (qa): {Path('.scoregate/runs/qa') / first.name}" in out
    assert (
        "  skip correct.max_regressed_items: skipped: no baseline at baselines/qa.json; record "
        "one with 'scoregate baseline promote RUN' after a run you trust"
    ) in out
    assert out.rstrip().endswith(
        "PASSED: 2 of 3 checks passed, 1 not run (no baseline at baselines/qa.json).\n"
        "Reports: .scoregate/junit.xml, .scoregate/report.md, .scoregate/report.html"
    )
    assert failing_cases(project.output_dir / "junit.xml") == []

    code, out, err = project.run_cli("baseline", "promote", first)
    assert (code, err) == (0, "")
    record = store.read_record(first)
    assert out == f"Baseline for 'qa' is now baselines/qa.json (run {record.run_id}).\n"
    assert (project.root / "baselines" / "qa.json").read_bytes() == first.read_bytes()

    # A worse candidate: item c now fails, so it regressed against the promoted baseline.
    project.write_config(project.experiment(gate=GATE, task_kwargs={"wrong": ["c"]}))
    code, out, err = project.run_cli("run")
    assert code == 1, err
    second = project.records()[-1]
    assert f"baseline {record.run_id}" in out
    assert (
        "  FAIL correct.max_regressed_items: 1 item passed in the baseline and fail now "
        "(allowed 0): c"
    ) in out
    assert "FAILED: 1 of 3 checks failed, 2 passed." in out
    run_failures = failing_cases(project.output_dir / "junit.xml")
    # One case per check: the regressed item is named in its check's failure, not a case.
    assert run_failures == ["correct: max_regressed_items"]
    stored = json.loads(second.read_text(encoding="utf-8"))
    assert stored["gate"]["passed"] is False
    assert stored["gate"]["baseline"] == record.run_id

    # compare: the two stored run records give the same reports and exit code, without a run.
    code, out, err = project.run_cli(
        "compare", second, first, "--junit", "cmp.xml", "--markdown", "cmp.md"
    )
    assert code == 1, err
    assert len(project.records()) == 2
    assert failing_cases(project.root / "cmp.xml") == run_failures
    assert (project.root / "cmp.md").read_text(encoding="utf-8") == (
        project.output_dir / "report.md"
    ).read_text(encoding="utf-8")
    assert "FAILED: 1 of 3 checks failed, 2 passed." in out

    code, out, err = project.run_cli("compare", first, first, "--junit", "same.xml")
    assert code == 0, err


@pytest.mark.parametrize("command", ["run", "validate"])
def test_a_missing_config_file_is_named_by_its_absolute_path(tmp_path: Path, command: str) -> None:
    """A relative -c is taken from the working folder; the message shows where that led."""
    (tmp_path / "evals").mkdir()
    code, out, err = run_cli(command, "-c", "nope.yaml", cwd=tmp_path / "evals")
    assert (code, out) == (2, "")
    assert err == (
        f"error: nope.yaml: the config file {tmp_path / 'evals' / 'nope.yaml'} does not exist. "
        "Create a starter with 'scoregate init', or pass -c PATH.\n"
    )


def test_bad_config_exits_2_and_nothing_runs_or_is_written(project: Project) -> None:
    good = project.experiment("first", task_kwargs={"sleep": 5})
    bad = project.experiment("second", dataset="missing.jsonl")
    project.write_config(good, bad)
    code, out, err = project.run_cli("run")
    assert code == 2
    assert out == ""
    assert err == (
        "error: [second] experiments.yaml:16:12: experiments[1].dataset: the file "
        f"{project.root / 'missing.jsonl'} does not exist (paths are relative to the config's "
        f"folder {project.root}).\n"
    )
    assert not project.output_dir.exists()

    project.config.write_text(
        project.config.read_text(encoding="utf-8").replace("version: 1", "version: 1\nextra: 2"),
        encoding="utf-8",
    )
    code, out, err = project.run_cli("run")
    assert code == 2
    assert err == (
        "error: experiments.yaml:2:1: extra: unknown key 'extra'; allowed here: "
        f"{', '.join(validate.schema()['properties'])}.\n"
    )
    assert not project.output_dir.exists()


def test_error_budget_exceeded_exits_3_with_the_errors_recorded(project: Project) -> None:
    project.write_config(
        project.experiment(task_kwargs={"fail": ["b"]}, gate={"correct": {"min": 0.5}})
    )
    code, out, err = project.run_cli("run")
    assert code == 3, err
    assert "  FAIL max_error_rate: 20.0% of samples had errors (1/5); allowed 0.0%" in out
    assert out.splitlines()[-3:-1] == [
        "  1 error in the task: RuntimeError: the task broke on b",
        "FAILED: 1 of 2 checks failed, 1 passed.",
    ]
    (record_file,) = project.records()
    record = store.read_record(record_file)
    assert [r.item.id for r in record.items] == ["a", "b", "c", "d", "e"]
    assert record.items[1].samples[0].error == "RuntimeError: the task broke on b"
    # The exceeded error budget is the JUnit <error> of its check, with the errors behind it.
    assert failing_cases(project.output_dir / "junit.xml") == []
    root = ET.parse(project.output_dir / "junit.xml").getroot()
    errors = [(c.get("name"), c.find("error")) for c in root.iter("testcase")]
    [(name, error)] = [(name, e) for name, e in errors if e is not None]
    assert name == "max_error_rate"
    assert error.get("message") == "20.0% of samples had errors (1/5); allowed 0.0%"
    assert error.text == (
        "20.0% of samples had errors (1/5); allowed 0.0%\nobserved: 0.2\nlimit: 0\n"
        "1 error in the task: RuntimeError: the task broke on b"
    )

    # The same errors within a budget that allows them pass.
    project.write_config(
        project.experiment(
            task_kwargs={"fail": ["b"]}, gate={"correct": {"min": 0.5}, "max_error_rate": 0.2}
        )
    )
    code, out, err = project.run_cli("run")
    assert code == 0, out + err


def test_validate(project: Project) -> None:
    code, out, err = project.run_cli("validate")
    assert (code, err) == (0, "")
    assert out == (
        f"qa: 5 items, task {project.module}:answer, scores correct\n"
        "experiments.yaml: valid (1 experiment).\n"
    )
    project.write("data.jsonl", '{"id": "a", "input": "x"}\n{"id": "a", "input": "y"}\n')
    code, out, err = project.run_cli("validate")
    assert code == 2
    assert err == (
        "error: [qa] data.jsonl:2: duplicate item id 'a', first used at data.jsonl:1; give each "
        "item a unique id.\n"
    )
    assert not project.output_dir.exists()


def test_schema_prints_a_valid_json_schema_that_accepts_the_project(project: Project) -> None:
    code, out, err = project.run_cli("schema")
    assert (code, err) == (0, "")
    printed = json.loads(out)
    Draft202012Validator.check_schema(printed)
    assert printed == validate.schema()
    document = yaml.safe_load(project.config.read_text(encoding="utf-8"))
    assert list(Draft202012Validator(printed).iter_errors(document)) == []
    document["experiments"][0]["repeats"] = 0
    assert [e.message for e in Draft202012Validator(printed).iter_errors(document)] == [
        "0 is less than the minimum of 1"
    ]


@pytest.mark.parametrize("columns", ["60", "79", "200", "", "junk", "0"])
def test_help_width_is_what_click_would_work_out_with_shutil(
    columns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from scoregate.cli.width import terminal_width

    monkeypatch.setenv("COLUMNS", columns)
    assert terminal_width() == max(min(shutil.get_terminal_size().columns, 80) - 2, 50)


def test_help_wraps_to_the_terminal_width(tmp_path: Path) -> None:
    narrow = run_cli("--help", cwd=tmp_path, env={"COLUMNS": "60"})
    wide = run_cli("--help", cwd=tmp_path, env={"COLUMNS": "120"})
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 58
    assert max(len(line) for line in wide.stdout.splitlines()) > 60
