"""A local GitHub REST server for the issue-comment endpoints a sticky PR comment uses.

It speaks, on 127.0.0.1 (port 0):

- ``GET/POST  {prefix}/repos/{owner}/{repo}/issues/{n}/comments`` (``per_page``/``page`` paging
  with a ``Link`` header, like GitHub)
- ``GET/PATCH/DELETE {prefix}/repos/{owner}/{repo}/issues/comments/{id}``

``prefix`` is ``""`` (api.github.com) or ``"/api/v3"`` (GitHub Enterprise Server). Every request
it receives and every response it sends is validated against GitHub's own OpenAPI description
in ``testing/specs/github-issue-comments.openapi.json`` (``openapi-core``; its source is in
``testing/specs/README.md``); a mismatch answers
500 and is recorded in ``errors``, and the ``fake_github`` fixture fails the test at teardown
when ``errors`` is not empty. Requests must carry ``Authorization: Bearer|token <token>``.

``forbid_writes = True`` answers 403 "Resource not accessible by integration" to POST, PATCH
and DELETE, as GitHub does for the read-only token of a fork's pull request.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator

SPEC_PATH = Path(__file__).resolve().parent / "specs" / "github-issue-comments.openapi.json"
# The spec's only server; requests are validated as if they had been sent there.
SPEC_HOST = "https://api.github.com"
DEFAULT_TOKEN = "ghs_fakeTOKEN0123456789abcdefSECRET"
DEFAULT_REPOSITORY = "octo-org/octo-repo"
BOT_LOGIN = "github-actions[bot]"
# GitHub documents 401/403/404 for every endpoint in its prose, not per operation in the spec;
# such answers are checked against the spec's "Basic Error" schema instead.
GENERIC_ERROR_STATUSES = (401, 403, 404)


@cache
def _spec() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as spec_file:
        spec: dict[str, Any] = json.load(spec_file)
    return spec


@cache
def _openapi() -> OpenAPI:
    return OpenAPI.from_dict(_spec())


@cache
def _basic_error_validator() -> OAS30Validator:
    list_op = _spec()["paths"]["/repos/{owner}/{repo}/issues/{issue_number}/comments"]["get"]
    schema = list_op["responses"]["404"]["content"]["application/json"]["schema"]
    return OAS30Validator(schema)


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received; ``authorization`` is the scheme only, never the token."""

    method: str
    path: str
    query: Mapping[str, str]
    body: Any
    authorization: str
    status: int


@dataclass(frozen=True)
class _Answer:
    status: int
    payload: Any = None
    headers: Mapping[str, str] | None = None
    validate: bool = True


