"""Every output of a gate run tells one verdict.

``assert_outputs_agree`` reads what a finished ``scoregate run`` (or ``compare``, ``merge``)
wrote: the JUnit XML, the markdown report and the HTML report named on its ``Reports:`` line, the terminal's
per-check lines and final count line, and, when the run was under GitHub Actions, the step
outputs and the annotations. It asserts that they count the same checks the same way, and that
the exit code says what they say. ``run_cli`` calls it after every run that wrote reports.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import xmlschema

XSD = Path(__file__).resolve().parent / "specs" / "junit-10.xsd"
MARKS = ("FAIL", "warn", "skip")
"""How the terminal starts the line of a check failed, warned or not run."""
ICONS = ("❌", "⚠️", "⏭️")
"""How report.md starts the list item of a check failed, warned or not run."""


@dataclass(frozen=True, slots=True)
class Tally:
    """How many checks ended in each way."""

    checks: int
    passed: int
    failed: int
    warned: int
    not_run: int

    def __post_init__(self) -> None:
        parts = self.passed + self.failed + self.warned + self.not_run
        assert parts == self.checks, f"{self}: the parts do not add up to the checks"


_COUNT_LINE = re.compile(
    r"(?:all (?P<all>\d+) checks? passed"
    r"|(?P<failed>\d+) of (?P<total_f>\d+) checks failed(?:, (?P<passed_f>\d+) passed)?"
    r"|(?P<passed>\d+) of (?P<total_p>\d+) checks passed)"
    r"(?:, (?P<warned>\d+) warned \(.*?\))?"
    r"(?:, (?P<not_run>\d+) not run \(.*\))?"
)


def count_line_tally(text: str) -> Tally:
    """The tally of the verdict's count line (``report/text.py``'s ``checks_counted``)."""
    if text == "no check was configured":
        return Tally(0, 0, 0, 0, 0)
    match = _COUNT_LINE.fullmatch(text)
    assert match, f"not a verdict count line: {text!r}"
    found = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    if "all" in found:
        return Tally(found["all"], found["all"], 0, 0, 0)
    return Tally(
        checks=found.get("total_f", found.get("total_p", 0)),
        passed=found.get("passed_f", found.get("passed", 0)),
        failed=found.get("failed", 0),
        warned=found.get("warned", 0),
        not_run=found.get("not_run", 0),
    )


def terminal_tally(stdout: str) -> Tally:
    """The terminal's final verdict line, checked against its own per-check lines."""
    lines = stdout.splitlines()
    verdicts = [line for line in lines if re.match(r"(PASSED|FAILED): ", line)]
    assert len(verdicts) == 1, f"expected one verdict line in the output:\n{stdout}"
    word, _, counted = verdicts[0].partition(": ")
    tally = count_line_tally(counted.removesuffix("."))
    assert (word == "PASSED") == (tally.failed == 0), verdicts[0]
    listed = {mark: sum(line.startswith(f"  {mark} ") for line in lines) for mark in MARKS}
    said = {"FAIL": tally.failed, "warn": tally.warned, "skip": tally.not_run}
    assert listed == said, f"the terminal lists checks {listed} but its verdict line says {tally}"
    return tally


def markdown_tally(text: str) -> Tally:
    """The report's headline, checked against its "Checks that need attention" lists."""
    lines = text.splitlines()
    head = re.fullmatch(r"## (✅|❌) .*?: (passed|failed) — (.*)", lines[0])
    assert head, f"not a report headline: {lines[0]!r}"
    tally = count_line_tally(head[3])
    assert (head[2] == "passed") == (head[1] == "✅") == (tally.failed == 0), lines[0]
    listed = {icon: sum(line.startswith(f"- {icon} ") for line in lines) for icon in ICONS}
    said = {"❌": tally.failed, "⚠️": tally.warned, "⏭️": tally.not_run}
    assert listed == said, f"report.md lists checks {listed} but its headline says {tally}"
    return tally


_HTML_HEAD = re.compile(r'<p class="counts">(.*?) (?:·|&#183;) exit code (\d+)</p>')
_HTML_CHECK = re.compile(r'data-check-status="(pass|fail|warn|skip)"')


def html_tally(text: str) -> tuple[Tally, int]:
    """The HTML report's headline count line, checked against the checks it lists; and the
    exit code it states."""
    import html

    head = _HTML_HEAD.search(text)
    assert head, "the HTML report has no verdict count line"
    tally = count_line_tally(html.unescape(head[1]))
    title = "passed" if tally.failed == 0 else "failed"
    assert f"<title>scoregate: {title}</title>" in text, f"the HTML title does not say {title}"
    found = _HTML_CHECK.findall(text)
    listed = Tally(len(found), *(found.count(s) for s in ("pass", "fail", "warn", "skip")))
    assert listed == tally, f"report.html lists checks {listed} but its headline says {tally}"
    return tally, int(head[2])


@functools.cache
def _schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD))


@dataclass(frozen=True, slots=True)
class JUnitTally:
    tally: Tally
    errors: int
    """Failed cases that are ``<error>``: an exceeded error budget (exit 3)."""


