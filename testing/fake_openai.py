"""A local OpenAI-compatible server for tests, driven by the real ``openai`` SDK.

Point the SDK at ``FakeOpenAI.base_url`` (``OPENAI_BASE_URL``) with the expected key
(``OPENAI_API_KEY``, default ``test-key``). Chat completion requests are answered by scripted
behaviours (``enqueue``, FIFO), else by a responder set with ``set_responder``, else by an echo
of the last user message, so tests can predict every output.

Only the standard library is used: a ``ThreadingHTTPServer`` on 127.0.0.1, port 0, served from
a background thread.
"""

from __future__ import annotations

import collections
import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import pytest

DEFAULT_API_KEY = "test-key"
DEFAULT_MODEL = "gpt-4o-mini"
MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini")
ECHO_PREFIX = "echo: "


# --- behaviours ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    """A normal ``chat.completion``. Token counts default to word counts of the messages."""

    content: str | None
    finish_reason: str = "stop"
    model: str | None = None  # None: the model the request asked for
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    tool_calls: tuple[Mapping[str, Any], ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ErrorResponse:
    """An HTTP error with an OpenAI-style body ``{"error": {message, type, param, code}}``."""

    status: int
    message: str
    type: str
    code: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RawResponse:
    """Exactly these bytes, whatever they are (for malformed or empty bodies)."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Slow:
    """Wait ``seconds`` (interrupted when the server stops), then answer with ``then``.

    ``then=None`` answers with the default echo (not the responder, which may be what returned
    this ``Slow``).
    """

    seconds: float
    then: Behaviour | None = None


@dataclass(frozen=True)
class Disconnect:
    """Close the connection without answering (the SDK sees a connection error)."""


@dataclass(frozen=True)
class EchoHeaders:
    """Echo every request header, ``Authorization`` too, as a careless proxy or a debugging
    server would: in an error message with ``status``, or as the completion's text with 200."""

    status: int = 400


Behaviour = Completion | ErrorResponse | RawResponse | Slow | Disconnect | EchoHeaders
Responder = Callable[[dict[str, Any]], "Behaviour | str"]


def completion(content: str, **kwargs: Any) -> Completion:
    """A normal completion whose message content is ``content``."""
    return Completion(content=content, **kwargs)


def json_completion(value: object, **kwargs: Any) -> Completion:
    """A completion whose content is ``value`` as JSON, as a ``response_format`` answer would be."""
    return Completion(content=json.dumps(value, sort_keys=True), **kwargs)


def not_json_completion(text: str = "I think the answer deserves a 7 out of 10.") -> Completion:
    """A completion whose content is prose where a judge expects JSON."""
    return Completion(content=text)


def slow(seconds: float, then: Behaviour | None = None) -> Slow:
    return Slow(seconds=seconds, then=then)


def echo_headers(status: int = 400) -> EchoHeaders:
    """An answer that carries the request's headers (see :class:`EchoHeaders`)."""
    return EchoHeaders(status)


class InFlight:
    """A responder that counts the chat requests being answered at once: ``peak``.

    The first requests are held until ``expected`` are in flight together, so the peak is
    reached however loaded the machine is (after ``wait`` seconds without it, they go on and
    ``peak`` tells); then each request is held ``hold`` seconds, so that a client allowing more
    than ``expected`` at once shows it in ``peak``. ``answer`` makes the answer (default: the
    echo); a request counts as answered once ``answer`` returned.
    """

    def __init__(
        self, expected: int, *, hold: float = 0.2, answer: Responder | None = None, wait: float = 30
    ) -> None:
        self.expected = expected
        self.hold = hold
        self.answer = answer
        self.wait = wait
        self.peak = 0
        self._now = 0
        self._reached = False
        self._changed = threading.Condition()

    def __call__(self, body: dict[str, Any]) -> Behaviour | str:
        with self._changed:
            self._now += 1
            self.peak = max(self.peak, self._now)
            self._changed.notify_all()
            self._changed.wait_for(lambda: self._reached or self._now >= self.expected, self.wait)
            self._reached = True
        try:
            time.sleep(self.hold)
            return self.answer(body) if self.answer else Completion(content=default_answer(body))
        finally:
            with self._changed:
                self._now -= 1


def rate_limit(
    retry_after: float | None = 1,
    *,
    retry_after_ms: float | None = None,
    message: str = "Rate limit reached for requests. Please try again later.",
    code: str = "rate_limit_exceeded",
) -> ErrorResponse:
    """HTTP 429 with ``Retry-After`` (seconds; the SDK honours values in (0, 120]).

    Note the SDK ignores ``Retry-After: 0`` and falls back to its own backoff (0.5 s and up);
    use a small float such as ``0.01`` or ``retry_after_ms`` for fast tests.
    """
    headers: dict[str, str] = {}
    if retry_after is not None:
        headers["retry-after"] = _number(retry_after)
    if retry_after_ms is not None:
        headers["retry-after-ms"] = _number(retry_after_ms)
    return ErrorResponse(429, message, "rate_limit_error", code, headers)


def server_error(
    status: int = 500,
    *,
    message: str = "The server had an error while processing your request.",
    should_retry: bool | None = None,
    retry_after: float | None = None,
) -> ErrorResponse:
    """HTTP 5xx with an error body; ``should_retry`` sets ``x-should-retry`` (the SDK obeys it)."""
    headers: dict[str, str] = {}
    if should_retry is not None:
        headers["x-should-retry"] = "true" if should_retry else "false"
    if retry_after is not None:
        headers["retry-after"] = _number(retry_after)
    return ErrorResponse(status, message, "server_error", None, headers)


def malformed_json() -> RawResponse:
    """Status 200, ``application/json``, a body that is not JSON."""
    return RawResponse(200, b'{"id": "chatcmpl-broken", "choices": [', "application/json")


def empty_body() -> RawResponse:
    """Status 200, ``application/json``, no body at all."""
    return RawResponse(200, b"", "application/json")


def wrong_content_type(body: bytes = b"<html><body>502 Bad Gateway</body></html>") -> RawResponse:
    """Status 200 with a ``text/html`` body: the SDK returns the text as a ``str`` instead of a
    ``ChatCompletion``, or raises ``APIResponseValidationError`` with strict validation."""
    return RawResponse(200, body, "text/html")


def wrong_shape() -> RawResponse:
    """Status 200, valid JSON that is not a chat completion: the SDK builds a ``ChatCompletion``
    whose ``choices`` is ``None``, or raises ``APIResponseValidationError`` with strict
    validation."""
    return RawResponse(200, b'{"object": "unexpected"}', "application/json")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# --- recorded traffic ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received. The Authorization value is never kept, only whether it was
    present and carried the expected key."""

    method: str
    path: str
    headers: Mapping[str, str]  # lower-cased names, without Authorization
    auth_present: bool
    auth_valid: bool
    body: Any  # parsed JSON, or None when the body was empty or not JSON
    received_at: float

    @property
    def messages(self) -> list[dict[str, Any]]:
        if isinstance(self.body, dict) and isinstance(self.body.get("messages"), list):
            return list(self.body["messages"])
        return []


# --- the default answer -------------------------------------------------------------------------


def message_text(message: Mapping[str, Any]) -> str:
    """The text of a chat message whose content is a string or a list of parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def last_user_text(body: Mapping[str, Any]) -> str:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return ""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return message_text(message)
    return ""


def default_answer(body: Mapping[str, Any]) -> str:
    """``"echo: <last user message>"``; with a JSON ``response_format``, that as
    ``{"answer": ...}`` JSON."""
    text = ECHO_PREFIX + last_user_text(body)
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") in (
        "json_object",
        "json_schema",
    ):
        return json.dumps({"answer": text})
    return text


