"""Secrets never leave the process: one scrubber for every string scoregate writes.

A :class:`Scrubber` is built from an environment. It removes, wherever they appear:

- the value of every secret-looking variable: a name ending in ``_KEY``, ``_SECRET``,
  ``_TOKEN`` or ``_PAT``, or containing ``PASSWORD``, ``PASSWD`` or ``SECRET`` (so
  ``OPENAI_API_KEY``, ``LANGFUSE_SECRET_KEY``, ``LANGFUSE_PUBLIC_KEY``, ``GITHUB_TOKEN``,
  ``AZURE_OPENAI_AD_TOKEN`` ...), and the password of a URL in any variable
  (``postgres://user:PASSWORD@host``). Values shorter than :data:`MIN_LENGTH` characters are
  left alone: they would scrub ordinary words;
- those values as they look inside other text: base64 (standard and URL-safe, alone or at any
  offset inside a longer base64 string), percent-encoded, JSON-escaped and XML-escaped;
- the base64 ``public:secret`` pair of HTTP Basic authentication (Langfuse's credentials);
- the value of ``Authorization``, ``Proxy-Authorization``, ``X-Api-Key``, ``Api-Key`` and
  ``Cookie`` headers, and the credential after ``Bearer`` or ``Basic``, whoever they belong to.

Each is replaced by :data:`MASK`. :func:`reply` also shortens what a server answered (which may
echo the request) to :data:`REPLY_LIMIT` characters, after scrubbing, so no cut secret is left.

The process's scrubber (:func:`current`) is built from ``os.environ`` when first used and
built again whenever the secret-looking variables change (a task module that loads a ``.env``
file adds its keys): the process's stdout and stderr (``scoregate.cli.outstream``), the reports,
the job summary, the step outputs, the pull-request comment, the run records, the result cache
and the crash log all pass through it. Code that is given an environment (the model provider,
the GitHub client) builds its own with :meth:`Scrubber.from_env`.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MASK = "***"
MIN_LENGTH = 6
"""Values shorter than this are not treated as secrets."""
REPLY_LIMIT = 300
"""Characters of a server's reply shown in a message."""

