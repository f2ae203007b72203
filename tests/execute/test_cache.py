from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from scoregate.execute.cache import CachedCall, ResultCache, cache_key
from scoregate.values.errors import RunError

BASE: dict[str, Any] = {
    "kind": "task",
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "hi"}],
    "params": {"temperature": 0},
    "repeat": 0,
    "endpoint": "http://127.0.0.1:1/v1",
}


def test_the_key_changes_with_everything_that_determines_a_call() -> None:
    key = cache_key(**BASE)
    assert key == cache_key(**BASE)
    assert len(key) == 64
    changes: list[dict[str, Any]] = [
        {"kind": "judge"},
        {"model": "gpt-4o"},
        {"messages": [{"role": "user", "content": "hi!"}]},
        {"messages": [{"role": "system", "content": "hi"}]},
        {"params": {"temperature": 0.5}},
        {"params": {"temperature": 0, "seed": 1}},
        {"repeat": 1},
        {"endpoint": "http://127.0.0.1:2/v1"},
    ]
    keys = {cache_key(**(BASE | change)) for change in changes}
    assert len(keys) == len(changes)
    assert key not in keys


def test_parameter_order_does_not_change_the_key() -> None:
    a = cache_key(**(BASE | {"params": {"temperature": 0, "seed": 1}}))
    b = cache_key(**(BASE | {"params": {"seed": 1, "temperature": 0}}))
    assert a == b


def test_entries_survive_closing_and_reopening(tmp_path: Path) -> None:
    path = tmp_path / "out" / "cache.sqlite"
    cache = ResultCache(path)
    call = CachedCall("Paris ✓", "gpt-4o-mini-2024-07-18", 12, 3)
    cache.put("k1", "task", call)
    cache.close()
    # No explicit commit: each write is its own transaction, so a killed run keeps it.
    again = ResultCache(path)
    assert again.get("k1") == call
    assert again.get("k2") is None
    assert len(again) == 1
    again.close()


def test_the_file_is_in_wal_mode_and_readable_by_plain_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    cache = ResultCache(path)
    cache.put("k", "judge", CachedCall("7", "m", 1, 1))
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT key, kind FROM calls").fetchall() == [("k", "judge")]
    finally:
        db.close()
        cache.close()


def test_use_after_close_reopens_the_file(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache.sqlite")
    cache.close()
    cache.put("k", "task", CachedCall("x", "m", 0, 0))
    assert cache.get("k") == CachedCall("x", "m", 0, 0)
    cache.close()
    cache.close()


def test_writes_from_many_threads_are_all_kept(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache.sqlite")

    def write(start: int) -> None:
        for i in range(start, start + 50):
            cache.put(f"k{i}", "task", CachedCall(str(i), "m", i, i))

    threads = [threading.Thread(target=write, args=(n * 50,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) == 200
    assert cache.get("k137") == CachedCall("137", "m", 137, 137)
    cache.close()


def test_a_cache_that_cannot_be_opened_says_what_to_do(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(RunError, match=r"cannot open the result cache .*--no-cache"):
        ResultCache(blocker / "cache.sqlite")
