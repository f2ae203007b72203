"""User Python evaluators: every return shape, async, scripts, scales, failures."""

from __future__ import annotations

import asyncio
import textwrap
import uuid
from pathlib import Path

import pytest

from scoregate.config.model import EvaluatorConfig
from scoregate.execute.engine import run_items
from scoregate.execute.evaluators import build_evaluators
from scoregate.execute.evaluators.results import normalise, to_scores
from scoregate.execute.tasks import PythonTask
from scoregate.report.text import score_value
from scoregate.values.errors import ConfigError
from scoregate.values.model import Item, Score, ScoreDef

EVALUATORS = """\
import asyncio
from dataclasses import dataclass

from langfuse import Evaluation


def number(*, input, output, expected_output, metadata, **kwargs):
    return 0.25


def boolean(*, output, expected_output, **kwargs):
    return output == expected_output


def mapping(**kwargs):
    return {"name": "graded", "value": 0.5, "comment": "half right"}


@dataclass
class Result:
    name: str
    value: float
    comment: str | None = None


def instance(**kwargs):
    return Result("held", 0.75, "three quarters")


def several(**kwargs):
    return [
        {"name": "fluency", "value": 1.0},
        {"name": "accuracy", "value": 0.0, "comment": "wrong capital"},
        0.5,
    ]


def from_langfuse(*, output, **kwargs):
    return Evaluation(name="lf_score", value=0.9, comment=f"judged {output}")


async def slow_async(*, output, **kwargs):
    await asyncio.sleep(0.01)
    return 0.6


def ten_point(**kwargs):
    return 8.2


def eleven(**kwargs):
    return 11


def raises(**kwargs):
    raise ValueError("cannot grade this")


def words(**kwargs):
    return "good"


def sees_everything(*, input, output, expected_output, metadata, factor, **kwargs):
    ok = input == {"q": 1} and expected_output == "yes" and metadata == {"level": 2}
    return factor if ok and output == "yes" else 0.0
"""


@pytest.fixture
def module(tmp_path: Path) -> str:
    name = f"sg_evals_{uuid.uuid4().hex[:10]}"
    (tmp_path / f"{name}.py").write_text(EVALUATORS, encoding="utf-8")
    return name


def echo(*, item: Item) -> object:
    return item.expected_output


def scores_for(
    configs: list[EvaluatorConfig], root: Path, output_item: Item | None = None
) -> tuple[Score, ...]:
    """Run one item through the real engine and the configured evaluators."""
    item = output_item or Item("i1", {"q": 1}, "yes", {"level": 2})
    evaluators = build_evaluators(configs, root)
    collector = asyncio.run(
        run_items(
            [item],
            PythonTask(echo),
            evaluators,
            concurrency=1,
            repeats=1,
            timeout=5,
        )
    )
    ((result,),) = [r.samples for r in collector.results()]
    assert result.error is None
    return result.scores


def python(module: str, function: str, **kwargs: object) -> EvaluatorConfig:
    return EvaluatorConfig("python", f"{module}:{function}", **kwargs)  # type: ignore[arg-type]


def test_number_bool_dict_object_and_list(tmp_path: Path, module: str) -> None:
    configs = [
        python(module, "number"),
        python(module, "boolean", name="same"),
        python(module, "mapping"),
        python(module, "instance"),
        python(module, "several"),
    ]
    assert scores_for(configs, tmp_path) == (
        Score("number", 0.25, raw=0.25),
        Score("same", 1.0, raw=True),
        Score("graded", 0.5, raw=0.5, comment="half right"),
        Score("held", 0.75, raw=0.75, comment="three quarters"),
        Score("fluency", 1.0, raw=1.0),
        Score("accuracy", 0.0, raw=0.0, comment="wrong capital"),
        Score("several.2", 0.5, raw=0.5),
    )


