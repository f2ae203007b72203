"""A fake Langfuse server for tests (see `FakeLangfuse`) and its pytest fixture."""

from __future__ import annotations

from .fixtures import fake_langfuse
from .otlp import StoredSpan
from .server import FakeLangfuse, RecordedRequest
from .traces import StoredScore

__all__ = ["FakeLangfuse", "RecordedRequest", "StoredScore", "StoredSpan", "fake_langfuse"]
