"""No secret leaves scoregate, even when a server echoes every request header back.

The fake OpenAI, Langfuse and GitHub servers each have a mode that puts the request's headers
(``Authorization`` too) in their answer, as a careless proxy or a debugging server would. The
real CLI runs against them; nothing it prints or writes (stdout, stderr, report.md, junit.xml,
the run record, the cache's bytes, the step summary) may hold a key, its base64
form, or the base64 ``public:secret`` pair of HTTP Basic authentication.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from testing import fake_github as github_fakes
from testing import fake_openai as openai_fakes
from testing.fake_github import FakeGitHub
from testing.fake_langfuse import FakeLangfuse, fake_langfuse
from testing.fake_openai import FakeOpenAI
from testing.project import CliResult, Project
from testing.project import run_cli as run_cli_in

__all__ = ["fake_langfuse"]
fake_github = github_fakes.fake_github


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _forms(keys: Iterable[str], pair: tuple[str, str] | None = None) -> list[str]:
    """What must not appear: each key, its base64 form, the Basic pair's."""
    found = []
    for key in keys:
        found += [key, _b64(key), _b64(f"Bearer {key}"), _b64(key).rstrip("=")]
    if pair is not None:
        found.append(_b64(f"{pair[0]}:{pair[1]}"))
    return found


def _assert_nowhere(forms: list[str], result: CliResult, folder: Path) -> list[Path]:
    """No form in the output, nor in any file under ``folder``; returns the files read."""
    for form in forms:
        assert form not in result.stdout, form
        assert form not in result.stderr, form
    files = [p for p in folder.rglob("*") if p.is_file()]
    for path in files:
        data = path.read_bytes()
        for form in forms:
            assert form.encode() not in data, (path, form)
    return files


def _is_judge(body: dict[str, Any]) -> bool:
    return any(
        "impartial evaluator" in openai_fakes.message_text(m) for m in body.get("messages", [])
    )


def test_model_server_echoing_the_key_leaks_it_nowhere(project: Project) -> None:
    key = f"sk-proj-{secrets.token_urlsafe(24)}"
    experiment = project.experiment(
        evaluators=[
            {"type": "contains", "name": "mentions", "value": "request headers"},
            {"judge": {"model": "gpt-4o-mini", "prompt": "Rate {{output}}"}, "name": "judged"},
        ],
        gate={"max_error_rate": 1.0, "mentions": {"min": 0.5}, "judged": {"min": 0.5}},
    )
    experiment["task"] = {
        "openai": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "{{input}}"}]}
    }
    project.write_config(experiment, defaults={"openai": {"max_attempts": 1, "timeout": 10}})

    with FakeOpenAI(api_key=key) as server:
        # Tasks get their headers back as the answer (it is cached and recorded); judges get
        # them back in a 400 error (the score's error).
        server.set_responder(
            lambda body: openai_fakes.echo_headers(400 if _is_judge(body) else 200)
        )
        result = project.run_cli("run", env=server.env())

    assert result.code == 1, result.stdout + result.stderr
    files = _assert_nowhere(_forms([key]), result, project.root)
    names = {p.name for p in files}
    assert {"report.md", "junit.xml", "cache.sqlite"} <= names
    (record_file,) = project.records()
    record = json.loads(record_file.read_text(encoding="utf-8").replace("\n", ""))
    sample = record["items"][0]["samples"][0]
    # The echo did reach the run record, scrubbed: the header is there, its value is not.
    echoed = json.loads(sample["output"].removeprefix("request headers: "))
    assert echoed["authorization"] == "***"
    judged = next(s for s in sample["scores"] if s["name"] == "judged")
    assert '"authorization": "***"' in judged["error"]
    assert "request headers:" in (project.output_dir / "report.md").read_text(encoding="utf-8")


