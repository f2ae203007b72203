"""The `fake_langfuse` pytest fixture.

Use it with `from testing.fake_langfuse import fake_langfuse` in a test module or
`pytest_plugins = ["testing.fake_langfuse.fixtures"]` in a conftest.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from .server import FakeLangfuse


@pytest.fixture
def fake_langfuse() -> Iterator[FakeLangfuse]:
    """A running fake Langfuse on its own random keys; fails the test if it saw spec mismatches.

    Set `server.expect_errors = True` in a test that provokes mismatches on purpose.
    """
    suffix = uuid.uuid4().hex[:12]
    server = FakeLangfuse(public_key=f"pk-lf-{suffix}", secret_key=f"sk-lf-{suffix}")
    with server:
        yield server
    if server.errors and not server.expect_errors:
        pytest.fail("fake Langfuse saw spec mismatches:\n" + "\n".join(server.errors))
