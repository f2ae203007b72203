"""GitHub: the sticky pull-request comment, the job summary, annotations and step outputs.

Everything here takes the environment as a mapping (the CLI passes ``os.environ``) so tests
pass exactly the variables a runner would set. The token only ever goes into the
``Authorization`` header; it is never printed, logged or put in an error message.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
import urllib.parse
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TextIO

from scoregate import __version__, scrub
from scoregate.errors import ConfigError, RunError
from scoregate.outstream import write_command
from scoregate.reports.safe import visible

if TYPE_CHECKING:
    from scoregate.model import Verdict

# GitHub rejects an issue comment body longer than this many characters.
COMMENT_BODY_LIMIT = 65_536
# GitHub refuses a step summary larger than 1 MiB; keep well under it.
STEP_SUMMARY_LIMIT = 1_000_000
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


# --------------------------------------------------------------------------------------------
# Workflow commands, step summary and outputs
# --------------------------------------------------------------------------------------------


def escape_data(value: str) -> str:
    """Escape a workflow-command message (the part after ``::``)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a workflow-command property value (``title=...``)."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(level: Literal["error", "warning", "notice"], message: str, *, title: str) -> str:
    """One workflow command line, e.g. ``::error title=qa · accuracy::dropped by 0.12``."""
    return f"::{level} title={escape_property(title)}::{escape_data(message)}"


def in_actions(env: Mapping[str, str]) -> bool:
    return env.get("GITHUB_ACTIONS") == "true"


def append_step_summary(markdown: str, *, env: Mapping[str, str]) -> bool:
    """Append markdown to ``$GITHUB_STEP_SUMMARY``; return whether there was a file to write."""
    path = env.get("GITHUB_STEP_SUMMARY")
    if not in_actions(env) or not path:
        return False
    text = scrub.for_env(env).text(markdown)
    text = text if text.endswith("\n") else text + "\n"
    if len(text.encode()) > STEP_SUMMARY_LIMIT:
        text = _cut_at_line(text, STEP_SUMMARY_LIMIT // 4, note=_summary_cut_note())
    with open(path, "a", encoding="utf-8") as summary:
        summary.write(text)
    return True


def format_outputs(outputs: Mapping[str, str]) -> str:
    """Step outputs in the ``$GITHUB_OUTPUT`` file syntax; multiline values use a heredoc."""
    lines: list[str] = []
    for key, value in outputs.items():
        if "\n" in value or "\r" in value:
            delimiter = f"ghadelimiter_{uuid.uuid4()}"
            lines.extend((f"{key}<<{delimiter}", value, delimiter))
        else:
            lines.append(f"{key}={value}")
    return "".join(line + "\n" for line in lines)


def write_outputs(outputs: Mapping[str, str], *, env: Mapping[str, str]) -> bool:
    path = env.get("GITHUB_OUTPUT")
    if not in_actions(env) or not path:
        return False
    with open(path, "a", encoding="utf-8") as output_file:
        output_file.write(scrub.for_env(env).text(format_outputs(outputs)))
    return True


def publish_to_actions(
    *,
    markdown: str,
    verdict: Verdict,
    outputs: Mapping[str, str],
    env: Mapping[str, str],
    stream: TextIO,
) -> None:
    """Job summary, one annotation per failing (or warning) check, and the step outputs.

    Outside GitHub Actions (``GITHUB_ACTIONS`` is not ``"true"``) nothing is written.
    """
    if not in_actions(env):
        return
    append_step_summary(markdown, env=env)
    for check in verdict.checks:
        if check.status not in ("fail", "warn"):
            continue
        level: Literal["error", "warning"] = "error" if check.status == "fail" else "warning"
        title = f"{check.experiment} · {check.score or check.kind}"
        write_command(stream, annotation(level, check.explanation, title=title))
    stream.flush()
    write_outputs(outputs, env=env)


# --------------------------------------------------------------------------------------------
# The sticky comment
# --------------------------------------------------------------------------------------------

_MARKER_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9._/:@=+#-]+")


def marker_comment(key: str) -> str:
    """The hidden line that identifies our comment: ``<!-- scoregate:KEY -->``."""
    safe = _MARKER_KEY_UNSAFE.sub("_", key.strip()) or "default"
    # "--" would end the HTML comment early.
    while "--" in safe:
        safe = safe.replace("--", "-")
    return f"<!-- scoregate:{safe} -->"


def default_marker_key(config: str, env: Mapping[str, str]) -> str:
    """A key per config, workflow, job and matrix leg, so matrix jobs keep their own comment.

    GitHub sets no variable for the matrix values, so the leg is told apart by the runner
    OS and, when the workflow sets it (``SCOREGATE_MATRIX: ${{ toJSON(matrix) }}``), by a
    short hash of the matrix values.
    """
    config_part = config.replace("\\", "/").removeprefix("./") or "experiments.yaml"
    workflow = env.get("GITHUB_WORKFLOW", "")
    job = env.get("GITHUB_JOB", "")
    key = f"{config_part}@{workflow}/{job}" if workflow or job else config_part
    leg = [env.get("RUNNER_OS", ""), env.get("SCOREGATE_MATRIX", "")]
    if any(leg):
        digest = hashlib.sha256("\0".join(leg).encode()).hexdigest()[:10]
        key = f"{key}#{digest}"
    return key


def fit_comment_body(body: str, marker: str, *, limit: int = COMMENT_BODY_LIMIT) -> str:
    """The marker line plus the body, cut at a line boundary with a note if it is too long."""
    full = f"{marker}\n{body}"
    if len(full) <= limit:
        return full
    note = (
        f"\n\n> [!NOTE]\n> This comment was cut to fit GitHub's {limit:,}-character limit "
        f"({len(full):,} characters). The full report is in the job summary and in "
        "`report.md`."
    )
    return _cut_at_line(full, limit, note=note)


def _summary_cut_note() -> str:
    return "\n\n> [!NOTE]\n> The report was cut to fit GitHub's 1 MiB job-summary limit.\n"


def _cut_at_line(text: str, limit: int, *, note: str) -> str:
    """Keep whole lines of ``text`` and close open fences and ``<details>`` within ``limit``."""
    budget = limit - len(note) - 200  # room for the closing tags added below
    kept: list[str] = []
    used = 0
    for line in text.splitlines(keepends=True):
        if used + len(line) > budget:
            break
        kept.append(line)
        used += len(line)
    closing = ""
    fences = sum(1 for line in kept if line.lstrip().startswith("```"))
    if fences % 2:
        closing += "\n```"
    opened = sum(line.count("<details") for line in kept)
    closed = sum(line.count("</details>") for line in kept)
    closing += "\n</details>" * min(max(opened - closed, 0), 20)
    return "".join(kept).rstrip("\n") + closing + note


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
