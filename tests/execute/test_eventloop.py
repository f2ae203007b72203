"""eventloop.py: asyncio's loop with microsecond timers; I/O still wakes it at once."""

from __future__ import annotations

import asyncio
import selectors
import socket
import sys
import threading
import time

import pytest

from scoregate.execute import eventloop

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="epoll is Linux's")


@linux_only
def test_the_loop_waits_with_the_precise_selector() -> None:
    async def selector_kind() -> str:
        loop = asyncio.get_running_loop()
        return type(loop._selector).__name__  # type: ignore[attr-defined]

    assert eventloop.run(selector_kind()) == "PreciseEpollSelector"


@linux_only
def test_a_timeout_waits_at_least_that_long_and_returns_nothing() -> None:
    with eventloop.PreciseEpollSelector() as selector:
        a, b = socket.socketpair()
        with a, b:
            selector.register(a, selectors.EVENT_READ)
            for timeout in (0.0093, 0.0017, 0.0004):
                started = time.perf_counter()
                assert selector.select(timeout) == []
                assert time.perf_counter() - started >= timeout


@linux_only
def test_a_ready_descriptor_ends_a_long_wait_and_is_reported() -> None:
    with eventloop.PreciseEpollSelector() as selector:
        a, b = socket.socketpair()
        with a, b:
            key = selector.register(a, selectors.EVENT_READ, data="reader")
            threading.Timer(0.05, b.send, args=(b"x",)).start()
            started = time.perf_counter()
            ready = selector.select(30.0)
            assert time.perf_counter() - started < 10.0
            assert ready == [(key, selectors.EVENT_READ)]
            assert selector.select(0) == [(key, selectors.EVENT_READ)]
            assert selector.select(None) == [(key, selectors.EVENT_READ)]


def test_run_returns_the_result_and_sleeps_and_io_work() -> None:
    async def echo() -> tuple[bytes, float]:
        started = time.perf_counter()
        await asyncio.sleep(0.0123)
        slept = time.perf_counter() - started
        server = await asyncio.start_server(
            lambda r, w: (w.write(b"pong"), w.close()), "127.0.0.1", 0
        )
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        data = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        server.close()
        return data, slept

    data, slept = eventloop.run(echo())
    assert data == b"pong"
    assert slept >= 0.0123


def test_run_propagates_the_coroutines_exception() -> None:
    async def fail() -> None:
        await asyncio.sleep(0)
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        eventloop.run(fail())
