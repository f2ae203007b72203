"""``FakeOpenAI`` answering as llama-cpp-python 0.3.x's server does where it differs from
OpenAI's (see testing/real_model/SOURCE.md): a responder wrapper.

- any model name is accepted and echoed back (``FakeOpenAI`` does that already);
- a request it cannot validate is HTTP 500 with pydantic's text (``internal_server_error``),
  not 400: ``response_format: {type: json_schema}`` and ``role: developer`` among them;
- ``json_object`` is accepted;
- a reply longer than ``max_tokens`` is cut there, mid-word, with ``finish_reason: length``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from testing.fake_openai import (
    Behaviour,
    Completion,
    ErrorResponse,
    Responder,
    default_answer,
    message_text,
    word_count,
)

FORMATS = ("text", "json_object")
ROLES = ("system", "user", "assistant", "tool", "function")


def validation_error(loc: tuple[str, ...], message: str, value: object) -> ErrorResponse:
    """What llama-cpp-python sends for a request pydantic refused: a 500 with the error list."""
    detail = [{"type": "literal_error", "loc": ("body", *loc), "msg": message, "input": value}]
    return ErrorResponse(500, repr(detail), "internal_server_error")


def refusal(body: Mapping[str, Any]) -> ErrorResponse | None:
    response_format = body.get("response_format")
    if isinstance(response_format, Mapping) and response_format.get("type") not in FORMATS:
        return validation_error(
            ("response_format", "type"),
            "Input should be 'text' or 'json_object'",
            response_format.get("type"),
        )
    for n, message in enumerate(body.get("messages") or ()):
        if isinstance(message, Mapping) and message.get("role") not in ROLES:
            return validation_error(
                ("messages", str(n), "role"),
                "Input should be 'system', 'user', 'assistant', 'tool' or 'function'",
                message.get("role"),
            )
    return None


def cut(answer: Completion, body: Mapping[str, Any]) -> Completion:
    """``answer`` cut at the request's ``max_tokens`` (its tokens spread evenly over its
    characters), with ``finish_reason: length``; as it is when it fits."""
    limit = body.get("max_tokens")
    text = answer.content or ""
    tokens = answer.completion_tokens or max(1, word_count(text))
    if not isinstance(limit, int) or tokens <= limit:
        return answer
    kept = text[: len(text) * limit // tokens]
    return Completion(kept, "length", answer.model, answer.prompt_tokens, limit)


def llama_cpp_like(inner: Responder | None = None) -> Responder:
    """A responder that refuses and cuts as llama-cpp-python does, answering the rest with
    ``inner`` (default: the fake's echo)."""

    def respond(body: dict[str, Any]) -> Behaviour | str:
        refused = refusal(body)
        if refused is not None:
            return refused
        answer = inner(body) if inner is not None else default_answer(body)
        if isinstance(answer, str):
            answer = Completion(answer)
        return cut(answer, body) if isinstance(answer, Completion) else answer

    return respond


def prompt_text(body: Mapping[str, Any]) -> str:
    """Every message's text, for responders that pick a reply by what the prompt says."""
    return "\n".join(message_text(m) for m in body.get("messages") or () if isinstance(m, Mapping))