def word_count(text: str) -> int:
    return len(text.split())


# --- the server ---------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins handler threads: nothing outlives stop()
    block_on_close = True

    def __init__(self, fake: FakeOpenAI) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out and hung up is expected here, not an error.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # TCP_NODELAY: no ~40 ms delayed-ACK stall per kept-open call
    timeout = 10  # an idle keep-alive connection cannot hold a handler thread for long
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        # Silent: the default writes request lines to stderr, and we never log anything that
        # could carry a key.
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        fake = self.server.fake
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        authorization = self.headers.get("authorization")
        auth_valid = authorization == f"Bearer {fake.api_key}"
        path = self.path.split("?", 1)[0]
        fake._record(
            RecordedRequest(
                method=method,
                path=path,
                headers={
                    name.lower(): value
                    for name, value in self.headers.items()
                    if name.lower() != "authorization"
                },
                auth_present=authorization is not None,
                auth_valid=auth_valid,
                body=body,
                received_at=time.time(),
            )
        )
        if not auth_valid:
            self._send_error(
                ErrorResponse(
                    401,
                    "Incorrect API key provided. You can find your API key at "
                    "https://platform.openai.com/account/api-keys.",
                    "invalid_request_error",
                    "invalid_api_key",
                )
            )
            return
        if method == "GET" and path == "/v1/models":
            self._send_json(200, {"object": "list", "data": [_model(m) for m in MODELS]})
        elif method == "GET" and path.startswith("/v1/models/"):
            name = path.removeprefix("/v1/models/")
            if name in MODELS:
                self._send_json(200, _model(name))
            else:
                self._send_error(
                    ErrorResponse(
                        404,
                        f"The model '{name}' does not exist",
                        "invalid_request_error",
                        "model_not_found",
                    )
                )
        elif method == "POST" and path == "/v1/chat/completions":
            if not isinstance(body, dict):
                self._send_error(
                    ErrorResponse(
                        400,
                        "We could not parse the JSON body of your request.",
                        "invalid_request_error",
                    )
                )
                return
            self._answer(fake._next_behaviour(body), body)
        else:
            self._send_error(
                ErrorResponse(
                    404, f"Unknown request URL: {method} {path}.", "invalid_request_error"
                )
            )

    def _answer(self, behaviour: Behaviour, body: dict[str, Any]) -> None:
        fake = self.server.fake
        if isinstance(behaviour, Slow):
            if fake._stopping.wait(behaviour.seconds):
                self.close_connection = True
                return
            then = behaviour.then or Completion(content=default_answer(body))
            self._answer(then, body)
        elif isinstance(behaviour, Completion):
            self._send_json(200, fake._completion_object(behaviour, body), behaviour.headers)
        elif isinstance(behaviour, ErrorResponse):
            self._send_error(behaviour)
        elif isinstance(behaviour, RawResponse):
            self._send(behaviour.status, behaviour.body, behaviour.content_type, behaviour.headers)
        elif isinstance(behaviour, EchoHeaders):
            echoed = "request headers: " + json.dumps(dict(self.headers.items()))
            if behaviour.status == 200:
                self._answer(Completion(content=echoed), body)
            else:
                self._send_error(ErrorResponse(behaviour.status, echoed, "invalid_request_error"))
        else:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send_error(self, error: ErrorResponse) -> None:
        payload = {
            "error": {
                "message": error.message,
                "type": error.type,
                "param": None,
                "code": error.code,
            }
        }
        self._send_json(error.status, payload, error.headers)

    def _send_json(
        self, status: int, payload: object, headers: Mapping[str, str] | None = None
    ) -> None:
        data = json.dumps(payload).encode()
        self._send(status, data, "application/json", headers or {})

    def _send(
        self,
        status: int,
        data: bytes,
        content_type: str | None,
        headers: Mapping[str, str],
    ) -> None:
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", f"req_{self.server.fake.calls:06d}")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()


