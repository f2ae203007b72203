"""Judges you can trust, through the CLI against the fake OpenAI server: reference scores on
items (expected_scores) and in a judge's calibration file, the judge's agreement with them in
every report and the run record, min_judge_agreement as a check, and a drop since the
baseline flagged."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from scipy.stats import spearmanr
from testing import fake_openai as fakes
from testing.fake_openai import Behaviour, FakeOpenAI
from testing.project import CliResult, run_cli, write_jsonl

fake_openai = fakes.fake_openai

JUDGE_MARK = "impartial evaluator"
COUNTRIES = ("France", "Spain", "Italy", "Germany", "Japan", "Peru")
JUDGE = {"France": 9, "Spain": 2, "Italy": 7, "Germany": 4, "Japan": 10, "Peru": 1}
"""What the fake judge says of an answer about each country (0-10)."""

CONFIG = """\
version: 1
defaults:
  output_dir: out
  openai: {{max_concurrent_calls: 4, timeout: 5, max_attempts: 1}}
experiments:
  - name: capitals
    dataset: data.jsonl
    task:
      openai:
        model: gpt-4o-mini
        prompt: "{{{{input.question}}}}"
    evaluators:
      - judge:
          model: judge-model
          prompt: "Question: {{{{input.question}}}} Answer: {{{{output}}}}"
{judge}
        name: correctness
{evaluator}
      - type: contains
        name: mentions
        value: "Capital"
    gate:
      correctness: {{min: 0.1{thresholds}}}
"""


def respond(body: dict[str, Any]) -> Behaviour | str:
    text = " ".join(fakes.message_text(m) for m in body.get("messages", []))
    if JUDGE_MARK not in text:
        return fakes.default_answer(body)
    country = next(c for c in COUNTRIES if c in text)
    return json.dumps({"score": JUDGE[country], "reasoning": "fine"})


def write(
    root: Path,
    references: Mapping[str, float | None],
    *,
    judge: str = "",
    evaluator: str = "",
    thresholds: str = ", min_judge_agreement: 0.7",
) -> None:
    rows = []
    for country, expected in references.items():
        row: dict[str, Any] = {
            "id": country.lower(),
            "input": {"question": f"Capital of {country}?"},
        }
        if expected is not None:
            row["expected_scores"] = {"correctness": expected}
        rows.append(row)
    write_jsonl(root / "data.jsonl", rows)
    config = CONFIG.format(judge=judge, evaluator=evaluator, thresholds=thresholds)
    (root / "experiments.yaml").write_text(config)


def run(root: Path, server: FakeOpenAI, *args: str) -> CliResult:
    return run_cli("run", "-c", "experiments.yaml", *args, cwd=root, env=server.env())


def header(root: Path) -> dict[str, Any]:
    (record,) = sorted((root / "out" / "runs" / "capitals").glob("*.json"))
    first: dict[str, Any] = json.loads(record.read_text())
    return first


AGREEING = {"France": 8, "Spain": 3, "Italy": 6, "Germany": 5, "Japan": 9}
"""Reference scores in the judge's order (MAE 1.0, rho 1)."""


@pytest.fixture
def server(fake_openai: FakeOpenAI) -> FakeOpenAI:
    fake_openai.set_responder(respond)
    return fake_openai


def test_the_judges_agreement_is_reported_recorded_and_gated(
    server: FakeOpenAI, tmp_path: Path
) -> None:
    write(tmp_path, {**AGREEING, "Peru": None})
    result = run(tmp_path, server)
    assert result.code == 0, result.stdout + result.stderr
    line = "  judge agreement correctness (judge-model): 5 reference scores: MAE 1.00"
    assert line in result.stdout
    report = (tmp_path / "out" / "report.md").read_text()
    assert "**Judge agreement** with the reference scores" in report
    assert (
        "| `correctness` `judge-model` | 5 | 1.00 [1.00, 1.00] | 1.00 [1.00, 1.00] | — |" in report
    )
    junit = (tmp_path / "out" / "junit.xml").read_text()
    assert 'name="correctness: min_judge_agreement"' in junit
    page = (tmp_path / "out" / "report.html").read_text()
    assert "<h3>Judge agreement with the reference scores</h3>" in page
    assert (
        '<tr><td>correctness (judge-model)</td><td class="num">5</td>'
        '<td class="num">1.00 [1.00, 1.00]</td><td class="num">1.00 [1.00, 1.00]</td>'
        '<td class="num">&#8212;</td></tr>'  # an ASCII page: a reference past ASCII
    ) in page
    found = header(tmp_path)
    recorded = found["gate"]["judge_agreement"]["correctness"]
    assert recorded["n"] == 5 and recorded["rho"]["value"] == 1.0
    assert recorded["fingerprint"]["model"] == "judge-model"
    assert recorded["fingerprint"]["prompt_sha256"]
    rows = found["metadata"]["reference_scores"]["correctness"]
    assert {r["id"]: (r["expected"], r["judged"]) for r in rows} == {
        c.lower(): (float(AGREEING[c]), float(JUDGE[c])) for c in AGREEING
    }
    check = next(c for c in found["gate"]["checks"] if c["kind"] == "min_judge_agreement")
    assert (check["status"], check["observed"], check["limit"]) == ("pass", 1.0, 0.7)


