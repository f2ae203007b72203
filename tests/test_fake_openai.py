from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONObject
from testing import fake_openai as fakes
from testing.fake_openai import (
    Completion,
    Disconnect,
    FakeOpenAI,
    InFlight,
    empty_body,
    json_completion,
    malformed_json,
    not_json_completion,
    rate_limit,
    server_error,
    slow,
    wrong_content_type,
    wrong_shape,
)

# The fixture, re-exported as a conftest.py would do with a plain import of
# `testing.fake_openai.fake_openai` (marked as F401 there).
fake_openai = fakes.fake_openai

USER: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "What is the capital of France?"}
]


def client(server: FakeOpenAI, **kwargs: Any) -> openai.OpenAI:
    kwargs.setdefault("max_retries", 0)
    return openai.OpenAI(base_url=server.base_url, api_key=server.api_key, **kwargs)


def async_client(server: FakeOpenAI, **kwargs: Any) -> openai.AsyncOpenAI:
    kwargs.setdefault("max_retries", 0)
    return openai.AsyncOpenAI(base_url=server.base_url, api_key=server.api_key, **kwargs)


def test_default_answer_echoes_the_last_user_message_with_word_count_usage(
    fake_openai: FakeOpenAI,
) -> None:
    messages: list[ChatCompletionMessageParam] = [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "first answer"},
        {"role": "user", "content": [{"type": "text", "text": "second question here"}]},
    ]
    with client(fake_openai) as sdk:
        answer = sdk.chat.completions.create(model="gpt-4o", messages=messages)

    assert answer.object == "chat.completion"
    assert answer.id.startswith("chatcmpl-")
    assert answer.model == "gpt-4o"
    assert answer.choices[0].message.role == "assistant"
    assert answer.choices[0].message.content == "echo: second question here"
    assert answer.choices[0].finish_reason == "stop"
    assert answer.usage is not None
    # 2 + 2 + 2 + 3 words in, 4 words out
    assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (9, 4)
    assert answer.usage.total_tokens == 13
    assert fake_openai.calls == 1


