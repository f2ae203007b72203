"""The fake OpenAI server replaying a real model's replies, through the real SDK."""

from __future__ import annotations

import openai
from testing import fake_openai as fakes
from testing.fake_openai import FakeOpenAI
from testing.replay import real_replies, replay

fake_openai = fakes.fake_openai


def ask(client: openai.OpenAI, text: str) -> tuple[str | None, int]:
    response = client.chat.completions.create(
        model="smollm2", messages=[{"role": "user", "content": text}]
    )
    assert response.usage is not None
    return response.choices[0].message.content, response.usage.completion_tokens


def test_the_corpus_holds_the_real_judge_and_task_replies() -> None:
    judged, tasks = real_replies("judge"), real_replies("task")
    assert (len(judged), len(tasks)) == (135, 80)
    assert judged[1]["text"] == "10 = fully correct; 0 = wrong or off topic."
    assert tasks[0] == {
        "kind": "task",
        "text": "The capital of France is Paris.",
        "completion_tokens": 8,
    }


def test_replies_in_order_then_a_500_past_the_last(fake_openai: FakeOpenAI) -> None:
    fake_openai.set_responder(replay(["first", "second"], completion_tokens=[3, 5]))
    client = openai.OpenAI(**_client(fake_openai), max_retries=0)
    assert ask(client, "a") == ("first", 3)
    assert ask(client, "b") == ("second", 5)
    try:
        ask(client, "c")
    except openai.InternalServerError as exc:
        assert "replay: no recorded reply 2" in str(exc)
    else:
        raise AssertionError("a third call was answered")


def test_replies_by_key_and_only_for_some_calls(fake_openai: FakeOpenAI) -> None:
    def key(body: dict[str, object]) -> int:
        return int(fakes.last_user_text(body).removeprefix("reply "))

    def only(body: dict[str, object]) -> bool:
        return fakes.last_user_text(body).startswith("reply ")

    fake_openai.set_responder(replay(["zero", "one", "two"], key=key, only=only))
    client = openai.OpenAI(**_client(fake_openai), max_retries=0)
    assert ask(client, "reply 2")[0] == "two"
    assert ask(client, "reply 0")[0] == "zero"
    assert ask(client, "hello")[0] == "echo: hello"


def _client(server: FakeOpenAI) -> dict[str, str]:
    return {"base_url": server.base_url, "api_key": server.api_key}
