"""outstream.py: what reaches stdout and stderr is scrubbed, escaped and, in Actions, inert."""

from __future__ import annotations

import io
import re

import click
import pytest

from scoregate.cli.outstream import GuardedStream
from scoregate.report.github import write_command

KEY = "sk-guarded-0123456789abcdef"


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)


def lines(text: str) -> list[str]:
    return re.split(r"[\r\n]", text)


def test_secrets_are_scrubbed_even_when_written_in_pieces() -> None:
    out = io.StringIO()
    stream = GuardedStream(out, actions=False)
    stream.write("key: " + KEY[:10])
    stream.write(KEY[10:] + " and Authorization: Bearer abcdefghij\n")
    stream.write(f"pending {KEY}")
    stream.flush()
    assert out.getvalue() == "key: *** and Authorization: ***\npending ***"


def test_escape_sequences_are_shown_not_sent() -> None:
    out = io.StringIO()
    stream = GuardedStream(out, actions=False)
    stream.write("a\x1b]52;c;cHduZWQ=\x07b\x1b[2J\u202ec\tkept\r\nend\n")
    assert out.getvalue() == "a\\x1b]52;c;cHduZWQ=\\x07b\\x1b[2J\\u202ec\tkept\r\nend\n"


def test_under_actions_only_our_own_commands_are_commands() -> None:
    out = io.StringIO()
    stream = GuardedStream(out, actions=True)
    stream.write("::stop-commands::tok\n  ::error title=x::pwned\rx ##[error]old\n")
    stream.write("mid")
    stream.flush()
    stream.write("::not-at-a-line-start\n")
    write_command(stream, "::error title=qa · correct::mean 0.5 < 0.8")
    stream.write("::add-mask::x\n")
    commands = [line for line in lines(out.getvalue()) if line.lstrip().startswith("::")]
    assert commands == ["::error title=qa · correct::mean 0.5 < 0.8"]
    assert "##[" not in out.getvalue()
    assert "mid::not-at-a-line-start\n" in out.getvalue()


def test_our_command_stays_one_line_and_is_scrubbed() -> None:
    out = io.StringIO()
    stream = GuardedStream(out, actions=True)
    stream.write("half a line")
    write_command(stream, f"::warning title=t::{KEY}\n::error::injected")
    assert out.getvalue() == "half a line\n::warning title=t::***%0A::error::injected\n"
    plain = io.StringIO()
    write_command(plain, "::notice::x")
    assert plain.getvalue() == "::notice::x\n"


def test_click_writes_through_the_guard() -> None:
    out = io.StringIO()
    stream = GuardedStream(out, actions=False)
    click.echo(f"echoed {KEY}\x1b]52;c;cHduZWQ=\x07", file=stream)
    assert out.getvalue() == "echoed ***\\x1b]52;c;cHduZWQ=\\x07\n"
    with pytest.raises(TypeError):
        stream.write(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        _ = stream.buffer  # type: ignore[attr-defined]
