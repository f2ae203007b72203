"""signatures.py through the CLI: a function that cannot take scoregate's call stops validate and
run before anything runs (exit 2, where it is named, what it must accept); every shape that can
take the call passes, and runs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from testing.project import Project

APP = """\
import functools


def answer():
    return "x"


def two(item, extra):
    return "x"


def only_item(*, item):
    return item.expected_output


def pos(output):
    return 1


def overall(results):
    return 1.0


def by_position(item, /):
    return "x"


def flexible(**kwargs):
    return kwargs["item"].expected_output


async def async_task(*, item, **kwargs):
    return item["expected_output"]


def with_style(*, item, style):
    return item.expected_output if style == "plain" else "?"


styled = functools.partial(with_style, style="plain")


class Answerer:
    def __call__(self, *, item, **kwargs):
        return item.expected_output


answerer = Answerer()


class Grader:
    async def __call__(self, *, output, expected_output, **kwargs):
        return output == expected_output


grader = Grader()


def matches(*, output, expected_output, ignore_case=False, **kwargs):
    if ignore_case:
        return output.lower() == expected_output.lower()
    return output == expected_output


def overall_ok(*, item_results, **kwargs):
    return {"name": "overall", "value": 1.0}
"""

SCRIPT_EVALUATORS = """\
def fine(*, output, **kwargs):
    return 1


def too_strict(input, output, /, *, expected_output, metadata):
    return 1


EVALUATORS = [fine, too_strict]
"""

# Langfuse's experiment-action scripts, run without Langfuse (no credentials: no client).
NO_LANGFUSE = {"LANGFUSE_PUBLIC_KEY": ""}

KEYWORD_SCRIPT = """\
def task(*, item, **kwargs):
    return item.expected_output


def exact(*, output, expected_output, **kwargs):
    return float(output == expected_output)


def experiment(*, context):
    context.run_experiment(name="ci", task=task, evaluators=[exact])
