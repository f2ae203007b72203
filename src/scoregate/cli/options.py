"""What every command shares: the ``--config`` option, paths given as pathlib.Path, and the
error handler that turns a known error into its message and exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from scoregate import __version__
from scoregate.values.errors import ConfigError, ScoregateError

F = TypeVar("F", bound=Callable[..., Any])


class LazyPath(click.Path):
    """click.Path that gives a pathlib.Path, imported when a path is given (fast --help)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from pathlib import Path

        return Path(str(super().convert(value, param, ctx)))


CONFIG_OPTION = click.option(
    "-c",
    "--config",
    "config_path",
    type=LazyPath(dir_okay=False),
    default="experiments.yaml",
    show_default=True,
    help="The experiments file.",
)

HTML_OPTION = click.option(
    "--html",
    "html_path",
    type=LazyPath(dir_okay=False),
    help="HTML report path [OUTPUT_DIR/report.html]: one self-contained file, opens offline.",
)
HTML_ITEMS_OPTION = click.option(
    "--html-items",
    "html_items",
    type=click.IntRange(min=0),
    default=2_000,  # report/html_listing.LIST_UNCHANGED (not imported: fast --help)
    show_default=True,
    help="The most unchanged items the HTML report lists (every changed item is listed, up to "
    "10,000 or N; the counts of each status are of every item).",
)


def report_options(where: str) -> Callable[[F], F]:
    """--junit, --markdown, --html and --html-items, the report files of run, compare and
    merge; ``where`` is the folder they go to by default (``OUTPUT_DIR``)."""

    def decorate(command: F) -> F:
        for option in reversed(
            (
                click.option(
                    "--junit",
                    "junit_path",
                    type=LazyPath(dir_okay=False),
                    help=f"JUnit XML path [{where}/junit.xml].",
                ),
                click.option(
                    "--markdown",
                    "markdown_path",
                    type=LazyPath(dir_okay=False),
                    help=f"Markdown report path [{where}/report.md].",
                ),
                click.option(
                    "--html",
                    "html_path",
                    type=LazyPath(dir_okay=False),
                    help=f"HTML report path [{where}/report.html]: one self-contained file, "
                    "opens offline.",
                ),
                HTML_ITEMS_OPTION,
            )
        ):
            command = option(command)
        return command

    return decorate


@contextmanager
def error_handler() -> Iterator[None]:
    """Known errors become their message and exit code; Ctrl-C is 130, SIGTERM 143 (handled
    as Ctrl-C, see pipeline/signals.py); anything else is a bug.

    A message may quote untrusted text (an item id, a server's reply): it is printed on one
    line, its control characters escaped."""
    from scoregate.pipeline.signals import interrupted_code, sigterm_as_interrupt
    from scoregate.report.safe import visible

    try:
        with sigterm_as_interrupt():
            yield
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(f"error: {visible(problem)}", err=True)
        sys.exit(exc.return_code)
    except ScoregateError as exc:
        click.echo(f"error: {visible(str(exc))}", err=True)
        sys.exit(exc.return_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(interrupted_code())
    except (click.exceptions.Exit, click.ClickException, SystemExit):
        raise
    except Exception as exc:
        import traceback
        from pathlib import Path

        from scoregate.values import scrub

        log = Path(".scoregate") / "crash.log"
        try:
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text(
                scrub.text(
                    f"scoregate {__version__}, Python {sys.version}\n{traceback.format_exc()}"
                ),
                encoding="utf-8",
            )
            where = f" Details: {log}."
        except OSError:
            where = ""
        click.echo(
            f"error: unexpected error: {type(exc).__name__}: {visible(str(exc))}.{where} "
            "Please report it.",
            err=True,
        )
        sys.exit(3)
