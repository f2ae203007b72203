"""The demo application: a tiny question answerer that needs no model and no network.

It stands in for an LLM app so the demo gate runs offline. `answer` is called by scoregate
exactly as Langfuse's experiment runner calls a task: `answer(item=item)`.
"""

from __future__ import annotations

import re
from typing import Any

CAPITALS = {
    "france": "Paris",
    "japan": "Tokyo",
    "kenya": "Nairobi",
    "peru": "Lima",
    "canada": "Toronto",  # a known mistake of the demo app: the baseline fails this item too
    "norway": "Oslo",
    "egypt": "Cairo",
    "chile": "Santiago",
    "vietnam": "Hanoi",
    "australia": "Sydney",  # another known mistake
}


def solve(question: str) -> str:
    if match := re.search(r"capital of (\w+)", question):
        return CAPITALS.get(match.group(1).lower(), "I don't know")
    if match := re.search(r"What is (\d+) plus (\d+)", question):
        return str(int(match.group(1)) + int(match.group(2)))
    if match := re.search(r"Reverse the word '(\w+)'", question):
        return match.group(1)[::-1]
    return "I don't know"


def answer(*, item: Any, **kwargs: Any) -> str:
    # Langfuse hands a task a dict for local data and an object for dataset items.
    question = item["input"]["question"]
    return solve(question)