def test_a_judge_that_disagrees_fails_the_gate_with_its_figures(
    server: FakeOpenAI, tmp_path: Path
) -> None:
    references = {"France": 2, "Spain": 9, "Italy": 5, "Germany": 6, "Japan": 1, "Peru": 7}
    write(tmp_path, references)
    result = run(tmp_path, server)
    assert result.code == 1, result.stdout + result.stderr
    rho = spearmanr(list(references.values()), [JUDGE[c] for c in references]).statistic
    assert f"  FAIL correctness.min_judge_agreement: rho {rho:.2f} [" in result.stdout
    assert "is below the minimum 0.7 (over 6 reference scores: MAE" in result.stdout


def test_without_reference_scores_min_judge_agreement_is_not_run_and_fails(
    server: FakeOpenAI, tmp_path: Path
) -> None:
    write(tmp_path, dict.fromkeys(AGREEING))
    result = run(tmp_path, server)
    assert result.code == 1, result.stdout + result.stderr
    assert (
        "  FAIL correctness.min_judge_agreement: not run: no reference scores for the judge "
        "'correctness'" in result.stdout
    )
    assert "judge agreement" not in result.stdout.replace("min_judge_agreement", "")


def test_a_pass_fail_judge_is_gated_on_kappa_with_a_calibration_file(
    server: FakeOpenAI, tmp_path: Path
) -> None:
    def pass_fail(body: dict[str, Any]) -> Behaviour | str:
        text = " ".join(fakes.message_text(m) for m in body.get("messages", []))
        if JUDGE_MARK not in text:
            return fakes.default_answer(body)
        return json.dumps({"score": 0 if "Lisbon" in text else 1, "reasoning": "r"})

    server.set_responder(pass_fail)
    calibration = [
        {
            "id": "c1",
            "input": {"question": "Capital of Spain?"},
            "output": "Madrid",
            "expected_score": 1,
        },
        {
            "id": "c2",
            "input": {"question": "Capital of Spain?"},
            "output": "Lisbon",
            "expected_score": 0,
        },
        {
            "id": "c3",
            "input": {"question": "Capital of Peru?"},
            "output": "Lima",
            "expected_score": 1,
        },
        {
            "id": "c4",
            "input": {"question": "Capital of Peru?"},
            "output": "Cusco",
            "expected_score": 0,
        },
    ]
    write_jsonl(tmp_path / "calibration.jsonl", calibration)
    write(
        tmp_path,
        dict.fromkeys(AGREEING),
        judge="          scale: [0, 1]",
        evaluator="        calibration: calibration.jsonl",
        thresholds=", min_judge_agreement: 0.6",
    )
    result = run(tmp_path, server)
    assert result.code == 1, result.stdout + result.stderr
    # The judge passes Cusco: p_o = 3/4, p_e = .5*.75 + .5*.25 = 0.5, kappa = 0.5.
    assert "kappa 0.50" in result.stdout
    assert "  FAIL correctness.min_judge_agreement: kappa 0.50 [" in result.stdout
    rows = header(tmp_path)["metadata"]["reference_scores"]["correctness"]
    assert [(r["id"], r["judged"], r["source"]) for r in rows] == [
        ("c1", 1.0, "calibration"),
        ("c2", 0.0, "calibration"),
        ("c3", 1.0, "calibration"),
        ("c4", 1.0, "calibration"),
    ]
    judged = [r for r in server.chat_requests if JUDGE_MARK in json.dumps(r.body)]
    assert len(judged) == 5 + 4  # the items and the calibration rows, each scored once


