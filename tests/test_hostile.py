"""Hostile configs and datasets through the real CLI: exit 2 and one short, exact message.

The cases (an alias bomb, a 5 MB value, 5,000 levels of nesting, ...) are in
``testing/hostile.py``; ``bench/hostile.py`` times them. No test here measures time: a hang
would show as the subprocess's timeout.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from testing.hostile import CASES, Case, without_libyaml
from testing.project import Project, run_cli

from scoregate.config import yamlcompose

TIMEOUT = 30


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_hostile_input_is_refused_with_one_short_message(
    case: Case, command: str, project: Project
) -> None:
    expected = case.write(project, yamlcompose.LIBYAML)
    code, out, err = run_cli(command, cwd=project.root, timeout=TIMEOUT)
    assert (code, out, err) == (2, "", f"error: {expected}\n")
    assert len(err) < 500
    assert not project.output_dir.exists()


@pytest.fixture(scope="module")
def pure_python_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = without_libyaml(tmp_path_factory.mktemp("site"))
    probe = subprocess.run(
        [sys.executable, "-c", "import yaml; print(yaml.__with_libyaml__)"],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=TIMEOUT,
    )
    assert probe.stdout == "False\n"
    return env


@pytest.mark.parametrize("case", [c for c in CASES if c.yaml], ids=lambda case: case.name)
def test_without_libyaml_the_same_limits_hold(
    case: Case, project: Project, pure_python_env: dict[str, str]
) -> None:
    expected = case.write(project, False)
    code, out, err = run_cli("validate", cwd=project.root, env=pure_python_env, timeout=TIMEOUT)
    assert (code, out, err) == (2, "", f"error: {expected}\n")


def test_a_config_wrong_everywhere_lists_the_first_100_problems(project: Project) -> None:
    project.config.write_text("version: 1\nexperiments:\n" + "- oops\n" * 1_000, encoding="utf-8")
    code, out, err = run_cli("validate", cwd=project.root, timeout=TIMEOUT)
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        *(
            f"error: experiments.yaml:{n + 3}:3: experiments[{n}]: expected a mapping, got a "
            'string "oops"'
            for n in range(100)
        ),
        "error: experiments.yaml: scoregate lists the first 100 problems; fix them and run "
        "again to see the rest.",
    ]


def test_a_dataset_wrong_everywhere_lists_the_first_100_problems(project: Project) -> None:
    project.write("bad.jsonl", '{"text": 1}\n' * 1_000)
    project.write_config(project.experiment(dataset="bad.jsonl"))
    code, _, err = run_cli("validate", cwd=project.root, timeout=TIMEOUT)
    assert code == 2
    hint = "; an item has id, input, expected_output, metadata, expected_scores."
    assert err.splitlines() == [
        *(
            line
            for n in range(1, 51)
            for line in (
                f"error: [qa] bad.jsonl:{n}: unknown field 'text'{hint}",
                f"error: [qa] bad.jsonl:{n}: the item has no 'input'.",
            )
        ),
        "error: [qa] bad.jsonl: scoregate lists the first 100 problems; fix them and run again "
        "to see the rest.",
    ]
