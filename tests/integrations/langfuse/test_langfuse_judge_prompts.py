"""Langfuse prompts inside judges and prompt tasks, and judge discovery: the real CLI, the real
Langfuse and OpenAI SDKs, both fake servers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from testing import fake_openai as fakes
from testing.fake_langfuse import FakeLangfuse, fake_langfuse
from testing.fake_openai import Behaviour, FakeOpenAI
from testing.project import Project

__all__ = ["fake_langfuse", "fake_openai"]

fake_openai = fakes.fake_openai
ITEMS = [
    {"id": "fr", "input": {"question": "Capital of France?"}, "expected_output": "Paris"},
    {"id": "es", "input": {"question": "Capital of Spain?"}, "expected_output": "Madrid"},
]
DEFAULTS = {"openai": {"max_attempts": 1, "timeout": 5}}


def _judge_eight(body: dict[str, Any]) -> Behaviour | str:
    if any("impartial evaluator" in fakes.message_text(m) for m in body.get("messages", [])):
        return json.dumps({"score": 8, "reasoning": "Right city."})
    return fakes.default_answer(body)


def _env(langfuse: FakeLangfuse, openai: FakeOpenAI) -> dict[str, str]:
    return langfuse.client_env() | openai.env()


def _experiment(evaluators: list[Mapping[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "name": "qa",
        "dataset": {"langfuse": "qa-golden"},
        "task": {
            "openai": {"model": "gpt-4o-mini", "prompt": {"langfuse": "answer", "label": "prod"}}
        },
        "evaluators": evaluators,
        **extra,
    }


def _user_texts(openai: FakeOpenAI, judge: bool) -> list[str]:
    texts = []
    for request in openai.chat_requests:
        is_judge = any("impartial evaluator" in fakes.message_text(m) for m in request.messages)
        if is_judge == judge:
            texts.append(fakes.last_user_text(request.body))
    return sorted(texts)


def test_langfuse_prompts_fill_task_and_judge_and_a_new_version_is_a_judge_change(
    fake_langfuse: FakeLangfuse, fake_openai: FakeOpenAI, project: Project
) -> None:
    fake_openai.set_responder(_judge_eight)
    fake_langfuse.create_dataset("qa-golden", ITEMS)
    fake_langfuse.create_prompt(
        "answer",
        [
            {"role": "system", "content": "Answer with the city only."},
            {"role": "user", "content": "Q: {{input.question}}"},
        ],
        labels=("prod",),
    )
    fake_langfuse.create_prompt("judge-accuracy", "v1 Expected {{expected_output}}, got {{output}}")
    judge = {"judge": {"model": "gpt-4o-mini", "prompt": {"langfuse": "judge-accuracy"}}}
    project.write_config(
        _experiment([{**judge, "name": "accuracy"}], gate={"accuracy": {"min": 0.5}}),
        defaults=DEFAULTS,
    )
    env = _env(fake_langfuse, fake_openai)

    first = project.run_cli("run", env=env)

    assert first.code == 0, first.stdout + first.stderr
    assert _user_texts(fake_openai, judge=False) == [
        "Q: Capital of France?",
        "Q: Capital of Spain?",
    ]
    assert _user_texts(fake_openai, judge=True) == [
        "v1 Expected Madrid, got echo: Q: Capital of Spain?",
        "v1 Expected Paris, got echo: Q: Capital of France?",
    ]
    record = json.loads(project.records()[-1].read_text())
    fingerprint = record["score_defs"]["accuracy"]["fingerprint"]
    assert (fingerprint["prompt_name"], fingerprint["prompt_version"]) == ("judge-accuracy", 1)
    assert record["metadata"]["langfuse_prompts"] == {
        "task": {"prompt_source": "langfuse", "prompt_name": "answer", "prompt_version": 1},
        "accuracy": {
            "prompt_source": "langfuse",
            "prompt_name": "judge-accuracy",
            "prompt_version": 1,
        },
    }
    assert "prompt judge-accuracy v1" in (project.output_dir / "report.md").read_text()

    fake_langfuse.create_prompt("judge-accuracy", "v2 Is {{output}} right for {{input}}?")
    second = project.run_cli("run", "--baseline", str(project.records()[-1]), env=env)

    assert second.code == 0, second.stdout + second.stderr
    report = (project.output_dir / "report.md").read_text()
    assert "prompt judge-accuracy v2" in report
    assert "judge changed:" in report
    assert "prompt\\_version 1 → 2" in report


def test_judges_discovered_from_dataset_metadata_or_every_judge_prompt(
    fake_langfuse: FakeLangfuse, fake_openai: FakeOpenAI, project: Project
) -> None:
    fake_langfuse.create_dataset("qa-golden", ITEMS, metadata={"judge_prompts": ["judge-tone"]})
    fake_langfuse.create_dataset("qa-plain", [{**item, "id": f"p-{item['id']}"} for item in ITEMS])
    fake_langfuse.create_prompt("answer", "{{input.question}}", labels=("prod",))
    for name in ("judge-tone", "judge-accuracy", "summary"):
        fake_langfuse.create_prompt(name, f"{name}: {{{{output}}}}")
    judges = {"langfuse_judges": {"model": "gpt-4o-mini", "discover": True}}
    plain = _experiment([judges], name="plain", dataset={"langfuse": "qa-plain"})
    project.write_config(_experiment([judges]), plain, defaults=DEFAULTS)

    validated = project.run_cli("validate", env=_env(fake_langfuse, fake_openai))

    assert validated.code == 0, validated.stderr
    lines = validated.stdout.splitlines()
    assert lines[0] == "qa: 2 items, task openai gpt-4o-mini, scores judge-tone"
    assert lines[1] == "plain: 2 items, task openai gpt-4o-mini, scores judge-accuracy, judge-tone"
    assert fake_openai.calls == 0


def test_validate_reports_every_missing_or_unusable_langfuse_prompt(
    fake_langfuse: FakeLangfuse, fake_openai: FakeOpenAI, project: Project
) -> None:
    fake_langfuse.create_dataset("qa-golden", ITEMS)
    fake_langfuse.create_prompt("judge-blind", "Rate this answer from 0 to 10.")
    project.write_config(
        _experiment(
            [
                {"judge": {"model": "m", "prompt": {"langfuse": "judge-blind"}}, "name": "blind"},
                {"judge": {"model": "m", "prompt": {"langfuse": "judge-x", "version": 3}}},
                {"langfuse_judges": {"model": "m"}},
            ]
        ),
        defaults=DEFAULTS,
    )

    result = project.run_cli("validate", env=_env(fake_langfuse, fake_openai))

    assert result.code == 2
    errors = result.stderr.splitlines()
    host = fake_langfuse.url
    assert errors == [
        f"error: [qa] experiments.yaml:14:9: Langfuse at {host} has no prompt 'answer' label 'prod'.",
        "error: [qa] experiments.yaml:20:9: Langfuse prompt 'judge-blind' version 1: the judge "
        "prompt has no {{output}} placeholder, so the judge would never see the output it scores.",
        f"error: [qa] experiments.yaml:25:9: Langfuse at {host} has no prompt 'judge-x' version 3.",
        "error: [qa] experiments.yaml:27:5: langfuse_judges found no judge prompts: list them in "
        "'prompts', put their names in the dataset's judge_prompts metadata, or set "
        f"'discover: true' to use every prompt named judge-* (Langfuse at {host}).",
    ]


def test_langfuse_items_carry_reference_scores_for_judges_in_their_metadata(
    fake_langfuse: FakeLangfuse, fake_openai: FakeOpenAI, project: Project
) -> None:
    fake_openai.set_responder(_judge_eight)
    references = [{"accuracy": 9}, {"accuracy": 7}, {"accuracy": "high"}]
    items = [
        {**item, "id": f"q{k}", "metadata": {"expected_scores": found}}
        for k, (item, found) in enumerate(zip([*ITEMS, ITEMS[0]], references, strict=True))
    ]
    fake_langfuse.create_dataset("qa-golden", items[:2])
    judge = {"judge": {"model": "gpt-4o-mini", "prompt": "Got {{output}}"}, "name": "accuracy"}
    experiment = _experiment([judge], gate={"accuracy": {"min_judge_agreement": 0.5}})
    experiment["task"] = "sg_task:answer"
    project.write("sg_task.py", "def answer(*, item, **kwargs):\n    return 'Paris'\n")
    project.write_config(experiment, defaults=DEFAULTS)
    env = _env(fake_langfuse, fake_openai)

    result = project.run_cli("run", env=env)

    assert result.code == 1, result.stdout + result.stderr  # the judge gives 8 to both: no rho
    assert "judge agreement accuracy (gpt-4o-mini): 2 reference scores: MAE 1.00" in result.stdout
    assert "accuracy.min_judge_agreement: not run: rho is not defined over 2" in result.stdout

    fake_langfuse.create_dataset("qa-golden", items[2:])
    bad = project.run_cli("run", env=env)
    assert bad.code == 2, bad.stdout + bad.stderr
    assert (
        "langfuse:qa-golden item 'q2': metadata: expected_scores['accuracy']: \"high\" is not a "
        "number" in bad.stderr
    )


def _judge_cut_off(body: dict[str, Any]) -> Behaviour | str:
    if "judge-accuracy" in fakes.last_user_text(body):
        return fakes.Completion("Score: 8", finish_reason="length")
    return fakes.default_answer(body)


def test_langfuse_judges_take_response_format_and_allow_truncated(
    fake_langfuse: FakeLangfuse, fake_openai: FakeOpenAI, project: Project
) -> None:
    """As a judge does: ``{type: text}`` asks for no structure, and ``allow_truncated`` reads
    a reply cut at max_tokens as it is (without it, that reply is the judge's error)."""
    fake_openai.set_responder(_judge_cut_off)
    fake_langfuse.create_dataset("qa-golden", ITEMS)
    fake_langfuse.create_prompt("answer", "{{input.question}}", labels=("prod",))
    fake_langfuse.create_prompt("judge-accuracy", "judge-accuracy: {{output}}")
    spec = {"model": "gpt-4o-mini", "prompts": ["judge-accuracy"], "max_tokens": 12}
    spec |= {"response_format": {"type": "text"}}
    env = _env(fake_langfuse, fake_openai)
    gate = {"max_error_rate": 1.0}
    project.write_config(_experiment([{"langfuse_judges": spec}], gate=gate), defaults=DEFAULTS)

    cut = project.run_cli("run", "--no-baseline", env=env)

    assert cut.code == 0, cut.stdout + cut.stderr
    assert "truncated at max_tokens=12" in cut.stdout
    judge_bodies = [
        r.body
        for r in fake_openai.chat_requests
        if "judge-accuracy" in fakes.last_user_text(r.body)
    ]
    assert len(judge_bodies) == 2
    assert all("response_format" not in body for body in judge_bodies)

    spec |= {"allow_truncated": True}
    project.write_config(_experiment([{"langfuse_judges": spec}], gate=gate), defaults=DEFAULTS)
    allowed = project.run_cli("run", "--no-baseline", "--no-cache", env=env)

    assert allowed.code == 0, allowed.stdout + allowed.stderr
    record = json.loads(project.records()[-1].read_text())
    header_scores = [
        s for item in record["items"] for sample in item["samples"] for s in sample["scores"]
    ]
    assert sorted((s["name"], s["value"]) for s in header_scores) == [
        ("judge-accuracy", 0.8),
        ("judge-accuracy", 0.8),
    ]
