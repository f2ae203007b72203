"""A judge's calibration file: read and checked before the run, scored by the judge (through
the real provider, against the fake OpenAI server) after the items."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from testing import fake_openai as fakes
from testing.fake_openai import FakeOpenAI, json_completion
from testing.project import write_jsonl

from scoregate.config.model import ChatPromptConfig, DatasetConfig, EvaluatorConfig
from scoregate.config.templates import Prompt
from scoregate.execute import calibration
from scoregate.execute.evaluators import build_evaluators
from scoregate.execute.provider import Backoff, Provider
from scoregate.values.agreement import REFERENCE_SCORES
from scoregate.values.errors import ConfigError

fake_openai = fakes.fake_openai
PROMPT = "Question: {{input}}\nAnswer: {{output}}"


def _config(path: Path | None, scale: tuple[float, float] = (0.0, 10.0)) -> EvaluatorConfig:
    chat = ChatPromptConfig("judge-model", Prompt.from_text(PROMPT))
    file = (
        DatasetConfig(path, where="experiments.yaml:9:9: calibration", root=path.parent)
        if path
        else None
    )
    return EvaluatorConfig(
        "judge", "judge-model", "quality", {}, scale, None, "", judge=chat, calibration=file
    )


def _problems(tmp_path: Path, rows: list[Any], name: str = "cal.jsonl") -> list[str]:
    write_jsonl(tmp_path / name, rows)
    with pytest.raises(ConfigError) as raised:
        calibration.load([_config(tmp_path / name)], tmp_path)
    return raised.value.problems


def test_rows_are_read_with_their_ids_and_places(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "input": "2+2?", "output": "4", "expected_score": 10},
        {"input": {"q": "3+3?"}, "output": "7", "expected_output": "6", "expected_score": 0.5},
    ]
    write_jsonl(tmp_path / "cal.jsonl", rows)
    found = calibration.load([_config(tmp_path / "cal.jsonl")], tmp_path)
    first, second = found["quality"]
    assert (first.item.id, first.item.source, first.output, first.expected) == (
        "a",
        "cal.jsonl:1",
        "4",
        10.0,
    )
    assert second.item.expected_output == "6" and len(second.item.id) == 12  # from its content


def test_a_judge_without_a_file_has_no_rows(tmp_path: Path) -> None:
    assert calibration.load([_config(None)], tmp_path) == {}


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (
            {"input": "q", "output": "a"},
            "cal.jsonl:1: no expected_score; a calibration row has id, input, output, expected_output, expected_score, metadata.",
        ),
        ({"input": "q", "expected_score": 3}, "cal.jsonl:1: no output;"),
        (
            {"input": "q", "output": "a", "expected_score": 3, "score": 3},
            "cal.jsonl:1: unknown field 'score';",
        ),
        (
            {"input": "q", "output": "a", "expected_score": 11},
            "cal.jsonl:1: expected_score 11 is not a number on the judge's scale [0.0, 10.0].",
        ),
        (
            {"input": "q", "output": "a", "expected_score": True},
            "cal.jsonl:1: expected_score true is not a number",
        ),
        (
            {"input": "q", "output": "a", "expected_score": 1, "metadata": 3},
            "cal.jsonl:1: 'metadata' must be a mapping.",
        ),
        (["not", "a", "mapping"], "cal.jsonl:1: a calibration row must be a mapping"),
    ],
)
def test_each_bad_row_is_named_by_its_line(tmp_path: Path, row: Any, problem: str) -> None:
    (found,) = _problems(tmp_path, [row])
    assert found.startswith(problem), found


def test_duplicate_ids_an_empty_file_and_a_csv_are_refused(tmp_path: Path) -> None:
    row = {"id": "x", "input": "q", "output": "a", "expected_score": 1}
    assert (
        _problems(tmp_path, [row, row])[0]
        == "cal.jsonl:2: duplicate id 'x'; give each row its own id."
    )
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(ConfigError, match=r"empty\.jsonl: the calibration file has no rows"):
        calibration.load([_config(tmp_path / "empty.jsonl")], tmp_path)
    (tmp_path / "cal.csv").write_text("input,output,expected_score\nq,a,1\n")
    with pytest.raises(ConfigError, match="a calibration file is JSONL, JSON or YAML"):
        calibration.load([_config(tmp_path / "cal.csv")], tmp_path)


@pytest.fixture
def provider(fake_openai: FakeOpenAI) -> Iterator[Provider]:
    provider = Provider(env=fake_openai.env(), backoff=Backoff(base=0.01))
    yield provider
    provider.close()


def test_the_judge_scores_each_row_after_the_work(
    tmp_path: Path, fake_openai: FakeOpenAI, provider: Provider
) -> None:
    rows = [
        {"id": "good", "input": "2+2?", "output": "4", "expected_score": 10},
        {"id": "bad", "input": "2+2?", "output": "5", "expected_score": 0},
    ]
    write_jsonl(tmp_path / "cal.jsonl", rows)
    config = _config(tmp_path / "cal.jsonl")
    found = calibration.load([config], tmp_path)
    evaluators = build_evaluators([config], tmp_path, provider)

    def respond(body: dict[str, Any]) -> str:
        text = json.dumps(body["messages"])
        if "Answer: 4" in text:
            return json.dumps({"score": 9, "reasoning": "right"})
        return "I cannot say."  # not a score: a judge error, kept

    fake_openai.set_responder(respond)
    into: dict[str, Any] = {}

    async def items() -> str:
        return "the items ran"

    done = asyncio.run(
        provider.run_then_close(calibration.then_score(items(), found, evaluators, into))
    )
    assert done == "the items ran"
    good, bad = into[REFERENCE_SCORES]["quality"]
    usage = good.pop("usage")
    assert (usage["calls"], usage["cache_hits"]) == (1, 0) and usage["tokens"] > 0
    assert good == {"id": "good", "expected": 10.0, "judged": 9.0, "source": "calibration"}
    assert (bad["id"], bad["judged"]) == ("bad", None)
    assert "the judge's reply is not a score" in bad["error"]
    assert fake_openai.calls == 2


def test_without_calibration_rows_nothing_is_called(
    provider: Provider, fake_openai: FakeOpenAI
) -> None:
    into: dict[str, Any] = {}

    async def items() -> int:
        return 1

    assert asyncio.run(provider.run_then_close(calibration.then_score(items(), {}, (), into))) == 1
    assert into == {} and fake_openai.calls == 0
    fake_openai.enqueue(json_completion({"score": 1}))  # left unused
    assert fake_openai.pending == 1