def junit_tally(path: Path) -> JUnitTally:
    """One case per check: failed (``<failure>`` or ``<error>``), not run (``<skipped>``),
    warned (``system-out`` starting ``warning:``) or passed. The counts each suite and the
    whole file declare must be the counts of their cases."""
    _schema().validate(str(path))
    root = ET.parse(path).getroot()
    statuses: list[str] = []
    errors = 0
    for suite in root.iter("testsuite"):
        mine = []
        for case in suite.iter("testcase"):
            outcomes = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
            assert len(outcomes) <= 1, f"case {case.get('name')} has {outcomes}"
            out = case.findtext("system-out") or ""
            mine.append(outcomes[0] if outcomes else ("warn" if out.startswith("warning:") else ""))
        declared = {k: int(suite.get(k, "-1")) for k in ("tests", "failures", "errors", "skipped")}
        assert declared == {
            "tests": len(mine),
            "failures": mine.count("failure"),
            "errors": mine.count("error"),
            "skipped": mine.count("skipped"),
        }, f"suite {suite.get('name')} declares {declared} for its cases {mine}"
        assert float(suite.get("time", "-1")) >= 0
        statuses += mine
        errors += mine.count("error")
    totals = {k: int(root.get(k, "-1")) for k in ("tests", "failures", "errors")}
    assert totals == {
        "tests": len(statuses),
        "failures": statuses.count("failure"),
        "errors": errors,
    }, f"the file declares {totals} for its cases"
    tally = Tally(
        checks=len(statuses),
        passed=statuses.count(""),
        failed=statuses.count("failure") + errors,
        warned=statuses.count("warn"),
        not_run=statuses.count("skipped"),
    )
    return JUnitTally(tally, errors)


def read_step_outputs(path: Path) -> dict[str, str]:
    """A ``$GITHUB_OUTPUT`` file as the runner reads it: the last value of a name wins."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if "<<" in line and "=" not in line.partition("<<")[0]:
            name, _, delimiter = line.partition("<<")
            value = []
            for part in lines:
                if part == delimiter:
                    break
                value.append(part)
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, _, value_text = line.partition("=")
            outputs[name] = value_text
    return outputs


def github_tally(stdout: str, output_file: Path) -> Tally:
    """The step outputs' counts, checked against the annotations: one ``::error`` per failed
    check, one ``::warning`` per warning and per check not run."""
    outputs = read_step_outputs(output_file)
    tally = Tally(
        checks=int(outputs["checks"]),
        passed=int(outputs["passed"]),
        failed=int(outputs["failed"]),
        warned=int(outputs["warned"]),
        not_run=int(outputs["not-run"]),
    )
    lines = stdout.splitlines()
    errors = sum(line.startswith("::error ") for line in lines)
    warnings = sum(line.startswith("::warning ") for line in lines)
    assert (errors, warnings) == (tally.failed, tally.warned + tally.not_run), (
        f"{errors} ::error and {warnings} ::warning annotations for the outputs' {tally}"
    )
    return tally


def wrote_reports(stdout: str) -> bool:
    return any(line.startswith("Reports: ") for line in stdout.splitlines())


def reports_are_files(stdout: str, cwd: Path) -> bool:
    """Whether the reports were written to regular files, which can be read back (not
    ``/dev/null`` or a FIFO, which a run writes through)."""
    return all(path.is_file() for path in report_paths(stdout, cwd))


def report_paths(stdout: str, cwd: Path) -> tuple[Path, Path, Path]:
    """The JUnit, markdown and HTML files named on the ``Reports: JUNIT, MARKDOWN, HTML`` line."""
    found = [line for line in stdout.splitlines() if line.startswith("Reports: ")]
    assert len(found) == 1, f"expected one Reports: line in the output:\n{stdout}"
    junit, markdown, html = found[0].removeprefix("Reports: ").rsplit(", ", 2)
    return cwd / junit, cwd / markdown, cwd / html


def assert_outputs_agree(
    stdout: str,
    *,
    cwd: Path,
    exit_code: int,
    env: Mapping[str, str] | None = None,
) -> Tally:
    """Assert that every output of the run that printed ``stdout`` (in ``cwd``, with exit code
    ``exit_code`` and environment ``env``) tells the same verdict; return it."""
    junit_path, markdown_path, html_path = report_paths(stdout, cwd)
    junit = junit_tally(junit_path)
    markdown = markdown_tally(markdown_path.read_text(encoding="utf-8"))
    html, html_code = html_tally(html_path.read_text(encoding="utf-8"))
    terminal = terminal_tally(stdout)
    assert junit.tally == markdown == html == terminal, (
        f"the outputs disagree: JUnit {junit.tally}, report.md {markdown}, "
        f"report.html {html}, terminal {terminal}"
    )
    expected_code = 3 if junit.errors else (1 if terminal.failed else 0)
    assert exit_code == expected_code, (
        f"exit code {exit_code}, but the outputs say {terminal} ({junit.errors} errors)"
    )
    assert html_code == exit_code, f"report.html says exit code {html_code}, the run {exit_code}"
    env = env or {}
    if env.get("GITHUB_ACTIONS") == "true" and env.get("GITHUB_OUTPUT"):
        github = github_tally(stdout, Path(env["GITHUB_OUTPUT"]))
        assert github == terminal, f"$GITHUB_OUTPUT says {github}, the terminal {terminal}"
        outputs = read_step_outputs(Path(env["GITHUB_OUTPUT"]))
        assert outputs["exit-code"] == str(exit_code)
        assert outputs["verdict"] == {0: "pass", 1: "fail", 3: "error"}[exit_code]
        summary = env.get("GITHUB_STEP_SUMMARY")
        if summary and Path(summary).exists():  # the action unsets it for job-summary: false
            report = markdown_path.read_text(encoding="utf-8")
            assert Path(summary).read_text(encoding="utf-8").endswith(report)
    return terminal
