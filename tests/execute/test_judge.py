from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from testing import fake_openai as fakes
from testing.fake_openai import FakeOpenAI, json_completion, not_json_completion, server_error

from scoregate.config.model import ChatPromptConfig, EvaluatorConfig
from scoregate.config.templates import Prompt
from scoregate.decide.compare import judge_difference
from scoregate.execute.evaluators import build_evaluators
from scoregate.execute.evaluators.evaluator import Evaluator
from scoregate.execute.evaluators.judge import JudgeReplyError, parse_reply
from scoregate.execute.provider import Backoff, Provider
from scoregate.values.model import Item, Score, ScoreDef

fake_openai = fakes.fake_openai
ITEM = Item("q1", "Capital of France?", "Paris")
PROMPT = "Question: {{input}}\nExpected: {{expected_output}}\nAnswer: {{output}}\nRate it."


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ('{"score": 7, "reasoning": "Mostly right."}', (7.0, "Mostly right.")),
        ('  {"score": 7.5}  ', (7.5, None)),
        ('{"score": "8", "reason": "ok"}', (8.0, "ok")),
        (
            'Here you go:\n```json\n{"score": 3, "reasoning": "Wrong city."}\n```\n',
            (3.0, "Wrong city."),
        ),
        ('```\n{"score": 10, "explanation": "Exact."}\n```', (10.0, "Exact.")),
        ("6", (6.0, None)),
        (" 9.5\n", (9.5, None)),
    ],
)
def test_accepted_replies(reply: str, expected: tuple[float, str | None]) -> None:
    assert parse_reply(reply) == expected


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("I think the answer deserves a 7 out of 10.", "expected JSON"),
        ('{"rating": 7}', 'has no "score"'),
        ('{"score": "high"}', '"score" is "high", not a number'),
        ('{"score": true}', '"score" is true, not a number'),
        ('["score", 7]', "JSON list, not an object"),
        ("", "the reply is empty"),
        ("NaN", "not a finite number"),
    ],
)
def test_anything_else_is_an_error_never_a_zero(reply: str, why: str) -> None:
    with pytest.raises(JudgeReplyError, match=why.replace("(", r"\(")):
        parse_reply(reply)


@pytest.fixture
def provider(fake_openai: FakeOpenAI) -> Iterator[Provider]:
    provider = Provider(env=fake_openai.env(), backoff=Backoff(base=0.01))
    yield provider
    provider.close()


def judge(
    provider: Provider,
    *,
    model: str = "gpt-4o-mini",
    prompt: str = PROMPT,
    scale: tuple[float, float] = (0.0, 10.0),
    name: str = "quality",
) -> Evaluator:
    chat = ChatPromptConfig(model, Prompt.from_text(prompt), {"temperature": 0})
    config = EvaluatorConfig("judge", model, name, {}, scale, None, "", judge=chat)
    (built,) = build_evaluators([config], Path("."), provider)
    return built


def score(evaluator: Evaluator, provider: Provider, output: object = "Paris") -> Score:
    async def go() -> object:
        return await provider.run_then_close(evaluator.call(ITEM, output))

    (result,) = evaluator.scores(asyncio.run(go()))
    return result


def test_a_json_reply_is_normalised_and_the_reasoning_kept(
    fake_openai: FakeOpenAI, provider: Provider
) -> None:
    fake_openai.enqueue(json_completion({"score": 7, "reasoning": "Right, but terse."}))
    evaluator = judge(provider)
    result = score(evaluator, provider)
    assert (result.name, result.value, result.raw) == ("quality", 0.7, 7.0)
    assert result.comment == "Right, but terse."
    assert result.error is None
    assert result.scale == (0.0, 10.0)
    assert result.usage is not None and result.usage.calls == 1
    assert result.usage.prompt_tokens > 0
    messages = fake_openai.chat_requests[0].messages
    assert messages[0]["role"] == "system"
    assert '{"score": <a number from 0 to 10' in messages[0]["content"]
    assert messages[1] == {
        "role": "user",
        "content": "Question: Capital of France?\nExpected: Paris\nAnswer: Paris\nRate it.",
    }


