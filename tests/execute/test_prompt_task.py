from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from testing import fake_openai as fakes
from testing.fake_openai import FakeOpenAI, server_error

from scoregate.config.model import ChatPromptConfig, TaskConfig
from scoregate.config.templates import Prompt
from scoregate.execute.engine import run_items
from scoregate.execute.prompt_task import OutputError, PromptTask
from scoregate.execute.provider import Backoff, Provider
from scoregate.execute.tasks import build_task
from scoregate.values.model import Item, TaskOutput

fake_openai = fakes.fake_openai
ITEM = Item("q1", {"question": "Capital of France?"}, "Paris", {"lang": "en"})


@pytest.fixture
def provider(fake_openai: FakeOpenAI) -> Iterator[Provider]:
    provider = Provider(env=fake_openai.env(), backoff=Backoff(base=0.01))
    yield provider
    provider.close()


def task(provider: Provider, prompt: Prompt, **params: Any) -> PromptTask:
    return PromptTask(ChatPromptConfig("gpt-4o-mini", prompt, params), provider)


def run(task: PromptTask, item: Item = ITEM, repeat: int = 0) -> TaskOutput:
    return asyncio.run(task.provider.run_then_close(task.run(item, repeat)))


def test_the_output_is_the_message_text_and_usage_is_set(
    fake_openai: FakeOpenAI, provider: Provider
) -> None:
    prompt = Prompt.from_messages(
        [
            {"role": "system", "content": "Answer in {{metadata.lang}}."},
            {"role": "user", "content": "{{input.question}}"},
        ]
    )
    result = run(task(provider, prompt, temperature=0))
    assert result.output == "echo: Capital of France?"
    assert result.usage is not None
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (6, 4)
    body = fake_openai.chat_requests[0].body
    assert body["messages"] == [
        {"role": "system", "content": "Answer in en."},
        {"role": "user", "content": "Capital of France?"},
    ]
    assert body["temperature"] == 0


def test_a_json_response_format_gives_the_parsed_json(
    fake_openai: FakeOpenAI, provider: Provider
) -> None:
    prompt = Prompt.from_text("{{input.question}}")
    result = run(task(provider, prompt, response_format={"type": "json_object"}))
    assert result.output == {"answer": "echo: Capital of France?"}
    assert fake_openai.chat_requests[0].body["response_format"] == {"type": "json_object"}


def test_a_json_response_format_with_prose_is_an_error_naming_the_reply(
    fake_openai: FakeOpenAI, provider: Provider
) -> None:
    fake_openai.enqueue("Sure! Paris.")
    prompt = Prompt.from_text("{{input.question}}")
    with pytest.raises(OutputError) as caught:
        run(task(provider, prompt, response_format={"type": "json_object"}))
    assert str(caught.value) == (
        "response_format asks for JSON but model gpt-4o-mini replied with text that is not "
        "JSON: 'Sure! Paris.'"
    )


def test_build_task_returns_the_prompt_task_for_an_openai_config(provider: Provider) -> None:
    config = TaskConfig(openai=ChatPromptConfig("gpt-4o", Prompt.from_text("{{input}}")))
    built = build_task(config, Path("."), provider)
    assert isinstance(built, PromptTask)
    assert built.provider is provider
    assert config.label == "openai gpt-4o"


def test_through_the_engine_errors_become_sample_errors_and_repeats_are_distinct_calls(
    fake_openai: FakeOpenAI, provider: Provider
) -> None:
    fake_openai.enqueue(server_error(500, message="model melted", should_retry=False))
    items = [ITEM, Item("q2", {"question": "Capital of Spain?"}, "Madrid")]
    prompt_task = task(provider, Prompt.from_text("{{input.question}}"))
    collector = asyncio.run(
        provider.run_then_close(
            run_items(items, prompt_task, (), concurrency=1, repeats=2, timeout=10)
        )
    )
    samples = [s for result in collector.results() for s in result.samples]
    assert fake_openai.calls == 4
    assert (
        samples[0].error
        == "ProviderError: model gpt-4o-mini: HTTP 500: model melted (request req_000001)"
    )
    assert [s.output for s in samples[1:]] == [
        "echo: Capital of France?",
        "echo: Capital of Spain?",
        "echo: Capital of Spain?",
    ]
    assert all(s.usage is not None and s.usage.calls == 1 for s in samples[1:])


def test_a_missing_field_is_a_sample_error(fake_openai: FakeOpenAI, provider: Provider) -> None:
    prompt_task = task(provider, Prompt.from_text("{{input.missing}}"))
    collector = asyncio.run(
        provider.run_then_close(
            run_items([ITEM], prompt_task, (), concurrency=1, repeats=1, timeout=5)
        )
    )
    error = collector.results()[0].samples[0].error
    assert error is not None and "placeholder {{input.missing}}: input has no field" in error
    assert fake_openai.calls == 0
