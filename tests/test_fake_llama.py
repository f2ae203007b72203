"""The fake OpenAI server answering as llama-cpp-python does, through the real SDK."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from testing import fake_openai as fakes
from testing.fake_llama import llama_cpp_like
from testing.fake_openai import FakeOpenAI
from testing.replay import real_replies

fake_openai = fakes.fake_openai


def client(server: FakeOpenAI) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key=server.api_key, max_retries=0)


def ask(server: FakeOpenAI, **params: Any) -> Any:
    messages = params.pop("messages", [{"role": "user", "content": "hello"}])
    with client(server) as sdk:  # closed: no socket left for the garbage collector to warn of
        return sdk.chat.completions.create(model="gpt-4o-mini", messages=messages, **params)


def test_json_schema_and_a_developer_role_are_a_500_with_pydantics_text(
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.set_responder(llama_cpp_like())
    schema = {"type": "json_schema", "json_schema": {"name": "s", "schema": {}}}
    with pytest.raises(openai.InternalServerError) as refused:
        ask(fake_openai, response_format=schema)
    assert refused.value.status_code == 500
    assert "'loc': ('body', 'response_format', 'type')" in str(refused.value)
    assert refused.value.body["type"] == "internal_server_error"  # type: ignore[index]
    with pytest.raises(openai.InternalServerError) as role:
        ask(fake_openai, messages=[{"role": "developer", "content": "x"}])
    assert "'loc': ('body', 'messages', '0', 'role')" in str(role.value)


def test_json_object_is_taken_and_any_model_name_echoed(fake_openai: FakeOpenAI) -> None:
    fake_openai.set_responder(llama_cpp_like())
    answer = ask(fake_openai, response_format={"type": "json_object"})
    assert answer.model == "gpt-4o-mini"
    assert answer.choices[0].message.content == '{"answer": "echo: hello"}'


def test_a_reply_longer_than_max_tokens_is_cut_mid_word_with_finish_reason_length(
    fake_openai: FakeOpenAI,
) -> None:
    text = real_replies("task")[1]["text"]  # 31 tokens
    fake_openai.set_responder(
        llama_cpp_like(lambda body: fakes.Completion(text, completion_tokens=31))
    )
    cut = ask(fake_openai, max_tokens=4)
    assert cut.choices[0].finish_reason == "length"
    assert cut.choices[0].message.content == text[: len(text) * 4 // 31]
    assert cut.usage.completion_tokens == 4
    whole = ask(fake_openai, max_tokens=31)
    assert (whole.choices[0].finish_reason, whole.choices[0].message.content) == ("stop", text)