def test_an_output_whose_repr_shows_a_key_leaks_it_nowhere(project: Project) -> None:
    """An output whose repr() raises with a key in its message (it once crashed the run
    record's write, into the crash log) is that sample's error (values/storable.py): the
    message is scrubbed in the terminal, the run record and the reports."""
    key = f"svc-{secrets.token_hex(16)}"
    project.write(
        f"{project.module}.py",
        '''\
        import os


        class Output:
            """A task output whose repr fails, naming a key."""

            def __repr__(self):
                raise RuntimeError("cannot show " + os.environ["SERVICE_API_KEY"])

            __str__ = __repr__


        def answer(*, item, **kwargs):
            return Output()
        ''',
    )
    result = project.run_cli("run", env={"SERVICE_API_KEY": key})

    assert result.code == 3, result.stdout + result.stderr  # every sample an error
    assert not (project.root / ".scoregate" / "crash.log").exists()
    (record_file,) = project.records()
    record = json.loads(record_file.read_text(encoding="utf-8").replace("\n", ""))
    sample = record["items"][0]["samples"][0]
    assert sample["output"] == "<Output object: repr() failed>"
    assert "whose repr() raised RuntimeError: cannot show ***" in sample["error"]
    assert "RuntimeError: cannot show ***" in result.stdout
    _assert_nowhere(_forms([key]), result, project.root)


def test_langfuse_echoing_the_basic_credential_leaks_no_key(
    fake_langfuse: FakeLangfuse, project: Project
) -> None:
    fake_langfuse.create_dataset("qa-golden", [{"input": "1+1", "expected_output": "2"}])
    experiment = project.experiment()
    experiment["dataset"] = {"langfuse": "qa-golden"}
    project.write_config(experiment)
    fake_langfuse.fail_next(10, 500, echo_headers=True)

    result = project.run_cli("run", env=fake_langfuse.client_env())

    assert result.code == 3, result.stdout + result.stderr
    assert result.stderr.startswith(
        f"error: Langfuse at {fake_langfuse.url}: checking the credentials failed: HTTP 500: "
        'Injected failure (500); request headers: {"accept": '
    )
    assert '"authorization": "***"' in result.stderr
    public, secret = fake_langfuse.public_key, fake_langfuse.secret_key
    _assert_nowhere(_forms([public, secret], (public, secret)), result, project.root)


def _comment(fake: FakeGitHub, tmp_path: Path) -> CliResult:
    env = {
        **fake.event_env(tmp_path),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
    }
    (tmp_path / "report.md").write_text("## scoregate: ✅ passed\n", encoding="utf-8")
    return run_cli_in("comment", "--markdown", "report.md", cwd=tmp_path, env=env)


def test_github_echoing_the_token_leaks_it_nowhere(fake_github: FakeGitHub, tmp_path: Path) -> None:
    forms = _forms([fake_github.token])

    fake_github.fail_next(401, method="GET", echo_headers=True)
    rejected = _comment(fake_github, tmp_path)
    assert rejected.code == 3
    assert rejected.stderr.startswith(
        "scoregate: GitHub rejected the credentials (HTTP 401: Server Error; request headers: {"
    )
    assert '"Authorization": "***"' in rejected.stderr
    _assert_nowhere(forms, rejected, tmp_path)

    fake_github.fail_next(500, method="POST", echo_headers=True)
    failed = _comment(fake_github, tmp_path)
    assert failed.code == 3
    assert failed.stderr.startswith(
        "scoregate: GitHub answered HTTP 500: Server Error; request headers: {"
    )
    _assert_nowhere(forms, failed, tmp_path)

    # A fork's read-only token: the reason goes to stdout, an annotation and the summary.
    fake_github.fail_next(403, method="POST", echo_headers=True)
    refused = _comment(fake_github, tmp_path)
    assert refused.code == 0, refused.stderr
    assert "::warning title=scoregate comment::HTTP 403: Server Error; request headers:" in (
        refused.stdout
    )
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "request headers:" in summary
    _assert_nowhere(forms, refused, tmp_path)
