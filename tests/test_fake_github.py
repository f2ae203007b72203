"""The fake GitHub server itself: paging, auth, 403 for forks, and OpenAPI validation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from testing import fake_github as fakes
from testing.fake_github import FakeGitHub

fake_github = fakes.fake_github

REPO_ROOT = Path(__file__).resolve().parents[1]
COMMENTS = "/repos/octo-org/octo-repo/issues/{n}/comments"


def call(
    fake: FakeGitHub,
    method: str,
    path: str,
    body: Any = None,
    *,
    auth: str | None = None,
) -> tuple[int, dict[str, str], Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        fake.api_url + path,
        data=data,
        method=method,
        headers={
            "Authorization": auth if auth is not None else f"Bearer {fake.token}",
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, dict(response.headers.items()), json.loads(raw or b"null")
    except urllib.error.HTTPError as error:
        with error:
            raw = error.read()
            return error.code, dict(error.headers.items()), json.loads(raw or b"null")


def test_pages_follow_githubs_link_header(fake_github: FakeGitHub) -> None:
    for i in range(5):
        fake_github.add_comment(1, f"c{i}")
    status, headers, page1 = call(fake_github, "GET", COMMENTS.format(n=1) + "?per_page=2")
    assert status == 200
    assert [c["body"] for c in page1] == ["c0", "c1"]
    base = fake_github.api_url + COMMENTS.format(n=1)
    assert headers["Link"] == (
        f'<{base}?per_page=2&page=2>; rel="next", <{base}?per_page=2&page=3>; rel="last"'
    )
    _, headers, page3 = call(fake_github, "GET", COMMENTS.format(n=1) + "?per_page=2&page=3")
    assert [c["body"] for c in page3] == ["c4"]
    assert 'rel="next"' not in headers["Link"]
    assert f'<{base}?per_page=2&page=2>; rel="prev"' in headers["Link"]


def test_create_get_update_delete(fake_github: FakeGitHub) -> None:
    status, headers, created = call(fake_github, "POST", COMMENTS.format(n=2), {"body": "hi"})
    assert status == 201
    assert headers["Location"] == created["url"]
    assert created["user"]["login"] == "github-actions[bot]"
    one = f"/repos/octo-org/octo-repo/issues/comments/{created['id']}"
    status, _, updated = call(fake_github, "PATCH", one, {"body": "bye"}, auth=None)
    assert (status, updated["body"]) == (200, "bye")
    assert call(fake_github, "GET", one)[2]["body"] == "bye"
    assert call(fake_github, "DELETE", one)[0] == 204
    assert call(fake_github, "GET", one)[0] == 404
    assert fake_github.comments_on(2) == []


@pytest.mark.parametrize("scheme", ["Bearer", "token"])
def test_both_authorization_schemes_are_accepted(fake_github: FakeGitHub, scheme: str) -> None:
    status, _, _ = call(
        fake_github, "GET", COMMENTS.format(n=1), auth=f"{scheme} {fake_github.token}"
    )
    assert status == 200


@pytest.mark.parametrize("auth", ["", "Bearer wrong", "Basic abc"])
def test_bad_credentials_answer_401(fake_github: FakeGitHub, auth: str) -> None:
    status, _, payload = call(fake_github, "GET", COMMENTS.format(n=1), auth=auth)
    assert (status, payload["message"]) == (401, "Bad credentials")


def test_forbidden_writes_answer_403_like_a_fork(fake_github: FakeGitHub) -> None:
    fake_github.forbid_writes = True
    status, _, payload = call(fake_github, "POST", COMMENTS.format(n=3), {"body": "x"})
    assert (status, payload["message"]) == (403, "Resource not accessible by integration")
    assert call(fake_github, "GET", COMMENTS.format(n=3))[0] == 200  # reading still works


def test_an_invalid_request_answers_500_and_is_recorded(fake_github: FakeGitHub) -> None:
    status, _, payload = call(fake_github, "POST", COMMENTS.format(n=3), {"text": "x"})
    assert status == 500
    assert fake_github.errors == [payload["message"]]
    assert "request does not match the OpenAPI description" in payload["message"]
    assert "'body' is a required property" in payload["message"]
    fake_github.errors.clear()  # deliberate: the fixture would fail this test otherwise


def test_an_unknown_path_answers_500_and_is_recorded(fake_github: FakeGitHub) -> None:
    status, _, _ = call(fake_github, "GET", "/repos/octo-org/octo-repo/pulls/3/reviews")
    assert status == 500
    assert len(fake_github.errors) == 1
    fake_github.errors.clear()


class _MissingNodeId(FakeGitHub):
    """A server bug on purpose: comments without the required ``node_id``."""

    def _create(self, issue_number: int, body: str, login: str) -> dict[str, Any]:
        comment = super()._create(issue_number, body, login)
        del comment["node_id"]
        return comment


def test_an_invalid_response_answers_500_and_is_recorded() -> None:
    with _MissingNodeId() as broken:
        status, _, payload = call(broken, "POST", COMMENTS.format(n=1), {"body": "x"})
    assert status == 500
    assert broken.errors == [payload["message"]]
    assert "response 201 does not match" in payload["message"]
    assert "'node_id' is a required property" in payload["message"]


def test_the_fixture_fails_a_test_whose_traffic_broke_the_spec(tmp_path: Path) -> None:
    (tmp_path / "test_broken_client.py").write_text(
        textwrap.dedent(
            """
            import json, urllib.error, urllib.request
            from testing import fake_github as fakes

            fake_github = fakes.fake_github

            def test_bad(fake_github):
                request = urllib.request.Request(
                    fake_github.api_url + "/repos/octo-org/octo-repo/issues/1/comments",
                    data=json.dumps({"body": 1}).encode(), method="POST",
                    headers={
                        "Authorization": "token " + fake_github.token,
                        "Content-Type": "application/json",
                    },
                )
                try:
                    urllib.request.urlopen(request, timeout=10).close()
                except urllib.error.HTTPError as error:
                    error.close()
            """
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout
    assert "1 passed, 1 error" in result.stdout
    assert "GitHub traffic did not match the OpenAPI description" in result.stdout
    assert "body: 1 is not of type 'string'" in result.stdout


def test_failures_can_be_injected(fake_github: FakeGitHub) -> None:
    fake_github.fail_next(502, times=2)
    assert call(fake_github, "GET", COMMENTS.format(n=1))[0] == 502
    assert call(fake_github, "GET", COMMENTS.format(n=1))[0] == 502
    assert call(fake_github, "GET", COMMENTS.format(n=1))[0] == 200
    assert [r.status for r in fake_github.requests] == [502, 502, 200]
