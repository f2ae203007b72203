"""The PR comment's and the job summary's chart, from real runs through the CLI, drawn by the
real mermaid (npm, tools/mermaid) in headless Chromium: it parses, every bar is drawn where its
value is, every label is there, and no score name runs anything."""

from __future__ import annotations

from pathlib import Path

from testing import mermaid_render
from testing.browser import BrowserPageFactory
from testing.project import Project, run_cli

REPO = Path(__file__).resolve().parents[1]

HOSTILE_EVALUATOR = """\
from langfuse import Evaluation

NAMES = [
    'tone "formal"',
    "a|b",
    "%%{init: {'theme': 'dark'}}%%",
    "</script><img src=x onerror=\\"document.title='pwned'\\">",
    "x-axis [\\"]\\", bar [9]",
]


def hostile(*, output, expected_output, **kwargs):
    right = float(output == expected_output)
    return [Evaluation(name=n, value=right * (k + 1) / 5) for k, n in enumerate(NAMES)]
"""


def test_the_comment_of_a_real_run_draws_in_the_real_mermaid(
    browser_page: BrowserPageFactory, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    config = REPO / "examples" / "regression" / "experiments.yaml"
    result = run_cli("run", "-c", str(config), "--output-dir", str(out), cwd=REPO)
    assert result.code == 1, result.stderr
    diagrams = mermaid_render.blocks((out / "report.md").read_text(encoding="utf-8"))
    assert len(diagrams) == 1
    opened, [drawn] = mermaid_render.render(browser_page, tmp_path, diagrams)
    values, labels = mermaid_render.chart_values(diagrams[0])
    assert len(values) == 6  # correct, similar and concise: baseline then candidate each
    assert labels[:2] == ["correct (baseline)", "correct (candidate)"]
    mermaid_render.assert_drawn(drawn, diagrams[0])
    opened.screenshot("regression-comment")
    opened.assert_clean()


def test_hostile_score_names_of_an_evaluator_draw_in_the_summary_and_the_comment(
    project: Project, browser_page: BrowserPageFactory, tmp_path: Path
) -> None:
    project.write(f"{project.module}_evals.py", HOSTILE_EVALUATOR)
    evaluators = [{"python": f"{project.module}_evals:hostile", "pass_mark": 0.1, "scale": [0, 1]}]
    project.write_config(project.experiment(evaluators=evaluators, gate={}))
    first = project.run_cli("run")
    assert first.code == 0, first.stdout + first.stderr
    baseline = project.records()[-1]
    project.write_config(
        project.experiment(
            evaluators=evaluators, gate={}, task_kwargs={"wrong": ["b"]}, baseline=str(baseline)
        )
    )
    summary = tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    second = project.run_cli("run", env=env)
    assert second.code == 0, second.stdout + second.stderr
    comment = mermaid_render.blocks((project.output_dir / "report.md").read_text("utf-8"))
    assert mermaid_render.blocks(summary.read_text(encoding="utf-8")) == comment
    assert len(comment) == 1
    opened, [drawn] = mermaid_render.render(browser_page, tmp_path, comment)
    mermaid_render.assert_drawn(drawn, comment[0])
    for text in ('tone "formal" (baseline)', "a|b (candidate)", 'x-axis ["]", … (baseline)'):
        assert text in drawn["text"]
    assert opened.page.title() == mermaid_render.SENTINEL
    assert opened.page.locator("img").count() == 0
    opened.screenshot("hostile-evaluator")
    opened.assert_clean()
