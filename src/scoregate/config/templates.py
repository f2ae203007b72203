"""The placeholder step shared by prompt tasks, LLM judges and (later) Langfuse prompts.

``{{input}}``, ``{{input.field}}``, ``{{expected_output}}``, ``{{metadata.x}}`` and, for judges,
``{{output}}`` are replaced by the item's values: strings as they are, anything else as JSON.
A prompt is either one text (sent as one user message) or a list of chat messages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scoregate.values.model import Item
from scoregate.values.quoting import clip

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*)\s*\}\}")
TASK_ROOTS = ("input", "expected_output", "metadata", "id")
JUDGE_ROOTS = (*TASK_ROOTS, "output")
ROLES = ("system", "developer", "user", "assistant")


class TemplateError(ValueError):
    """A placeholder names a field that this item does not have."""


@dataclass(frozen=True, slots=True)
class Message:
    role: str
    content: str


@dataclass(frozen=True, slots=True)
class Prompt:
    """A text prompt or a list of chat messages, with placeholders still in it."""

    messages: tuple[Message, ...]

    @classmethod
    def from_text(cls, text: str) -> Prompt:
        return cls((Message("user", text),))

    @classmethod
    def from_messages(cls, messages: Sequence[Mapping[str, Any]]) -> Prompt:
        return cls(tuple(Message(str(m["role"]), str(m["content"])) for m in messages))

    def as_data(self) -> list[dict[str, str]]:
        return [{"role": m.role, "content": m.content} for m in self.messages]

    @property
    def sha256(self) -> str:
        """Digest of the template text, which identifies a judge prompt in run records."""
        canonical = json.dumps(self.as_data(), sort_keys=True, separators=(",", ":"))
        import hashlib

        return hashlib.sha256(canonical.encode()).hexdigest()

    def render(self, item: Item, output: Any = None) -> list[dict[str, str]]:
        """The chat messages for one item (and, for judges, one output)."""
        values = {
            "id": item.id,
            "input": item.input,
            "expected_output": item.expected_output,
            "metadata": dict(item.metadata),
            "output": output,
        }
        return [{"role": m.role, "content": render_text(m.content, values)} for m in self.messages]


def placeholders(text: str) -> tuple[str, ...]:
    return tuple(match.group(1) for match in PLACEHOLDER.finditer(text))


def check(prompt: Prompt, roots: Sequence[str]) -> list[str]:
    """Problems with a prompt's placeholders: unknown names (found before anything runs)."""
    problems = []
    for message in prompt.messages:
        for name in placeholders(message.content):
            root = name.split(".", 1)[0]
            if root not in roots:
                allowed = ", ".join("{{" + r + "}}" for r in roots)
                problems.append(
                    f"unknown placeholder {{{{{clip(name)}}}}}; the placeholders are {allowed} "
                    "(with .field for a field of a mapping)"
                )
    return problems


def render_text(text: str, values: Mapping[str, Any]) -> str:
    def replace(match: re.Match[str]) -> str:
        return as_text(lookup(values, match.group(1)))

    return PLACEHOLDER.sub(replace, text)


def lookup(values: Mapping[str, Any], name: str) -> Any:
    root, *path = name.split(".")
    if root not in values:
        raise TemplateError(f"unknown placeholder {{{{{name}}}}}")
    value = values[root]
    walked = root
    for key in path:
        if isinstance(value, Mapping) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            raise TemplateError(
                f"placeholder {{{{{name}}}}}: {walked} has no field '{key}' (it is {_shape(value)})"
            )
        walked = f"{walked}.{key}"
    return value


def as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, default=str)


def _shape(value: Any) -> str:
    if isinstance(value, Mapping):
        keys = ", ".join(str(k) for k in list(value)[:10])
        return f"a mapping with keys {keys}" if keys else "an empty mapping"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return f"{type(value).__name__} {as_text(value)[:40]!r}"
