"""Langfuse prompts through the real SDK: label, version, text and chat, placeholders filled."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from testing.fake_langfuse import FakeLangfuse, fake_langfuse

from scoregate.config.langfuse import PromptRef
from scoregate.integrations.langfuse.connection import Connection, Credentials, open_connection
from scoregate.integrations.langfuse.prompts import discover_judge_prompts, fetch_prompt
from scoregate.values.errors import ConfigError
from scoregate.values.model import Item

__all__ = ["fake_langfuse"]


@pytest.fixture
def connection(fake_langfuse: FakeLangfuse) -> Iterator[Connection]:
    suffix = uuid.uuid4().hex[:12]
    fake_langfuse.add_keys(f"pk-lf-{suffix}", f"sk-lf-{suffix}")
    opened = open_connection(Credentials(f"pk-lf-{suffix}", f"sk-lf-{suffix}", fake_langfuse.url))
    yield opened
    opened.close()


ITEM = Item("i1", {"question": "2+2?"}, "4", {"topic": "math"})


def test_prompt_by_label_and_by_version(
    fake_langfuse: FakeLangfuse, connection: Connection
) -> None:
    fake_langfuse.create_prompt("judge-accuracy", "v1: rate {{output}} for {{input.question}}")
    fake_langfuse.create_prompt(
        "judge-accuracy", "v2: {{output}} vs {{expected_output}}", labels=("staging",)
    )

    production = fetch_prompt(connection, PromptRef("judge-accuracy", label="production"))
    staging = fetch_prompt(connection, PromptRef("judge-accuracy", label="staging"))
    first = fetch_prompt(connection, PromptRef("judge-accuracy", version=1))

    assert (production.version, staging.version, first.version) == (1, 2, 1)
    assert production.prompt.render(ITEM, "5") == [
        {"role": "user", "content": "v1: rate 5 for 2+2?"}
    ]
    assert staging.prompt.render(ITEM, "5")[0]["content"] == "v2: 5 vs 4"
    assert staging.fingerprint["prompt_name"] == "judge-accuracy"
    assert staging.fingerprint["prompt_version"] == 2
    assert staging.fingerprint["prompt_sha256"] != production.fingerprint["prompt_sha256"]


def test_chat_prompt_and_missing_prompt(
    fake_langfuse: FakeLangfuse, connection: Connection
) -> None:
    fake_langfuse.create_prompt(
        "answer",
        [
            {"role": "system", "content": "Topic: {{metadata.topic}}"},
            {"role": "user", "content": "{{input.question}}"},
        ],
        type="chat",
    )

    chat = fetch_prompt(connection, PromptRef("answer"))
    with pytest.raises(ConfigError) as missing:
        fetch_prompt(connection, PromptRef("nope", where="experiments.yaml:3:5"))

    assert chat.prompt.render(ITEM) == [
        {"role": "system", "content": "Topic: math"},
        {"role": "user", "content": "2+2?"},
    ]
    assert str(missing.value) == (
        f"experiments.yaml:3:5: Langfuse at {fake_langfuse.url} has no prompt 'nope' "
        "label 'production'."
    )


def test_judge_discovery_order(connection: Connection) -> None:
    assert discover_judge_prompts(connection, explicit=["judge-a"]) == ("judge-a",)
    assert discover_judge_prompts(
        connection, dataset_metadata={"judge_prompts": ["judge-b", "judge-c"]}
    ) == ("judge-b", "judge-c")
    assert discover_judge_prompts(connection, dataset_metadata={}) == ()
