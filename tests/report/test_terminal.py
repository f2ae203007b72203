"""report/terminal.py: every line that reports a problem says why, through the real CLI."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace

import pytest
from testing import fake_openai as fakes
from testing.fake_openai import FakeOpenAI
from testing.project import ROWS, Project, make_record, without_metrics, write_jsonl

from scoregate.config.model import GateConfig, Thresholds
from scoregate.decide.compare import compare
from scoregate.decide.gate import decide, evaluate
from scoregate.report import terminal

JUDGE = {
    "name": "correctness",
    "judge": {"model": "gpt-4o-mini", "prompt": "Q {{input}} E {{expected_output}} A {{output}}"},
}
fake_openai = fakes.fake_openai
NO_BASELINE = (
    "no baseline at baselines/qa.json; record one with 'scoregate baseline promote RUN' after "
    "a run you trust"
)


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port nothing listens on: bound (so no one else takes it) but never listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def judged(project: Project) -> None:
    project.write_config(
        project.experiment(evaluators=[JUDGE], gate={"correctness": {"min": 0.5}}),
        defaults={"openai": {"max_attempts": 1, "timeout": 5}},
    )


def test_a_judge_that_cannot_connect_names_the_cause_and_the_host(
    project: Project, closed_port: int
) -> None:
    judged(project)
    url = f"http://127.0.0.1:{closed_port}/v1"
    code, out, err = project.run_cli(
        "run", env={"OPENAI_BASE_URL": url, "OPENAI_API_KEY": "test-key"}
    )
    assert code == 3, err
    assert without_metrics(out)[1:] == [
        f"qa: 5 items × 1, 5 errors, no baseline: 0 checks not run ({NO_BASELINE})",
        "  correctness                — → —",
        "  FAIL correctness.score: 'correctness' has no value: its task or evaluator failed on "
        "all 5 samples",
        "  FAIL max_error_rate: 100.0% of samples had errors (5/5); allowed 0.0%",
        "  5 errors in judge 'correctness', most often (5×): judge 'correctness' (gpt-4o-mini): "
        f"the judge call failed: model gpt-4o-mini: cannot connect to {url} (ConnectError: All "
        "connection attempts failed)",
        f"  unreachable: {url} (cannot connect, in 5 errors)",
        "FAILED: 2 of 2 checks failed.",
        "Reports: .scoregate/junit.xml, .scoregate/report.md, .scoregate/report.html",
    ]


def test_a_judge_refused_by_the_server_shows_the_servers_answer(
    project: Project, fake_openai: FakeOpenAI
) -> None:
    judged(project)
    env = {"OPENAI_BASE_URL": fake_openai.base_url, "OPENAI_API_KEY": "wrong-key"}
    code, out, err = project.run_cli("run", env=env)
    assert code == 3, err
    (line,) = [line for line in out.splitlines() if "errors in judge" in line]
    # Each answer has its own request id; they count as one message, shown shortened.
    message = (
        "judge 'correctness' (gpt-4o-mini): the judge call failed: model gpt-4o-mini: HTTP 401: "
        "Incorrect API key provided. You can find your API key at "
        "https://platform.openai.com/account/api-keys. (request req_00000"
    )
    shown = message[: terminal.MESSAGE_LIMIT - 1] + "…"
    assert line == f"  5 errors in judge 'correctness', most often (5×): {shown}"
    assert "unreachable" not in out


def test_the_most_common_task_error_is_shown_with_its_count(project: Project) -> None:
    project.write(
        "flaky_app.py",
        """
        def answer(*, item, **kwargs):
            if item.id in ("a", "b", "c"):
                raise TimeoutError("the upstream service took too long")
            if item.id == "d":
                raise ValueError("line one\\n\\x1b[2Jline two")
            return item.expected_output
        """,
    )
    project.write_config(
        project.experiment(task={"python": "flaky_app:answer"}, gate={"max_error_rate": 0.9})
    )
    code, out, err = project.run_cli("run")
    assert code == 0, out + err
    assert out.splitlines()[-3:] == [
        "  4 errors in the task, most often (3×): TimeoutError: the upstream service took too long",
        "PASSED: all 1 check passed.",
        "Reports: .scoregate/junit.xml, .scoregate/report.md, .scoregate/report.html",
    ]
    # a single error shows its message; control characters in it are shown escaped
    project.write_config(
        project.experiment(
            task={"python": "flaky_app:answer"},
            dataset="one.jsonl",
            gate={"max_error_rate": 1.0},
        )
    )
    write_jsonl(project.root / "one.jsonl", [{"id": "d", "input": "x"}])
    code, out, err = project.run_cli("run")
    assert code == 0, out + err
    assert "  1 error in the task: ValueError: line one\\n\\x1b[2Jline two\n" in out
    assert "\x1b" not in out


def test_skipped_checks_new_and_missing_items_and_the_too_few_items_note(
    project: Project,
) -> None:
    gate = {"correct": {"min": 0.5, "max_drop": 0.05}, "max_flaky_rate": 0.1}
    project.write_config(project.experiment(gate=gate))
    code, out, err = project.run_cli("run")
    assert code == 0, err
    assert out.splitlines()[-2] == (
        "PASSED: 2 of 4 checks passed, 2 not run (1: no baseline at baselines/qa.json; "
        "1: flakiness needs repeats of 2 or more)."
    )
    report = (project.output_dir / "report.md").read_text(encoding="utf-8")
    assert report.splitlines()[0] == (
        "## ✅ scoregate: passed — 2 of 4 checks passed, 2 not run (1: no baseline at "
        "baselines/qa.json; 1: flakiness needs repeats of 2 or more)"
    )
    (first,) = project.records()
    assert project.run_cli("baseline", "promote", first).code == 0

    # Items d and e are gone, two new ones came (one id hostile), a is now wrong.
    hostile = "new\n\x1b[31mred\u202e"
    rows = [r for r in ROWS if r["id"] in ("a", "b", "c")]
    rows += [{"id": i, "input": i, "expected_output": i} for i in ("f", hostile)]
    write_jsonl(project.root / "data.jsonl", rows)
    project.write_config(project.experiment(gate=gate, task_kwargs={"wrong": ["a", "f"]}))
    code, out, err = project.run_cli("run")
    assert code == 0, err
    assert without_metrics(out)[2:] == [
        "  correct                1.000 → 0.667   -0.333 [-1.000, +0.000] p=0.25 · 3 paired "
        "items; all items 1.000 → 0.600",
        "  2 items are new (not in the baseline): f, new\\n\\x1b[31mred\\u202e",
        "  2 items are missing from this run (in the baseline only): d, e",
        "  1 regressed item (passed in the baseline, fail now): a (correct)",
        "  skip max_flaky_rate: flakiness needs repeats of 2 or more",
        "  note correct.max_drop: Too few items for this tolerance: the smallest drop this "
        "dataset can detect is 0.829; about 825 items would be needed to detect 0.050",
        "PASSED: 4 of 5 checks passed, 1 not run (flakiness needs repeats of 2 or more).",
        "Reports: .scoregate/junit.xml, .scoregate/report.md, .scoregate/report.html",
    ]
    report = (project.output_dir / "report.md").read_text(encoding="utf-8")
    assert (
        "| `correct` | 1.000 | 0.667 | -0.333 [-1.000, +0.000] p=0.25<br>over 3 paired items; "
        "all items 1.000 → 0.600 | 60.0% | ✅ |"
    ) in report.splitlines()


def test_failed_counts_the_others_and_their_reasons() -> None:
    baseline = make_record({"a": 1.0, "b": 1.0}, run_id="base")
    candidate = make_record({"a": 0.0, "b": 1.0})
    gate = GateConfig(
        scores={"correct": Thresholds(min=0.9, max_drop=0.1), "other": Thresholds(min=0.1)},
        max_flaky_rate=0.5,
    )
    with_judge = replace(
        candidate,
        score_defs={
            "correct": replace(candidate.score_defs["correct"], fingerprint={"model": "new"})
        },
    )
    comparison = compare(with_judge, baseline)
    verdict = decide(evaluate(comparison, gate), [comparison])
    assert terminal.render(verdict).splitlines()[-1] == (
        "FAILED: 2 of 5 checks failed, 1 passed, 1 warned (judge changed: model None → new), "
        "1 not run (flakiness needs repeats of 2 or more)."
    )


def test_paired_means_are_shown_without_a_note_when_the_items_are_the_same() -> None:
    baseline = make_record({"a": 0.5, "b": 1.0}, run_id="base")
    candidate = make_record({"a": 1.0, "b": 1.0})
    comparison = compare(candidate, baseline)
    verdict = decide(evaluate(comparison, GateConfig(scores={})), [comparison])
    line = terminal.render(verdict).splitlines()[1]
    assert line == "  correct                0.750 → 1.000   +0.250 [+0.000, +0.500] p=0.75"