def test_a_drop_in_agreement_since_the_baseline_is_flagged_beside_the_score(
    server: FakeOpenAI, tmp_path: Path
) -> None:
    write(tmp_path, AGREEING, thresholds="")
    assert run(tmp_path, server).code == 0
    (record,) = (tmp_path / "out" / "runs" / "capitals").glob("*.json")
    (tmp_path / "baselines").mkdir()
    shutil.copy(record, tmp_path / "baselines" / "capitals.json")
    write(tmp_path, {"France": 2, "Spain": 9, "Italy": 5, "Germany": 6, "Japan": 1}, thresholds="")
    result = run(tmp_path, server)
    assert result.code == 0, result.stdout + result.stderr  # a flag, not a check
    assert "  note correctness: judge agreement dropped: rho 1.00 → -" in result.stdout
    report = (tmp_path / "out" / "report.md").read_text()
    assert "<br>⚠️ judge agreement dropped: rho 1.00 → -" in report


@pytest.mark.parametrize(
    ("references", "message"),
    [
        (
            {"mentions": 1},
            "data.jsonl:1: item 'france': expected_scores['mentions']: 'mentions' is not a "
            "judge's score; reference scores are for judges (the judge scores are: correctness).",
        ),
        (
            {"corectness": 5},
            "data.jsonl:1: item 'france': expected_scores['corectness']: 'corectness' is not a "
            "judge's score (did you mean 'correctness'?)",
        ),
        (
            {"correctness": 11},
            "data.jsonl:1: item 'france': expected_scores['correctness']: 11.0 is outside the "
            "judge's scale [0.0, 10.0]; give it on that scale.",
        ),
        (
            {"correctness": "8"},
            "data.jsonl:1: expected_scores['correctness']: \"8\" is not a number",
        ),
    ],
)
def test_reference_scores_that_do_not_fit_are_exit_2_naming_the_item(
    server: FakeOpenAI, tmp_path: Path, references: dict[str, Any], message: str
) -> None:
    write(tmp_path, AGREEING)
    lines = (tmp_path / "data.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    first["expected_scores"] = references
    (tmp_path / "data.jsonl").write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    result = run(tmp_path, server)
    assert result.code == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert server.calls == 0  # found before anything ran


def test_min_judge_agreement_on_a_score_that_is_not_a_judges_is_exit_2(
    server: FakeOpenAI, tmp_path: Path
) -> None:
    write(tmp_path, AGREEING)
    config = tmp_path / "experiments.yaml"
    config.write_text(config.read_text() + "      mentions: {min_judge_agreement: 0.5}\n")
    result = run(tmp_path, server)
    assert result.code == 2, result.stdout + result.stderr
    assert (
        "gate.mentions.min_judge_agreement: the score 'mentions' is not a judge's" in result.stderr
    )


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [{"input": "q", "output": "a"}],
            "calibration.jsonl:1: no expected_score; a calibration row has",
        ),
        (
            [{"input": "q", "output": "a", "expected_score": 12}],
            "calibration.jsonl:1: expected_score 12 is not a number on the judge's scale [0.0, 10.0].",
        ),
        ([{"input": "q", "output": "a", "expected_score": 3, "score": 3}], "unknown field 'score'"),
    ],
)
def test_a_calibration_file_that_does_not_fit_is_exit_2_naming_the_line(
    server: FakeOpenAI, tmp_path: Path, rows: Sequence[dict[str, Any]], message: str
) -> None:
    write_jsonl(tmp_path / "calibration.jsonl", rows)
    write(tmp_path, AGREEING, evaluator="        calibration: calibration.jsonl")
    result = run(tmp_path, server)
    assert result.code == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert server.calls == 0


def test_validate_finds_a_reference_score_that_names_no_judge(
    server: FakeOpenAI, tmp_path: Path
) -> None:
    write(tmp_path, {**AGREEING, "Peru": None})
    lines = (tmp_path / "data.jsonl").read_text().splitlines()
    last = json.loads(lines[-1])
    last["expected_scores"] = {"mentions": 1}
    (tmp_path / "data.jsonl").write_text("\n".join([*lines[:-1], json.dumps(last)]) + "\n")
    result = run_cli("validate", "-c", "experiments.yaml", cwd=tmp_path, env=server.env())
    assert result.code == 2, result.stdout + result.stderr
    assert "data.jsonl:6: item 'peru': expected_scores['mentions']" in result.stderr
    assert server.calls == 0


def test_shards_merged_report_the_agreement_over_every_item(
    server: FakeOpenAI, tmp_path: Path
) -> None:
    write(tmp_path, AGREEING)
    for shard in ("1/2", "2/2"):
        assert run(tmp_path, server, "--shard", shard).code == 0
    records = sorted((tmp_path / "out" / "runs" / "capitals").glob("*.json"))
    assert len(records) == 2
    merged = run_cli(
        "merge", "-c", "experiments.yaml", *map(str, records), cwd=tmp_path, env=server.env()
    )
    assert merged.code == 0, merged.stdout + merged.stderr
    assert "judge agreement correctness (judge-model): 5 reference scores" in merged.stdout