def test_langfuse_evaluation_without_langfuse_configured(
    tmp_path: Path, module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY", "LANGFUSE_HOST"):
        monkeypatch.delenv(key, raising=False)
    assert scores_for([python(module, "from_langfuse")], tmp_path) == (
        Score("lf_score", 0.9, raw=0.9, comment="judged yes"),
    )


def test_async_evaluator(tmp_path: Path, module: str) -> None:
    (evaluator,) = build_evaluators([python(module, "slow_async")], tmp_path)
    assert evaluator.is_async
    assert scores_for([python(module, "slow_async")], tmp_path) == (
        Score("slow_async", 0.6, raw=0.6),
    )


def test_evaluator_gets_input_expected_output_metadata_and_kwargs(
    tmp_path: Path, module: str
) -> None:
    config = python(module, "sees_everything", options={"factor": 0.7})
    assert scores_for([config], tmp_path) == (Score("sees_everything", 0.7, raw=0.7),)


def test_scale_normalises_and_keeps_the_raw_value(tmp_path: Path, module: str) -> None:
    config = python(module, "ten_point", scale=(0.0, 10.0))
    (found,) = scores_for([config], tmp_path)
    assert found.value == pytest.approx(0.82)
    assert (found.raw, found.scale, found.error) == (8.2, (0.0, 10.0), None)
    assert score_value(found) == "0.82 (8.2/10)"
    (evaluator,) = build_evaluators([config], tmp_path)
    assert evaluator.score_defs() == (ScoreDef("ten_point", 0.5, (0.0, 10.0), "python"),)
    # A scale that does not start at zero.
    (shifted,) = to_scores(3, "likert", (1.0, 5.0))
    assert shifted.value == 0.5
    assert score_value(shifted) == "0.50 (3 on 1-5)"


def test_a_value_outside_its_scale_is_an_error_not_clamped(tmp_path: Path, module: str) -> None:
    scores = scores_for(
        [python(module, "eleven", scale=(0.0, 10.0)), python(module, "ten_point")], tmp_path
    )
    assert scores == (
        Score(
            "eleven",
            None,
            raw=11,
            scale=(0.0, 10.0),
            error="eleven: value 11 is outside its scale 0-10",
        ),
        # No declared scale: a plain number, as Langfuse has scores; nothing to be outside of.
        Score("ten_point", 8.2, raw=8.2),
    )
    assert score_value(scores[0]) == "error"
    (evaluator,) = build_evaluators([python(module, "ten_point")], tmp_path)
    assert evaluator.score_defs() == (ScoreDef("ten_point", None, None, "python", plain=True),)


def test_non_numbers_and_exceptions_become_score_errors(tmp_path: Path, module: str) -> None:
    scores = scores_for([python(module, "words"), python(module, "raises")], tmp_path)
    assert scores == (
        Score(
            "words",
            None,
            raw="good",
            error="words: returned str 'good'; a score must be a number or a bool",
        ),
        Score("raises", None, error="evaluator 'raises' failed: ValueError: cannot grade this"),
    )
    assert normalise(float("nan"), None) == (None, "returned nan; a score must be a finite number")


def test_script_with_evaluators_list(tmp_path: Path) -> None:
    script = tmp_path / "checks" / "grading.py"
    script.parent.mkdir()
    script.write_text(
        textwrap.dedent(
            """\
            def polite(*, output, **kwargs):
                return {"value": 1.0, "comment": "said please"}


            def short(*, output, **kwargs):
                return len(str(output)) <= 3


            def helper():
                return "not an evaluator"


            EVALUATORS = [polite, short]
            """
        ),
        encoding="utf-8",
    )
    config = EvaluatorConfig("script", str(script), scale=None, where="experiments.yaml:9:9")
    assert scores_for([config], tmp_path) == (
        Score("polite", 1.0, raw=1.0, comment="said please"),
        Score("short", 1.0, raw=True),
    )


def test_script_problems_are_config_errors(tmp_path: Path) -> None:
    where = "experiments.yaml:9:9"
    empty = tmp_path / "empty.py"
    empty.write_text("def f(**kwargs):\n    return 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        build_evaluators([EvaluatorConfig("script", str(empty), where=where)], tmp_path)
    assert caught.value.problems == (
        f"{where}: {empty} has no EVALUATORS list; add EVALUATORS = [function, ...] naming its "
        "evaluator functions.",
    )
    absent = tmp_path / "absent.py"
    with pytest.raises(ConfigError) as caught:
        build_evaluators([EvaluatorConfig("script", str(absent), where=where)], tmp_path)
    assert caught.value.problems == (
        f"{where}: the file {absent} does not exist (paths are relative to the config's folder "
        f"{tmp_path}).",
    )


def test_unknown_function_suggests_and_duplicate_names_are_rejected(
    tmp_path: Path, module: str
) -> None:
    where = "experiments.yaml:7:9"
    with pytest.raises(ConfigError) as caught:
        build_evaluators([python(module, "numbr", where=where)], tmp_path)
    assert caught.value.problems == (
        f"{where}: '{module}:numbr': module '{module}' has no 'numbr'; did you mean 'number'?",
    )
    with pytest.raises(ConfigError) as caught:
        build_evaluators(
            [python(module, "number", name="x"), python(module, "boolean", name="x")], tmp_path
        )
    assert caught.value.problems == (
        "two evaluators produce the score 'x'; give one of them another 'name'.",
    )