def test_the_declared_scale_is_used(fake_openai: FakeOpenAI, provider: Provider) -> None:
    fake_openai.enqueue("4")
    evaluator = judge(provider, scale=(1.0, 5.0))
    assert score(evaluator, provider).value == 0.75
    assert "from 1 to 5" in fake_openai.chat_requests[0].messages[0]["content"]


def test_a_reply_that_is_not_json_is_a_judge_error_with_the_raw_reply(
    fake_openai: FakeOpenAI, provider: Provider
) -> None:
    fake_openai.enqueue(not_json_completion())
    result = score(judge(provider), provider)
    assert result.value is None
    assert result.raw == result.comment == "I think the answer deserves a 7 out of 10."
    assert result.error == (
        "judge 'quality' (gpt-4o-mini): the judge's reply is not a score (expected JSON "
        '{"score": N, "reasoning": "..."}, that JSON in a ```json fence, "score: N", "N/TOP", '
        '"N out of TOP" or a bare number); '
        "it replied: 'I think the answer deserves a 7 out of 10.'"
    )
    assert result.usage is not None and result.usage.calls == 1


def test_a_score_outside_the_scale_is_an_error(fake_openai: FakeOpenAI, provider: Provider) -> None:
    fake_openai.enqueue('{"score": 11, "reasoning": "Great!"}')
    result = score(judge(provider), provider)
    assert result.value is None
    assert result.error == (
        "judge 'quality' (gpt-4o-mini): the judge's reply is not a score (the score 11 is "
        'outside the judge\'s scale 0-10); it replied: \'{"score": 11, "reasoning": "Great!"}\''
    )
    assert result.raw == result.comment == '{"score": 11, "reasoning": "Great!"}'


def test_a_failed_call_is_a_judge_error_with_the_providers_message(
    fake_openai: FakeOpenAI, provider: Provider
) -> None:
    fake_openai.enqueue(server_error(500, message="judge is down", should_retry=False))
    result = score(judge(provider), provider)
    assert result.value is None
    assert result.error is not None
    assert result.error.startswith("judge 'quality' (gpt-4o-mini): the judge call failed: model")
    assert "HTTP 500: judge is down" in result.error


def test_structured_outputs_are_shown_to_the_judge_as_json(
    fake_openai: FakeOpenAI, provider: Provider
) -> None:
    fake_openai.enqueue("8")
    score(judge(provider), provider, output={"city": "Paris"})
    assert 'Answer: {"city": "Paris"}' in fake_openai.chat_requests[0].messages[1]["content"]


def test_the_score_definition_carries_the_judge_fingerprint(provider: Provider) -> None:
    (definition,) = judge(provider).defs
    assert definition.kind == "judge"
    assert definition.scale == (0.0, 10.0)
    assert definition.fingerprint is not None
    assert definition.fingerprint["model"] == "gpt-4o-mini"
    assert definition.fingerprint["scale"] == [0.0, 10.0]
    assert len(definition.fingerprint["prompt_sha256"]) == 16


def test_another_model_prompt_or_scale_is_a_changed_judge(provider: Provider) -> None:
    def definition(**kwargs: object) -> ScoreDef:
        return judge(provider, **kwargs).defs[0]  # type: ignore[arg-type]

    base = definition()
    assert judge_difference(definition(), base) is None
    assert judge_difference(definition(model="gpt-4o"), base) == (
        "judge changed: model gpt-4o-mini → gpt-4o"
    )
    changed = judge_difference(definition(prompt=PROMPT + " Be strict."), base)
    assert changed is not None and changed.startswith("judge changed: prompt_sha256 ")
    assert judge_difference(definition(scale=(1.0, 5.0)), base) == (
        "judge changed: scale [0.0, 10.0] → [1.0, 5.0]"
    )
