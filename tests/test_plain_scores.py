"""Scores as Langfuse has them, through the real CLI: named by the evaluator's ``Evaluation``,
a plain number unless a scale is declared."""

from __future__ import annotations

import json
from typing import Any

import pytest
from testing.project import Project, write_jsonl

EVALUATORS = '''\
from langfuse import Evaluation


def length_evaluator(*, input, output, **kwargs):
    """The length evaluator of Langfuse's docs: any number, no scale."""
    return Evaluation(name="response_length", value=len(output))


def right(*, output, expected_output, **kwargs):
    return output == expected_output
'''

ROWS = [
    {"id": f"q{i}", "input": {"question": f"q{i}"}, "expected_output": f"answer number {i} is long"}
    for i in range(8)
]
"""Eight items whose right answer is 23 characters long (a wrong one, "wrong", 5)."""


@pytest.fixture
def app(project: Project) -> Project:
    project.write(f"{project.module}_evals.py", EVALUATORS)
    write_jsonl(project.root / "data.jsonl", ROWS)
    return project


def _evaluator(project: Project, function: str, **options: Any) -> dict[str, Any]:
    return {"python": f"{project.module}_evals:{function}", **options}


def _record(project: Project) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(project.records()[-1].read_text(encoding="utf-8"))
    return loaded


def _report(project: Project) -> list[str]:
    return (project.output_dir / "report.md").read_text(encoding="utf-8").splitlines()


def test_a_langfuse_length_evaluator_is_named_by_its_evaluation_and_gated_in_its_units(
    app: Project,
) -> None:
    gate = {"response_length": {"max_drop": 2}}
    app.write_config(app.experiment(evaluators=[_evaluator(app, "length_evaluator")], gate=gate))
    code, out, err = app.run_cli("run")
    assert code == 0, out + err
    record = _record(app)
    # The score is the Evaluation's name: no row, no definition under the function's name.
    assert record["score_defs"] == {"response_length": {"kind": "python", "plain": True}}
    assert list(record["table"]["values"]) == ["response_length"]
    assert [s["value"] for s in record["items"][0]["samples"][0]["scores"]] == [23]
    assert "| `response_length` | — | 23.0 | — | — | ⏭️ skipped |" in _report(app)
    assert not any("length_evaluator" in line for line in _report(app))
    assert app.run_cli("baseline", "promote", app.records()[-1]).code == 0

    wrong = [f"q{i}" for i in range(6)]
    app.write_config(
        app.experiment(
            evaluators=[_evaluator(app, "length_evaluator")],
            gate=gate,
            task_kwargs={"wrong": wrong},
        )
    )
    code, out, err = app.run_cli("run")
    assert code == 1, out + err
    assert "  response_length         23.0 → 9.5     -13.5 [-18.0, -6.75] p=0.0078" in out
    assert (
        "  FAIL response_length.max_drop: mean changed by -13.5 [-18.0, -6.75] p=0.0078 over 8 "
        "paired items: a drop larger than the allowed 2.0 and significant (p < 0.05). Too few "
        "items for this tolerance: the smallest drop this dataset can detect is 7.325; about 108 "
        "items would be needed to detect 2.0"
    ) in out.splitlines()
    assert (
        "| `response_length` | 23.0 | 9.5 | -13.5 [-18.0, -6.75] p=0.0078 | — | ❌ max_drop |"
    ) in _report(app)
    # No item passes or fails on a plain number without a pass mark: nothing regressed.
    assert "regressed" not in out
    assert not any("regressed item" in line for line in _report(app))
    assert _record(app)["gate"]["scores"]["response_length"]["pass_rate"] is None


def test_a_pass_mark_in_its_units_counts_passes_and_regressed_items(app: Project) -> None:
    evaluators = [_evaluator(app, "length_evaluator", pass_mark=10)]
    gate = {"response_length": {"min": 15, "min_pass_rate": 0.5, "max_regressed_items": 0}}
    app.write_config(app.experiment(evaluators=evaluators, gate=gate))
    assert app.run_cli("run").code == 0
    assert app.run_cli("baseline", "promote", app.records()[-1]).code == 0

    wrong = ["q0", "q1", "q2", "q3", "q4"]
    app.write_config(app.experiment(evaluators=evaluators, gate=gate, task_kwargs={"wrong": wrong}))
    code, out, err = app.run_cli("run")
    assert code == 1, out + err
    assert [line for line in out.splitlines() if "FAIL " in line or "regressed" in line] == [
        "  5 regressed items (passed in the baseline, fail now): q0 (response_length), "
        "q1 (response_length), q2 (response_length), q3 (response_length), q4 (response_length)",
        "  FAIL response_length.min: mean 11.75 is below the minimum 15.0",
        "  FAIL response_length.min_pass_rate: pass rate 37.5% (3/8) is below 50.0%",
        "  FAIL response_length.max_regressed_items: 5 items passed in the baseline and fail now "
        "(allowed 0): q0, q1, q2, q3, q4",
    ]
    assert _record(app)["score_defs"] == {
        "response_length": {"pass_mark": 10, "kind": "python", "plain": True}
    }


def test_a_pass_rate_without_a_pass_mark_is_not_counted_and_fails_the_gate(app: Project) -> None:
    gate = {"response_length": {"min_pass_rate": 0.5}}
    app.write_config(app.experiment(evaluators=[_evaluator(app, "length_evaluator")], gate=gate))
    code, out, err = app.run_cli("run")
    assert code == 1, out + err
    assert (
        "  FAIL response_length.min_pass_rate: 'response_length' has no pass mark: it is a plain "
        "number (its evaluator declares no scale), so no item passes or fails on it; set "
        "pass_mark, in its units, on its evaluator or under gate.response_length"
    ) in out.splitlines()


