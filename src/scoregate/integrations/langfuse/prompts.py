"""Prompts from Langfuse for judges and prompt tasks: ``{langfuse: NAME, label | version}``.

Text and chat prompts become a ``templates.Prompt`` (the one placeholder step of the project:
``{{input}}``, ``{{output}}``, ``{{expected_output}}``, item fields). The name and version used
go into the fingerprint, so the run record and the report show a judge-prompt change next to
a score change.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from scoregate.config.langfuse import PromptRef
from scoregate.config.templates import Prompt
from scoregate.integrations.langfuse.connection import Connection
from scoregate.values.errors import ConfigError

JUDGE_PREFIX = "judge-"


@dataclass(frozen=True, slots=True)
class LangfusePrompt:
    prompt: Prompt
    name: str
    version: int
    labels: tuple[str, ...] = ()
    config: Mapping[str, Any] | None = None

    @property
    def fingerprint(self) -> dict[str, Any]:
        """Added to a judge's ScoreDef.fingerprint."""
        return {
            "prompt_source": "langfuse",
            "prompt_name": self.name,
            "prompt_version": self.version,
            "prompt_sha256": self.prompt.sha256,
        }


@contextmanager
def _sdk_quiet() -> Iterator[None]:
    """The SDK logs a failed prompt fetch itself; our error message says it better, once."""
    import logging

    def silence(record: logging.LogRecord) -> bool:
        return False

    logger = logging.getLogger("langfuse")
    logger.addFilter(silence)
    try:
        yield
    finally:
        logger.removeFilter(silence)


def fetch_prompt(connection: Connection, ref: PromptRef) -> LangfusePrompt:
    client = connection.client
    try:
        with _sdk_quiet():
            found = client.get_prompt(
                ref.name,
                label=ref.label if ref.version is None else None,
                version=ref.version,
                cache_ttl_seconds=0,
                max_retries=2,
            )
    except Exception as exc:
        if getattr(exc, "status_code", None) == 404:
            raise ConfigError(
                f"{ref.where}: Langfuse at {connection.host} has no prompt {ref.describe()}."
            ) from None
        raise connection.error(f"reading prompt {ref.describe()}", exc) from None
    body: Any = found.prompt
    if isinstance(body, str):
        prompt = Prompt.from_text(body)
    else:
        messages = [m for m in body if isinstance(m, Mapping) and "content" in m]
        prompt = Prompt.from_messages(messages)
    config = found.config if isinstance(found.config, Mapping) else None
    return LangfusePrompt(prompt, found.name, found.version, tuple(found.labels or ()), config)


def discover_judge_prompts(
    connection: Connection,
    *,
    explicit: Sequence[str] = (),
    dataset_metadata: Mapping[str, Any] | None = None,
    all_judges: bool = False,
) -> tuple[str, ...]:
    """Judge prompt names as Langfuse's runner finds them: explicit names, else the dataset's
    ``judge_prompts`` metadata, else (only when opted in) every prompt named ``judge-*``."""
    if explicit:
        return tuple(explicit)
    listed = (dataset_metadata or {}).get("judge_prompts")
    if isinstance(listed, str):
        return (listed,)
    if isinstance(listed, Sequence) and listed:
        return tuple(str(x) for x in listed)
    if not all_judges:
        return ()
    names: list[str] = []
    page = 1
    while True:
        with connection.reading("listing prompts"):
            answer = connection.client.api.prompts.list(
                page=page, limit=100, request_options=connection.options()
            )
        names.extend(p.name for p in answer.data if p.name.startswith(JUDGE_PREFIX))
        if page >= answer.meta.total_pages:
            break
        page += 1
    return tuple(sorted(dict.fromkeys(names)))
