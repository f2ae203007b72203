"""Items' expected_scores checked against the judges the experiment has."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoregate.config.model import ChatPromptConfig, EvaluatorConfig
from scoregate.config.templates import Prompt
from scoregate.execute import reference_scores
from scoregate.execute.evaluators import build_evaluators
from scoregate.execute.evaluators.evaluator import Evaluator
from scoregate.execute.provider import Provider
from scoregate.values.errors import ConfigError
from scoregate.values.model import Item


def _evaluators(provider: Provider) -> tuple[Evaluator, ...]:
    chat = ChatPromptConfig("judge-model", Prompt.from_text("Rate {{output}}"))
    judge = EvaluatorConfig("judge", "judge-model", "quality", {}, (1.0, 5.0), None, "", judge=chat)
    exact = EvaluatorConfig("builtin", "exact", "exact")
    return build_evaluators([judge, exact], Path("."), provider)


@pytest.fixture
def provider() -> Provider:
    return Provider(env={"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})


def _item(scores: dict[str, float], k: int = 1) -> Item:
    return Item(f"i{k}", "q", source=f"data.jsonl:{k}", expected_scores=scores)


def test_references_on_the_judges_scale_pass(provider: Provider) -> None:
    evaluators = _evaluators(provider)
    reference_scores.check(
        [_item({"quality": 1}), _item({"quality": 5}, 2), _item({}, 3)], evaluators
    )
    assert set(reference_scores.judges(evaluators)) == {"quality"}


def test_every_reference_that_does_not_fit_is_named(provider: Provider) -> None:
    items = [_item({"exact": 1}), _item({"qualty": 3}, 2), _item({"quality": 0}, 3)]
    with pytest.raises(ConfigError) as raised:
        reference_scores.check(items, _evaluators(provider))
    assert list(raised.value.problems) == [
        "data.jsonl:1: item 'i1': expected_scores['exact']: 'exact' is not a judge's score; "
        "reference scores are for judges (the judge scores are: quality).",
        "data.jsonl:2: item 'i2': expected_scores['qualty']: 'qualty' is not a judge's score "
        "(did you mean 'quality'?); reference scores are for judges (the judge scores are: "
        "quality).",
        "data.jsonl:3: item 'i3': expected_scores['quality']: 0.0 is outside the judge's scale "
        "[1.0, 5.0]; give it on that scale.",
    ]


def test_references_without_any_judge_say_so(provider: Provider) -> None:
    exact = build_evaluators([EvaluatorConfig("builtin", "exact", "exact")], Path("."), provider)
    with pytest.raises(ConfigError, match="the experiment has no judge"):
        reference_scores.check([_item({"exact": 1})], exact)
