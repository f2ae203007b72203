"""``test: rank`` on a score through the real CLI: a heavy-tailed drop that the mean's test
calls noise fails with the rank test, and every output names the rank test."""

from __future__ import annotations

import html
import json
from typing import Any

from testing.project import CliResult, Project, write_jsonl

APP = """\
from langfuse import Evaluation


def answer(*, item, phase, **kwargs):
    return str(item["metadata"][phase])


def quality(*, output, **kwargs):
    return Evaluation(name="quality", value=float(output))
"""

# 26 items a little worse, 4 much better (a heavy-tailed judge): mean drop 0.0187.
ROWS = [
    {
        "id": f"q{i}",
        "input": f"question {i}",
        "metadata": {"baseline": 0.5, "candidate": 0.44 if i < 26 else 0.75},
    }
    for i in range(30)
]
SAID = "(rank test)"


def experiment(project: Project, phase: str, test: str | None) -> dict[str, Any]:
    thresholds: dict[str, Any] = {"max_drop": 0.01, **({"test": test} if test else {})}
    found = project.experiment(
        evaluators=[{"python": f"{project.module}_heavy:quality", "scale": [0, 1]}],
        gate={"quality": thresholds},
        baseline="baseline.json",
    )
    found["task"] = {"python": f"{project.module}_heavy:answer", "kwargs": {"phase": phase}}
    return found


def run(project: Project, test: str | None) -> tuple[CliResult, dict[str, Any]]:
    project.write_config(experiment(project, "candidate", test))
    result = project.run_cli("run")
    record: dict[str, Any] = json.loads(project.records()[-1].read_text(encoding="utf-8"))
    return result, record


def drop_check(record: dict[str, Any]) -> dict[str, Any]:
    (check,) = [c for c in record["gate"]["checks"] if c["kind"] == "max_drop"]
    return check


def test_a_heavy_tailed_drop_passes_with_the_mean_and_fails_with_rank(project: Project) -> None:
    project.write(f"{project.module}_heavy.py", APP)
    write_jsonl(project.root / "data.jsonl", ROWS)
    project.write_config(experiment(project, "baseline", None))
    first = project.run_cli("run", "--no-baseline")
    assert first.code == 0, first.stdout + first.stderr
    promoted = project.run_cli("baseline", "promote", project.records()[-1])
    assert promoted.code == 0, promoted.stdout + promoted.stderr

    result, record = run(project, None)
    assert result.code == 0, result.stdout + result.stderr
    check = drop_check(record)
    assert check["status"] == "pass"
    assert "not significant" in check["explanation"]
    assert SAID not in check["explanation"] and SAID not in result.stdout

    result, record = run(project, "rank")
    assert result.code == 1, result.stdout + result.stderr
    check = drop_check(record)
    assert check["status"] == "fail"
    assert "p=0.0036 (rank test) over 30 paired items" in check["explanation"]
    assert "and significant (p < 0.05)" in check["explanation"]
    delta = record["gate"]["scores"]["quality"]["delta"]
    assert delta["test"] == "rank"
    assert delta["method"].startswith("signed-rank (Wilcoxon)")
    assert abs(delta["mean"] + 0.0187) < 1e-3  # the delta stays the mean's
    assert SAID in result.stdout
    assert SAID in (project.output_dir / "report.md").read_text(encoding="utf-8")
    assert SAID in (project.output_dir / "junit.xml").read_text(encoding="utf-8")
    page = html.unescape((project.output_dir / "report.html").read_text(encoding="utf-8"))
    assert SAID in page


def test_an_unknown_test_is_a_config_error(project: Project) -> None:
    project.write_config(project.experiment(gate={"correct": {"max_drop": 0.02, "test": "ranks"}}))
    result = project.run_cli("validate")
    assert result.code == 2, result.stdout + result.stderr
    assert (
        'experiments[0].gate.correct.test: "ranks" is not one of "mean", "rank" '
        "(did you mean 'rank'?)"
    ) in result.stderr