def test_async_client_parses_an_enqueued_completion_with_given_usage(
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.enqueue(
        Completion("Paris", prompt_tokens=120, completion_tokens=1, finish_reason="length")
    )

    async def main() -> Any:
        async with async_client(fake_openai) as sdk:
            return await sdk.chat.completions.create(
                model="gpt-4o-mini",
                messages=USER,
            )

    answer = asyncio.run(main())
    assert answer.choices[0].message.content == "Paris"
    assert answer.choices[0].finish_reason == "length"
    assert answer.usage.total_tokens == 121
    assert fake_openai.pending == 0


def test_enqueued_answers_come_first_in_order_then_the_responder(
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.enqueue("one", "two")
    fake_openai.set_responder(lambda body: f"{body['model']} says {len(body['messages'])}")
    with client(fake_openai) as sdk:
        contents = [
            sdk.chat.completions.create(model="m", messages=USER).choices[0].message.content
            for _ in range(3)
        ]
    assert contents == ["one", "two", "m says 1"]


def test_requests_are_recorded_with_json_bodies_and_without_the_key(
    fake_openai: FakeOpenAI,
) -> None:
    with client(fake_openai) as sdk:
        sdk.chat.completions.create(model="gpt-4o-mini", messages=USER, temperature=0, seed=7)

    (request,) = fake_openai.requests
    assert request.method == "POST"
    assert request.path == "/v1/chat/completions"
    assert request.body == {
        "model": "gpt-4o-mini",
        "messages": USER,
        "temperature": 0,
        "seed": 7,
    }
    assert request.messages == USER
    assert request.auth_present and request.auth_valid
    assert "authorization" not in request.headers
    assert request.headers["content-type"] == "application/json"
    assert fake_openai.api_key not in repr(fake_openai.requests)


def test_wrong_key_is_rejected_with_authentication_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue("never used")
    with (
        openai.OpenAI(base_url=fake_openai.base_url, api_key="sk-wrong", max_retries=2) as sdk,
        pytest.raises(openai.AuthenticationError) as caught,
    ):
        sdk.chat.completions.create(model="gpt-4o-mini", messages=USER)

    assert caught.value.status_code == 401
    assert caught.value.code == "invalid_api_key"
    assert caught.value.type == "invalid_request_error"
    assert fake_openai.calls == 1  # 401 is not retried
    assert fake_openai.pending == 1  # a rejected request does not consume the script
    (request,) = fake_openai.requests
    assert request.auth_present and not request.auth_valid
    assert "sk-wrong" not in repr(request)


def test_missing_key_header_is_recorded_as_absent() -> None:
    with FakeOpenAI(api_key="other-key") as server:
        plain = urllib.request.Request(server.base_url + "/models")
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(plain, timeout=5)
        with caught.value:
            assert caught.value.code == 401
            assert json.load(caught.value)["error"]["code"] == "invalid_api_key"
        (request,) = server.requests
        assert not request.auth_present and not request.auth_valid
        assert server.calls == 0


def test_rate_limit_is_retried_by_the_sdk_honouring_retry_after(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(rate_limit(0.2), rate_limit(0.2), "finally")
    started = time.monotonic()
    with client(fake_openai, max_retries=2) as sdk:
        answer = sdk.chat.completions.create(model="gpt-4o-mini", messages=USER)
    elapsed = time.monotonic() - started

    assert answer.choices[0].message.content == "finally"
    assert fake_openai.calls == 3
    assert elapsed >= 0.4  # two waits of Retry-After: 0.2
    retry_counts = [r.headers["x-stainless-retry-count"] for r in fake_openai.requests]
    assert retry_counts == ["0", "1", "2"]


def test_rate_limit_without_retries_raises_rate_limit_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(rate_limit(3, code="rate_limit_exceeded"))

    async def main() -> None:
        async with async_client(fake_openai) as sdk:
            await sdk.chat.completions.create(model="gpt-4o-mini", messages=USER)

    with pytest.raises(openai.RateLimitError) as caught:
        asyncio.run(main())
    assert caught.value.status_code == 429
    assert caught.value.response.headers["retry-after"] == "3"
    assert caught.value.type == "rate_limit_error"
    assert caught.value.code == "rate_limit_exceeded"
    assert fake_openai.calls == 1


def test_retries_are_exhausted_after_max_retries(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(*[rate_limit(retry_after_ms=10)] * 3, "unreached")
    with client(fake_openai, max_retries=2) as sdk, pytest.raises(openai.RateLimitError):
        sdk.chat.completions.create(model="gpt-4o-mini", messages=USER)
    assert fake_openai.calls == 3
    assert fake_openai.pending == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_raise_internal_server_error(fake_openai: FakeOpenAI, status: int) -> None:
    fake_openai.enqueue(server_error(status))
    with client(fake_openai) as sdk, pytest.raises(openai.InternalServerError) as caught:
        sdk.chat.completions.create(model="gpt-4o-mini", messages=USER)
    assert caught.value.status_code == status
    assert caught.value.type == "server_error"
    assert fake_openai.calls == 1


def test_server_error_is_retried_unless_x_should_retry_is_false(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(server_error(503, retry_after=0.01), "recovered")
    with client(fake_openai, max_retries=1) as sdk:
        answer = sdk.chat.completions.create(model="gpt-4o-mini", messages=USER)
        assert answer.choices[0].message.content == "recovered"
        assert fake_openai.calls == 2

        fake_openai.enqueue(server_error(500, should_retry=False), "unreached")
        with pytest.raises(openai.InternalServerError):
            sdk.chat.completions.create(model="gpt-4o-mini", messages=USER)
    assert fake_openai.calls == 3


@pytest.mark.parametrize("behaviour", [malformed_json(), empty_body()], ids=["malformed", "empty"])
def test_unparseable_json_body_raises_json_decode_error(
    fake_openai: FakeOpenAI, behaviour: Any
) -> None:
    # The SDK does not wrap this one: a 200 `application/json` body that is not JSON escapes
    # as the json module's own error (a ValueError), not as an openai error.
    fake_openai.enqueue(behaviour)
    with client(fake_openai) as sdk, pytest.raises(json.JSONDecodeError):
        sdk.chat.completions.create(model="gpt-4o-mini", messages=USER)
    assert fake_openai.calls == 1


def test_wrong_content_type_and_shape_without_strict_validation_pass_through(
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.enqueue(wrong_content_type(b"<html>bad gateway</html>"), wrong_shape())
    with client(fake_openai) as sdk:
        as_text: Any = sdk.chat.completions.create(model="m", messages=USER)
        shapeless = sdk.chat.completions.create(model="m", messages=USER)
    assert as_text == "<html>bad gateway</html>"
    assert shapeless.choices is None


def test_wrong_content_type_and_shape_with_strict_validation_raise(
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.enqueue(wrong_content_type(), wrong_shape())
    with client(fake_openai, _strict_response_validation=True) as sdk:
        for _ in range(2):
            with pytest.raises(openai.APIResponseValidationError):
                sdk.chat.completions.create(model="m", messages=USER)


def test_disconnect_raises_connection_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Disconnect())
    with client(fake_openai) as sdk, pytest.raises(openai.APIConnectionError):
        sdk.chat.completions.create(model="gpt-4o-mini", messages=USER)


def test_slow_answer_with_client_timeout_raises_timeout_error() -> None:
    started = time.monotonic()
    with FakeOpenAI() as server:
        server.enqueue(slow(30, then=Completion("too late")))
        with client(server, timeout=0.3) as sdk, pytest.raises(openai.APITimeoutError):
            sdk.chat.completions.create(model="gpt-4o-mini", messages=USER)
    # stop() interrupts the sleeping handler instead of waiting 30 s for it
    assert time.monotonic() - started < 5
    assert server.calls == 1


def test_slow_answer_within_the_timeout_succeeds_and_runs_concurrently(
    fake_openai: FakeOpenAI,
) -> None:
    in_flight = InFlight(4, hold=0.3)
    fake_openai.set_responder(in_flight)

    async def main() -> list[str | None]:
        async with async_client(fake_openai, timeout=5) as sdk:
            answers = await asyncio.gather(
                *(
                    sdk.chat.completions.create(
                        model="m",
                        messages=[{"role": "user", "content": f"q{i}"}],
                    )
                    for i in range(4)
                )
            )
        return [a.choices[0].message.content for a in answers]

    contents = asyncio.run(main())
    assert sorted(c or "" for c in contents) == ["echo: q0", "echo: q1", "echo: q2", "echo: q3"]
    assert in_flight.peak == 4  # the four answers were being given at once
    assert fake_openai.calls == 4


def test_json_answers_for_judges(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(json_completion({"score": 7, "reason": "close"}), not_json_completion())
    json_mode: ResponseFormatJSONObject = {"type": "json_object"}
    with client(fake_openai) as sdk:
        first = sdk.chat.completions.create(model="m", messages=USER, response_format=json_mode)
        second = sdk.chat.completions.create(model="m", messages=USER)
        default = sdk.chat.completions.create(model="m", messages=USER, response_format=json_mode)

    assert json.loads(first.choices[0].message.content or "") == {"reason": "close", "score": 7}
    with pytest.raises(json.JSONDecodeError):
        json.loads(second.choices[0].message.content or "")
    assert json.loads(default.choices[0].message.content or "") == {
        "answer": "echo: What is the capital of France?"
    }
    assert fake_openai.requests[0].body["response_format"] == json_mode


def test_models_list_and_unknown_model(fake_openai: FakeOpenAI) -> None:
    with client(fake_openai) as sdk:
        ids = [model.id for model in sdk.models.list()]
        assert "gpt-4o-mini" in ids
        assert sdk.models.retrieve("gpt-4o").id == "gpt-4o"
        with pytest.raises(openai.NotFoundError):
            sdk.models.retrieve("no-such-model")
    assert fake_openai.calls == 0
    assert [r.path for r in fake_openai.requests] == [
        "/v1/models",
        "/v1/models/gpt-4o",
        "/v1/models/no-such-model",
    ]


def test_sdk_finds_the_server_through_the_environment(
    fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in fake_openai.env().items():
        monkeypatch.setenv(name, value)
    with openai.OpenAI(max_retries=0) as sdk:
        answer = sdk.chat.completions.create(model="m", messages=USER)
    assert answer.choices[0].message.content == "echo: What is the capital of France?"
    assert fake_openai.requests[0].auth_valid


def test_stop_returns_with_an_idle_keep_alive_connection_open() -> None:
    server = FakeOpenAI().start()
    sdk = client(server)
    try:
        sdk.chat.completions.create(model="m", messages=USER)
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 2
        with pytest.raises(RuntimeError, match="not started"):
            _ = server.base_url
    finally:
        sdk.close()
        server.stop()


def test_a_failing_responder_answers_500_and_keeps_the_error(fake_openai: FakeOpenAI) -> None:
    def responder(body: dict[str, Any]) -> str:
        raise KeyError("expected_output")

    fake_openai.set_responder(responder)
    with (
        client(fake_openai, max_retries=2) as sdk,
        pytest.raises(openai.InternalServerError) as caught,
    ):
        sdk.chat.completions.create(model="m", messages=USER)
    assert "KeyError('expected_output')" in caught.value.message
    assert fake_openai.calls == 1  # x-should-retry: false
    assert [type(e) for e in fake_openai.responder_errors] == [KeyError]


def test_kept_open_connections_send_without_nagle_delay(fake_openai: FakeOpenAI) -> None:
    """TCP_NODELAY on the server's side: a reply on a kept-open connection is not held back
    waiting for the client's delayed ACK (about 40 ms a call, which skews any timing)."""
    import socket

    with client(fake_openai) as sdk:
        sdk.chat.completions.create(model="gpt-4o-mini", messages=USER)
        server = fake_openai._server
        assert server is not None
        with server.connections_lock:
            open_now = list(server.connections)
        assert open_now  # the SDK keeps its connection open between calls
        for connection in open_now:
            assert connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
