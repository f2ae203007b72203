"""GitHub Actions: the job summary, annotations and step outputs, and the sticky comment's body
(its marker, fitted into GitHub's limit); ``integrations/github`` posts it.

Everything here takes the environment as a mapping (the CLI passes ``os.environ``) so tests
pass exactly the variables a runner would set.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal, TextIO

from scoregate.values import scrub

if TYPE_CHECKING:
    from scoregate.values.model import Verdict

# GitHub rejects an issue comment body longer than this many characters.
COMMENT_BODY_LIMIT = 65_536
# GitHub refuses a step summary larger than 1 MiB; keep well under it.
STEP_SUMMARY_LIMIT = 1_000_000


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


def write_command(stream: TextIO, line: str) -> None:
    """Write scoregate's own workflow command ``line`` to ``stream``: through the stream's
    ``write_command`` when it has one (the CLI's guarded stdout, ``cli/outstream.py``, which
    breaks every other command), else as it is."""
    own = getattr(stream, "write_command", None)
    if callable(own):
        own(line)
    else:
        stream.write(line.removesuffix("\n") + "\n")


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


def verdict_outputs(verdict: Verdict) -> dict[str, str]:
    """The step outputs that say how the gate ended, counted from the verdict's checks."""
    counts = verdict.counts()
    code = verdict.exit_code
    return {
        "verdict": "pass" if code == 0 else ("error" if code == 3 else "fail"),
        "exit-code": str(code),
        "checks": str(len(verdict.checks)),
        "passed": str(counts["pass"]),
        "failed": str(counts["fail"]),
        "warned": str(counts["warn"]),
        "not-run": str(counts["skip"]),
    }


def check_annotations(verdict: Verdict) -> list[str]:
    """One ``::error`` per failed check, one ``::warning`` per warning and per check not run."""
    lines = []
    for check in verdict.checks:
        if check.status == "fail":
            lines.append(annotation("error", check.explanation, title=check.title))
        elif check.status == "warn":
            lines.append(annotation("warning", check.explanation, title=check.title))
        elif check.status == "skip":
            reason = check.explanation.removeprefix("skipped: ")
            lines.append(annotation("warning", f"not run: {reason}", title=check.title))
    return lines


def publish_to_actions(
    *,
    markdown: str,
    verdict: Verdict,
    outputs: Mapping[str, str],
    env: Mapping[str, str],
    stream: TextIO,
) -> None:
    """Job summary, the checks' annotations, and the step outputs: the verdict's
    (:func:`verdict_outputs`) followed by ``outputs`` (paths of what was written).

    Outside GitHub Actions (``GITHUB_ACTIONS`` is not ``"true"``) nothing is written.
    """
    if not in_actions(env):
        return
    append_step_summary(markdown, env=env)
    for line in check_annotations(verdict):
        write_command(stream, line)
    stream.flush()
    write_outputs(verdict_outputs(verdict) | dict(outputs), env=env)


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
