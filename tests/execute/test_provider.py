"""The provider with the real openai SDK against the fake server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from testing import fake_openai as fakes
from testing.fake_openai import (
    Disconnect,
    ErrorResponse,
    FakeOpenAI,
    InFlight,
    empty_body,
    malformed_json,
    rate_limit,
    server_error,
    slow,
    wrong_content_type,
    wrong_shape,
)

from scoregate.config.costs import price_table
from scoregate.config.model import OpenAISettings
from scoregate.execute.cache import ResultCache
from scoregate.execute.provider import (
    Backoff,
    ChatRequest,
    ChatResult,
    Provider,
    ProviderError,
    retry_after,
)

fake_openai = fakes.fake_openai

HELLO = ChatRequest("gpt-4o-mini", [{"role": "user", "content": "hello there"}])


@pytest.fixture
def make_provider(fake_openai: FakeOpenAI) -> Iterator[Any]:
    made: list[Provider] = []

    def make(**settings: Any) -> Provider:
        cache = settings.pop("cache", None)
        provider = Provider(
            OpenAISettings(**settings),
            env=fake_openai.env(),
            cache=cache,
            backoff=Backoff(base=0.01, cap=0.05),
        )
        made.append(provider)
        return provider

    yield make
    for provider in made:
        provider.close()


def complete(provider: Provider, request: ChatRequest = HELLO, repeat: int = 0) -> ChatResult:
    async def go() -> ChatResult:
        return await provider.run_then_close(provider.complete(request, kind="task", repeat=repeat))

    return asyncio.run(go())


def test_a_call_returns_the_text_tokens_and_cost(
    fake_openai: FakeOpenAI, make_provider: Any
) -> None:
    fake_openai.enqueue(fakes.completion("Paris", prompt_tokens=1000, completion_tokens=500))
    result = complete(make_provider())
    assert result.text == "Paris"
    assert result.usage.prompt_tokens == 1000
    assert result.usage.completion_tokens == 500
    assert result.usage.calls == 1
    assert result.usage.cost == pytest.approx(price_table().cost("gpt-4o-mini", 1000, 500))
    assert fake_openai.calls == 1
    request = fake_openai.chat_requests[0]
    assert request.auth_valid
    assert request.body["messages"] == [{"role": "user", "content": "hello there"}]


def test_parameters_are_sent_as_given(fake_openai: FakeOpenAI, make_provider: Any) -> None:
    request = ChatRequest(
        "gpt-4o", [{"role": "user", "content": "x"}], {"temperature": 0.2, "seed": 7}
    )
    complete(make_provider(), request)
    body = fake_openai.chat_requests[0].body
    assert (body["model"], body["temperature"], body["seed"]) == ("gpt-4o", 0.2, 7)


def test_429_with_retry_after_is_waited_for_then_retried(
    fake_openai: FakeOpenAI, make_provider: Any
) -> None:
    fake_openai.enqueue(rate_limit(0.3), "after the wait")
    started = time.perf_counter()
    result = complete(make_provider())
    assert result.text == "after the wait"
    assert fake_openai.calls == 2
    received = [r.received_at for r in fake_openai.chat_requests]
    assert received[1] - received[0] >= 0.28
    assert time.perf_counter() - started >= 0.28


def test_retry_after_ms_wins_over_retry_after(fake_openai: FakeOpenAI, make_provider: Any) -> None:
    fake_openai.enqueue(rate_limit(30, retry_after_ms=50), "ok")
    started = time.perf_counter()
    assert complete(make_provider()).text == "ok"
    assert fake_openai.calls == 2
    assert time.perf_counter() - started < 5


def test_5xx_until_the_attempts_run_out_is_an_error_with_the_providers_message(
    fake_openai: FakeOpenAI, make_provider: Any
) -> None:
    fake_openai.enqueue(*[server_error(503, message="Upstream is overloaded.")] * 5)
    with pytest.raises(ProviderError) as caught:
        complete(make_provider(max_attempts=3))
    assert fake_openai.calls == 3
    assert str(caught.value) == (
        "model gpt-4o-mini after 3 attempts: HTTP 503: Upstream is overloaded. (request req_000003)"
    )


def test_a_5xx_the_server_says_not_to_retry_fails_at_once(
    fake_openai: FakeOpenAI, make_provider: Any
) -> None:
    fake_openai.enqueue(server_error(500, message="broken", should_retry=False))
    with pytest.raises(ProviderError, match=r"^model gpt-4o-mini: HTTP 500: broken"):
        complete(make_provider())
    assert fake_openai.calls == 1


def test_client_errors_are_not_retried_and_keep_the_providers_message(
    fake_openai: FakeOpenAI, make_provider: Any
) -> None:
    fake_openai.enqueue(
        ErrorResponse(404, "The model 'gpt-9' does not exist", "invalid_request_error")
    )
    with pytest.raises(ProviderError, match=r"HTTP 404: The model 'gpt-9' does not exist"):
        complete(make_provider())
    assert fake_openai.calls == 1


def test_the_key_never_appears_in_an_error(fake_openai: FakeOpenAI, make_provider: Any) -> None:
    fake_openai.enqueue(ErrorResponse(400, f"bad key {fake_openai.api_key}!", "invalid"))
    with pytest.raises(ProviderError) as caught:
        complete(make_provider())
    assert fake_openai.api_key not in str(caught.value)
    assert "bad key ***!" in str(caught.value)


def test_a_wrong_key_is_a_clear_401(fake_openai: FakeOpenAI) -> None:
    provider = Provider(env={"OPENAI_BASE_URL": fake_openai.base_url, "OPENAI_API_KEY": "nope-123"})
    with pytest.raises(ProviderError, match=r"HTTP 401: Incorrect API key provided"):
        complete(provider)
    assert fake_openai.calls == 1


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (malformed_json(), r"the answer is not a chat completion \(JSONDecodeError"),
        (empty_body(), r"the answer is not a chat completion \(JSONDecodeError"),
        (wrong_content_type(), r"the answer is not a chat completion: '<html>"),
        (wrong_shape(), r"the answer is not a chat completion"),
    ],
)
def test_a_body_that_is_not_a_chat_completion_is_an_error_not_retried(
    fake_openai: FakeOpenAI, make_provider: Any, answer: Any, expected: str
) -> None:
    fake_openai.enqueue(answer)
    with pytest.raises(ProviderError, match=expected):
        complete(make_provider())
    assert fake_openai.calls == 1


def test_a_timeout_is_retried_then_reported(fake_openai: FakeOpenAI, make_provider: Any) -> None:
    fake_openai.enqueue(slow(2), slow(2))
    with pytest.raises(ProviderError) as caught:
        complete(make_provider(timeout=0.2, max_attempts=2))
    assert str(caught.value) == (
        "model gpt-4o-mini after 2 attempts: no answer within 0.2s (defaults.openai.timeout)"
    )
    assert fake_openai.calls == 2


def test_a_dropped_connection_is_retried(fake_openai: FakeOpenAI, make_provider: Any) -> None:
    fake_openai.enqueue(Disconnect(), "back")
    assert complete(make_provider()).text == "back"
    assert fake_openai.calls == 2


def test_nothing_listening_is_a_connection_error_after_all_attempts() -> None:
    provider = Provider(
        OpenAISettings(max_attempts=2),
        env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_API_KEY": "k"},
        backoff=Backoff(base=0.01),
    )
    with pytest.raises(
        ProviderError, match=r"after 2 attempts: cannot connect to http://127\.0\.0\.1:9/v1"
    ):
        complete(provider)


def test_concurrent_calls_are_capped_at_the_server(
    fake_openai: FakeOpenAI, make_provider: Any
) -> None:
    in_flight = InFlight(3)
    fake_openai.set_responder(in_flight)
    provider = make_provider(max_concurrent_calls=3)

    async def many() -> list[ChatResult]:
        calls = [provider.complete(HELLO, kind="task", repeat=repeat) for repeat in range(9)]
        return await provider.run_then_close(asyncio.gather(*calls))

    assert len(asyncio.run(many())) == 9
    assert in_flight.peak == 3


def test_the_cache_answers_a_repeated_call_without_the_model(
    fake_openai: FakeOpenAI, make_provider: Any, tmp_path: Path
) -> None:
    cache = ResultCache(tmp_path / "cache.sqlite")
    provider = make_provider(cache=cache)
    first = complete(provider)
    second = complete(provider)
    assert fake_openai.calls == 1
    assert second.cached and not first.cached
    assert second.text == first.text == "echo: hello there"
    assert (second.usage.cache_hits, second.usage.calls, second.usage.cost) == (1, 0, 0.0)
    complete(provider, repeat=1)
    assert fake_openai.calls == 2
    assert provider.spent == pytest.approx(2 * first.usage.cost)


def test_failed_calls_are_not_cached(
    fake_openai: FakeOpenAI, make_provider: Any, tmp_path: Path
) -> None:
    provider = make_provider(cache=ResultCache(tmp_path / "c.sqlite"), max_attempts=1)
    fake_openai.enqueue(server_error())
    with pytest.raises(ProviderError):
        complete(provider)
    assert complete(provider).text == "echo: hello there"
    assert fake_openai.calls == 2


def test_a_missing_key_is_reported_before_any_call() -> None:
    with pytest.raises(ProviderError, match=r"^OPENAI_API_KEY is not set"):
        Provider(env={}).check()
    with pytest.raises(ProviderError, match=r"OPENAI_API_VERSION and AZURE_OPENAI_API_KEY are not"):
        Provider(env={"AZURE_OPENAI_ENDPOINT": "https://x.openai.azure.com"}).check()
    azure = Provider(
        env={
            "AZURE_OPENAI_ENDPOINT": "https://x.openai.azure.com",
            "AZURE_OPENAI_API_KEY": "k",
            "OPENAI_API_VERSION": "2024-10-21",
        }
    )
    azure.check()
    assert azure.is_azure and azure.endpoint == "https://x.openai.azure.com"


def test_the_cost_limit_counts_from_when_it_is_set(
    fake_openai: FakeOpenAI, make_provider: Any
) -> None:
    provider = make_provider()
    fake_openai.enqueue(fakes.completion("a", prompt_tokens=1_000_000, completion_tokens=0))
    complete(provider)
    limit = provider.cost_limit(0.10)
    assert limit is not None and limit() is None
    fake_openai.enqueue(fakes.completion("b", prompt_tokens=1_000_000, completion_tokens=0))
    complete(provider)
    assert limit() == (
        "max_cost reached: model calls cost $0.15 of the allowed $0.10, "
        "so no new items were started"
    )
    assert provider.cost_limit(None) is None


def test_retry_after_parsing() -> None:
    assert retry_after({"retry-after": "2"}) == 2.0
    assert retry_after({"retry-after": "0.5", "retry-after-ms": "250"}) == 0.25
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, now=1445412470.0) == 10.0
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({}) is None


def test_backoff_is_exponential_with_full_jitter_and_a_cap() -> None:
    backoff = Backoff(base=0.5, cap=4.0)
    assert [backoff.delay(n, lambda: 1.0) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert backoff.delay(3, lambda: 0.25) == 0.5


JUDGE_LIKE = ChatRequest(
    "smollm2",
    [{"role": "user", "content": "grade it"}],
    {"response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": {}}}},
)


def test_a_validation_500_is_not_retried_and_is_not_an_outage(
    fake_openai: FakeOpenAI, make_provider: Any
) -> None:
    from testing.fake_llama import llama_cpp_like

    fake_openai.set_responder(llama_cpp_like())
    provider = make_provider(max_attempts=4)
    request = ChatRequest("m", [{"role": "developer", "content": "x"}])
    with pytest.raises(ProviderError) as raised:
        complete(provider, request)
    assert fake_openai.calls == 1
    assert not raised.value.outage and not raised.value.refused_format
    assert "HTTP 500: [{'type': 'literal_error', 'loc': ('body', 'messages', '0', 'role')" in str(
        raised.value
    )


def test_a_refused_json_schema_falls_back_to_json_object_once_per_run(
    fake_openai: FakeOpenAI, make_provider: Any, tmp_path: Path
) -> None:
    from testing.fake_llama import llama_cpp_like

    fake_openai.set_responder(llama_cpp_like(lambda body: '{"score": 7, "reasoning": "ok"}'))
    provider = make_provider(cache=ResultCache(tmp_path / "cache.sqlite"))
    first = complete(provider, JUDGE_LIKE)
    second = complete(provider, JUDGE_LIKE, repeat=1)
    assert first.text == second.text == '{"score": 7, "reasoning": "ok"}'
    sent = [r.body["response_format"]["type"] for r in fake_openai.chat_requests]
    assert sent == ["json_schema", "json_object", "json_object"]
    note = (
        "model smollm2: the server refused response_format json_schema, so its calls ask for "
        "json_object instead"
    )
    assert list(provider.notes["smollm2"]) == [note]
    assert provider.unpriced == {"smollm2"}

    # A new run answered from the cache: no call, the same note and the same missing price.
    rerun = make_provider(cache=ResultCache(tmp_path / "cache.sqlite"))
    assert complete(rerun, JUDGE_LIKE).cached
    assert fake_openai.calls == 3
    assert list(rerun.notes["smollm2"]) == [note]
    assert rerun.unpriced == {"smollm2"}


def test_finish_reason_and_the_replying_model_come_back_from_the_cache_too(
    fake_openai: FakeOpenAI, make_provider: Any, tmp_path: Path
) -> None:
    fake_openai.enqueue(fakes.completion("L'É", finish_reason="length", model="other-model"))
    provider = make_provider(cache=ResultCache(tmp_path / "cache.sqlite"))
    fresh = complete(provider)
    assert fresh.truncated and fresh.model == "other-model"
    rerun = make_provider(cache=ResultCache(tmp_path / "cache.sqlite"))
    cached = complete(rerun)
    assert cached.cached and cached.truncated and cached.model == "other-model"
    (warning,) = rerun.notes["gpt-4o-mini"]
    assert warning.startswith(
        "model gpt-4o-mini was asked for but the server answered as other-model"
    )
    assert rerun.replied == {"gpt-4o-mini": {"other-model"}}
