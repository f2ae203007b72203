"""One Langfuse connection per process: credentials from the environment, checked once.

Credentials come only from ``LANGFUSE_PUBLIC_KEY``, ``LANGFUSE_SECRET_KEY`` and
``LANGFUSE_BASE_URL`` (or the older ``LANGFUSE_HOST``). Every failure becomes a ``RunError``
(exit 3) whose message names the host and what failed; neither key, nor the Basic credential
they make together, is ever printed (:mod:`scoregate.values.scrub`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from scoregate.report.safe import visible
from scoregate.values import scrub
from scoregate.values.errors import RunError

if TYPE_CHECKING:
    from langfuse import Langfuse

DEFAULT_HOST = "https://cloud.langfuse.com"
READ_RETRIES = 2
"""Retries of a failed read (the SDK waits about 1 s, then 2 s)."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Credentials:
    public_key: str
    secret_key: str = field(repr=False)
    host: str = DEFAULT_HOST

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Credentials:
        host = (env.get("LANGFUSE_BASE_URL") or env.get("LANGFUSE_HOST") or DEFAULT_HOST).rstrip(
            "/"
        )
        missing = [k for k in ("LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY") if not env.get(k)]
        if missing:
            raise RunError(
                f"Langfuse at {host}: {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
                "not set. The config uses Langfuse; set LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY "
                "and LANGFUSE_BASE_URL in the environment (as CI secrets, never in the YAML)."
            )
        return cls(env["LANGFUSE_PUBLIC_KEY"], env["LANGFUSE_SECRET_KEY"], host)


def _scrubber(credentials: Credentials) -> scrub.Scrubber:
    """The process's scrubber, and the keys: alone, and as the Basic credential they make."""
    keys = scrub.Scrubber.of(
        (credentials.public_key, credentials.secret_key),
        [(credentials.public_key, credentials.secret_key)],
    )
    return scrub.current().plus(keys)


def describe_failure(exc: BaseException, scrubber: scrub.Scrubber | None = None) -> str:
    """What went wrong with a request, in a few words, from the SDK's exception. The server's
    message may echo the request (its Authorization header too): it is scrubbed, cut to a few
    hundred characters and kept on one line."""
    scrubber = scrubber or scrub.current()
    status = getattr(exc, "status_code", None)
    if status is not None:
        body = getattr(exc, "body", None)
        message = body.get("message") if isinstance(body, dict) else body
        detail = f": {visible(scrubber.reply(str(message), 200))}" if message else ""
        if status == 401:
            return f"the keys were rejected (HTTP 401{detail})"
        if status == 403:
            return f"the keys may not do this (HTTP 403{detail})"
        if status == 404:
            return f"not found (HTTP 404{detail})"
        return f"HTTP {status}{detail}"
    name = type(exc).__name__
    if name in ("ConnectError", "ConnectTimeout"):
        return f"cannot connect ({name}: {visible(scrubber.reply(str(exc)))})"
    if "Timeout" in name:
        return f"timed out ({name})"
    text = str(exc).strip()
    return f"{name}: {visible(scrubber.reply(text))}" if text else name


class Connection:
    """A checked Langfuse client and the host it talks to."""

    def __init__(self, client: Langfuse, credentials: Credentials, project_id: str) -> None:
        self.client = client
        self.credentials = credentials
        self.project_id = project_id
        self.host = credentials.host

    def error(self, what: str, exc: BaseException) -> RunError:
        reason = describe_failure(exc, _scrubber(self.credentials))
        return RunError(f"Langfuse at {self.host}: {what} failed: {reason}.")

    def read(self, what: str, call: Callable[[], T]) -> T:
        """Run one SDK read; any failure becomes a RunError naming the host and ``what``."""
        try:
            return call()
        except RunError:
            raise
        except Exception as exc:
            raise self.error(what, exc) from None

    @contextmanager
    def reading(self, what: str) -> Iterator[None]:
        try:
            yield
        except RunError:
            raise
        except Exception as exc:
            raise self.error(what, exc) from None

    def options(self, retries: int = READ_RETRIES) -> dict[str, Any]:
        return {"max_retries": retries}

    def close(self) -> None:
        """Flush what is queued and stop the SDK's threads."""
        self.client.shutdown()


_lock = threading.Lock()
_open: dict[tuple[str, str], Connection] = {}


def connect(env: Mapping[str, str], *, timeout: float = 20.0) -> Connection:
    """The process's connection for these credentials, checked with one authenticated read."""
    credentials = Credentials.from_env(env)
    key = (credentials.public_key, credentials.host)
    with _lock:
        if key in _open:
            return _open[key]
        connection = open_connection(credentials, timeout=timeout)
        _open[key] = connection
        return connection


def open_connection(credentials: Credentials, *, timeout: float = 20.0) -> Connection:
    try:
        from langfuse import Langfuse
    except ImportError:  # pragma: no cover - langfuse is a dependency
        raise RunError(
            "the config uses Langfuse but the 'langfuse' package is not installed."
        ) from None

    client = Langfuse(
        public_key=credentials.public_key,
        secret_key=credentials.secret_key,
        base_url=credentials.host,
        timeout=int(timeout),
        flush_at=200,
        flush_interval=0.5,
    )
    host = credentials.host
    try:
        projects = client.api.projects.get(request_options={"max_retries": 1})
    except Exception as exc:
        client.shutdown()
        reason = describe_failure(exc, _scrubber(credentials))
        hint = (
            " Check LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY, and that they belong to this host."
            if getattr(exc, "status_code", None) in (401, 403)
            else " Check LANGFUSE_BASE_URL and that the server is up."
        )
        raise RunError(
            f"Langfuse at {host}: checking the credentials failed: {reason}.{hint}"
        ) from None
    if not projects.data:
        client.shutdown()
        raise RunError(f"Langfuse at {host}: the keys give access to no project.")
    return Connection(client, credentials, projects.data[0].id)


def close_all() -> None:
    """Shut every open connection down (end of a command)."""
    with _lock:
        connections = list(_open.values())
        _open.clear()
    for connection in connections:
        connection.close()
