"""Recorded replies of a real model, replayed by ``FakeOpenAI`` (``testing/real_model/``).

``replay(texts)`` is a responder (``FakeOpenAI.set_responder``) that answers chat completions
with those texts: in order, or, with ``key``, the text that ``key(body)`` picks (an index),
so that concurrent calls each get their own. ``only`` limits the replay to some calls (the
judge's, say); the others get the fake's default echo.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from testing.fake_openai import Behaviour, Completion, Responder, default_answer, server_error

REAL_MODEL = Path(__file__).resolve().parent / "real_model"


def real_replies(kind: str) -> list[dict[str, Any]]:
    """The real model's replies of one kind (``task`` or ``judge``) from replies.jsonl, in
    order: ``text`` and ``completion_tokens``."""
    lines = (REAL_MODEL / "replies.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    return [row for row in rows if row["kind"] == kind]


def replay(
    texts: Sequence[str],
    *,
    key: Callable[[dict[str, Any]], int] | None = None,
    only: Callable[[dict[str, Any]], bool] | None = None,
    completion_tokens: Sequence[int] | None = None,
) -> Responder:
    """A responder answering with ``texts`` in order, or by ``key``; past the last text (or a
    key out of range) it answers HTTP 500 saying so, never an invented reply."""
    lock = threading.Lock()
    served = [0]

    def respond(body: dict[str, Any]) -> Behaviour | str:
        if only is not None and not only(body):
            return default_answer(body)
        if key is not None:
            index = key(body)
        else:
            with lock:
                index, served[0] = served[0], served[0] + 1
        if not 0 <= index < len(texts):
            return server_error(
                500, message=f"replay: no recorded reply {index}", should_retry=False
            )
        tokens = completion_tokens[index] if completion_tokens is not None else None
        return Completion(texts[index], completion_tokens=tokens)

    return respond
