"""``scoregate init``: a working starter in a folder, which ``scoregate run`` passes at once.

The files are written only when none of them exists yet; nothing is ever overwritten.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from scoregate.values.errors import ConfigError

MANUAL = "https://github.com/scoregate/scoregate/blob/main/README.md"

EXPERIMENTS = """\
# scoregate: a regression gate for this project's LLM answers.
# `scoregate run` runs every experiment below, scores it and compares it with its baseline.
# Every key: `scoregate schema`, and the manual at
# https://github.com/scoregate/scoregate/blob/main/README.md
version: 1

defaults:
  concurrency: 8               # items in flight
  timeout: 60                  # seconds per task call and per evaluator call
  # baseline: baselines/{experiment}.json  # the default, made by `scoregate baseline promote RUN`;
  #                                         # written out, a missing baseline is an error

experiments:
  - name: qa
    description: Answers questions about capital cities (the starter; make it yours).
    dataset: evals/dataset.jsonl
    task: evals.task:answer    # called as answer(*, item, **kwargs), like Langfuse's runner
    evaluators:
      - {type: exact, name: correct, ignore_case: true}
      - {type: similarity, name: similar, ignore_case: true}
      - {python: evals.checks:concise}
    gate:
      correct:
        min: 0.8               # at least 80% of the answers right
        max_drop: 0.05         # no real drop of the mean against the baseline
        max_regressed_items: 0 # no item that passed in the baseline fails now
      similar:
        min: 0.7
      concise:
        min_pass_rate: 0.8     # 80% of the answers short enough
"""

DATASET = """\
{"id": "capital-france", "input": {"question": "What is the capital of France?"}, "expected_output": "Paris"}
{"id": "capital-japan", "input": {"question": "What is the capital of Japan?"}, "expected_output": "Tokyo"}
{"id": "capital-kenya", "input": {"question": "What is the capital of Kenya?"}, "expected_output": "Nairobi"}
{"id": "capital-peru", "input": {"question": "What is the capital of Peru?"}, "expected_output": "Lima"}
{"id": "capital-norway", "input": {"question": "What is the capital of Norway?"}, "expected_output": "Oslo"}
"""

PACKAGE = '''\
"""The experiments of experiments.yaml: the task, Python evaluators and the dataset."""
'''

TASK = '''\
"""The task scoregate runs on every item of evals/dataset.jsonl.

scoregate calls it as Langfuse's experiment runner does, answer(*, item, **kwargs), sync or
async. The item has item.input, item.expected_output, item.metadata and item.id (item["input"]
works too); what the task returns is the output the evaluators score.

Replace the body with a call to your application, for example:

    return my_app.answer(item.input["question"])
"""

CAPITALS = {"France": "Paris", "Japan": "Tokyo", "Kenya": "Nairobi", "Peru": "Lima", "Norway": "Oslo"}


def answer(*, item, **kwargs):
    # A stand-in for your application, so the starter runs with no model and no API key.
    question = item.input["question"]
    for country, capital in CAPITALS.items():
        if country in question:
            return capital
    return "I don't know."
'''

CHECKS = '''\
"""Python evaluators: called as evaluator(*, input, output, expected_output, metadata, **kwargs).

Return a bool (pass/fail), a number (in its own units; declare `scale: [low, high]` on the
evaluator to make it 0-1, or give a `pass_mark` in its units), or a dict
{"name": ..., "value": ..., "comment": ...}; the score is named by its "name".
"""


def concise(*, output, **kwargs):
    """1 for an answer of at most 5 words: the app should answer, not explain."""
    return len(str(output).split()) <= 5
'''

WORKFLOW = """\
# The scoregate gate on every pull request: runs experiments.yaml, compares it with the
# baselines committed in baselines/, keeps one comment on the pull request up to date, and
# fails the check on a real drop.
#
# Before you commit this file, replace OWNER/scoregate@FULL_COMMIT_SHA below with the scoregate
# action pinned to a full 40-character commit SHA (for example
# `uses: scoregate/scoregate@<commit SHA> # v0.1.0`); a tag or a branch could change under you.
#
# Secrets: OPENAI_API_KEY when the task or an LLM judge calls a model. A pull request from a
# fork gets no secrets, so the job is skipped for forks.
name: scoregate

on:
  pull_request:

permissions: {}

concurrency:
  group: scoregate-${{ github.event.pull_request.number }}
  cancel-in-progress: true

jobs:
  gate:
    name: scoregate
    if: github.event.pull_request.head.repo.full_name == github.repository
    runs-on: ubuntu-latest
    timeout-minutes: 30
    permissions:
      contents: read
      pull-requests: write # the sticky comment
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          persist-credentials: false
      - name: Gate
        uses: OWNER/scoregate@FULL_COMMIT_SHA # replace: see the top of this file
        env:
          OPENAI_API_KEY: ${{ secrets.OPENAI_API_KEY }}
        with:
          config: experiments.yaml
          # pip arguments for your application, when the task imports it:
          # extra-packages: -e .
"""

STARTER: Mapping[str, tuple[str, str]] = {
    "experiments.yaml": (EXPERIMENTS, "the experiment: dataset, task, evaluators, gate"),
    "evals/__init__.py": (PACKAGE, ""),
    "evals/dataset.jsonl": (DATASET, "5 items"),
    "evals/task.py": (TASK, "the task: replace it with a call to your application"),
    "evals/checks.py": (CHECKS, "a Python evaluator"),
    ".github/workflows/scoregate.yml": (
        WORKFLOW,
        "the pull-request gate: replace OWNER/scoregate@FULL_COMMIT_SHA",
    ),
}
"""Relative path → (text, what it is)."""


def write_starter(folder: Path) -> str:
    """Write the starter into ``folder``; returns what to print. Nothing is written when any
    of its files exists (ConfigError naming each)."""
    existing = [name for name in STARTER if (folder / name).exists()]
    if existing:
        raise ConfigError(
            [
                f"{name}: already exists; scoregate init never overwrites a file."
                for name in existing
            ]
            + [
                "Nothing was written. Move those files away, or run scoregate init in a "
                "folder without them."
            ]
        )
    for name, (text, _) in STARTER.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as file:
            file.write(text)
    return summary()


def summary() -> str:
    width = max(len(name) for name in STARTER) + 2
    wrote = [f"  {name:<{width}}{what}".rstrip() for name, (_, what) in STARTER.items()]
    return "\n".join(
        [
            "Wrote a scoregate starter:",
            *wrote,
            "",
            "Next:",
            "  scoregate run",
            "      runs the experiment and gates it; with no baseline yet, its baseline checks "
            "are skipped",
            "  scoregate baseline promote .scoregate/runs/qa/<run id>.json",
            "      makes that run the baseline: commit baselines/qa.json",
            "",
            "Add .scoregate/ (run records, reports, cache) to .gitignore.",
            f"The manual: {MANUAL}",
        ]
    )
