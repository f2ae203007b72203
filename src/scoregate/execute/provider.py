"""Model calls through the real ``openai`` SDK: one client, our retry policy, one call budget.

The client is built from the environment when the first call is made (``openai`` is imported
only then): ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` (any OpenAI-compatible server), or
Azure's ``AZURE_OPENAI_ENDPOINT``, ``AZURE_OPENAI_API_KEY`` and ``OPENAI_API_VERSION``.

Retry policy: the SDK's own retries are off (``max_retries=0``). A call is attempted up to
``max_attempts`` times; 408, 409, 429, 5xx, connection errors and timeouts are retried (unless
the server says ``x-should-retry: false``). The wait before a retry is the server's
``retry-after-ms`` or ``Retry-After`` (capped at 120 s) when given, else exponential backoff
with full jitter: uniform(0, min(30 s, 0.5 s × 2^(attempt-1))). Waiting does not hold a slot of
the call budget: ``max_concurrent_calls`` bounds requests in flight, for tasks and judges alike.
Other errors (400, 401, 404, a body that is not a chat completion) fail at once, and so does a
500 that carries a request-validation error (llama-cpp-python's way of saying 400).

What a reply says about itself is kept, the same from the cache as from the server (see
reply_checks.py and structured.py): its ``finish_reason``, a model other than the one asked for,
a server that refused ``response_format`` (the call falls back, once per run). The run's
warnings about them are in ``notes``, per requested model.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from scoregate.config.costs import PriceTable, price_table
from scoregate.config.model import Config, OpenAISettings
from scoregate.execute import reply_checks, structured
from scoregate.execute.cache import CachedCall, ResultCache, cache_key
from scoregate.values import scrub
from scoregate.values.errors import RunError
from scoregate.values.model import Usage
from scoregate.values.money import dollars

if TYPE_CHECKING:
    from openai import AsyncOpenAI

T = TypeVar("T")
MAX_RETRY_AFTER = 120.0
RETRY_STATUSES = frozenset({408, 409, 429})
DEFAULT_BASE_URL = "https://api.openai.com/v1"


class ProviderError(RunError):
    """A model call that failed for good; its message names the provider's own message.
    ``outage``: the server could not be reached, kept answering 429 or 5xx, or did not answer
    in time, on every attempt (rather than refusing the request)."""

    def __init__(self, message: str, *, outage: bool = False, refused_format: bool = False) -> None:
        super().__init__(message)
        self.outage = outage
        self.refused_format = refused_format
        """The server refused the request's ``response_format`` (structured.py falls back)."""


@dataclass(frozen=True, slots=True)
class ChatRequest:
    model: str
    messages: Sequence[Mapping[str, Any]]
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChatResult:
    text: str
    model: str
    usage: Usage
    cached: bool = False
    finish_reason: str = "stop"

    @property
    def truncated(self) -> bool:
        """The reply stopped at the token limit: it is cut off."""
        return self.finish_reason == "length"


@dataclass(frozen=True, slots=True)
class Backoff:
    base: float = 0.5
    cap: float = 30.0

    def delay(self, attempt: int, rng: Callable[[], float]) -> float:
        """Full jitter: uniform over [0, min(cap, base × 2^(attempt-1)))."""
        return rng() * min(self.cap, self.base * 2.0 ** (attempt - 1))


def retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the server asked us to wait (``retry-after-ms``, ``Retry-After``), if any."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class Provider:
    """Shared by every prompt task and judge of a run: client, call budget, cache, costs."""

    def __init__(
        self,
        settings: OpenAISettings | None = None,
        *,
        env: Mapping[str, str] | None = None,
        prices: PriceTable | None = None,
        cache: ResultCache | None = None,
        backoff: Backoff | None = None,
        rng: Callable[[], float] = random.random,
    ) -> None:
        import os

        self.settings = settings or OpenAISettings()
        self.env = dict(os.environ if env is None else env)
        self.prices = prices or price_table()
        self.cache = cache
        self.backoff = backoff or Backoff()
        self.rng = rng
        self.spent = 0.0
        """USD of the calls made (cache hits cost nothing)."""
        self.attempts = 0
        self.unpriced: set[str] = set()
        self.notes: dict[str, dict[str, None]] = {}
        """Warnings for the run, once each, by the model the calls asked for."""
        self.replied: dict[str, set[str]] = {}
        """The models the replies named, by the model the calls asked for."""
        self.refused: dict[str, frozenset[str]] = {}
        """The response_format types the server refused, by model: not asked for again."""
        self._client: AsyncOpenAI | None = None
        self._semaphore: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- configuration ----------------------------------------------------------------------

    @property
    def is_azure(self) -> bool:
        return bool(self.env.get("AZURE_OPENAI_ENDPOINT")) and not self.env.get("OPENAI_BASE_URL")

    @property
    def endpoint(self) -> str:
        if self.is_azure:
            return self.env["AZURE_OPENAI_ENDPOINT"]
        return self.env.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL

    def check(self) -> None:
        """Raise ProviderError when the environment cannot make a call (before anything runs)."""
        if self.is_azure:
            missing = [name for name in ("OPENAI_API_VERSION",) if not self.env.get(name)]
            if not (self.env.get("AZURE_OPENAI_API_KEY") or self.env.get("AZURE_OPENAI_AD_TOKEN")):
                missing.append("AZURE_OPENAI_API_KEY")
            if missing:
                raise ProviderError(
                    f"AZURE_OPENAI_ENDPOINT is set but {' and '.join(missing)} "
                    f"{'is' if len(missing) == 1 else 'are'} not; set {', '.join(missing)} "
                    "for Azure OpenAI, or OPENAI_BASE_URL and OPENAI_API_KEY for another server."
                )
        elif not self.env.get("OPENAI_API_KEY"):
            raise ProviderError(
                "OPENAI_API_KEY is not set: prompt tasks and judges call the model through the "
                "OpenAI SDK. Set OPENAI_API_KEY (and OPENAI_BASE_URL for an OpenAI-compatible "
                "server such as vLLM, Ollama or a LiteLLM proxy)."
            )

    def _build_client(self) -> AsyncOpenAI:
        self.check()
        import openai

        timeout = self.settings.timeout
        if self.is_azure:
            return openai.AsyncAzureOpenAI(
                azure_endpoint=self.env["AZURE_OPENAI_ENDPOINT"],
                api_key=self.env.get("AZURE_OPENAI_API_KEY"),
                azure_ad_token=self.env.get("AZURE_OPENAI_AD_TOKEN"),
                api_version=self.env.get("OPENAI_API_VERSION"),
                max_retries=0,
                timeout=timeout,
            )
        return openai.AsyncOpenAI(
            api_key=self.env["OPENAI_API_KEY"],
            base_url=self.endpoint,
            organization=self.env.get("OPENAI_ORG_ID"),
            project=self.env.get("OPENAI_PROJECT_ID"),
            max_retries=0,
            timeout=timeout,
        )

    def _for_this_loop(self) -> tuple[AsyncOpenAI, asyncio.Semaphore]:
        loop = asyncio.get_running_loop()
        if self._client is None or self._semaphore is None or self._loop is not loop:
            # An HTTP connection pool belongs to one event loop; each experiment runs its own.
            self._client = self._build_client()
            self._semaphore = asyncio.Semaphore(self.settings.max_concurrent_calls)
            self._loop = loop
        return self._client, self._semaphore

    # --- calls ------------------------------------------------------------------------------

    async def complete(self, request: ChatRequest, *, kind: str, repeat: int) -> ChatResult:
        """One chat completion: from the cache when it holds this exact call, else the model."""
        key = cache_key(
            kind=kind,
            model=request.model,
            messages=request.messages,
            params=request.params,
            repeat=repeat,
            endpoint=self.endpoint,
        )
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                self._observe(request.model, hit.model, hit.notes)
                usage = Usage(cache_hits=1)
                return ChatResult(hit.text, hit.model, usage, True, hit.finish_reason)
        (text, model, prompt_tokens, completion_tokens, finish), notes = await self._structured(
            request
        )
        cost = self.prices.cost(request.model, prompt_tokens, completion_tokens)
        self.spent += cost
        self._observe(request.model, model, notes)
        if self.cache is not None:
            call = CachedCall(text, model, prompt_tokens, completion_tokens, finish, notes)
            self.cache.put(key, kind, call)
        usage = Usage(prompt_tokens, completion_tokens, cost, calls=1)
        return ChatResult(text, model, usage, finish_reason=finish)

    def note(self, model: str, message: str) -> None:
        """A warning for the run about the calls to ``model``, kept once."""
        self.notes.setdefault(model, {})[message] = None

    def _observe(self, requested: str, replied: str, notes: Sequence[str]) -> None:
        """What a reply (from the server or the cache) tells the run: no price, another model,
        a refused response_format."""
        if self.prices.price(requested) is None:
            self.unpriced.add(requested)
        self.replied.setdefault(requested, set()).add(replied or requested)
        if not self.is_azure and not reply_checks.same_model(requested, replied):
            self.note(
                requested,
                f"model {requested} was asked for but the server answered as {replied}: "
                f"check the model name and OPENAI_BASE_URL (the calls are priced as {requested})",
            )
        for message in notes:
            self.note(requested, message)

    async def _structured(
        self, request: ChatRequest
    ) -> tuple[tuple[str, str, int, int, str], tuple[str, ...]]:
        """The call with the ``response_format`` this run's server accepts (structured.py)."""
        refused = self.refused.get(request.model, frozenset())
        for params, notes in structured.attempts(request.model, request.params, refused):
            try:
                return await self._call(replace(request, params=params)), notes
            except ProviderError as exc:
                if not exc.refused_format:
                    raise
                kind = structured.format_type(params)
                refused = self.refused[request.model] = refused | {kind}
        raise AssertionError("unreachable: plain text has no response_format to refuse")

    async def _call(self, request: ChatRequest) -> tuple[str, str, int, int, str]:
        import openai

        client, semaphore = self._for_this_loop()
        attempts = self.settings.max_attempts
        for attempt in range(1, attempts + 1):
            wait: float | None = None
            try:
                async with semaphore:
                    self.attempts += 1
                    response = await client.chat.completions.create(
                        model=request.model,
                        messages=list(request.messages),  # type: ignore[arg-type]
                        **request.params,
                    )
                return self._read(response, request.model)
            except openai.APIStatusError as exc:
                status = exc.status_code
                headers = exc.response.headers
                should_retry = headers.get("x-should-retry")
                shown = self._status_text(exc)
                invalid = reply_checks.is_validation_error(status, shown)
                retryable = (status in RETRY_STATUSES or status >= 500) and should_retry != "false"
                if invalid or not retryable or attempt == attempts:
                    outage = (status in RETRY_STATUSES or status >= 500) and not invalid
                    refused = reply_checks.refuses_response_format(status, shown)
                    failure = self._failure(request, attempt, shown, outage=outage)
                    failure.refused_format = refused and "response_format" in request.params
                    raise failure from None
                after = retry_after(headers)
                wait = min(after, MAX_RETRY_AFTER) if after is not None else None
            except openai.APITimeoutError:
                if attempt == attempts:
                    raise self._failure(
                        request,
                        attempt,
                        f"no answer within {self.settings.timeout:g}s (defaults.openai.timeout)",
                        outage=True,
                    ) from None
            except openai.APIConnectionError as exc:
                if attempt == attempts:
                    cause = exc.__cause__
                    detail = f" ({type(cause).__name__}: {cause})" if cause else ""
                    raise self._failure(
                        request, attempt, f"cannot connect to {self.endpoint}{detail}", outage=True
                    ) from None
            except (ValueError, openai.APIResponseValidationError) as exc:
                # A 200 whose body is not JSON (the SDK raises JSONDecodeError) or not the
                # expected shape. Not retried: a broken proxy rarely heals within seconds.
                raise self._failure(
                    request,
                    attempt,
                    "the answer is not a chat completion "
                    f"({type(exc).__name__}: {self._scrubber.reply(str(exc), 200)})",
                ) from None
            await asyncio.sleep(wait if wait is not None else self.backoff.delay(attempt, self.rng))
        raise AssertionError("unreachable")  # pragma: no cover

    def _read(self, response: Any, model: str) -> tuple[str, str, int, int, str]:
        choices = getattr(response, "choices", None)
        if not choices:
            shown = self._scrubber.reply(str(response), 200)
            raise ProviderError(
                f"model {model} at {self.endpoint}: the answer is not a chat completion: {shown!r}"
            )
        choice = choices[0]
        text = choice.message.content
        if text is None:
            refusal = getattr(choice.message, "refusal", None)
            why = f"refused: {refusal}" if refusal else f"finish_reason {choice.finish_reason}"
            raise ProviderError(f"model {model} returned no text ({why}).")
        usage = response.usage
        prompt_tokens = int(usage.prompt_tokens) if usage else 0
        completion_tokens = int(usage.completion_tokens) if usage else 0
        finish = str(choice.finish_reason or "stop")
        replied = self._scrubber.reply(str(response.model or ""), 200)  # the server's words
        return str(text), replied, prompt_tokens, completion_tokens, finish

    def _status_text(self, exc: Any) -> str:
        body = exc.body
        message = body.get("message") if isinstance(body, Mapping) else None
        if not message:
            message = exc.message
        request_id = exc.response.headers.get("x-request-id")
        rid = f" (request {self._scrubber.reply(request_id, 100)})" if request_id else ""
        # The server's message may echo the request (its headers too): scrubbed, then cut.
        return f"HTTP {exc.status_code}: {self._scrubber.reply(str(message))}{rid}"

    def _failure(
        self, request: ChatRequest, attempts: int, detail: str, *, outage: bool = False
    ) -> ProviderError:
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        return ProviderError(
            self._scrubber.text(f"model {request.model}{tries}: {detail}"), outage=outage
        )

    @property
    def _scrubber(self) -> scrub.Scrubber:
        """The process's secrets and the provider's environment's (OPENAI_API_KEY ...)."""
        return scrub.for_env(self.env)

    # --- lifetime ---------------------------------------------------------------------------

    def cost_limit(self, max_cost: float | None) -> Callable[[], str | None] | None:
        """A ``should_stop`` for the engine: a reason once the calls made from now on cost
        ``max_cost`` or more."""
        if max_cost is None:
            return None
        start = self.spent

        def reached() -> str | None:
            spent = self.spent - start
            if spent >= max_cost:
                return (
                    f"max_cost reached: model calls cost {dollars(spent)} of the allowed "
                    f"{dollars(max_cost)}, so no new items were started"
                )
            return None

        return reached

    async def run_then_close(self, work: Awaitable[T]) -> T:
        """Await ``work``, then close this event loop's HTTP client."""
        try:
            return await work
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Close this event loop's HTTP client and the cache file (reopened on next use)."""
        client, self._client, self._semaphore, self._loop = self._client, None, None, None
        if self.cache is not None:
            self.cache.close()
        if client is not None:
            await client.close()

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()


def open_for_run(
    config: Config, output_dir: Path, *, use_cache: bool, env: Mapping[str, str]
) -> Provider:
    """The run's provider: settings, prices and (unless turned off) the cache of ``config``."""
    cache = None
    if use_cache and config.cache.enabled and config.uses_models:
        cache = ResultCache(config.cache.path or output_dir / "cache.sqlite")
    return Provider(config.openai, env=env, prices=price_table(config.prices), cache=cache)
