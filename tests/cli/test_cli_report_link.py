"""`scoregate report-link`, the real command: the HTML report's link in the job summary."""

from __future__ import annotations

from pathlib import Path

from testing.project import run_cli

URL = "https://github.com/octo-org/octo-repo/actions/runs/42/artifacts/4242"


def test_under_actions_the_link_is_appended_to_the_job_summary(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("## report\n", encoding="utf-8")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    result = run_cli("report-link", URL, cwd=tmp_path, env=env)
    assert result.code == 0, result.stderr
    assert result.stdout == "scoregate: linked the HTML report from the job summary.\n"
    text = summary.read_text(encoding="utf-8")
    assert text.startswith(f"## report\n\n📄 **[The HTML report]({URL})**: every item beside")
    assert text.endswith("open `report.html` in it).\n")


def test_elsewhere_the_link_is_printed(tmp_path: Path) -> None:
    result = run_cli("report-link", URL, cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert result.stdout.startswith(f"📄 **[The HTML report]({URL})**")


def test_an_empty_url_adds_nothing(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    result = run_cli("report-link", "", cwd=tmp_path, env=env)
    assert result.code == 0, result.stderr
    assert result.stdout == "scoregate: no report URL; the job summary is left as it is.\n"
    assert not summary.exists()


def test_a_url_that_is_not_plain_exits_2_naming_it(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    result = run_cli("report-link", "https://x.example/a)<b>", cwd=tmp_path, env=env)
    assert result.code == 2
    assert "Invalid value for 'URL': 'https://x.example/a)<b>' is not a plain http(s) URL" in (
        result.stderr
    )
    assert not summary.exists()
