"""A task that is an OpenAI chat prompt: render the item into the prompt, call, read the text.

With ``response_format`` asking for JSON (``json_object`` or ``json_schema``) the output is the
parsed JSON value; a reply that is not JSON is then a sample error naming the reply. A reply
cut at ``max_tokens`` is a sample error too, unless the task says ``allow_truncated: true``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scoregate.config.model import ChatPromptConfig
from scoregate.execute import reply_checks
from scoregate.execute.provider import ChatRequest, Provider
from scoregate.values.model import Item, TaskOutput


class OutputError(ValueError):
    """The model's reply is not what the task asked for."""


def wants_json(params: Mapping[str, Any]) -> bool:
    response_format = params.get("response_format")
    return isinstance(response_format, Mapping) and response_format.get("type") in (
        "json_object",
        "json_schema",
    )


@dataclass(frozen=True, slots=True)
class PromptTask:
    """Implements ``engine.AsyncTask``."""

    config: ChatPromptConfig
    provider: Provider

    @property
    def name(self) -> str:
        return f"openai:{self.config.model}"

    async def run(self, item: Item, repeat: int) -> TaskOutput:
        request = ChatRequest(
            self.config.model, self.config.prompt.render(item), dict(self.config.params)
        )
        result = await self.provider.complete(request, kind="task", repeat=repeat)
        if result.truncated:
            if not self.config.allow_truncated:
                raise reply_checks.truncated(self.config.model, self.config.params, result.text)
            self.provider.note(self.config.model, allowed_note(self.config.model))
        output: Any = result.text
        if wants_json(self.config.params):
            try:
                output = json.loads(result.text)
            except ValueError:
                raise OutputError(
                    f"response_format asks for JSON but model {self.config.model} replied "
                    f"with text that is not JSON: {result.text[:300]!r}"
                ) from None
        return TaskOutput(output, result.usage)


def allowed_note(model: str) -> str:
    return (
        f"model {model}: some replies were cut at max_tokens and scored as they are "
        "(allow_truncated: true)"
    )
