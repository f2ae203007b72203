"""testing/agreement.py: it reads every count line the reports write, and it catches any output
that tells another verdict."""

from __future__ import annotations

import re
from itertools import product
from pathlib import Path

import pytest
from testing.agreement import Tally, assert_outputs_agree, count_line_tally, read_step_outputs
from testing.project import CliResult, Project

from scoregate.report.text import checks_counted
from scoregate.values.model import Check, Status, Verdict

REASONS = ("no baseline at b (1).json", "flakiness needs repeats of 2 or more, see docs")


@pytest.mark.parametrize("counts", list(product(range(3), repeat=4)))
def test_the_count_line_is_read_back_whatever_it_counts(counts: tuple[int, ...]) -> None:
    statuses: list[Status] = ["pass", "fail", "warn", "skip"]
    checks = tuple(
        Check("qa", f"s{n}", "min", status, None, None, f"skipped: {REASONS[n % 2]}; more")
        for status, count in zip(statuses, counts, strict=True)
        for n in range(count)
    )
    found = count_line_tally(checks_counted(checks, str))
    expected = Verdict(checks, ()).counts()
    assert found == Tally(
        len(checks), expected["pass"], expected["fail"], expected["warn"], expected["skip"]
    )


@pytest.fixture
def failed_run(project: Project, tmp_path: Path) -> tuple[CliResult, dict[str, str]]:
    """A run under a simulated GitHub runner: one check failed, one not run, one passed."""
    gate = {"correct": {"min": 0.9, "max_regressed_items": 0}}
    project.write_config(project.experiment(gate=gate, task_kwargs={"wrong": ["c"]}))
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    result = project.run_cli("run", env=env)  # run_cli has already checked the agreement
    assert result.code == 1, result.stderr
    return result, env


def test_a_run_whose_outputs_agree_passes(
    project: Project, failed_run: tuple[CliResult, dict[str, str]]
) -> None:
    result, env = failed_run
    tally = assert_outputs_agree(result.stdout, cwd=project.root, exit_code=1, env=env)
    assert tally == Tally(checks=3, passed=1, failed=1, warned=0, not_run=1)
    assert read_step_outputs(Path(env["GITHUB_OUTPUT"]))["not-run"] == "1"


def test_a_junit_case_that_passes_a_failed_check_is_caught(
    project: Project, failed_run: tuple[CliResult, dict[str, str]]
) -> None:
    result, env = failed_run
    junit = project.output_dir / "junit.xml"
    text = re.sub(r"<failure .*?</failure>", "", junit.read_text(encoding="utf-8"), flags=re.S)
    junit.write_text(text.replace('failures="1"', 'failures="0"'), encoding="utf-8")
    with pytest.raises(AssertionError, match="the outputs disagree: JUnit Tally"):
        assert_outputs_agree(result.stdout, cwd=project.root, exit_code=1, env=env)


def test_junit_counts_that_are_not_its_cases_are_caught(
    project: Project, failed_run: tuple[CliResult, dict[str, str]]
) -> None:
    result, env = failed_run
    junit = project.output_dir / "junit.xml"
    junit.write_text(junit.read_text(encoding="utf-8").replace('failures="1"', 'failures="2"', 1))
    with pytest.raises(AssertionError, match="the file declares"):
        assert_outputs_agree(result.stdout, cwd=project.root, exit_code=1, env=env)


def test_a_report_that_leaves_out_a_check_not_run_is_caught(
    project: Project, failed_run: tuple[CliResult, dict[str, str]]
) -> None:
    result, env = failed_run
    report = project.output_dir / "report.md"
    lines = report.read_text(encoding="utf-8").splitlines(keepends=True)
    report.write_text("".join(line for line in lines if not line.startswith("- ⏭️ ")))
    with pytest.raises(AssertionError, match=r"report\.md lists checks"):
        assert_outputs_agree(result.stdout, cwd=project.root, exit_code=1, env=env)


def test_a_terminal_that_leaves_out_a_failed_check_is_caught(
    project: Project, failed_run: tuple[CliResult, dict[str, str]]
) -> None:
    result, env = failed_run
    stdout = "".join(
        line for line in result.stdout.splitlines(keepends=True) if not line.startswith("  FAIL")
    )
    with pytest.raises(AssertionError, match="the terminal lists checks"):
        assert_outputs_agree(stdout, cwd=project.root, exit_code=1, env=env)


def test_an_exit_code_that_says_otherwise_is_caught(
    project: Project, failed_run: tuple[CliResult, dict[str, str]]
) -> None:
    result, env = failed_run
    with pytest.raises(AssertionError, match="exit code 0, but the outputs say"):
        assert_outputs_agree(result.stdout, cwd=project.root, exit_code=0, env=env)


def test_step_outputs_or_annotations_that_say_otherwise_are_caught(
    project: Project, failed_run: tuple[CliResult, dict[str, str]]
) -> None:
    result, env = failed_run
    without_warning = "".join(
        line
        for line in result.stdout.splitlines(keepends=True)
        if not line.startswith("::warning ")
    )
    with pytest.raises(AssertionError, match="1 ::error and 0 ::warning annotations"):
        assert_outputs_agree(without_warning, cwd=project.root, exit_code=1, env=env)
    output = Path(env["GITHUB_OUTPUT"])
    output.write_text(output.read_text(encoding="utf-8") + "failed=0\npassed=2\n")
    with pytest.raises(AssertionError, match="annotations for the outputs'"):
        assert_outputs_agree(result.stdout, cwd=project.root, exit_code=1, env=env)


def test_an_html_report_that_leaves_out_a_check_is_caught(
    project: Project, failed_run: tuple[CliResult, dict[str, str]]
) -> None:
    result, env = failed_run
    report = project.output_dir / "report.html"
    text = report.read_text(encoding="utf-8")
    report.write_text(text.replace('data-check-status="skip"', 'data-check-status="pass"'))
    with pytest.raises(AssertionError, match=r"report\.html lists checks"):
        assert_outputs_agree(result.stdout, cwd=project.root, exit_code=1, env=env)


def test_an_html_report_with_another_headline_is_caught(
    project: Project, failed_run: tuple[CliResult, dict[str, str]]
) -> None:
    result, env = failed_run
    report = project.output_dir / "report.html"
    text = report.read_text(encoding="utf-8")
    report.write_text(text.replace("&#183; exit code 1", "&#183; exit code 0"))
    with pytest.raises(AssertionError, match=r"report\.html says exit code 0, the run 1"):
        assert_outputs_agree(result.stdout, cwd=project.root, exit_code=1, env=env)