def _model(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": 1_700_000_000, "owned_by": "scoregate-tests"}


class FakeOpenAI:
    """An OpenAI-compatible server on 127.0.0.1 for the duration of a ``with`` block or of
    ``start()`` ... ``stop()``."""

    def __init__(self, api_key: str = DEFAULT_API_KEY) -> None:
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self.responder_errors: list[Exception] = []
        self._queue: collections.deque[Behaviour] = collections.deque()
        self._responder: Responder | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._calls = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeOpenAI is not started; call start() or use it in a with block.")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def calls(self) -> int:
        """The number of chat completion requests received (rejected ones included)."""
        with self._lock:
            return self._calls

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == "/v1/chat/completions"]

    def env(self) -> dict[str, str]:
        """The variables that point the SDK here."""
        return {"OPENAI_BASE_URL": self.base_url, "OPENAI_API_KEY": self.api_key}

    def enqueue(self, *responses: Behaviour | str) -> None:
        """Scripted answers for the next chat completion requests, first in first out; a string
        is a completion with that content."""
        with self._lock:
            self._queue.extend(_behaviour(r) for r in responses)

    def set_responder(self, fn: Responder | None) -> None:
        """Compute the answer from the request body when nothing is enqueued."""
        with self._lock:
            self._responder = fn

    @property
    def pending(self) -> int:
        """Enqueued answers not used yet."""
        with self._lock:
            return len(self._queue)

    def start(self) -> FakeOpenAI:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-openai",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()
        server.shutdown()
        thread.join()
        with server.connections_lock:
            open_connections = list(server.connections)
        for connection in open_connections:
            # Wakes handlers waiting on an idle keep-alive connection.
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        server.server_close()
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- used by the handler ---

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)
            if request.path == "/v1/chat/completions":
                self._calls += 1

    def _next_behaviour(self, body: dict[str, Any]) -> Behaviour:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        return self._respond(body)

    def _respond(self, body: dict[str, Any]) -> Behaviour:
        with self._lock:
            responder = self._responder
        if responder is None:
            return Completion(content=default_answer(body))
        try:
            return _behaviour(responder(body))
        except Exception as error:
            # A broken responder is a bug in the test: keep it for the test to see, and answer
            # with a non-retried 500 that names it instead of a bare dropped connection.
            with self._lock:
                self.responder_errors.append(error)
            return server_error(
                500,
                message=f"fake_openai responder raised {error!r}",
                should_retry=False,
            )

    def _completion_object(self, answer: Completion, body: Mapping[str, Any]) -> dict[str, Any]:
        messages = body.get("messages")
        prompt_tokens = answer.prompt_tokens
        if prompt_tokens is None:
            prompt_tokens = sum(
                word_count(message_text(m)) for m in messages or [] if isinstance(m, dict)
            )
        completion_tokens = answer.completion_tokens
        if completion_tokens is None:
            completion_tokens = word_count(answer.content or "")
        message: dict[str, Any] = {"role": "assistant", "content": answer.content, "refusal": None}
        if answer.tool_calls:
            message["tool_calls"] = [dict(call) for call in answer.tool_calls]
        model = answer.model or str(body.get("model") or DEFAULT_MODEL)
        return {
            "id": f"chatcmpl-fake{self.calls:06d}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": answer.finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
            "system_fingerprint": "fp_scoregate_fake",
        }


def _behaviour(value: Behaviour | str) -> Behaviour:
    return Completion(content=value) if isinstance(value, str) else value


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A started ``FakeOpenAI``, stopped after the test. Re-export it in a conftest.py with
    ``from testing.fake_openai import fake_openai``."""
    with FakeOpenAI() as server:
        yield server