KNOWN = frozenset(
    {
        "OPENAI_API_KEY",
        "AZURE_OPENAI_API_KEY",
        "AZURE_OPENAI_AD_TOKEN",
        "LANGFUSE_PUBLIC_KEY",
        "LANGFUSE_SECRET_KEY",
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "ACTIONS_RUNTIME_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    }
)
"""Variables that are secrets whatever the patterns below say."""
PAIRS = (("LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY"),)
"""Variables sent together as an HTTP Basic ``user:password`` credential."""

_SECRET_NAME = re.compile(r"(_KEY|_SECRET|_TOKEN|_PAT)$|PASSWORD|PASSWD|SECRET")
_URL_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^:/?#@\s]*:([^@/?#\s]+)@")
_HEADER = re.compile(
    r"(?i)\b((?:proxy-)?authorization|x-api-key|api-key|(?:set-)?cookie)"
    r"(\\?[\"']?\s*[:=]\s*\\?[\"']?)"
    r"[^\r\n\"'<&,}\\]+"
)
"""A header and its value, in ``Name: value``, ``"name": "value"`` and ``name=value`` forms.
The value stops before a quote, ``<``, ``&``, ``,``, ``}`` or ``\\``, so scrubbing JSON or XML
text never removes what closes a string or starts an escape."""
_BEARER = re.compile(r"(?i)\b(bearer)\s+(?=[A-Za-z]*[0-9_.~+/=-])[A-Za-z0-9_.~+/=-]{6,}")
"""``Bearer`` and a token (RFC 6750's characters, not only letters: "bearer tokens" is prose)."""
_BASIC = re.compile(r"(?i)\b(basic)\s+(?=[A-Za-z0-9+/]*[0-9+/])[A-Za-z0-9+/]{8,}={0,2}")
"""``Basic`` and a base64 credential (with a digit, ``+`` or ``/``: "basic evaluators" is prose)."""


def is_secret_name(name: str) -> bool:
    upper = name.upper()
    return upper in KNOWN or bool(_SECRET_NAME.search(upper))


def _base64_forms(value: bytes) -> set[str]:
    """``value`` base64-encoded alone, and the characters that encode it at each offset inside
    a longer base64 string (the characters shared with its neighbours left out)."""
    import base64  # here, not at import time: the CLI's start-up

    forms: set[str] = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(value).decode("ascii")
        forms.update((whole, whole.rstrip("=")))
        for offset in range(3):
            # Characters i with bits [6i, 6i+6) inside the value's bits [8·offset, 8·(offset+n)).
            encoded = encode(b"\0" * offset + value + b"\0\0\0").decode("ascii")
            first = -(-8 * offset // 6)
            last = (8 * (offset + len(value))) // 6
            forms.add(encoded[first:last])
    return {form for form in forms if len(form) >= MIN_LENGTH}


def _forms(secret: str) -> set[str]:
    """How ``secret`` can look in text scoregate writes."""
    import html
    import json
    import urllib.parse

    forms = {
        secret,
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        html.escape(secret),
        html.escape(secret, quote=False),
    }
    forms |= _base64_forms(secret.encode())
    return {form for form in forms if len(form) >= MIN_LENGTH}


@dataclass(frozen=True, slots=True)
class Scrubber:
    """Removes the given secrets (in every form they take) and credential headers from text."""

    needles: tuple[str, ...]
    """Every form of every secret, longest first."""

    @classmethod
    def of(cls, secrets: Iterable[str], pairs: Iterable[tuple[str, str]] = ()) -> Scrubber:
        """A scrubber for these secret values and ``user:password`` pairs."""
        found: set[str] = set()
        for secret in secrets:
            if len(secret) >= MIN_LENGTH:
                found |= _forms(secret)
        for user, password in pairs:
            if user and password:
                found |= _base64_forms(f"{user}:{password}".encode())
        return cls(tuple(sorted(found, key=lambda n: (-len(n), n))))

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Scrubber:
        """A scrubber for the secret-looking variables of ``env`` (see the module's doc)."""
        return _from_items(_secret_items(env))

    def plus(self, other: Scrubber) -> Scrubber:
        """A scrubber for the secrets of both."""
        both = set(self.needles) | set(other.needles)
        return Scrubber(tuple(sorted(both, key=lambda n: (-len(n), n))))

    def text(self, text: str) -> str:
        """``text`` without the secrets and without credential header values."""
        # Plain substring tests first: they cost far less than the patterns, which run only
        # on text that holds what they look for.
        for needle in self.needles:  # longest first: a longer form is replaced whole
            if needle in text:
                text = text.replace(needle, MASK)
        lower = text.lower()
        if "authorization" in lower or "api-key" in lower or "cookie" in lower:
            text = _HEADER.sub(rf"\1\2{MASK}", text)
        if "bearer" in lower:
            text = _BEARER.sub(rf"\1 {MASK}", text)
        if "basic" in lower:
            text = _BASIC.sub(rf"\1 {MASK}", text)
        return text

    def value(self, value: Any) -> Any:
        """A JSON-like value with every string in it (keys too) scrubbed; other values as is."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {
                (self.text(k) if isinstance(k, str) else k): self.value(v) for k, v in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        return value

    def reply(self, text: str, limit: int = REPLY_LIMIT) -> str:
        """What a server said, scrubbed, then cut to ``limit`` characters."""
        text = self.text(text)
        return text if len(text) <= limit else text[: limit - 1] + "…"


def _secret_items(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    items = []
    for name, value in env.items():
        if not value:
            continue
        if is_secret_name(name):
            items.append((name, value))
        elif "://" in value and (found := _URL_PASSWORD.search(value)):
            from urllib.parse import unquote

            items.append((name, unquote(found.group(1))))
    return tuple(sorted(items))


@lru_cache(maxsize=16)
def _from_items(items: tuple[tuple[str, str], ...]) -> Scrubber:
    values = dict(items)
    pairs = [(values.get(u, ""), values.get(p, "")) for u, p in PAIRS]
    return Scrubber.of(values.values(), pairs)


_lock = threading.Lock()
_state: tuple[object, tuple[tuple[str, str], ...]] | None = None


def _environ_snapshot() -> object:
    """Something equal between two calls only if ``os.environ`` did not change: its raw
    table (CPython's ``os.environ._data``: a tuple of it costs microseconds), else its items."""
    raw = getattr(os.environ, "_data", None)
    return tuple(raw.items()) if isinstance(raw, dict) else tuple(os.environ.items())


def _current_items() -> tuple[tuple[str, str], ...]:
    global _state
    snapshot = _environ_snapshot()
    with _lock:
        if _state is None or _state[0] != snapshot:
            _state = (snapshot, _secret_items(os.environ))
        return _state[1]


def current() -> Scrubber:
    """The process's scrubber, for the secret-looking variables ``os.environ`` holds now."""
    return _from_items(_current_items())


def for_env(env: Mapping[str, str]) -> Scrubber:
    """The process's scrubber and the secret-looking variables of ``env`` (an environment
    passed in, e.g. to the GitHub client or the model provider) together."""
    if env is os.environ:
        return current()
    return _from_items(tuple(sorted(set(_current_items()) | set(_secret_items(env)))))


def text(value: str) -> str:
    """``value`` scrubbed by the process's scrubber."""
    return current().text(value)


def value(found: Any) -> Any:
    """A JSON-like value scrubbed by the process's scrubber."""
    return current().value(found)


def reply(found: str, limit: int = REPLY_LIMIT) -> str:
    """A server's reply scrubbed by the process's scrubber, then cut to ``limit``."""
    return current().reply(found, limit)
