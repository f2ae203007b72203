"""GitHub reports: summary, annotations, outputs, the comment's body, and `scoregate comment`
(against the fake REST server)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from testing import fake_github as fakes
from testing.fake_github import FakeGitHub

from scoregate.report.github import (
    COMMENT_BODY_LIMIT,
    annotation,
    default_marker_key,
    escape_data,
    escape_property,
    fit_comment_body,
    format_outputs,
    marker_comment,
    publish_to_actions,
)
from scoregate.values.model import Check, Verdict

fake_github = fakes.fake_github

REPO_ROOT = Path(__file__).resolve().parents[2]


def _check(
    experiment: str, score: str | None, status: Any, explanation: str, kind: str = "threshold"
) -> Check:
    return Check(
        experiment=experiment,
        score=score,
        kind=kind,
        status=status,
        observed=0.5,
        limit=0.8,
        explanation=explanation,
    )


# --- workflow commands -----------------------------------------------------------------------


def test_escaping_follows_the_runner_rules() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("qa: a,b%\n") == "qa%3A a%2Cb%25%0A"
    line = annotation("error", "mean 0.71 < 0.80\nsee summary", title="qa, v2 · accuracy: mean")
    assert line == "::error title=qa%2C v2 · accuracy%3A mean::mean 0.71 < 0.80%0Asee summary"


def test_outputs_use_a_heredoc_only_for_multiline_values() -> None:
    text = format_outputs({"verdict": "fail", "records": "a.json\nb.json"})
    lines = text.splitlines()
    assert lines[0] == "verdict=fail"
    assert lines[1].startswith("records<<ghadelimiter_")
    delimiter = lines[1].removeprefix("records<<")
    assert lines[2:] == ["a.json", "b.json", delimiter]


def _runner_env(tmp_path: Path) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
    }


def test_publish_to_actions_writes_summary_annotations_and_outputs(tmp_path: Path) -> None:
    env = _runner_env(tmp_path)
    Path(env["GITHUB_STEP_SUMMARY"]).write_text("# earlier step\n", encoding="utf-8")
    verdict = Verdict(
        checks=(
            _check("qa", "accuracy", "fail", "mean accuracy 0.50 < 0.80 (min_mean)", kind="min"),
            _check("qa", "latency", "pass", "fine"),
            _check("summaries", None, "fail", "errors 3 > 1", kind="error_budget"),
            _check("summaries", "tone", "warn", "tone: 100% of items, 2 flaky"),
            _check("summaries", "tone", "skip", "skipped: no baseline at b.json", kind="max_drop"),
        ),
        comparisons=(),
    )
    stream = io.StringIO()
    publish_to_actions(
        markdown="## scoregate: ❌ failed",
        verdict=verdict,
        outputs={"records": ".scoregate/runs/qa/1.json\n.scoregate/runs/summaries/1.json"},
        env=env,
        stream=stream,
    )
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    assert summary == "# earlier step\n## scoregate: ❌ failed\n"
    # One annotation per check that did not pass, titled like its JUnit case.
    assert stream.getvalue().splitlines() == [
        "::error title=qa · accuracy%3A min::mean accuracy 0.50 < 0.80 (min_mean)",
        "::error title=summaries · error_budget::errors 3 > 1",
        "::warning title=summaries · tone%3A threshold::tone: 100%25 of items, 2 flaky",
        "::warning title=summaries · tone%3A max_drop::not run: no baseline at b.json",
    ]
    output = Path(env["GITHUB_OUTPUT"]).read_text(encoding="utf-8").splitlines()
    # The verdict's outputs, counted from its checks, then the paths the caller passed.
    assert output[:7] == [
        "verdict=fail",
        "exit-code=1",
        "checks=5",
        "passed=1",
        "failed=2",
        "warned=1",
        "not-run=1",
    ]
    delimiter = output[7].removeprefix("records<<")
    assert output[8:] == [
        ".scoregate/runs/qa/1.json",
        ".scoregate/runs/summaries/1.json",
        delimiter,
    ]


def test_publish_to_actions_writes_nothing_outside_actions(tmp_path: Path) -> None:
    env = _runner_env(tmp_path)
    env["GITHUB_ACTIONS"] = "false"
    stream = io.StringIO()
    verdict = Verdict(checks=(_check("qa", "accuracy", "fail", "low"),), comparisons=())
    publish_to_actions(markdown="x", verdict=verdict, outputs={"a": "b"}, env=env, stream=stream)
    assert stream.getvalue() == ""
    assert not Path(env["GITHUB_STEP_SUMMARY"]).exists()
    assert not Path(env["GITHUB_OUTPUT"]).exists()


# --- the comment body ------------------------------------------------------------------------


def test_marker_cannot_break_out_of_the_html_comment() -> None:
    assert marker_comment("a --> <b> c") == "<!-- scoregate:a_-_b_c -->"
    assert (
        marker_comment("experiments.yaml@ci/gate") == "<!-- scoregate:experiments.yaml@ci/gate -->"
    )


def test_default_marker_differs_per_matrix_leg_and_per_config() -> None:
    base = {"GITHUB_WORKFLOW": "ci", "GITHUB_JOB": "gate", "RUNNER_OS": "Linux"}
    first = default_marker_key("experiments.yaml", {**base, "SCOREGATE_MATRIX": '{"model":"a"}'})
    second = default_marker_key("experiments.yaml", {**base, "SCOREGATE_MATRIX": '{"model":"b"}'})
    other_config = default_marker_key("evals/other.yaml", base)
    assert first.startswith("experiments.yaml@ci/gate#")
    assert len({first, second, other_config}) == 3
    assert default_marker_key("./experiments.yaml", {}) == "experiments.yaml"


def test_a_body_over_the_limit_is_cut_at_a_line_with_a_note() -> None:
    lines = ["## report", "```text"] + [f"item {i}: " + "x" * 90 for i in range(1000)]
    body = "\n".join(lines)
    fitted = fit_comment_body(body, "<!-- scoregate:k -->")
    assert len(body) > COMMENT_BODY_LIMIT
    assert len(fitted) <= COMMENT_BODY_LIMIT
    assert fitted.startswith("<!-- scoregate:k -->\n## report\n```text\nitem 0: ")
    kept = [line for line in fitted.splitlines() if line.startswith("item ")]
    assert all(line in lines for line in kept)  # no line was cut in half
    assert "cut to fit GitHub's 65,536-character limit" in fitted
    assert fitted.count("```") == 2  # the open fence was closed before the note


def test_a_body_under_the_limit_is_kept_whole() -> None:
    assert fit_comment_body("short\n", "<!-- m -->") == "<!-- m -->\nshort\n"


# --- `scoregate comment`, the command, in a subprocess ---------------------------------------


def run_comment(
    args: list[str], env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """Run `scoregate comment` through the real CLI, as a workflow step would."""
    script = Path(sys.executable).with_name("scoregate")
    entry = [str(script)] if script.exists() else [sys.executable, "-m", "scoregate"]
    command = [*entry, "comment", *args]
    # A clean environment: never let a real runner's GITHUB_TOKEN reach the test.
    # PYTHONPATH only to run the scoregate under test (a checkout run with it, as the suite is).
    inherited = {k: v for k, v in os.environ.items() if k in ("PATH", "PYTHONPATH")}
    full_env = {**inherited, "HOME": str(cwd), **env}
    return subprocess.run(
        command, env=full_env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def _report(tmp_path: Path, text: str = "## scoregate: ✅ passed\n") -> None:
    (tmp_path / ".scoregate").mkdir(exist_ok=True)
    (tmp_path / ".scoregate" / "report.md").write_text(text, encoding="utf-8")


def test_comment_twice_leaves_one_updated_comment_after_two_pages(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    for i in range(130):  # more than one page of other comments before ours
        fake_github.add_comment(7, f"review comment {i}")
    env = fake_github.event_env(tmp_path, pr_number=7)
    _report(tmp_path, "## first run\n")
    first = run_comment([], env, tmp_path)
    _report(tmp_path, "## second run\n")
    second = run_comment([], env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert first.stdout.startswith("scoregate: posted a new comment on pull request #7: https://")
    assert second.stdout.startswith("scoregate: updated comment ")
    ours = [c for c in fake_github.comments_on(7) if "scoregate:" in c["body"]]
    assert len(ours) == 1
    assert ours[0]["body"].endswith("## second run\n")
    assert ours[0]["body"].startswith("<!-- scoregate:experiments.yaml@scoregate/gate -->\n")
    listing = [r for r in fake_github.requests if r.method == "GET"]
    assert [r.query.get("page", "1") for r in listing] == ["1", "2", "1", "2"]
    for result in (first, second):
        assert fake_github.token not in result.stdout + result.stderr


def test_two_matrix_jobs_keep_their_own_comment(fake_github: FakeGitHub, tmp_path: Path) -> None:
    base = fake_github.event_env(tmp_path, pr_number=4)
    for model in ("gpt-4o-mini", "gpt-4.1-mini", "gpt-4o-mini"):
        _report(tmp_path, f"## report for {model}\n")
        env = {**base, "SCOREGATE_MATRIX": json.dumps({"model": model})}
        result = run_comment(["-c", "experiments.yaml"], env, tmp_path)
        assert result.returncode == 0, result.stderr
    bodies = sorted(c["body"].split("\n", 1)[1] for c in fake_github.comments_on(4))
    assert bodies == ["## report for gpt-4.1-mini\n", "## report for gpt-4o-mini\n"]
    explicit = run_comment(["--marker", "nightly"], base, tmp_path)
    assert explicit.returncode == 0
    assert fake_github.comments_on(4)[-1]["body"].startswith("<!-- scoregate:nightly -->\n")


def test_a_fork_pull_request_exits_0_with_a_clear_message(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    fake_github.forbid_writes = True
    env = {**fake_github.event_env(tmp_path), "GITHUB_STEP_SUMMARY": str(tmp_path / "sum.md")}
    _report(tmp_path)
    result = run_comment([], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "scoregate: could not write the pull-request comment on pull request #7: HTTP 403: "
        "Resource not accessible by integration when trying to comment on pull request #7. "
        "The token cannot write to octo-org/octo-repo: a pull request from a fork"
    )
    assert "::warning title=scoregate comment::HTTP 403" in result.stdout
    assert result.stderr == ""  # said once, on stdout
    summary = (tmp_path / "sum.md").read_text(encoding="utf-8")
    assert "scoregate could not comment on the pull request: HTTP 403" in summary
    assert fake_github.comments_on(7) == []
    assert fake_github.token not in result.stdout + result.stderr + summary


def test_bad_credentials_exit_3_without_printing_the_token(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    env = {**fake_github.event_env(tmp_path), "GITHUB_TOKEN": "ghs_wrongSECRETtoken"}
    _report(tmp_path)
    result = run_comment([], env, tmp_path)
    assert result.returncode == 3
    assert result.stderr == (
        "scoregate: GitHub rejected the credentials (HTTP 401: Bad credentials) when trying to "
        "list the comments of pull request #7; check GITHUB_TOKEN.\n"
    )
    assert "ghs_wrongSECRETtoken" not in result.stdout + result.stderr


def test_server_errors_exit_3(fake_github: FakeGitHub, tmp_path: Path) -> None:
    env = fake_github.event_env(tmp_path)
    _report(tmp_path)
    fake_github.fail_next(500, method="POST")  # a POST is not retried: it may have landed
    result = run_comment([], env, tmp_path)
    assert result.returncode == 3
    assert result.stderr == (
        "scoregate: GitHub answered HTTP 500: Server Error when trying to comment on pull "
        "request #7.\n"
    )
    assert [r.method for r in fake_github.requests] == ["GET", "POST"]


def test_no_pull_request_exits_0_and_says_why(fake_github: FakeGitHub, tmp_path: Path) -> None:
    env = fake_github.event_env(tmp_path, pr_number=None, event_name="schedule")
    _report(tmp_path)
    result = run_comment([], env, tmp_path)
    assert result.returncode == 0
    assert result.stdout == (
        "scoregate: no pull-request comment: the schedule event is not about a pull request\n"
    )


def test_a_missing_report_exits_2(tmp_path: Path) -> None:
    result = run_comment(["--markdown", "nowhere.md"], {}, tmp_path)
    assert result.returncode == 2
    assert "cannot read the report nowhere.md" in result.stderr


def test_a_report_url_that_is_not_plain_is_a_usage_error(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    _report(tmp_path)
    env = fake_github.event_env(tmp_path, pr_number=7)
    result = run_comment(["--report-url", "javascript:alert(1)"], env, tmp_path)
    assert result.returncode == 2
    assert "Invalid value for '--report-url': 'javascript:alert(1)' is not a plain http(s) URL" in (
        result.stderr
    )
    assert fake_github.requests == []  # refused before GitHub was called
    empty = run_comment(["--report-url", ""], env, tmp_path)  # no upload: no link
    assert empty.returncode == 0, empty.stderr
    [comment] = fake_github.comments_on(7)
    assert comment["body"].endswith("\n## scoregate: ✅ passed\n")
