"""`scoregate run` as a subprocess, with the real openai SDK against the fake server."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from testing import fake_openai as fakes
from testing.agreement import assert_outputs_agree, wrote_reports
from testing.fake_openai import Behaviour, FakeOpenAI, InFlight, server_error

from scoregate.values.money import dollars

fake_openai = fakes.fake_openai

ITEMS = [
    {"id": "fr", "input": {"question": "Capital of France?"}, "expected_output": "Paris"},
    {"id": "es", "input": {"question": "Capital of Spain?"}, "expected_output": "Madrid"},
    {"id": "it", "input": {"question": "Capital of Italy?"}, "expected_output": "Rome"},
]
JUDGE_MARK = "impartial evaluator"

CONFIG = """\
version: 1
defaults:
  output_dir: out
  openai: {{max_concurrent_calls: {calls}, timeout: 5, max_attempts: 2}}
{defaults}
experiments:
  - name: capitals
    dataset: data.jsonl
    concurrency: {concurrency}
    task:
      openai:
        model: gpt-4o-mini
        messages:
          - {{role: system, content: "Answer with the city only."}}
          - {{role: user, content: "{{{{input.question}}}}"}}
        temperature: 0
    evaluators:
      - judge:
          model: {judge_model}
          prompt: "Question: {{{{input.question}}}} Expected: {{{{expected_output}}}} Answer: {{{{output}}}}"
        name: correctness
{experiment}
    gate:
      correctness: {{min: 0.5, max_drop: 0.1}}
{gate}
"""


def write_project(
    root: Path,
    *,
    items: list[dict[str, Any]] = ITEMS,
    calls: int = 4,
    concurrency: int = 4,
    judge_model: str = "gpt-4o-mini",
    defaults: str = "",
    experiment: str = "",
    gate: str = "",
) -> Path:
    (root / "data.jsonl").write_text("".join(json.dumps(i) + "\n" for i in items))
    config = root / "experiments.yaml"
    config.write_text(
        CONFIG.format(
            calls=calls,
            concurrency=concurrency,
            judge_model=judge_model,
            defaults=defaults,
            experiment=experiment,
            gate=gate,
        )
    )
    return config


def is_judge(body: Mapping[str, Any]) -> bool:
    return any(JUDGE_MARK in fakes.message_text(m) for m in body.get("messages", []))


def judge_says(score: float = 8) -> Callable[[dict[str, Any]], Behaviour | str]:
    """Tasks get the echo; judges answer with ``score`` and a reasoning."""

    def respond(body: dict[str, Any]) -> Behaviour | str:
        if is_judge(body):
            return json.dumps({"score": score, "reasoning": "Names the right city."})
        return fakes.default_answer(body)

    return respond


def scoregate(
    root: Path, server: FakeOpenAI | None, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AZURE_OPENAI"))}
    base.update(server.env() if server else {})
    base.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "scoregate", *args],
        cwd=root,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if wrote_reports(done.stdout):
        assert_outputs_agree(done.stdout, cwd=root, exit_code=done.returncode, env=base)
    return done


def run(root: Path, server: FakeOpenAI | None, *args: str) -> subprocess.CompletedProcess[str]:
    return scoregate(root, server, "run", "-c", "experiments.yaml", *args)


def latest_record(root: Path) -> dict[str, Any]:
    records = sorted((root / "out" / "runs" / "capitals").glob("*.json"), key=os.path.getmtime)
    loaded: dict[str, Any] = json.loads(records[-1].read_text())
    return loaded


def report(root: Path) -> str:
    return (root / "out" / "report.md").read_text()


def test_a_rerun_with_nothing_changed_makes_no_call_and_no_cache_calls_again(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    fake_openai.set_responder(judge_says(8))
    write_project(tmp_path)

    first = run(tmp_path, fake_openai)
    assert first.returncode == 0, first.stderr
    assert fake_openai.calls == 6  # 3 tasks + 3 judges
    record = latest_record(tmp_path)
    assert record["usage"]["calls"] == 6
    assert record["usage"]["cache_hits"] == 0
    tokens = record["usage"]["prompt_tokens"] + record["usage"]["completion_tokens"]
    assert tokens > 0
    assert record["usage"]["cost"] > 0
    sample = record["items"][0]["samples"][0]
    assert sample["output"] == "echo: Capital of France?"
    (score,) = sample["scores"]
    assert (score["value"], score["raw"], score["comment"]) == (0.8, 8, "Names the right city.")
    assert score["usage"]["calls"] == 1
    assert f"{tokens:,} tokens · {dollars(record['usage']['cost'])}" in report(tmp_path)
    assert (tmp_path / "out" / "cache.sqlite").exists()

    second = run(tmp_path, fake_openai)
    assert second.returncode == 0, second.stderr
    assert fake_openai.calls == 6
    again = latest_record(tmp_path)
    assert again["usage"]["cache_hits"] == 6
    assert again["usage"]["calls"] == 0
    assert again["items"][0]["samples"][0]["scores"][0]["value"] == 0.8
    assert "6 cache hits" in report(tmp_path)

    third = run(tmp_path, fake_openai, "--no-cache")
    assert third.returncode == 0, third.stderr
    assert fake_openai.calls == 12
    assert latest_record(tmp_path)["usage"]["cache_hits"] == 0


def test_a_changed_prompt_calls_again_only_for_what_changed(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    fake_openai.set_responder(judge_says(8))
    write_project(tmp_path)
    assert run(tmp_path, fake_openai).returncode == 0
    assert fake_openai.calls == 6
    # A new item: one task and one judge call; the others come from the cache.
    write_project(
        tmp_path,
        items=[
            *ITEMS,
            {"id": "de", "input": {"question": "Capital of Germany?"}, "expected_output": "Berlin"},
        ],
    )
    assert run(tmp_path, fake_openai).returncode == 0
    assert fake_openai.calls == 8
    assert latest_record(tmp_path)["usage"]["cache_hits"] == 6


def test_a_judge_reply_that_is_not_json_is_a_judge_error_with_the_reply_kept(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    def respond(body: dict[str, Any]) -> Behaviour | str:
        if is_judge(body) and "Spain" in fakes.last_user_text(body):
            return "I would say this deserves a solid seven."
        return judge_says(9)(body)

    fake_openai.set_responder(respond)
    write_project(tmp_path, gate="      max_error_rate: 0.5")
    result = run(tmp_path, fake_openai)
    assert result.returncode == 0, result.stderr
    record = latest_record(tmp_path)
    by_id = {i["id"]: i["samples"][0]["scores"][0] for i in record["items"]}
    assert by_id["es"]["value"] is None
    assert by_id["es"]["raw"] == "I would say this deserves a solid seven."
    assert by_id["es"]["error"] == (
        "judge 'correctness' (gpt-4o-mini): the judge's reply is not a score (expected JSON "
        '{"score": N, "reasoning": "..."}, that JSON in a ```json fence, "score: N", "N/TOP", '
        '"N out of TOP" or a bare number); '
        "it replied: 'I would say this deserves a solid seven.'"
    )
    assert by_id["fr"]["value"] == 0.9
    assert "1 sample errors" in report(tmp_path)
    shown = scoregate(
        tmp_path, None, "show", "--failures", str(next((tmp_path / "out" / "runs").rglob("*.json")))
    )
    assert "the judge's reply is not a score" in shown.stdout
    assert "deserves a solid seven" in shown.stdout


def test_a_provider_failing_every_attempt_is_a_sample_error_and_exit_3(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    def respond(body: dict[str, Any]) -> Behaviour | str:
        if not is_judge(body) and "Italy" in fakes.last_user_text(body):
            return server_error(502, message="Bad gateway upstream.")
        return judge_says(8)(body)

    fake_openai.set_responder(respond)
    write_project(tmp_path)
    result = run(tmp_path, fake_openai)
    assert result.returncode == 3, result.stderr
    # 2 attempts for the failing task, 2 calls for each other item, no judge for the failure.
    assert fake_openai.calls == 6
    record = latest_record(tmp_path)
    failed = next(i for i in record["items"] if i["id"] == "it")["samples"][0]
    assert failed["error"].startswith(
        "ProviderError: model gpt-4o-mini after 2 attempts: HTTP 502: "
    )
    assert "Bad gateway upstream." in failed["error"]
    assert "max_error_rate" in report(tmp_path)


def test_a_429_is_retried_after_the_wait_it_asks_for(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    fake_openai.set_responder(judge_says(8))
    fake_openai.enqueue(fakes.rate_limit(None, retry_after_ms=50))
    write_project(tmp_path, concurrency=1)
    result = run(tmp_path, fake_openai)
    assert result.returncode == 0, result.stderr
    assert fake_openai.calls == 7
    assert latest_record(tmp_path)["usage"]["calls"] == 6


def test_max_cost_stops_scheduling_new_items_and_says_so(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    fake_openai.set_responder(judge_says(8))
    items = [
        {"id": f"q{n}", "input": {"question": f"Question {n}?"}, "expected_output": "x"}
        for n in range(6)
    ]
    # $1 per prompt token: the first item alone costs more than the limit.
    write_project(
        tmp_path,
        items=items,
        concurrency=1,
        defaults="  prices:\n    gpt-4o-mini: {prompt: 1000000, completion: 0}",
        experiment="    max_cost: 5",
    )
    result = run(tmp_path, fake_openai)
    assert fake_openai.calls == 2, result.stderr
    record = latest_record(tmp_path)
    assert [i["id"] for i in record["items"]] == ["q0"]
    (warning,) = record["warnings"]
    assert warning.startswith("max_cost reached: model calls cost $")
    assert "of the allowed $5.00, so no new items were started" in warning
    assert "max\\_cost reached" in report(tmp_path)


def test_model_calls_are_capped_across_tasks_and_judges(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    in_flight = InFlight(2, answer=judge_says(8))
    fake_openai.set_responder(in_flight)
    items = [
        {"id": f"q{n}", "input": {"question": f"Question {n}?"}, "expected_output": "x"}
        for n in range(8)
    ]
    write_project(tmp_path, items=items, calls=2, concurrency=8)
    result = run(tmp_path, fake_openai)
    assert result.returncode == 0, result.stderr
    assert fake_openai.calls == 16
    assert in_flight.peak == 2


def test_a_changed_judge_is_reported_beside_the_score_and_warns(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    fake_openai.set_responder(judge_says(8))
    write_project(tmp_path)
    assert run(tmp_path, fake_openai).returncode == 0
    record_file = next((tmp_path / "out" / "runs" / "capitals").glob("*.json"))
    promoted = scoregate(
        tmp_path, None, "baseline", "promote", str(record_file), "-c", "experiments.yaml"
    )
    assert promoted.returncode == 0, promoted.stderr

    # Same judge: compared normally.
    same = run(tmp_path, fake_openai)
    assert same.returncode == 0, same.stderr
    assert "judge changed" not in report(tmp_path)

    fake_openai.set_responder(judge_says(3))
    write_project(tmp_path, judge_model="gpt-4o")
    changed = run(tmp_path, fake_openai)
    assert changed.returncode == 1, changed.stdout  # min 0.5 fails on its own; max_drop warns
    text = report(tmp_path)
    assert "judge changed: model gpt-4o-mini → gpt-4o" in text
    checks = latest_record(tmp_path)["gate"]["checks"]
    drop = next(c for c in checks if c["kind"] == "max_drop")
    assert drop["status"] == "warn"
    assert drop["explanation"].startswith("judge changed: model gpt-4o-mini → gpt-4o;")

    write_project(tmp_path, judge_model="gpt-4o", gate="      judge_changed: fail")
    fake_openai.set_responder(judge_says(9))
    failing = run(tmp_path, fake_openai, "--no-cache")
    assert failing.returncode == 1
    checks = latest_record(tmp_path)["gate"]["checks"]
    assert next(c for c in checks if c["kind"] == "max_drop")["status"] == "fail"
    assert next(c for c in checks if c["kind"] == "min")["status"] == "pass"


def test_a_missing_key_stops_the_run_before_any_call(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    write_project(tmp_path)
    result = scoregate(tmp_path, None, "run", "-c", "experiments.yaml")
    assert result.returncode == 3
    assert "error: OPENAI_API_KEY is not set" in result.stderr
    assert fake_openai.calls == 0


def test_config_errors_name_the_place(tmp_path: Path) -> None:
    config = write_project(tmp_path)
    text = config.read_text().replace("Answer: {{output}}", "Answer: {{outptu}}")
    config.write_text(text.replace("temperature: 0", "temperature: 0\n        top_k: 3"))
    result = scoregate(tmp_path, None, "validate", "-c", "experiments.yaml")
    assert result.returncode == 2
    assert "unknown key 'top_k'" in result.stderr
    fixed = text
    config.write_text(fixed)
    result = scoregate(tmp_path, None, "validate", "-c", "experiments.yaml")
    assert result.returncode == 2
    assert "unknown placeholder {{outptu}}" in result.stderr
    assert "the judge prompt has no {{output}} placeholder" in result.stderr


def test_the_example_runs_against_an_openai_compatible_server(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    example = Path(__file__).parent.parent / "examples" / "openai"
    answers = {
        json.loads(line)["input"]["question"]: json.loads(line)["expected_output"]
        for line in (example / "dataset.jsonl").read_text().splitlines()
    }

    def respond(body: dict[str, Any]) -> Behaviour | str:
        if is_judge(body):
            return '```json\n{"score": 9, "reasoning": "Matches the reference."}\n```'
        return f"It is {answers[fakes.last_user_text(body)]}."

    fake_openai.set_responder(respond)
    out = tmp_path / "out"
    args = ("run", "-c", str(example / "experiments.yaml"), "--output-dir", str(out))
    result = scoregate(tmp_path, fake_openai, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert fake_openai.calls == 16
    assert {r.body["model"] for r in fake_openai.chat_requests} == {"gpt-4o-mini"}
    text = (out / "report.md").read_text()
    assert "| `correctness` | — | 0.900" in text
    assert "tokens · $" in text
    assert scoregate(tmp_path, fake_openai, *args).returncode == 0
    assert fake_openai.calls == 16
    assert "16 cache hits" in (out / "report.md").read_text()


def test_after_ctrl_c_a_rerun_resumes_from_the_cache(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    # Two items (four calls) are answered; the fifth call waits until the run has ended.
    answered = threading.Semaphore(4)
    release = threading.Event()

    def respond(body: dict[str, Any]) -> Behaviour | str:
        if not answered.acquire(blocking=False):
            release.wait(60)
        return judge_says(8)(body)

    fake_openai.set_responder(respond)
    items = [
        {"id": f"q{n}", "input": {"question": f"Question {n}?"}, "expected_output": "x"}
        for n in range(5)
    ]
    write_project(tmp_path, items=items, concurrency=1)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AZURE_OPENAI"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "scoregate", "run", "-c", "experiments.yaml"],
        cwd=tmp_path,
        env=env | fake_openai.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while fake_openai.calls < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=60)
    finally:
        release.set()
    assert process.returncode == 130, stderr
    assert "Interrupted" in stderr
    db = sqlite3.connect(tmp_path / "out" / "cache.sqlite")
    try:
        kept = db.execute("SELECT count(*) FROM calls").fetchone()[0]
    finally:
        db.close()
    assert kept == 4
    before = fake_openai.calls
    result = run(tmp_path, fake_openai)
    assert result.returncode == 0, result.stderr
    assert fake_openai.calls - before == 10 - kept
    assert latest_record(tmp_path)["usage"]["cache_hits"] == kept