class FakeGitHub:
    """The server and its state: a context manager, or the ``fake_github`` fixture."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        repository: str = DEFAULT_REPOSITORY,
        prefix: str = "",
    ) -> None:
        self.token = token
        self.repository = repository
        self.prefix = prefix.rstrip("/")
        self.forbid_writes = False
        self.requests: list[RecordedRequest] = []
        self.errors: list[str] = []
        self._comments: dict[int, dict[str, Any]] = {}
        self._issue_of: dict[int, int] = {}
        self._next_id = 1000
        self._faults: list[tuple[int, str | None, bool]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        """What ``GITHUB_API_URL`` is set to on a runner talking to this server."""
        return self.base_url + self.prefix

    # --- state for tests ---------------------------------------------------------------------

    def add_comment(self, issue_number: int, body: str, *, login: str = "octocat") -> int:
        """Seed a comment, e.g. other people's comments before ours."""
        with self._lock:
            return self._create(issue_number, body, login)["id"]  # type: ignore[no-any-return]

    def comments_on(self, issue_number: int) -> list[dict[str, Any]]:
        with self._lock:
            return [
                dict(c)
                for cid, c in sorted(self._comments.items())
                if self._issue_of[cid] == issue_number
            ]

    def fail_next(
        self, status: int, times: int = 1, *, method: str | None = None, echo_headers: bool = False
    ) -> None:
        """Answer the next ``times`` requests (of ``method``, if given) with ``status``;
        ``echo_headers`` puts every request header (Authorization too) in the message, as a
        careless proxy would.

        Deliberate faults are not validated against the OpenAPI description.
        """
        with self._lock:
            self._faults.extend([(status, method, echo_headers)] * times)

    def event_env(
        self,
        directory: Path,
        *,
        pr_number: int | None = 7,
        event_name: str = "pull_request",
        payload: Mapping[str, Any] | None = None,
    ) -> dict[str, str]:
        """The variables a runner sets, with an event payload written under ``directory``."""
        if payload is None:
            if pr_number is None:
                payload = {"ref": "refs/heads/main", "repository": {"full_name": self.repository}}
            else:
                payload = {
                    "action": "synchronize",
                    "number": pr_number,
                    "pull_request": {"number": pr_number, "head": {"ref": "feature"}},
                    "repository": {"full_name": self.repository},
                }
        event_path = directory / f"event-{event_name}.json"
        event_path.write_text(json.dumps(payload), encoding="utf-8")
        return {
            "GITHUB_ACTIONS": "true",
            "GITHUB_API_URL": self.api_url,
            "GITHUB_REPOSITORY": self.repository,
            "GITHUB_TOKEN": self.token,
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_WORKFLOW": "scoregate",
            "GITHUB_JOB": "gate",
        }

    # --- the API -----------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        # URLs GitHub would hand out, but on this server so a client can follow them.
        return f"{self.api_url}{path}"

    def _create(self, issue_number: int, body: str, login: str) -> dict[str, Any]:
        self._next_id += 1
        comment_id = self._next_id
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        repo_path = f"/repos/{self.repository}"
        comment: dict[str, Any] = {
            "id": comment_id,
            "node_id": f"IC_kwDO{comment_id}",
            "url": self._url(f"{repo_path}/issues/comments/{comment_id}"),
            "html_url": f"https://github.com/{self.repository}/pull/{issue_number}"
            f"#issuecomment-{comment_id}",
            "issue_url": self._url(f"{repo_path}/issues/{issue_number}"),
            "body": body,
            "user": _user(login),
            "created_at": now,
            "updated_at": now,
            "author_association": "NONE" if login == BOT_LOGIN else "MEMBER",
            "performed_via_github_app": None,
        }
        self._comments[comment_id] = comment
        self._issue_of[comment_id] = issue_number
        return comment

    def handle(
        self, method: str, raw_path: str, headers: Mapping[str, str], raw_body: bytes
    ) -> _Answer:
        split = urllib.parse.urlsplit(raw_path)
        query = dict(urllib.parse.parse_qsl(split.query))
        path = split.path
        with self._lock:
            for index, (status, only, echo) in enumerate(self._faults):
                if only in (None, method):
                    del self._faults[index]
                    message = "Server Error"
                    if echo:
                        message += f"; request headers: {json.dumps(dict(headers), sort_keys=True)}"
                    return _Answer(status, {"message": message}, validate=False)
        auth = headers.get("Authorization", "")
        scheme, _, credential = auth.partition(" ")
        if scheme.lower() not in ("bearer", "token") or credential != self.token:
            return _Answer(401, _error("Bad credentials", 401))
        if not path.startswith(self.prefix + "/repos/"):
            return _Answer(404, _error("Not Found", 404))
        parts = path[len(self.prefix) :].strip("/").split("/")
        # repos/{owner}/{repo}/issues/...
        if len(parts) < 5 or f"{parts[1]}/{parts[2]}".lower() != self.repository.lower():
            return _Answer(404, _error("Not Found", 404))
        body = json.loads(raw_body) if raw_body else None
        with self._lock:
            if parts[3:5] == ["issues", "comments"] and len(parts) == 6:
                return self._one_comment(method, int(parts[5]), body)
            if parts[3] == "issues" and len(parts) == 6 and parts[5] == "comments":
                return self._issue_comments(method, int(parts[4]), query, body, path)
        return _Answer(404, _error("Not Found", 404))

    def _issue_comments(
        self, method: str, number: int, query: Mapping[str, str], body: Any, path: str
    ) -> _Answer:
        if method == "POST":
            if self.forbid_writes:
                return _Answer(403, _error("Resource not accessible by integration", 403))
            problem = _body_problem(body)
            if problem:
                return problem
            comment = self._create(number, body["body"], BOT_LOGIN)
            return _Answer(201, comment, {"Location": comment["url"]})
        per_page = min(int(query.get("per_page", 30)), 100)
        page = max(int(query.get("page", 1)), 1)
        ours = [c for cid, c in sorted(self._comments.items()) if self._issue_of[cid] == number]
        last = max((len(ours) + per_page - 1) // per_page, 1)
        links = []

        def link(to: int, rel: str) -> str:
            target = self._url(path[len(self.prefix) :])
            return f'<{target}?per_page={per_page}&page={to}>; rel="{rel}"'

        if page > 1:
            links += [link(page - 1, "prev"), link(1, "first")]
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        headers = {"Link": ", ".join(links)} if links else {}
        return _Answer(200, ours[(page - 1) * per_page : page * per_page], headers)

    def _one_comment(self, method: str, comment_id: int, body: Any) -> _Answer:
        comment = self._comments.get(comment_id)
        if comment is None:
            return _Answer(404, _error("Not Found", 404))
        if method == "GET":
            return _Answer(200, comment)
        if self.forbid_writes:
            return _Answer(403, _error("Resource not accessible by integration", 403))
        if method == "DELETE":
            del self._comments[comment_id]
            return _Answer(204)
        problem = _body_problem(body)
        if problem:
            return problem
        comment["body"] = body["body"]
        comment["updated_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return _Answer(200, comment)


def _user(login: str) -> dict[str, Any]:
    api = f"https://api.github.com/users/{urllib.parse.quote(login)}"
    return {
        "login": login,
        "id": 41898282 if login == BOT_LOGIN else 583231,
        "node_id": "MDM6Qm90NDE4OTgyODI=",
        "avatar_url": "https://avatars.githubusercontent.com/in/15368?v=4",
        "gravatar_id": "",
        "url": api,
        "html_url": f"https://github.com/{urllib.parse.quote(login)}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": "Bot" if login == BOT_LOGIN else "User",
        "site_admin": False,
    }


def _error(message: str, status: int) -> dict[str, str]:
    return {
        "message": message,
        "documentation_url": "https://docs.github.com/rest/issues/comments",
        "status": str(status),
    }


def _body_problem(body: Any) -> _Answer | None:
    if isinstance(body, dict) and isinstance(body.get("body"), str) and len(body["body"]) > 65536:
        return _Answer(
            422,
            {
                "message": "Validation Failed",
                "documentation_url": "https://docs.github.com/rest/issues/comments",
                "errors": [
                    {
                        "resource": "IssueComment",
                        "code": "custom",
                        "field": "body",
                        "message": "body is too long (maximum is 65536 characters)",
                    }
                ],
            },
        )
    return None


def _validate(
    fake: FakeGitHub,
    *,
    method: str,
    raw_path: str,
    headers: Mapping[str, str],
    raw_body: bytes,
    answer: _Answer | None,
    body_out: bytes,
) -> str | None:
    """Check the request (``answer`` None) or the response against the OpenAPI description."""
    split = urllib.parse.urlsplit(raw_path)
    path = split.path
    if fake.prefix:
        if not path.startswith(fake.prefix + "/"):
            return f"{method} {path}: not under the API prefix {fake.prefix}"
        path = path[len(fake.prefix) :]
    request = MockRequest(
        SPEC_HOST,
        method,
        path,
        args=dict(urllib.parse.parse_qsl(split.query)),
        headers=dict(headers),
        data=raw_body or None,
        content_type=headers.get("Content-Type", "application/json").split(";")[0],
    )
    try:
        if answer is None:
            _openapi().validate_request(request)
            return None
        if not answer.validate:
            return None
        documented = _documented_statuses(method, path)
        if answer.status not in documented and answer.status in GENERIC_ERROR_STATUSES:
            errors = list(_basic_error_validator().iter_errors(answer.payload))
            return f"{method} {path} -> {answer.status}: {errors[0].message}" if errors else None
        response = MockResponse(
            body_out,
            status_code=answer.status,
            headers=dict(answer.headers or {}),
            content_type="application/json" if body_out else "",
        )
        _openapi().validate_response(request, response)
    except Exception as error:  # every openapi-core failure is a finding, whatever its class
        detail = _explain(error)
        kind = "request" if answer is None else f"response {answer.status}"
        return f"{method} {path}: {kind} does not match the OpenAPI description: {error!r} {detail}"
    return None


def _explain(error: BaseException) -> str:
    """The schema errors under an openapi-core exception, which hides them in its causes."""
    found: list[str] = []
    seen: BaseException | None = error
    while seen is not None and len(found) < 5:
        found.extend(
            f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in getattr(seen, "schema_errors", ()) or ()
        )
        seen = seen.__cause__ or seen.__context__
    return "; ".join(found) or str(error)


def _documented_statuses(method: str, path: str) -> set[int]:
    for template, operations in _spec()["paths"].items():
        pattern = template.split("/")
        actual = path.rstrip("/").split("/")
        if len(pattern) == len(actual) and all(
            p.startswith("{") or p == a for p, a in zip(pattern, actual, strict=True)
        ):
            operation = operations.get(method.lower(), {})
            return {int(code) for code in operation.get("responses", {}) if code.isdigit()}
    return set()


def _json_or_text(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw.strip() else None
    except ValueError:
        return raw.decode(errors="replace")


def _handler_for(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: tests read fake.requests instead

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw_body = self.rfile.read(length) if length else b""
            headers = dict(self.headers.items())
            method = self.command
            problem = _validate(
                fake,
                method=method,
                raw_path=self.path,
                headers=headers,
                raw_body=raw_body,
                answer=None,
                body_out=b"",
            )
            if problem:
                answer = _Answer(500, {"message": problem}, validate=False)
            else:
                try:
                    answer = fake.handle(method, self.path, headers, raw_body)
                except Exception as error:  # a bug in the fake must fail the test, loudly
                    problem = f"{method} {self.path}: the fake crashed: {error!r}"
                    answer = _Answer(500, {"message": problem}, validate=False)
            body_out = b"" if answer.payload is None else json.dumps(answer.payload).encode()
            if problem is None:
                problem = _validate(
                    fake,
                    method=method,
                    raw_path=self.path,
                    headers=headers,
                    raw_body=raw_body,
                    answer=answer,
                    body_out=body_out,
                )
                if problem:
                    answer = _Answer(500, {"message": problem}, validate=False)
                    body_out = json.dumps(answer.payload).encode()
            scheme = headers.get("Authorization", "").partition(" ")[0]
            with fake._lock:
                if problem:
                    fake.errors.append(problem)
                fake.requests.append(
                    RecordedRequest(
                        method=method,
                        path=urllib.parse.urlsplit(self.path).path,
                        query=dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query)),
                        body=_json_or_text(raw_body),
                        authorization=scheme,
                        status=answer.status,
                    )
                )
            self.send_response(answer.status)
            for name, value in (answer.headers or {}).items():
                self.send_header(name, value)
            if body_out:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body_out)))
            self.end_headers()
            self.wfile.write(body_out)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

    return Handler


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    """A running FakeGitHub; the test fails at teardown if any traffic broke the OpenAPI spec."""
    with FakeGitHub() as fake:
        yield fake
        assert not fake.errors, "GitHub traffic did not match the OpenAPI description:\n" + (
            "\n".join(fake.errors)
        )
