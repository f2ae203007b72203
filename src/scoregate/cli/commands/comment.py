"""``scoregate comment``: post or update the sticky pull-request comment with the report."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import click

from scoregate.cli.commands.report_link import report_url
from scoregate.pipeline import registry
from scoregate.report.github import (
    annotation,
    append_step_summary,
    default_marker_key,
    in_actions,
    write_command,
)
from scoregate.report.report_link import with_link
from scoregate.values.errors import ScoregateError


@click.command("comment")
@click.option(
    "--markdown",
    "markdown_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path(".scoregate/report.md"),
    show_default=True,
    help="The markdown report written by `scoregate run`.",
)
@click.option(
    "--marker",
    default=None,
    help="Key of the hidden marker that identifies this comment. "
    "Default: derived from the config path, the workflow, the job and the matrix leg.",
)
@click.option(
    "-c",
    "--config",
    default="experiments.yaml",
    show_default=True,
    help="The experiments file; it names the default marker.",
)
@click.option(
    "--report-url",
    default="",
    callback=report_url,
    help="URL of the HTML report (the CI artifact holding report.html); the comment links to "
    "it under its heading. Empty: no link.",
)
def comment(markdown_path: Path, marker: str | None, config: str, report_url: str) -> None:
    """Post the report as a pull-request comment, or update the one posted before.

    Uses GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_EVENT_PATH and GITHUB_API_URL. Exits 0 when
    the comment was posted or updated, and also when there is no pull request or the token
    may not write (a fork); exits 3 when GitHub cannot be reached or rejects the token.
    """
    env = os.environ
    try:
        body = markdown_path.read_text(encoding="utf-8")
    except OSError as error:
        click.echo(
            f"scoregate: cannot read the report {markdown_path} ({error.strerror}); "
            "run `scoregate run` first or pass --markdown.",
            err=True,
        )
        sys.exit(2)
    if report_url:
        body = with_link(body, report_url)
    key = marker or default_marker_key(config, env)
    try:
        # The outcome is printed below, once; the function's own log would repeat it.
        post = registry.post_sticky_comment()
        outcome = post(body=body, marker=key, env=env, log=io.StringIO())
    except ScoregateError as error:
        click.echo(f"scoregate: {error}", err=True)
        sys.exit(error.return_code)
    click.echo(outcome.describe())
    if outcome.status == "forbidden":
        append_step_summary(
            "\n> [!WARNING]\n> scoregate could not comment on the pull request: "
            f"{outcome.reason}\n",
            env=env,
        )
        if in_actions(env):
            write_command(
                sys.stdout, annotation("warning", outcome.reason, title="scoregate comment")
            )
