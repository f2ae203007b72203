"""What a model's reply says about the call besides its text: a reply cut at ``max_tokens``,
a model other than the one asked for, a server that refused the request's parameters.

An OpenAI-compatible server may serve any model under any name (llama-cpp-python echoes the
name it was asked for; llama.cpp's own server answers with its GGUF file), and reports a
request it cannot validate as HTTP 500. These rules keep such replies from passing as what
was asked for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_DATED = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4})$")
_VALIDATION = re.compile(r"validation error|'loc': \('body'|\"loc\": \[\"body\"", re.I)


class TruncatedReply(ValueError):
    """The reply stopped at the token limit (``finish_reason: length``): it is cut off."""


def base_model(name: str) -> str:
    """``gpt-4o-mini`` for ``gpt-4o-mini-2024-07-18`` and ``openai/gpt-4o-mini``."""
    return _DATED.sub("", name.strip().rsplit("/", 1)[-1].lower())


def same_model(requested: str, replied: str) -> bool:
    """Whether the reply's ``model`` is the requested one, dated suffixes aside (a reply
    without a model name says nothing against it)."""
    return not replied or base_model(requested) == base_model(replied)


def token_limit(params: Mapping[str, Any]) -> str:
    """``max_tokens=60`` (or ``max_completion_tokens=...``) as the request set it."""
    for key in ("max_tokens", "max_completion_tokens"):
        if key in params:
            return f"{key}={params[key]}"
    return "the server's default max_tokens"


def truncated(model: str, params: Mapping[str, Any], text: str) -> TruncatedReply:
    limit = token_limit(params)
    raise_it = "raise max_tokens" if "=" in limit else "set max_tokens"
    shown = text if len(text) <= 120 else "…" + text[-120:]
    return TruncatedReply(
        f'model {model}: the reply was truncated at {limit} (finish_reason "length"); '
        f"{raise_it}, or set allow_truncated: true to score cut-off replies as they are. "
        f"It ended: {shown!r}"
    )


def is_validation_error(status: int, message: str) -> bool:
    """A request the server could not validate: 400/422, or a 500 carrying a validation
    error (llama-cpp-python reports pydantic's errors as HTTP 500). Never worth a retry."""
    return status in (400, 422) or (status == 500 and bool(_VALIDATION.search(message)))


def refuses_response_format(status: int, message: str) -> bool:
    """The server refused the request's ``response_format`` (a json_schema it does not do)."""
    lowered = message.lower()
    return is_validation_error(status, message) and (
        "response_format" in lowered or "json_schema" in lowered
    )
