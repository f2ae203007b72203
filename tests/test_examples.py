"""Every example config runs through the real CLI, and all of its outputs tell one verdict.

Each example runs as in a GitHub Actions job (step outputs, annotations, job summary), in a
copy of the repository's examples, with its services played by the local fakes in testing/.
``run_cli`` asserts that the JUnit cases, report.md, the terminal, the step outputs, the
annotations and the exit code agree (testing/agreement.py); here each example also says what
its verdict is.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from testing import fake_openai as fakes
from testing.agreement import Tally, read_step_outputs, terminal_tally
from testing.fake_langfuse import FakeLangfuse, fake_langfuse
from testing.project import run_cli

__all__ = ["fake_langfuse", "fake_openai"]

fake_openai = fakes.fake_openai
ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted(
    str(path.relative_to(ROOT))
    for path in [ROOT / "experiments.yaml", *ROOT.glob("examples/*/experiments.yaml")]
)


def _openai(request: pytest.FixtureRequest, workspace: Path) -> dict[str, str]:
    """The example's prompt task answers right; its judge gives 9 of 10."""
    server: fakes.FakeOpenAI = request.getfixturevalue("fake_openai")
    rows = (workspace / "examples/openai/dataset.jsonl").read_text(encoding="utf-8")
    answers = {
        row["input"]["question"]: row["expected_output"]
        for row in map(json.loads, rows.splitlines())
    }

    def respond(body: dict[str, Any]) -> str:
        question = fakes.last_user_text(body)
        if question in answers:
            return f"It is {answers[question]}."
        return json.dumps({"score": 9, "reasoning": "Matches the reference."})

    server.set_responder(respond)
    return server.env()


def _langfuse(request: pytest.FixtureRequest, workspace: Path) -> dict[str, str]:
    """The example's dataset, qa-golden, in the fake Langfuse."""
    server: FakeLangfuse = request.getfixturevalue("fake_langfuse")
    items = [
        {"id": f"q{n}", "input": {"question": f"{n}+{n}"}, "expected_output": str(2 * n)}
        for n in range(10)
    ]
    server.create_dataset("qa-golden", items)
    return server.client_env()


SERVICES: dict[str, Callable[[pytest.FixtureRequest, Path], dict[str, str]]] = {
    "examples/openai/experiments.yaml": _openai,
    "examples/langfuse/experiments.yaml": _langfuse,
}
"""The examples that need a service, and how the test provides it."""

EXPECTED: dict[str, tuple[int, int] | None] = {
    "experiments.yaml": (0, 0),
    "examples/regression/experiments.yaml": (1, 2),
    "examples/noise/experiments.yaml": (0, 0),
}
"""(exit code, failed checks) of the examples whose verdict the README promises."""


def test_every_example_is_run_here() -> None:
    assert set(CONFIGS) >= set(EXPECTED) | set(SERVICES)
    assert len(CONFIGS) == 5, CONFIGS


@pytest.mark.parametrize("config", CONFIGS)
def test_an_example_tells_one_verdict_everywhere(
    config: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(ROOT / "examples", workspace / "examples")
    shutil.copy(ROOT / "experiments.yaml", workspace)
    runner = tmp_path / "runner"
    runner.mkdir()
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(runner / "output"),
        "GITHUB_STEP_SUMMARY": str(runner / "summary.md"),
    }
    if config in SERVICES:
        env |= SERVICES[config](request, workspace)
    out = tmp_path / "out"
    result = run_cli("run", "-c", config, "--output-dir", out, cwd=workspace, env=env)
    assert result.code in (0, 1), result.stdout + result.stderr
    tally = terminal_tally(result.stdout)
    assert tally.checks > 0
    outputs = read_step_outputs(runner / "output")
    assert outputs["failed"] == str(tally.failed)
    assert outputs["checks"] == str(tally.checks)
    if (expected := EXPECTED.get(config)) is not None:
        assert (result.code, tally.failed) == expected, result.stdout


def test_the_regression_example_fails_two_checks_in_every_output(tmp_path: Path) -> None:
    """The measured bug: JUnit had 7 failed cases where the terminal said 2 of 6 checks."""
    workspace = tmp_path / "workspace"
    shutil.copytree(ROOT / "examples", workspace / "examples")
    result = run_cli(
        "run", "-c", "examples/regression/experiments.yaml", "--output-dir", "out", cwd=workspace
    )
    assert result.code == 1
    assert terminal_tally(result.stdout) == Tally(checks=6, passed=4, failed=2, warned=0, not_run=0)
    assert "FAILED: 2 of 6 checks failed, 4 passed." in result.stdout.splitlines()
    junit = (workspace / "out" / "junit.xml").read_text(encoding="utf-8")
    assert '<testsuites errors="0" failures="2" tests="6"' in junit
