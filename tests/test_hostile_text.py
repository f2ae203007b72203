"""Hostile dataset rows and model outputs through the real CLI: they stay text where they land.

Ids, inputs and outputs carry what would take over a terminal (OSC 52 clipboard writes, OSC 8
links, screen clearing, bidi overrides), a GitHub runner (``::stop-commands::``, ``::error``,
``##[error]``) or a markdown page (bare URLs that GitHub would make links).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from testing.project import CliResult, Project, write_jsonl

HOSTILE = {
    "stop": "\n::stop-commands::tok",
    "error": "\n::error title=x::pwned",
    "osc52": "\x1b]52;c;cHduZWQ=\x07",
    "osc8": "\x1b]8;;http://evil.example/x\x1b\\click\x1b]8;;\x1b\\",
    "clear": "\x1b[2J\x1b[H",
    "nul": "nul\x00bel\x07",
    "bidi": "\u202eevil\u2066",
    "url": "see http://evil.example/x",
    "www": "see www.evil.example",
    "old": "\r##[error]old",
}
ROWS = [
    {"id": f"{name}{text}", "input": {"q": text}, "expected_output": f"right {name}"}
    for name, text in HOSTILE.items()
]
TASK = """\
def answer(*, item, wrong=False, fail=(), **kwargs):
    name = next(n for n in ("stop", "error", "osc52", "osc8", "clear", "nul", "bidi", "url", "www", "old") if item.id.startswith(n))
    if name in fail:
        raise RuntimeError(f"broke on {item.id}: {item.input['q']}")
    return f"wrong {item.input['q']}" if wrong else item.expected_output
"""
CONTROLS = ("\x1b", "\x00", "\x07", "\x9b", "\u202e", "\u2066")
AUTOLINK = re.compile(r"(?i)https?://|www\.")
OUR_COMMAND = re.compile(r"::(error|warning|notice) (?:[a-z]+=[^,:]*,)*title=qa\b[^:]*::")
"""An annotation of scoregate's about experiment qa (its properties escaped: no raw ``:``)."""


def _project(project: Project) -> Project:
    project.write(f"{project.module}.py", TASK)
    write_jsonl(project.root / "data.jsonl", ROWS)
    return project


def _candidate(project: Project, baseline: Path) -> dict[str, object]:
    return project.experiment(
        task_kwargs={"wrong": True, "fail": ["nul", "clear"]},
        gate={"max_error_rate": 0.5, "correct": {"min": 0.9, "max_regressed_items": 0}},
        baseline=str(baseline),
    )


def _baseline(project: Project) -> Path:
    project.write_config(project.experiment())
    first = project.run_cli("run")
    assert first.code == 0, first.stdout + first.stderr
    return project.records()[-1]


def _lines(text: str) -> list[str]:
    """Lines as GitHub's runner reads them: split at \\n and at \\r."""
    return re.split(r"\r\n|\r|\n", text)


def _assert_no_control(result: CliResult) -> None:
    for char in CONTROLS:
        assert char not in result.stdout, repr(char)
        assert char not in result.stderr, repr(char)


def test_under_github_actions_the_only_workflow_commands_are_ours(
    project: Project, tmp_path: Path
) -> None:
    baseline = _baseline(_project(project))
    project.write_config(_candidate(project, baseline))
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(output),
    }
    result = project.run_cli("run", env=env)

    assert result.code == 1, result.stdout + result.stderr
    for stream in (result.stdout, result.stderr):
        commands = [line for line in _lines(stream) if line.lstrip().startswith("::")]
        assert all(OUR_COMMAND.match(line) for line in commands), commands
        assert "##[" not in stream
    ours = [line for line in _lines(result.stdout) if line.startswith("::error ")]
    assert ours, "the failing checks are annotated"
    _assert_no_control(result)
    # The hostile text is still there, shown escaped.
    assert "broke on clear\\x1b[2J\\x1b[H: \\x1b[2J\\x1b[H" in result.stdout
    for path in (summary, project.output_dir / "report.md"):
        report = path.read_text(encoding="utf-8")
        assert AUTOLINK.findall(report) == [], path
        for char in CONTROLS:
            assert char not in report, (path, repr(char))
        assert "evil.example" in report
    xml = (project.output_dir / "junit.xml").read_text(encoding="utf-8")
    for char in CONTROLS:
        assert char not in xml
    ET.fromstring(xml)  # still well-formed
    assert "osc52\\x1b]52;c;cHduZWQ=\\x07" in xml  # the id, shown escaped


def test_the_terminal_summary_and_show_escape_what_the_rows_hold(project: Project) -> None:
    baseline = _baseline(_project(project))
    project.write_config(_candidate(project, baseline))
    result = project.run_cli("run")

    assert result.code == 1, result.stdout + result.stderr
    for stream in (result.stdout, result.stderr):
        assert [line for line in _lines(stream) if line.lstrip().startswith(("::", "##["))] == []
    _assert_no_control(result)

    record = project.records()[-1]
    shown = project.run_cli("show", str(record))
    assert shown.code == 0, shown.stderr
    _assert_no_control(shown)
    assert [line for line in _lines(shown.stdout) if line.lstrip().startswith(("::", "##["))] == []
    assert '● stop\\n::stop-commands::tok  input: {"q": "\\n::stop-commands::tok"}' in (
        shown.stdout
    )
    assert "  error: RuntimeError: broke on nulnul\\x00bel\\x07: nul\\x00bel\\x07" in shown.stdout
    assert "● osc8\\x1b]8;;http://evil.example/x\\x1b\\click\\x1b]8;;\\x1b\\  input:" in (
        shown.stdout
    )
