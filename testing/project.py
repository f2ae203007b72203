"""A scoregate project in a temporary folder, and the real console script to run on it.

``Project`` writes ``experiments.yaml``, a dataset and a task module; ``run_cli`` runs the
installed ``scoregate`` script in a subprocess, exactly as a user or a CI job does.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from scoregate.values.model import ErrorKind, Item, ItemResult, RunRecord, Sample, Score, ScoreDef
from testing.agreement import assert_outputs_agree, reports_are_files, wrote_reports

SCOREGATE = Path(sys.executable).parent / "scoregate"

TASK_MODULE = '''\
"""The task of a test project: answers right unless its kwargs say otherwise."""

import random
import time


def answer(*, item, wrong=(), fail=(), slow=(), sleep=0.0, jitter=0.0, comment=False, **kwargs):
    if item.id in fail:
        raise RuntimeError(f"the task broke on {item.id}")
    if item["id"] in slow:
        time.sleep(30)
    if sleep or jitter:
        time.sleep(sleep + random.uniform(0, jitter))
    if item.id in wrong:
        return "wrong"
    return item["expected_output"]
'''

ROWS: tuple[dict[str, Any], ...] = (
    {"id": "a", "input": {"question": "1+1"}, "expected_output": "2"},
    {"id": "b", "input": {"question": "2+2"}, "expected_output": "4"},
    {"id": "c", "input": {"question": "3+3"}, "expected_output": "6"},
    {"id": "d", "input": {"question": "4+4"}, "expected_output": "8"},
    {"id": "e", "input": {"question": "5+5"}, "expected_output": "10"},
)


class CliResult(NamedTuple):
    code: int
    stdout: str
    stderr: str


def run_cli(
    *args: str | Path, cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 60
) -> CliResult:
    """Run the real ``scoregate`` console script; never as if under GitHub Actions unless
    ``env`` says so. When the command wrote reports, asserts that they, the terminal and (under
    GitHub Actions) the step outputs and annotations agree (testing/agreement.py)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    environment.update(env or {})
    completed = subprocess.run(
        [str(SCOREGATE), *map(str, args)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if wrote_reports(completed.stdout) and reports_are_files(completed.stdout, cwd):
        assert_outputs_agree(
            completed.stdout, cwd=cwd, exit_code=completed.returncode, env=environment
        )
    return CliResult(completed.returncode, completed.stdout, completed.stderr)


def without_metrics(text: str) -> list[str]:
    """The terminal's lines without those of latency, tokens and cost, whose figures vary from
    run to run (wall time): for tests that compare the rest line by line."""
    return [line for line in text.splitlines() if not METRIC_LINE.match(line)]


METRIC_LINE = re.compile(r"  (latency|tokens|cost) {2,}|  \d+ of \d+ model calls were cached")


def write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@dataclass
class Project:
    """A folder with ``experiments.yaml``, ``data.jsonl`` and a uniquely named task module."""

    root: Path
    module: str = field(default_factory=lambda: f"sg_app_{uuid.uuid4().hex[:10]}")

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.write(f"{self.module}.py", TASK_MODULE)
        write_jsonl(self.root / "data.jsonl", ROWS)
        self.write_config(self.experiment())

    @property
    def config(self) -> Path:
        return self.root / "experiments.yaml"

    @property
    def output_dir(self) -> Path:
        return self.root / ".scoregate"

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def experiment(
        self,
        name: str = "qa",
        *,
        task_kwargs: Mapping[str, Any] | None = None,
        evaluators: Sequence[Mapping[str, Any]] | None = None,
        gate: Mapping[str, Any] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """An experiment mapping: exact-match ``correct`` with ``min: 0.8`` unless told."""
        return {
            "name": name,
            "dataset": "data.jsonl",
            "task": {"python": f"{self.module}:answer", "kwargs": dict(task_kwargs or {})},
            "evaluators": list(evaluators or [{"type": "exact", "name": "correct"}]),
            "gate": dict(gate if gate is not None else {"correct": {"min": 0.8}}),
            **extra,
        }

    def write_config(
        self, *experiments: Mapping[str, Any], defaults: Mapping[str, Any] | None = None
    ) -> Path:
        document: dict[str, Any] = {"version": 1}
        if defaults:
            document["defaults"] = dict(defaults)
        document["experiments"] = [dict(e) for e in experiments]
        self.config.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        return self.config

    def run_cli(self, *args: str | Path, env: Mapping[str, str] | None = None) -> CliResult:
        return run_cli(*args, cwd=self.root, env=env)

    def records(self, experiment: str = "qa") -> list[Path]:
        """The run records written so far, oldest first."""
        folder = self.output_dir / "runs" / experiment
        return sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)


def make_record(
    values: Mapping[str, float | Sequence[float | None] | None],
    *,
    experiment: str = "qa",
    run_id: str = "20260101T000000Z-cand01",
    score: str = "correct",
    pass_mark: float = 0.5,
    outputs: Mapping[str, Any] | None = None,
    comments: Mapping[str, str] | None = None,
    task_errors: Mapping[str, str] | None = None,
    error_kind: ErrorKind = "app",
) -> RunRecord:
    """A run record with one item per key of ``values`` and one score.

    A number is one sample; a list is one sample per value (repeats); None is a sample whose
    evaluator failed; an item in ``task_errors`` has one sample whose task failed. Every error
    is of ``error_kind`` (``infra``: lost to an outage).
    """
    results = []
    for item_id, value in values.items():
        per_sample = list(value) if isinstance(value, Sequence) else [value]
        samples = []
        for index, v in enumerate(per_sample):
            output = (outputs or {}).get(item_id, f"output of {item_id}")
            if item_id in (task_errors or {}):
                error = (task_errors or {})[item_id]
                samples.append(Sample(index, None, 0.01, error, error_kind=error_kind))
                continue
            found = Score(
                score,
                v,
                raw=v,
                comment=(comments or {}).get(item_id),
                error=None if v is not None else f"evaluator '{score}' failed: ValueError: bad",
                error_kind=error_kind,
            )
            samples.append(Sample(index, output, 0.01, None, (found,)))
        item = Item(item_id, {"question": f"q {item_id}"}, f"answer {item_id}")
        results.append(ItemResult(item, tuple(samples)))
    repeats = max((len(r.samples) for r in results), default=1)
    return RunRecord(
        experiment=experiment,
        run_id=run_id,
        items=tuple(results),
        score_defs={score: ScoreDef(score, pass_mark, None, "exact")},
        repeats=repeats,
        started_at="2026-01-01T00:00:00Z",
        finished_at="2026-01-01T00:00:05Z",
    )
