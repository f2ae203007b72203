"""``scoregate init`` through the CLI: the starter validates, runs, passes and gets a baseline;
a second init overwrites nothing. (Its workflow is linted in test_action.py.)"""

from __future__ import annotations

import json
from pathlib import Path

from testing.project import run_cli

FILES = [
    "experiments.yaml",
    "evals/__init__.py",
    "evals/dataset.jsonl",
    "evals/task.py",
    "evals/checks.py",
    ".github/workflows/scoregate.yml",
]

PRINTED = """\
Wrote a scoregate starter:
  experiments.yaml                 the experiment: dataset, task, evaluators, gate
  evals/__init__.py
  evals/dataset.jsonl              5 items
  evals/task.py                    the task: replace it with a call to your application
  evals/checks.py                  a Python evaluator
  .github/workflows/scoregate.yml  the pull-request gate: replace OWNER/scoregate@FULL_COMMIT_SHA

Next:
  scoregate run
      runs the experiment and gates it; with no baseline yet, its baseline checks are skipped
  scoregate baseline promote .scoregate/runs/qa/<run id>.json
      makes that run the baseline: commit baselines/qa.json

Add .scoregate/ (run records, reports, cache) to .gitignore.
The manual: https://github.com/scoregate/scoregate/blob/main/README.md
"""


def written(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_init_writes_a_starter_that_validates_runs_and_takes_a_baseline(tmp_path: Path) -> None:
    assert run_cli("init", cwd=tmp_path) == (0, PRINTED, "")
    assert written(tmp_path) == sorted(FILES)
    items = [
        json.loads(line)
        for line in (tmp_path / "evals/dataset.jsonl").read_text().split("\n")
        if line
    ]
    assert len(items) == 5

    code, out, err = run_cli("validate", cwd=tmp_path)
    assert (code, err) == (0, "")
    assert out == (
        "qa: 5 items, task evals.task:answer, scores correct, similar, concise\n"
        # Said before any run: 5 items are few for a significant drop (pipeline/power.py).
        "qa: correct.max_drop: with only 5 items, a drop is significant at 0.05 only when at "
        "least 4 of them change, all for the worse (the smallest possible p with m changed is "
        "½ / 2^m); a small drop spread over every item, or a pass/fail score that moves one or "
        "two items, cannot be detected by any test at this size\n"
        "experiments.yaml: valid (1 experiment).\n"
    )

    code, out, err = run_cli("run", cwd=tmp_path)
    assert code == 0, err
    no_baseline = (
        "skipped: no baseline at baselines/qa.json; record one with 'scoregate baseline "
        "promote RUN' after a run you trust"
    )
    assert f"  skip correct.max_drop: {no_baseline}\n" in out
    assert f"  skip correct.max_regressed_items: {no_baseline}\n" in out
    (record,) = sorted((tmp_path / ".scoregate" / "runs" / "qa").glob("*.json"))

    # The printed next step, with the run id filled in.
    code, out, err = run_cli(
        "baseline", "promote", f".scoregate/runs/qa/{record.name}", cwd=tmp_path
    )
    assert (code, err) == (0, "")
    assert (tmp_path / "baselines" / "qa.json").read_bytes() == record.read_bytes()

    code, out, err = run_cli("run", cwd=tmp_path)
    assert code == 0, err
    assert f"qa: 5 items × 1, 0 errors, baseline {record.stem}\n" in out
    assert "skip" not in out


def test_init_overwrites_nothing_and_names_each_file_that_exists(tmp_path: Path) -> None:
    (tmp_path / "experiments.yaml").write_text("mine\n", encoding="utf-8")
    (tmp_path / "evals").mkdir()
    (tmp_path / "evals" / "task.py").write_text("# mine\n", encoding="utf-8")

    assert run_cli("init", cwd=tmp_path) == (
        2,
        "",
        "error: experiments.yaml: already exists; scoregate init never overwrites a file.\n"
        "error: evals/task.py: already exists; scoregate init never overwrites a file.\n"
        "error: Nothing was written. Move those files away, or run scoregate init in a folder "
        "without them.\n",
    )
    assert written(tmp_path) == ["evals/task.py", "experiments.yaml"]
    assert (tmp_path / "experiments.yaml").read_text(encoding="utf-8") == "mine\n"


def test_a_second_init_refuses(tmp_path: Path) -> None:
    assert run_cli("init", cwd=tmp_path).code == 0
    before = {name: (tmp_path / name).read_bytes() for name in FILES}
    code, out, err = run_cli("init", cwd=tmp_path)
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        *(
            f"error: {name}: already exists; scoregate init never overwrites a file."
            for name in FILES
        ),
        "error: Nothing was written. Move those files away, or run scoregate init in a folder "
        "without them.",
    ]
    assert {name: (tmp_path / name).read_bytes() for name in FILES} == before


def test_without_a_config_validate_points_at_init(tmp_path: Path) -> None:
    assert run_cli("validate", cwd=tmp_path) == (
        2,
        "",
        f"error: experiments.yaml: the config file {tmp_path / 'experiments.yaml'} does not "
        "exist. Create a starter with 'scoregate init', or pass -c PATH.\n",
    )
