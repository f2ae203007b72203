"""The sticky pull-request comment through GitHub's REST API: find the pull request, create or
update the one comment that carries the marker (the body is formatted in ``report/github.py``).

The token only ever goes into the ``Authorization`` header; it is never printed, logged or put
in an error message.
"""

from __future__ import annotations

import json
import re
import sys
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TextIO

from scoregate import __version__
from scoregate.report.safe import visible
from scoregate.values import scrub
from scoregate.values.errors import ConfigError, RunError

if TYPE_CHECKING:
    pass

from scoregate.report.github import fit_comment_body, marker_comment

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
PER_PAGE = 100

OutcomeStatus = Literal["posted", "updated", "skipped", "forbidden"]


class GitHubError(RunError):
    """GitHub could not be reached, or answered with a server error or bad credentials."""

    return_code = 3


@dataclass(frozen=True, slots=True)
class CommentOutcome:
    """What happened to the sticky comment; ``reason`` says why for skipped and forbidden."""

    status: OutcomeStatus
    reason: str = ""
    pull_request: int | None = None
    comment_id: int | None = None
    url: str | None = None

    def describe(self) -> str:
        where = f" on pull request #{self.pull_request}" if self.pull_request else ""
        link = f": {visible(self.url)}" if self.url else ""
        if self.status == "posted":
            return f"scoregate: posted a new comment{where}{link}"
        if self.status == "updated":
            return f"scoregate: updated comment {self.comment_id}{where}{link}"
        if self.status == "skipped":
            return f"scoregate: no pull-request comment: {self.reason}"
        return f"scoregate: could not write the pull-request comment{where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class _Response:
    status: int
    headers: Mapping[str, str]
    payload: Any


class _Client:
    """A tiny GitHub REST client over urllib; it never sends the token anywhere but the API."""

    def __init__(
        self,
        *,
        api_url: str,
        token: str,
        timeout: float,
        retry_delays: Sequence[float],
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._origin = urllib.parse.urlsplit(self.api_url)[:2]
        self._token = token
        self.timeout = timeout
        self.retry_delays = tuple(retry_delays)

    def request(self, method: str, url: str, body: Mapping[str, Any] | None = None) -> _Response:
        if urllib.parse.urlsplit(url)[:2] != self._origin:
            raise GitHubError(f"GitHub sent a link outside {self.api_url}; refusing to follow it.")
        data = json.dumps(body).encode() if body is not None else None
        headers = {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self._token}",
            "User-Agent": f"scoregate/{__version__}",
            "X-GitHub-Api-Version": API_VERSION,
        }
        if data is not None:
            headers["Content-Type"] = "application/json"
        # Here, not at import time: urllib.request costs the CLI's start-up.
        from urllib.error import HTTPError, URLError
        from urllib.request import Request, urlopen

        attempts = len(self.retry_delays) + 1
        for attempt in range(attempts):
            request = Request(url, data=data, headers=headers, method=method)
            try:
                with urlopen(request, timeout=self.timeout) as response:
                    return _Response(
                        response.status, dict(response.headers.items()), _json(response.read())
                    )
            except HTTPError as error:
                with error:
                    answer = _Response(error.code, dict(error.headers.items()), _json(error.read()))
                # A POST that failed with 5xx may still have created the comment: no retry.
                if answer.status < 500 or method == "POST" or attempt == attempts - 1:
                    return answer
            except (URLError, OSError) as error:
                if attempt == attempts - 1:
                    reason = getattr(error, "reason", error)
                    raise GitHubError(
                        f"GitHub could not be reached at {self.api_url} ({reason}); "
                        "check GITHUB_API_URL and the runner's network."
                    ) from None
            time.sleep(self.retry_delays[attempt])
        raise AssertionError("unreachable")  # pragma: no cover


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _message(response: _Response, scrubber: scrub.Scrubber) -> str:
    """GitHub's message, which may echo the request: scrubbed, shortened, on one line."""
    payload = response.payload
    if isinstance(payload, dict) and isinstance(payload.get("message"), str):
        return f"HTTP {response.status}: {visible(scrubber.reply(payload['message']))}"
    return f"HTTP {response.status}"


_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def _next_link(headers: Mapping[str, str]) -> str | None:
    for name, value in headers.items():
        if name.lower() == "link":
            match = _NEXT_LINK.search(value)
            return match.group(1) if match else None
    return None


