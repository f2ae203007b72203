"""The judge-reply rules: each form accepted or refused, and the real-model corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scoregate.execute.evaluators.judge_reply import RULES, JudgeReplyError, Reading, read_reply

REAL = Path(__file__).resolve().parents[2] / "testing" / "real_model"
TEN = (0.0, 10.0)


@pytest.mark.parametrize(
    ("reply", "score", "reasoning", "rule"),
    [
        ('{"score": 7, "reasoning": "Mostly right."}', 7, "Mostly right.", "json"),
        (
            '{"score": 0, "reasoning": "The answer is "2"."}',
            0,
            'The answer is "2".',
            "loose json",
        ),
        (
            '{"score": 1, "reasoning": "The answer says "Der Führer" in German."}',
            1,
            'The answer says "Der Führer" in German.',
            "loose json",
        ),
        (
            '{"score": 0, "reasoning": "The answer does not give the word "SHO',
            0,
            'The answer does not give the word "SHO',
            "loose json",
        ),
        ("Score: 7\n7/10, the same score again", 7, "7/10, the same score again", "labelled"),
        ('```json\n{"score": 3, "reasoning": "Wrong city."}\n```', 3, "Wrong city.", "fenced json"),
        (
            '```json\n{"score": 3, "reasoning": "Says "Lyon"."}\n```',
            3,
            'Says "Lyon".',
            "fenced loose json",
        ),
        ("```\n6\n```", 6, None, "fenced bare number"),
        ("score: 7", 7, None, "labelled"),
        ("Score: 7 out of 10", 7, None, "labelled"),
        ("**Score:** 8/10\nNames the right city.", 8, "Names the right city.", "labelled"),
        ("The score is 4.", 4, None, "labelled"),
        ("7/10", 7, None, "fraction"),
        ("9 out of 10.\nClose.", 9, "Close.", "fraction"),
        ("6", 6, None, "bare number"),
        (" 9.5\n", 9.5, None, "bare number"),
    ],
)
def test_what_is_read(reply: str, score: float, reasoning: str | None, rule: str) -> None:
    reading = read_reply(reply, TEN)
    assert reading == Reading(score, reasoning, rule)


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("", "the reply is empty"),
        (
            "10 = fully correct; 0 = wrong or off topic.",
            "the reply echoes a rubric (10 = fully correct), not a score",
        ),
        (
            "The answer is: 10 = fully correct; 3 = wrong.",
            "the reply echoes a rubric (10 = fully correct), not a score",
        ),
        ('{"score": 3, "score": 7}', 'the reply\'s JSON has "score" twice'),
        ('{"score": 3, "reasoning": "I said "score": 7"}', 'the reply has "score" twice'),
        (
            '```json\n{"score": 3}\n```\n```json\n{"score": 8}\n```',
            "the reply's fences and text give different scores (3, 8)",
        ),
        (
            'Score: 2/10\n```json\n{"score": 8}\n```',
            "the reply's fences and text give different scores (8, 2)",
        ),
        ("Score: 7\nOn reflection, score: 3.", "the reply's lines give different scores (7, 3)"),
        ("7/5", "the score is out of 5, not of the judge's scale 0-10"),
        ("3 out of 100", "the score is out of 100, not of the judge's scale 0-10"),
        ("11", "the score 11 is outside the judge's scale 0-10"),
        ('{"score": -1, "reasoning": "Bad."}', "the score -1 is outside the judge's scale 0-10"),
        ("score: 12", "the score 12 is outside the judge's scale 0-10"),
        ("NaN", "the score NaN is not a finite number"),
        ('{"score": "high"}', '"score" is "high", not a number'),
        ('{"score": true}', '"score" is true, not a number'),
        ('{"rating": 7}', 'the reply\'s JSON has no "score"'),
        ('["score", 7]', "the reply is JSON list, not an object"),
        ("2 + 2 = 4", None),
        ("3 = 1/2", None),
        ("10 / 2 = 5", None),
        ("I think the answer deserves a 7 out of 10.", None),
        ("The answer to the question is: Moscow", None),
        ('{"score": 1', None),
    ],
)
def test_what_is_refused(reply: str, why: str | None) -> None:
    with pytest.raises(JudgeReplyError) as raised:
        read_reply(reply, TEN)
    expected = why or (
        'expected JSON {"score": N, "reasoning": "..."}, that JSON in a ```json fence, '
        '"score: N", "N/TOP", "N out of TOP" or a bare number'
    )
    assert str(raised.value) == expected


def test_the_scale_decides_the_top_and_the_range() -> None:
    assert read_reply("4/5", (1.0, 5.0)).score == 4
    assert read_reply("0.5", (0.0, 1.0)).score == 0.5
    with pytest.raises(JudgeReplyError, match=r"^the score 7 is outside the judge's scale 1-5$"):
        read_reply('{"score": 7}', (1.0, 5.0))


def test_the_rules_are_one_ordered_table() -> None:
    names = [name for name, _ in RULES]
    assert names == [
        "empty",
        "json",
        "fence",
        "loose json",
        "rubric",
        "labelled",
        "fraction",
        "bare number",
    ]


# --- the real model's replies ------------------------------------------------------------------


def load(name: str) -> list[dict[str, Any]]:
    lines = (REAL / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def corpus_figures() -> tuple[int, int, int, list[str]]:
    """(labelled with a score, recovered, refused as labelled, wrong readings)."""
    with_score = recovered = refused = 0
    wrong = []
    for row in load("judge_labels.jsonl"):
        try:
            score: float | None = read_reply(row["text"], TEN).score
        except JudgeReplyError:
            score = None
        if row["label"] is None:
            refused += score is None
            if score is not None:
                wrong.append(f"line {row['line']}: no score, read {score}")
            continue
        with_score += 1
        if score is not None and score != row["label"]:
            wrong.append(f"line {row['line']}: labelled {row['label']}, read {score}")
        recovered += score == row["label"]
    return with_score, recovered, refused, wrong


def test_the_labels_are_the_judge_replies_of_the_corpus() -> None:
    replies = load("replies.jsonl")
    labels = load("judge_labels.jsonl")
    judged = [(i + 1, r["text"]) for i, r in enumerate(replies) if r["kind"] == "judge"]
    assert [(row["line"], row["text"]) for row in labels] == judged
    assert len(labels) == 135
    assert all(row["label"] is None or row["label"] in (0, 1, 10) for row in labels)


def test_on_the_real_corpus_no_reply_is_misread_and_every_score_is_recovered() -> None:
    with_score, recovered, refused, wrong = corpus_figures()
    assert wrong == []  # precision 100%: never a wrong score, never a score from none
    assert (with_score, recovered, refused) == (107, 107, 28)
