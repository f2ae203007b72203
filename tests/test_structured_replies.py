"""`scoregate run` against a fake that answers as llama-cpp-python does (testing/fake_llama.py),
with a real small model's replies: judges ask for JSON and fall back once when the server
refuses json_schema, cut-off replies are errors unless allowed, a reply from another model and
a model without a price are warned of, and every warning survives a cached rerun."""

from __future__ import annotations

import json
import re
from typing import Any

from testing import fake_openai as fakes
from testing.fake_llama import llama_cpp_like
from testing.fake_openai import FakeOpenAI
from testing.project import Project, write_jsonl
from testing.replay import REAL_MODEL, real_replies, replay

fake_openai = fakes.fake_openai
MARK = re.compile(r"Reply number: (\d+)")
FALLBACK = (
    "model smollm2: the server refused response_format json_schema, so its calls ask for "
    "json_object instead"
)
UNPRICED = (
    "no price for model smollm2: the cost of its calls is unknown; add it under defaults.prices"
)


def labelled(count: int) -> list[dict[str, Any]]:
    """The first ``count`` judge replies of the real model that give a score, with it."""
    lines = (REAL_MODEL / "judge_labels.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    return [row for row in rows if row["label"] is not None][:count]


def reply_number(body: dict[str, Any]) -> int:
    match = MARK.search(fakes.last_user_text(body))
    return -1 if match is None else int(match.group(1))


def judge_project(project: Project, rows: list[dict[str, Any]], **judge: Any) -> None:
    items = [
        {"id": f"r{n}", "input": {"n": n}, "expected_output": "Paris"} for n in range(len(rows))
    ]
    write_jsonl(project.root / "data.jsonl", items)
    spec = {
        "model": "smollm2",
        "prompt": "Reply number: {{input.n}}\nAnswer to grade: {{output}}",
        **judge,
    }
    project.write_config(
        project.experiment(
            evaluators=[{"name": "correctness", "judge": spec}],
            gate={"correctness": {"min": 0.0}},
            concurrency=1,
        ),
        defaults={"openai": {"max_concurrent_calls": 1, "max_attempts": 2, "timeout": 10}},
    )


def record(project: Project) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(project.records()[-1].read_text())
    return data


def formats(server: FakeOpenAI) -> list[str]:
    return [(r.body.get("response_format") or {}).get("type", "none") for r in server.chat_requests]


def test_a_judge_asks_for_its_schema_falls_back_once_and_warns_once_also_when_cached(
    project: Project, fake_openai: FakeOpenAI
) -> None:
    rows = labelled(6)
    judge_project(project, rows)
    fake_openai.set_responder(llama_cpp_like(replay([r["text"] for r in rows], key=reply_number)))
    first = project.run_cli("run", "-c", project.config, env=fake_openai.env())
    assert first.code == 0, first.stdout + first.stderr
    # Refused once (a 500 that is a validation error: not retried), then json_object for all.
    assert formats(fake_openai) == ["json_schema"] + ["json_object"] * 6
    schema = fake_openai.chat_requests[0].body["response_format"]["json_schema"]
    assert schema["schema"]["required"] == ["score", "reasoning"]
    data = record(project)
    assert data["warnings"] == [UNPRICED, FALLBACK]
    scores = [item["samples"][0]["scores"][0] for item in data["items"]]
    assert [s["raw"] for s in scores] == [r["label"] for r in rows]
    assert data["metadata"]["models"] == {"smollm2": {"replied": ["smollm2"], "priced": False}}
    assert stdout_warnings(first.stdout) == [UNPRICED, FALLBACK]
    report = (project.output_dir / "report.md").read_text()
    assert "unknown (no price for smollm2)" in report and "$0" not in report

    again = project.run_cli("run", "-c", project.config, env=fake_openai.env())
    assert again.code == 0, again.stdout + again.stderr
    assert fake_openai.calls == 7  # every call from the cache
    assert record(project)["warnings"] == [UNPRICED, FALLBACK]
    assert stdout_warnings(again.stdout) == [UNPRICED, FALLBACK]
    assert "unknown (no price for smollm2)" in (project.output_dir / "report.md").read_text()


def stdout_warnings(stdout: str) -> list[str]:
    return [
        line.strip().removeprefix("warning: ")
        for line in stdout.splitlines()
        if line.strip().startswith("warning: ")
    ]


def test_a_judge_set_to_text_sends_no_response_format(
    project: Project, fake_openai: FakeOpenAI
) -> None:
    rows = labelled(2)
    judge_project(project, rows, response_format={"type": "text"})
    fake_openai.set_responder(llama_cpp_like(replay([r["text"] for r in rows], key=reply_number)))
    result = project.run_cli("run", "-c", project.config, env=fake_openai.env())
    assert result.code == 0, result.stdout + result.stderr
    assert formats(fake_openai) == ["none", "none"]
    assert FALLBACK not in record(project)["warnings"]


def test_a_judge_reply_cut_at_max_tokens_is_an_error_naming_the_limit_unless_allowed(
    project: Project, fake_openai: FakeOpenAI
) -> None:
    rows = labelled(3)
    judge_project(project, rows, max_tokens=4)
    texts = [r["text"] for r in rows]
    tokens = [30] * len(texts)
    fake_openai.set_responder(
        llama_cpp_like(replay(texts, key=reply_number, completion_tokens=tokens))
    )
    result = project.run_cli("run", "-c", project.config, env=fake_openai.env())
    assert result.code == 3, result.stdout + result.stderr  # every sample an error
    scores = [item["samples"][0]["scores"][0] for item in record(project)["items"]]
    for score, text in zip(scores, texts, strict=True):
        assert score["value"] is None
        assert score["error"].startswith(
            "judge 'correctness' (smollm2): model smollm2: the reply was truncated at "
            'max_tokens=4 (finish_reason "length"); raise max_tokens, or set '
            "allow_truncated: true"
        )
        assert score["raw"] == text[: len(text) * 4 // 30]
    assert "qa: 3 items × 1, 3 errors, 3 truncated at max_tokens" in result.stdout
    assert "3 truncated at max_tokens" in (project.output_dir / "report.md").read_text()

    judge_project(project, rows, max_tokens=4, allow_truncated=True)
    allowed = project.run_cli("run", "-c", project.config, "--no-cache", env=fake_openai.env())
    assert "truncated at max_tokens," not in allowed.stdout
    data = record(project)
    errors = [item["samples"][0]["scores"][0].get("error") or "" for item in data["items"]]
    assert not any('finish_reason "length"' in e for e in errors)
    assert (
        "model smollm2: some replies were cut at max_tokens and scored as they are "
        "(allow_truncated: true)"
    ) in data["warnings"]
    assert "allow_truncated" not in fake_openai.chat_requests[-1].body


def test_a_task_reply_cut_at_max_tokens_is_a_sample_error(
    project: Project, fake_openai: FakeOpenAI
) -> None:
    task = real_replies("task")[1]  # "The capital of Japan is Tokyo, known for ...", 31 tokens
    project.write_config(
        project.experiment(
            task={"openai": {"model": "smollm2", "prompt": "{{input.question}}", "max_tokens": 8}},
            evaluators=[{"type": "contains", "name": "mentions"}],
            gate={"max_error_rate": 1.0},
        )
    )
    fake_openai.set_responder(
        llama_cpp_like(lambda body: fakes.Completion(task["text"], completion_tokens=31))
    )
    result = project.run_cli("run", "-c", project.config, env=fake_openai.env())
    samples = [item["samples"][0] for item in record(project)["items"]]
    assert all(
        s["output"] is None and 'truncated at max_tokens=8 (finish_reason "length")' in s["error"]
        for s in samples
    ), samples
    assert "5 errors, 5 truncated at max_tokens" in result.stdout


def test_a_reply_from_another_model_is_warned_of_once_and_both_names_recorded(
    project: Project, fake_openai: FakeOpenAI
) -> None:
    project.write_config(
        project.experiment(
            task={"openai": {"model": "gpt-4o-mini", "prompt": "{{input.question}}"}},
            evaluators=[{"type": "contains", "name": "mentions"}],
            gate={},
        )
    )
    gguf = "/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    fake_openai.set_responder(lambda body: fakes.Completion("2", model=gguf, completion_tokens=1))
    first = project.run_cli("run", "-c", project.config, env=fake_openai.env())
    assert first.code == 0, first.stdout + first.stderr
    warning = (
        f"model gpt-4o-mini was asked for but the server answered as {gguf}: check the model "
        "name and OPENAI_BASE_URL (the calls are priced as gpt-4o-mini)"
    )
    data = record(project)
    assert data["warnings"] == [warning]
    assert data["metadata"]["models"] == {"gpt-4o-mini": {"replied": [gguf], "priced": True}}
    # A sub-cent cost reads with its digits, not as $0.0000.
    cost = data["usage"]["cost"]
    assert 0 < cost < 0.01
    assert re.search(r"tokens · \$0\.0000\d\d", (project.output_dir / "report.md").read_text())
    again = project.run_cli("run", "-c", project.config, env=fake_openai.env())
    assert again.code == 0 and fake_openai.calls == 5
    assert record(project)["warnings"] == [warning]


def test_a_dated_model_in_the_reply_is_the_model_asked_for(
    project: Project, fake_openai: FakeOpenAI
) -> None:
    project.write_config(
        project.experiment(
            task={"openai": {"model": "gpt-4o-mini", "prompt": "{{input.question}}"}},
            evaluators=[{"type": "contains", "name": "mentions"}],
            gate={},
        )
    )
    fake_openai.set_responder(lambda body: fakes.Completion("2", model="gpt-4o-mini-2024-07-18"))
    result = project.run_cli("run", "-c", project.config, env=fake_openai.env())
    assert result.code == 0, result.stdout + result.stderr
    assert record(project)["warnings"] == []


def test_a_prompt_tasks_json_schema_falls_back_to_json_object_and_its_output_is_the_json(
    project: Project, fake_openai: FakeOpenAI
) -> None:
    schema = {"name": "answer", "schema": {"type": "object"}}
    project.write_config(
        project.experiment(
            task={
                "openai": {
                    "model": "smollm2",
                    "prompt": "{{input.question}}",
                    "response_format": {"type": "json_schema", "json_schema": schema},
                }
            },
            evaluators=[{"type": "json_valid", "name": "valid"}],
            gate={"valid": {"min": 1.0}},
        ),
        defaults={"openai": {"max_concurrent_calls": 1}, "concurrency": 1},
    )
    fake_openai.set_responder(llama_cpp_like())
    result = project.run_cli("run", "-c", project.config, env=fake_openai.env())
    assert result.code == 0, result.stdout + result.stderr
    assert formats(fake_openai) == ["json_schema"] + ["json_object"] * 5
    outputs = [item["samples"][0]["output"] for item in record(project)["items"]]
    assert outputs[0] == {"answer": "echo: 1+1"}
    assert record(project)["warnings"] == [
        UNPRICED,
        "model smollm2: the server refused response_format json_schema, so its calls ask for "
        "json_object instead",
    ]
