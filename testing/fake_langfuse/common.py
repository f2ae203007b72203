"""Small helpers shared by the fake Langfuse stores."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

Query = Mapping[str, Sequence[str]]
Reply = tuple[int, Any]


class ApiError(Exception):
    """An answer a real Langfuse server gives for a request it refuses (4xx)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def body(self) -> dict[str, str]:
        names = {400: "InvalidRequestError", 401: "UnauthorizedError", 404: "LangfuseNotFoundError"}
        return {"message": self.message, "error": names.get(self.status, "Error")}


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(value: dt.datetime) -> str:
    """Langfuse's timestamp format: UTC, milliseconds, trailing Z."""
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(raw: str, name: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError as error:
        raise ApiError(400, f"{name} must be an ISO 8601 timestamp, got {raw!r}") from error
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def first(query: Query, name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def int_param(query: Query, name: str, default: int, *, maximum: int | None = None) -> int:
    raw = first(query, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise ApiError(400, f"{name} must be an integer, got {raw!r}") from error
    if value < 1 or (maximum is not None and value > maximum):
        bound = f" and at most {maximum}" if maximum is not None else ""
        raise ApiError(400, f"{name} must be at least 1{bound}, got {value}")
    return value


def comma_list(query: Query, name: str) -> set[str] | None:
    raw = first(query, name)
    if raw is None:
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


def field_groups(query: Query, allowed: set[str], default: str) -> set[str]:
    groups = {part.strip() for part in (first(query, "fields") or default).split(",")}
    groups.discard("")
    unknown = groups - allowed
    if unknown:
        raise ApiError(400, f"Unknown field groups: {', '.join(sorted(unknown))}")
    return groups


def encode_cursor(offset: int) -> str:
    raw = json.dumps({"v": 1, "offset": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(query: Query) -> int:
    raw = first(query, "cursor")
    if not raw:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        return int(data["offset"])
    except (ValueError, KeyError, TypeError) as error:
        raise ApiError(400, f"Invalid cursor {raw!r}") from error


def cursor_page(rows: Sequence[Any], query: Query, limit: int) -> tuple[list[Any], str | None]:
    offset = decode_cursor(query)
    page = list(rows[offset : offset + limit])
    following = offset + limit
    return page, (encode_cursor(following) if following < len(rows) else None)


def json_attribute(value: Any) -> Any:
    """The SDK sends structured span attributes as JSON strings; plain strings stay strings."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def io_attribute(value: Any) -> Any:
    """Input/output attributes: the SDK sends strings raw and everything else as JSON, so only
    JSON objects and arrays are decoded (a task output "4" stays the string "4")."""
    if isinstance(value, str) and value[:1] in {"{", "["}:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def mapping_or_none(value: Any) -> dict[str, Any] | None:
    return dict(value) if isinstance(value, Mapping) else None
