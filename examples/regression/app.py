"""A worse candidate of the demo app: a refactor broke sums with a three-digit operand."""

from __future__ import annotations

import re
from typing import Any

from examples.qa.app import solve


def answer(*, item: Any, **kwargs: Any) -> str:
    question = item.input["question"]  # the object style works too
    match = re.search(r"What is (\d+) plus (\d+)", question)
    if match and max(len(match.group(1)), len(match.group(2))) >= 3:
        return match.group(1) + match.group(2)  # concatenates instead of adding
    return solve(question)
