"""`scoregate run` with a judge whose replies are a real small model's (testing/real_model/),
replayed by the fake OpenAI server: every reply the labels give a score is recovered, and no
reply that gives none becomes a score."""

from __future__ import annotations

import json
import re
from typing import Any

from testing import fake_openai as fakes
from testing.fake_openai import FakeOpenAI
from testing.project import Project, write_jsonl
from testing.replay import REAL_MODEL, real_replies, replay

fake_openai = fakes.fake_openai
MARK = re.compile(r"Reply number: (\d+)")


def labels() -> list[dict[str, Any]]:
    lines = (REAL_MODEL / "judge_labels.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def reply_number(body: dict[str, Any]) -> int:
    match = MARK.search(fakes.last_user_text(body))
    return -1 if match is None else int(match.group(1))


def test_a_judge_over_the_real_replies_recovers_every_labelled_score_and_no_other(
    project: Project, fake_openai: FakeOpenAI
) -> None:
    judged = real_replies("judge")
    rows = [
        {"id": f"r{n:03d}", "input": {"n": n}, "expected_output": "Paris"}
        for n in range(len(judged))
    ]
    write_jsonl(project.root / "data.jsonl", rows)
    judge = {
        "model": "smollm2",
        "scale": [0, 10],
        "prompt": "Reply number: {{input.n}}\nAnswer to grade: {{output}}",
    }
    project.write_config(
        project.experiment(
            evaluators=[{"name": "correctness", "judge": judge}],
            gate={"max_error_rate": 0.5, "correctness": {"min": 0.0}},
        )
    )
    fake_openai.set_responder(
        replay(
            [row["text"] for row in judged],
            key=reply_number,
            completion_tokens=[row["completion_tokens"] for row in judged],
        )
    )
    result = project.run_cli("run", "-c", project.config, env=fake_openai.env())
    assert result.code == 0, result.stdout + result.stderr
    assert fake_openai.calls == 135

    (record,) = project.records()
    data = json.loads(record.read_text())
    scores = {item["id"]: item["samples"][0]["scores"][0] for item in data["items"]}
    recovered = refused = 0
    for n, row in enumerate(labels()):
        score = scores[f"r{n:03d}"]
        if row["label"] is None:
            assert score["value"] is None, row  # never a score from a reply that gives none
            assert score["raw"] == score["comment"] == row["text"]
            assert score["error"].startswith(
                "judge 'correctness' (smollm2): the judge's reply is not a score ("
            )
            refused += 1
        else:
            assert score.get("error") is None, row
            assert score["value"] == row["label"] / 10
            recovered += 1
    assert (recovered, refused) == (107, 28)
    assert scores["r001"]["error"] == (
        "judge 'correctness' (smollm2): the judge's reply is not a score (the reply echoes a "
        "rubric (10 = fully correct), not a score); it replied: "
        "'10 = fully correct; 0 = wrong or off topic.'"
    )
    # The reasoning is kept, inner quotes and all (line 37 of replies.jsonl).
    (n,) = [n for n, row in enumerate(labels()) if row["line"] == 37]
    assert scores[f"r{n:03d}"]["comment"] == (
        'The answer says "Der Führer" in German, which is not the answer.'
    )