def pull_request_number(env: Mapping[str, str]) -> tuple[int | None, str]:
    """The pull request of the triggering event, or None and the reason there is none."""
    event_path = env.get("GITHUB_EVENT_PATH")
    event_name = env.get("GITHUB_EVENT_NAME", "")
    if not event_path:
        return None, "not running in GitHub Actions (GITHUB_EVENT_PATH is not set)"
    try:
        with open(event_path, encoding="utf-8") as event_file:
            event = json.load(event_file)
    except (OSError, ValueError) as error:
        return None, f"the event payload {event_path} could not be read ({error})"
    if not isinstance(event, dict):
        return None, f"the event payload {event_path} is not a JSON object"
    pull_request = event.get("pull_request")
    if isinstance(pull_request, dict) and isinstance(pull_request.get("number"), int):
        return pull_request["number"], ""
    issue = event.get("issue")
    if isinstance(issue, dict) and isinstance(issue.get("number"), int):
        if issue.get("pull_request"):
            return issue["number"], ""
        return None, f"issue #{issue['number']} is not a pull request"
    what = f"the {event_name} event" if event_name else "the triggering event"
    return None, f"{what} is not about a pull request"


def post_sticky_comment(
    *,
    body: str,
    marker: str,
    env: Mapping[str, str],
    timeout: float = 30.0,
    retry_delays: Sequence[float] = (1.0, 3.0),
    log: TextIO | None = None,
) -> CommentOutcome:
    """Create or update the one pull-request comment that carries ``marker``.

    ``marker`` is a key (``qa@ci/gate``) or an already built ``<!-- scoregate:... -->`` line.
    Returns "skipped" when the event is not a pull request and "forbidden" when the token
    may not write (a fork's pull request); raises GitHubError when GitHub cannot be reached,
    answers 5xx, or rejects the credentials.
    """
    log = log if log is not None else sys.stderr
    number, reason = pull_request_number(env)
    if number is None:
        return CommentOutcome("skipped", reason)
    token = env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or ""
    repository = env.get("GITHUB_REPOSITORY", "")
    if not token:
        raise ConfigError(
            "GITHUB_TOKEN is not set: add `env: GITHUB_TOKEN: ${{ github.token }}` to the step "
            "and `permissions: pull-requests: write` to the job."
        )
    if repository.count("/") != 1:
        raise ConfigError(f"GITHUB_REPOSITORY must look like owner/name, not {repository!r}.")
    marker_line = marker if marker.startswith("<!--") else marker_comment(marker)
    client = _Client(
        api_url=env.get("GITHUB_API_URL") or DEFAULT_API_URL,
        token=token,
        timeout=timeout,
        retry_delays=retry_delays,
    )
    repo_path = "/".join(urllib.parse.quote(part, safe="") for part in repository.split("/"))
    base = f"{client.api_url}/repos/{repo_path}/issues"

    scrubber = scrub.for_env(env)

    def refused(response: _Response, action: str) -> CommentOutcome:
        why = (
            f"{_message(response, scrubber)} when trying to {action}. The token cannot write to "
            f"{repository}: a pull request from a fork gets a read-only token; give the job "
            "`permissions: pull-requests: write`, or read the job summary instead."
        )
        log.write(f"scoregate: {why}\n")
        return CommentOutcome("forbidden", why, pull_request=number)

    def fail(response: _Response, action: str) -> GitHubError:
        if response.status == 401:
            return GitHubError(
                f"GitHub rejected the credentials ({_message(response, scrubber)}) when trying to "
                f"{action}; check GITHUB_TOKEN."
            )
        return GitHubError(
            f"GitHub answered {_message(response, scrubber)} when trying to {action}."
        )

    existing: Mapping[str, Any] | None = None
    url: str | None = f"{base}/{number}/comments?per_page={PER_PAGE}"
    while url and existing is None:
        response = client.request("GET", url)
        if response.status in (403, 404):
            return refused(response, f"list the comments of pull request #{number}")
        if response.status != 200 or not isinstance(response.payload, list):
            raise fail(response, f"list the comments of pull request #{number}")
        for comment in response.payload:
            if isinstance(comment, dict) and marker_line in str(comment.get("body") or ""):
                existing = comment
                break
        url = _next_link(response.headers)

    full_body = fit_comment_body(scrubber.text(body), marker_line)
    status: OutcomeStatus
    if existing is not None:
        comment_id = int(existing["id"])
        response = client.request("PATCH", f"{base}/comments/{comment_id}", {"body": full_body})
        action = f"update comment {comment_id}"
        expected, status = 200, "updated"
    else:
        response = client.request("POST", f"{base}/{number}/comments", {"body": full_body})
        action = f"comment on pull request #{number}"
        expected, status = 201, "posted"
    if response.status in (403, 404):
        return refused(response, action)
    if response.status != expected or not isinstance(response.payload, dict):
        raise fail(response, action)
    return CommentOutcome(
        status,
        pull_request=number,
        comment_id=int(response.payload["id"]),
        url=str(response.payload.get("html_url") or "") or None,
    )