def test_a_named_plain_score_without_a_pass_mark_is_a_config_error(app: Project) -> None:
    evaluators = [_evaluator(app, "length_evaluator", name="response_length")]
    gate = {"response_length": {"max_regressed_items": 0}}
    app.write_config(app.experiment(evaluators=evaluators, gate=gate))
    code, out, err = app.run_cli("run")
    assert (code, out) == (2, "")
    assert err == (
        "error: experiments.yaml:13:7: experiments[0].gate.response_length.max_regressed_items: "
        "the score 'response_length' is a plain number "
        f"({app.module}_evals:length_evaluator declares no scale), so it has no pass mark and no "
        "item passes or fails on it; set pass_mark in its units (on the evaluator or under "
        "experiments[0].gate.response_length), or declare its scale.\n"
    )


def test_thresholds_of_a_0_1_score_stay_within_0_1_and_plain_ones_need_not(
    app: Project,
) -> None:
    scaled = _evaluator(app, "length_evaluator", name="response_length", scale=[0, 100])
    app.write_config(app.experiment(evaluators=[{**scaled, "pass_mark": 7}], gate={}))
    code, out, err = app.run_cli("validate")
    assert (code, out) == (2, "")
    assert err == (
        "error: experiments.yaml:14:5: experiments[0].evaluators[0].pass_mark: 7 is greater "
        "than 1\n"
    )

    evaluators = [{"type": "exact", "name": "correct"}, scaled, _evaluator(app, "right")]
    gate = {
        "correct": {"max_drop": 2},
        "response_length": {"pass_mark": -1},
        "right": {"min": 30, "max_drop": 12.5, "pass_mark": 40},
    }
    app.write_config(app.experiment(evaluators=evaluators, gate=gate))
    code, out, err = app.run_cli("validate")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "error: experiments.yaml:19:7: experiments[0].gate.correct.max_drop: 2 is greater than 1",
        "error: experiments.yaml:21:7: experiments[0].gate.response_length.pass_mark: -1 is less "
        "than 0",
    ]


def test_a_bool_without_a_scale_is_pass_fail(app: Project) -> None:
    gate = {"right": {"min_pass_rate": 0.5}}
    app.write_config(
        app.experiment(
            evaluators=[_evaluator(app, "right")], gate=gate, task_kwargs={"wrong": ["q0", "q1"]}
        )
    )
    code, out, err = app.run_cli("run")
    assert code == 0, out + err
    assert "| `right` | — | 0.750 | — | 75.0% | ✅ |" in _report(app)
    assert _record(app)["score_defs"] == {"right": {"pass_mark": 0.5, "kind": "python"}}


def test_a_failing_evaluator_leaves_no_row_of_its_own(app: Project) -> None:
    app.write(
        f"{app.module}_flaky.py",
        """\
        from langfuse import Evaluation


        def length_evaluator(*, output, **kwargs):
            if output == "wrong":
                raise ValueError("no `length` for that")
            return Evaluation(name="response_length", value=len(output))
        """,
    )
    evaluators = [{"python": f"{app.module}_flaky:length_evaluator"}]
    app.write_config(
        app.experiment(
            evaluators=evaluators,
            gate={"response_length": {"min": 1}, "max_error_rate": 0.5},
            task_kwargs={"wrong": ["q7"]},
        )
    )
    code, out, err = app.run_cli("run")
    assert code == 0, out + err
    report = _report(app)
    assert [line for line in report if line.startswith("| `")] == [
        # Its error is the item's for the score too: a plain score has no worst value, so the
        # errored sample is left out of it, and said.
        "| `response_length` | — | 23.0 | 1 errored sample left out: a plain score has no worst "
        "value to count it as | — | ✅ |",
        "| `q7` | 0 | `length_evaluator` | ``evaluator 'length_evaluator' failed: ValueError: "
        "no `length` for that`` |",
    ]
    assert "\\`" not in "\n".join(report)
    assert (
        "  1 error in evaluator 'length_evaluator': evaluator 'length_evaluator' failed: "
        "ValueError: no `length` for that"
    ) in out.splitlines()


def test_merged_shards_keep_the_scores_each_shard_named(app: Project) -> None:
    app.write(
        f"{app.module}_per_item.py",
        """\
        def per_item(*, input, output, **kwargs):
            return {"name": "len_" + input["question"], "value": len(output)}
        """,
    )
    evaluators = [{"python": f"{app.module}_per_item:per_item"}]
    app.write_config(app.experiment(evaluators=evaluators, gate={}))
    for shard in ("1/2", "2/2"):
        assert app.run_cli("run", "--shard", shard).code == 0
    code, out, err = app.run_cli("merge", *app.records())
    assert code == 0, out + err
    merged = _record(app)
    assert sorted(merged["score_defs"]) == [f"len_q{i}" for i in range(8)]
    assert {d["plain"] for d in merged["score_defs"].values()} == {True}


def test_show_lists_a_plain_score_in_its_units(app: Project) -> None:
    app.write_config(
        app.experiment(
            evaluators=[_evaluator(app, "length_evaluator")], gate={}, task_kwargs={"wrong": ["q3"]}
        )
    )
    assert app.run_cli("run").code == 0
    code, out, err = app.run_cli("show", app.records()[-1], "--score", "response_length")
    assert (code, err) == (0, "")
    assert out.splitlines()[1:6] == [
        "",
        '● q3  input: {"question": "q3"}',
        "  expected: answer number 3 is long",
        "  output: wrong",
        "    response_length = 5.0",
    ]
