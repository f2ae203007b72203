"""``scoregate report-link``: the HTML report's link added to the GitHub job summary, and the
``--report-url`` check it shares with ``scoregate comment``."""

from __future__ import annotations

import os

import click

from scoregate.report.github import append_step_summary, in_actions
from scoregate.report.report_link import is_link_url, link_line


def report_url(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A click callback: ``value`` if it is empty or a plain http(s) URL, else a usage error
    (exit 2) that names the option and what it wants."""
    if value and not is_link_url(value):
        raise click.BadParameter(
            f"{value!r} is not a plain http(s) URL (no spaces, quotes, brackets or "
            "parentheses); pass the artifact URL upload-artifact gives, or nothing for no link.",
            ctx=ctx,
            param=param,
        )
    return value


@click.command("report-link")
@click.argument("url", callback=report_url)
def report_link(url: str) -> None:
    """Add a link to the HTML report to the GitHub job summary.

    URL is where the report is (the CI artifact holding report.html: upload-artifact's
    artifact-url output); an empty URL adds nothing. Writes $GITHUB_STEP_SUMMARY under GitHub
    Actions; elsewhere it prints the line.
    """
    if not url:
        click.echo("scoregate: no report URL; the job summary is left as it is.")
        return
    line = link_line(url)
    if in_actions(os.environ) and append_step_summary(f"\n{line}\n", env=os.environ):
        click.echo("scoregate: linked the HTML report from the job summary.")
    else:
        click.echo(line)
