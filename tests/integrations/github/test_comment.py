"""The sticky comment's REST client against the fake GitHub server."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from testing import fake_github as fakes
from testing.fake_github import FakeGitHub

from scoregate.integrations.github.comment import (
    GitHubError,
    post_sticky_comment,
    pull_request_number,
)
from scoregate.values.errors import ConfigError

fake_github = fakes.fake_github


# --- the event -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_name", "payload", "expected"),
    [
        ("pull_request", {"pull_request": {"number": 12}}, 12),
        ("pull_request_target", {"number": 13, "pull_request": {"number": 13}}, 13),
        ("issue_comment", {"issue": {"number": 14, "pull_request": {"url": "u"}}}, 14),
        ("issue_comment", {"issue": {"number": 15}}, None),
        ("push", {"ref": "refs/heads/main"}, None),
    ],
)
def test_pull_request_number_from_the_event(
    tmp_path: Path, event_name: str, payload: dict[str, Any], expected: int | None
) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    number, reason = pull_request_number(
        {"GITHUB_EVENT_PATH": str(path), "GITHUB_EVENT_NAME": event_name}
    )
    assert number == expected
    assert (reason == "") == (expected is not None)


# --- post_sticky_comment against the fake ----------------------------------------------------


def test_posts_then_updates_one_comment(fake_github: FakeGitHub, tmp_path: Path) -> None:
    env = fake_github.event_env(tmp_path, pr_number=7)
    first = post_sticky_comment(body="run 1", marker="k", env=env)
    second = post_sticky_comment(body="run 2", marker="k", env=env)
    assert (first.status, second.status) == ("posted", "updated")
    assert first.comment_id == second.comment_id
    [comment] = fake_github.comments_on(7)
    assert comment["body"] == "<!-- scoregate:k -->\nrun 2"
    assert {r.authorization for r in fake_github.requests} == {"Bearer"}


def test_skips_a_push_event_without_calling_github(fake_github: FakeGitHub, tmp_path: Path) -> None:
    env = fake_github.event_env(tmp_path, pr_number=None, event_name="push")
    outcome = post_sticky_comment(body="x", marker="k", env=env)
    assert outcome.status == "skipped"
    assert outcome.reason == "the push event is not about a pull request"
    assert fake_github.requests == []


def test_issue_comment_event_on_a_pull_request(fake_github: FakeGitHub, tmp_path: Path) -> None:
    payload = {"issue": {"number": 9, "pull_request": {"url": "x"}}, "comment": {"id": 1}}
    env = fake_github.event_env(tmp_path, event_name="issue_comment", payload=payload)
    assert post_sticky_comment(body="x", marker="k", env=env).status == "posted"
    assert len(fake_github.comments_on(9)) == 1


def test_enterprise_api_url_with_a_path_prefix(tmp_path: Path) -> None:
    with FakeGitHub(prefix="/api/v3") as enterprise:
        env = enterprise.event_env(tmp_path, pr_number=3)
        assert env["GITHUB_API_URL"].endswith("/api/v3")
        outcome = post_sticky_comment(body="x", marker="k", env=env)
        assert outcome.status == "posted"
        assert [r.path for r in enterprise.requests] == [
            "/api/v3/repos/octo-org/octo-repo/issues/3/comments"
        ] * 2
        assert enterprise.errors == []


def test_a_missing_token_is_a_configuration_error(fake_github: FakeGitHub, tmp_path: Path) -> None:
    env = fake_github.event_env(tmp_path)
    del env["GITHUB_TOKEN"]
    with pytest.raises(ConfigError, match=r"GITHUB_TOKEN is not set"):
        post_sticky_comment(body="x", marker="k", env=env)


def test_server_errors_are_retried_then_raised(fake_github: FakeGitHub, tmp_path: Path) -> None:
    env = fake_github.event_env(tmp_path)
    fake_github.fail_next(502)
    assert post_sticky_comment(body="x", marker="k", env=env, retry_delays=(0,)).status == "posted"
    fake_github.fail_next(503, times=2)
    with pytest.raises(GitHubError, match=r"GitHub answered HTTP 503: Server Error"):
        post_sticky_comment(body="x", marker="k", env=env, retry_delays=(0,))


def test_an_unreachable_github_raises(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with FakeGitHub() as fake:
        env = fake.event_env(tmp_path)
    env["GITHUB_API_URL"] = f"http://127.0.0.1:{port}"
    with pytest.raises(GitHubError, match=r"could not be reached at http://127\.0\.0\.1"):
        post_sticky_comment(body="x", marker="k", env=env, retry_delays=())
