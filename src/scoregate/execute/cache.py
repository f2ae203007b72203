"""A content-addressed cache of model calls (SQLite), so a rerun with nothing changed is free.

The key is the SHA-256 of everything that determines a call: its kind (task or judge), the
model, the rendered messages, the parameters and the repeat index. Each finished call is
committed on its own (WAL mode), so an interrupted run keeps what finished and a rerun
resumes there. An entry keeps what the reply said about itself besides its text (its
``finish_reason``, the model that answered, the fallbacks it took), so a cached rerun warns as
the first run did.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scoregate.values import scrub
from scoregate.values.errors import RunError

CACHE_VERSION = 1


@dataclass(frozen=True, slots=True)
class CachedCall:
    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str = "stop"
    notes: tuple[str, ...] = ()


def cache_key(
    *,
    kind: str,
    model: str,
    messages: Sequence[Mapping[str, Any]],
    params: Mapping[str, Any],
    repeat: int,
    endpoint: str = "",
) -> str:
    canonical = json.dumps(
        {
            "v": CACHE_VERSION,
            "kind": kind,
            "endpoint": endpoint,
            "model": model,
            "messages": list(messages),
            "params": dict(params),
            "repeat": repeat,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class ResultCache:
    """Thread-safe: one connection, one lock; every write is its own transaction (autocommit)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        with self._lock:
            self._connect()

    def _connect(self) -> sqlite3.Connection:
        """The open connection; after ``close()`` the next use opens the file again."""
        if self._db is not None:
            return self._db
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS calls (key TEXT PRIMARY KEY, kind TEXT NOT NULL, "
                "value TEXT NOT NULL, created_at REAL NOT NULL)"
            )
        except (OSError, sqlite3.Error) as exc:
            raise RunError(
                f"cannot open the result cache {self.path}: {exc}. Set defaults.cache to "
                "another path, or run with --no-cache."
            ) from exc
        self._db = db
        return db

    def get(self, key: str) -> CachedCall | None:
        with self._lock:
            row = (
                self._connect().execute("SELECT value FROM calls WHERE key = ?", (key,)).fetchone()
            )
        if row is None:
            return None
        try:
            data = json.loads(row[0])
            return CachedCall(
                str(data["text"]),
                str(data["model"]),
                int(data["prompt_tokens"]),
                int(data["completion_tokens"]),
                str(data.get("finish_reason", "stop")),
                tuple(str(note) for note in data.get("notes", ())),
            )
        except (ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, kind: str, call: CachedCall) -> None:
        """Store ``call``, without the process's secrets (a model may echo a key)."""
        value = json.dumps(
            {
                "text": call.text,
                "model": call.model,
                "prompt_tokens": call.prompt_tokens,
                "completion_tokens": call.completion_tokens,
                "finish_reason": call.finish_reason,
                "notes": list(call.notes),
            },
            ensure_ascii=False,
            allow_nan=False,
        )
        value = scrub.text(value)
        with self._lock:
            self._connect().execute(
                "INSERT OR REPLACE INTO calls (key, kind, value, created_at) VALUES (?, ?, ?, ?)",
                (key, kind, value, time.time()),
            )

    def __len__(self) -> int:
        with self._lock:
            row = self._connect().execute("SELECT count(*) FROM calls").fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            db, self._db = self._db, None
        if db is not None:
            db.close()
