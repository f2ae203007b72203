"""What the reports say about items and scores, through the real CLI: regressed items counted
once, scores the config dropped, the run-level row, tables and code spans as GitHub shows them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from testing.project import Project, without_metrics

CHECKS = '''\
def right(*, output, expected_output, **kwargs):
    return output == expected_output


def overall(*, item_results, **kwargs):
    """The share of right answers, over the run."""
    values = [e.value for r in item_results for e in r.evaluations if e.name == "correct"]
    return {"name": "overall", "value": sum(values) / len(values)}


def strict(*, output, **kwargs):
    raise ValueError("cannot grade `" + output + "`: see `docs`")


def odd(**kwargs):
    return {"name": "odd`name|x", "value": 0.5}
'''

ALL_EVALUATORS: list[dict[str, Any]] = [
    {"type": "exact", "name": "correct"},
    {"type": "similarity", "name": "similar", "pass_mark": 0.9},
    {"type": "contains", "name": "has"},
]


def _report(project: Project) -> list[str]:
    return (project.output_dir / "report.md").read_text(encoding="utf-8").splitlines()


def _with_baseline(project: Project, evaluators: list[dict[str, Any]]) -> None:
    project.write(f"{project.module}_checks.py", CHECKS)
    project.write_config(project.experiment(evaluators=evaluators, gate={}))
    code, out, err = project.run_cli("run")
    assert code == 0, out + err
    assert project.run_cli("baseline", "promote", project.records()[-1]).code == 0


def test_scores_the_config_dropped_are_not_measured_now_and_not_regressed(
    project: Project,
) -> None:
    right = {"python": f"{project.module}_checks:right"}
    _with_baseline(project, [*ALL_EVALUATORS, right])
    gate = {"correct": {"max_regressed_items": 1}}
    # Three evaluators dropped; one item now wrong, the others unchanged.
    project.write_config(
        project.experiment(evaluators=ALL_EVALUATORS[:1], gate=gate, task_kwargs={"wrong": ["a"]})
    )
    code, out, err = project.run_cli("run")
    assert code == 0, out + err
    lines = without_metrics(out)
    assert lines[2:6] == [
        "  correct                1.000 → 0.800   -0.200 [-0.600, +0.000] p=0.25",
        "  not measured now (in the baseline only; not compared or checked): similar, has, right",
        "  1 regressed item (passed in the baseline, fail now): a (correct)",
        "PASSED: all 2 checks passed.",
    ]
    report = _report(project)
    assert [line for line in report if line.startswith("| `")] == [
        "| `correct` | 1.000 | 0.800 | -0.200 [-0.600, +0.000] p=0.25 | 80.0% | ✅ |"
    ]
    assert (
        "> Not measured now: `similar`, `has`, `right` (in the baseline only: no evaluator "
        "produced them in this run, so there is nothing to compare or check)."
    ) in report
    assert "<details><summary>1 regressed item (passed in the baseline, fail now)</summary>" in (
        report
    )
    suite = ET.parse(project.output_dir / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["scoregate.not_measured_now"] == "similar, has, right"


def test_regressed_items_are_counted_once_with_the_scores_they_regressed_on(
    project: Project,
) -> None:
    _with_baseline(project, ALL_EVALUATORS[:2])
    gate = {"correct": {"max_regressed_items": 1}, "similar": {"max_regressed_items": 5}}
    project.write_config(
        project.experiment(
            evaluators=ALL_EVALUATORS[:2], gate=gate, task_kwargs={"wrong": ["a", "b", "e"]}
        )
    )
    code, out, err = project.run_cli("run")
    assert code == 1, out + err
    assert (
        "  3 regressed items (passed in the baseline, fail now): a (correct, similar), "
        "b (correct, similar), e (correct, similar)"
    ) in out.splitlines()
    assert (
        "  FAIL correct.max_regressed_items: 3 items passed in the baseline and fail now "
        "(allowed 1): a, b, e"
    ) in out.splitlines()
    report = _report(project)
    assert "<details><summary>3 regressed items (passed in the baseline, fail now)</summary>" in (
        report
    )
    assert [line for line in report if line.startswith("**`")] == [
        "**`a`** regressed on `correct` 1.00 → 0.00 · `similar` 1.00 → 0.00",
        "**`b`** regressed on `correct` 1.00 → 0.00 · `similar` 1.00 → 0.00",
        "**`e`** regressed on `correct` 1.00 → 0.00 · `similar` 1.00 → 0.00",
    ]
    # Every table has a header of names; none has an empty header row.
    headers = [
        line
        for previous, line in zip(["", *report], report, strict=False)
        if line.startswith("|") and not previous.startswith("|")
    ]
    assert headers
    assert not [h for h in headers if any(not c.strip() for c in h.strip("|").split("|"))]
    assert headers.count("| field | value |") == 3


def test_the_run_level_row_shows_its_check(project: Project) -> None:
    project.write(f"{project.module}_checks.py", CHECKS)
    project.write_config(
        project.experiment(
            evaluators=ALL_EVALUATORS[:1],
            gate={"overall": {"min": 0.9}},
            task_kwargs={"wrong": ["a", "b"]},
            run_evaluators=[f"{project.module}_checks:overall"],
        )
    )
    code, out, err = project.run_cli("run")
    assert code == 1, out + err
    assert "| `overall` (run) | — | 0.6 | — | — | ❌ min |" in _report(project)
    assert "  FAIL overall.min: run-level value 0.6 is below the minimum 0.9" in out.splitlines()


def test_exception_text_and_odd_names_are_code_spans_github_shows_as_they_are(
    project: Project,
) -> None:
    project.write(f"{project.module}_checks.py", CHECKS)
    evaluators = [
        {"python": f"{project.module}_checks:strict"},
        {"python": f"{project.module}_checks:odd"},
    ]
    project.write_config(project.experiment(evaluators=evaluators, gate={"max_error_rate": 1.0}))
    code, out, err = project.run_cli("run")
    assert code == 0, out + err
    report = _report(project)
    assert [line for line in report if line.startswith("| `")] == [
        # An evaluator that never returned a score is shown by its own name, with no value; a
        # plain score has no worst value, so its errored samples are left out, and said.
        "| `strict` | — | — | 5 errored samples left out: a plain score has no worst value to "
        "count them as | — | — |",
        "| ``odd`name\\|x`` | — | 0.5 | — | — | — |",
        *(
            f"| `{item}` | 0 | `strict` | `` evaluator 'strict' failed: ValueError: cannot grade "
            f"`{answer}`: see `docs` `` |"
            for item, answer in zip("abcde", ("2", "4", "6", "8", "10"), strict=True)
        ),
    ]
    # A backslash before a backtick would show in the comment: there is none.
    assert not re.search(r"\\`", "\n".join(report))
