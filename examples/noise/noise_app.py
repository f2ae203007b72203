"""A stand-in app and a stand-in LLM judge for the noise-aware gate demo. No model, no network.

The app answers arithmetic and unit questions; ``version`` picks what is being tested:

* ``v1``: the baseline's app;
* ``reworded``: the same answers in other words (a prompt-wording change). The quality is the
  same, but a judge never scores two texts identically, so its mean moves a little;
* ``broken``: a refactor broke the unit conversions (a third of the items) — a real drop.

``judge`` stands in for an LLM judge: 8/10 for a correct answer, 2/10 for a wrong one, plus the
judge's noise (sd 1.5 points). The noise is drawn from a random generator seeded with the
question and the answer text, so the same answer always gets the same score and every run of
the demo gives the same numbers, while a reworded answer gets a fresh draw of noise, as it
would from a real judge.
"""

from __future__ import annotations

import hashlib
import random
import re
from typing import Any

JUDGE_NOISE = 1.5


def solve(question: str, *, broken: bool = False) -> str:
    if match := re.search(r"What is (\d+) plus (\d+)", question):
        return str(int(match.group(1)) + int(match.group(2)))
    if match := re.search(r"What is (\d+) times (\d+)", question):
        return str(int(match.group(1)) * int(match.group(2)))
    if match := re.search(r"How many centimetres are in (\d+) metres", question):
        factor = 10 if broken else 100
        return str(int(match.group(1)) * factor)
    return "I don't know"


def answer(*, item: Any, version: str = "v1", **kwargs: Any) -> str:
    question = item["input"]["question"]
    if version == "v1":
        return f"{solve(question)}."
    if version == "reworded":
        return f"That is {solve(question)}."
    if version == "broken":
        return f"{solve(question, broken=True)}."
    raise ValueError(f"unknown version {version!r}: use v1, reworded or broken")


def judge(*, input: Any, output: Any, expected_output: Any = None, **kwargs: Any) -> dict[str, Any]:
    """Rates the answer from 0 to 10, with the noise of an LLM judge."""
    correct = re.search(rf"\b{re.escape(str(expected_output))}\b", str(output)) is not None
    seed = hashlib.sha256(f"{input['question']}\0{output}".encode()).hexdigest()
    noise = random.Random(seed).gauss(0.0, JUDGE_NOISE)
    value = round(min(10.0, max(0.0, (8.0 if correct else 2.0) + noise)))
    verdict = "correct" if correct else "wrong"
    return {"name": "judge", "value": value, "comment": f"{verdict}; judge noise {noise:+.1f}"}