"""


@pytest.fixture
def app(project: Project) -> Project:
    project.write("app.py", APP)
    return project


def config_errors(project: Project, command: str = "validate") -> tuple[int, str, str]:
    result = project.run_cli(command, env=NO_LANGFUSE)
    return result.code, result.stdout, result.stderr


def test_a_task_that_cannot_take_the_item_stops_validate_and_run(app: Project) -> None:
    app.write_config(
        app.experiment("none", task="app:answer"),
        app.experiment("extra", task="app:two"),
        app.experiment("kwargs", task={"python": "app:only_item", "kwargs": {"style": "x"}}),
        app.experiment("positional", task="app:by_position"),
    )
    expected = (
        "error: [none] experiments.yaml:5:9: experiments[0].task: app:answer cannot take the "
        "call scoregate makes, answer(item=...): it takes no arguments. A task must accept "
        "the item as the keyword argument item, e.g. def answer(*, item, **kwargs).\n"
        "error: [extra] experiments.yaml:14:9: experiments[1].task: app:two cannot take the "
        "call scoregate makes, two(item=...): its parameter 'extra' has no default and would "
        "get no value. A task must accept the item as the keyword argument item, e.g. "
        "def two(*, item, **kwargs).\n"
        "error: [kwargs] experiments.yaml:24:5: experiments[2].task: app:only_item cannot take "
        "the call scoregate makes, only_item(item=..., style=...): it has no parameter "
        "'style'. A task must accept the item as the keyword argument item, and the keyword "
        "arguments of task.kwargs, e.g. def only_item(*, item, **kwargs).\n"
        "error: [positional] experiments.yaml:35:9: experiments[3].task: app:by_position "
        "cannot take the call scoregate makes, by_position(item=...): it takes 'item' only "
        "by position. A task must accept the item as the keyword argument item, e.g. "
        "def by_position(*, item, **kwargs).\n"
    )
    assert config_errors(app) == (2, "", expected)
    assert config_errors(app, "run") == (2, "", expected)
    assert not app.output_dir.exists()


def test_every_evaluator_that_cannot_take_the_call_is_named_at_once(app: Project) -> None:
    app.write("checks/evals.py", SCRIPT_EVALUATORS)
    app.write_config(
        app.experiment(
            evaluators=[
                {"type": "exact", "name": "correct"},
                {"python": "app:pos"},
                {"python": "app:matches", "kwargs": {"ignore_case": True, "strict": True}},
                {"script": "checks/evals.py"},
            ]
        )
    )
    # 'matches' takes **kwargs, so it accepts 'strict' too.
    app.write("app.py", APP.replace("ignore_case=False, **kwargs", "ignore_case=False"))
    expected = (
        "error: [qa] experiments.yaml:11:5: experiments[0].evaluators[1]: app:pos cannot take "
        "the call scoregate makes, pos(input=..., output=..., expected_output=..., "
        "metadata=...): it has no parameters 'input', 'expected_output', 'metadata'. An "
        "evaluator must accept the keyword arguments input, output, expected_output and "
        "metadata, e.g. def pos(*, input, output, expected_output, metadata, **kwargs).\n"
        "error: [qa] experiments.yaml:12:5: experiments[0].evaluators[2]: app:matches cannot "
        "take the call scoregate makes, matches(input=..., output=..., expected_output=..., "
        "metadata=..., ignore_case=..., strict=...): it has no parameters 'input', 'metadata', "
        "'strict'. An evaluator must accept the keyword arguments input, output, "
        "expected_output and metadata, and those of its kwargs, e.g. def matches(*, input, "
        "output, expected_output, metadata, **kwargs).\n"
        "error: [qa] experiments.yaml:16:5: experiments[0].evaluators[3]: "
        "checks/evals.py:too_strict cannot take the call scoregate makes, too_strict(input=..., "
        "output=..., expected_output=..., metadata=...): it takes 'input', 'output' only by "
        "position. An evaluator must accept the keyword arguments input, output, "
        "expected_output and metadata, e.g. def too_strict(*, input, output, expected_output, "
        "metadata, **kwargs).\n"
    )
    assert config_errors(app) == (2, "", expected)
    assert config_errors(app, "run") == (2, "", expected)
    assert not app.output_dir.exists()


def test_run_evaluators_and_an_experiment_script_are_checked_too(app: Project) -> None:
    app.write("no_context.py", "def experiment():\n    pass\n")
    app.write_config(
        app.experiment("runs", run_evaluators=["app:overall_ok", "app:overall"]),
        {"name": "script", "dataset": "data.jsonl", "script": "no_context.py"},
    )
    expected = (
        "error: [runs] experiments.yaml:16:5: experiments[0].run_evaluators[1]: app:overall "
        "cannot take the call scoregate makes, overall(item_results=...): it has no parameter "
        "'item_results'; its parameter 'results' has no default and would get no value. A run "
        "evaluator must accept the keyword argument item_results, e.g. "
        "def overall(*, item_results, **kwargs).\n"
        "error: [script] experiments.yaml:19:11: experiments[1].script: "
        "no_context.py:experiment cannot take the call scoregate makes, experiment(context): "
        "it takes no arguments. The script's experiment function must accept Langfuse's "
        "RunnerContext as its one argument, e.g. def experiment(context).\n"
    )
    assert config_errors(app) == (2, "", expected)
    assert config_errors(app, "run") == (2, "", expected)


def test_a_script_taking_the_context_by_keyword_runs(app: Project) -> None:
    app.write("keyword_ci.py", KEYWORD_SCRIPT)
    app.write_config({"name": "qa", "dataset": "data.jsonl", "script": "keyword_ci.py"})
    code, out, err = config_errors(app)
    assert (code, err) == (0, "")
    code, out, err = config_errors(app, "run")
    assert code == 0, err
    assert "PASSED" in out
    record = json.loads(app.records()[-1].read_text())
    values = {i["id"]: i["samples"][0]["scores"][0]["value"] for i in record["items"]}
    assert values == dict.fromkeys("abcde", 1.0)


@pytest.mark.parametrize(
    ("task", "evaluator"),
    [
        ("app:flexible", {"python": "app:matches", "kwargs": {"ignore_case": True}}),
        ("app:async_task", {"python": "app:grader", "name": "same"}),
        ("app:answerer", {"script": "checks/evals.py"}),
        ({"python": "app:styled"}, {"python": "app:matches"}),
        ({"python": "app:with_style", "kwargs": {"style": "plain"}}, {"python": "app:grader"}),
    ],
    ids=["kwargs", "async", "callable-object", "partial", "task-kwargs"],
)
def test_every_shape_that_takes_the_call_validates_and_runs(
    app: Project, task: Any, evaluator: dict[str, Any]
) -> None:
    app.write("checks/evals.py", "def fine(**kwargs):\n    return 1\n\nEVALUATORS = [fine]\n")
    app.write_config(
        app.experiment(
            task=task,
            evaluators=[{"type": "exact", "name": "correct"}, evaluator],
            run_evaluators=["app:overall_ok"],
        )
    )
    code, out, err = config_errors(app)
    assert (code, err) == (0, ""), err
    code, out, err = config_errors(app, "run")
    assert code == 0, err
    assert "PASSED" in out
    record = json.loads(app.records()[-1].read_text())
    scores = {s["name"]: s["value"] for i in record["items"] for s in i["samples"][0]["scores"]}
    assert set(scores.values()) == {1.0}, record["items"][0]
    assert [(s["name"], s["value"]) for s in record["run_scores"]] == [("overall", 1.0)]


def test_a_callable_whose_signature_cannot_be_read_is_accepted(app: Project) -> None:
    # dict(item=...) works; its signature is not readable, so it is let through, not refused.
    app.write_config(app.experiment(task="builtins:dict", gate={}))
    code, out, err = config_errors(app)
    assert (code, err) == (0, "")
    assert "task builtins:dict" in out
