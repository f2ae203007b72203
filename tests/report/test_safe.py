"""report/safe.py: untrusted text is inert in a terminal, GitHub's log, markdown and XML."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from scoregate.report.safe import markdown_text, no_workflow_command, visible, xml_text

OSC52 = "\x1b]52;c;cHduZWQ=\x07"
OSC8 = "\x1b]8;;http://evil.example/x\x1b\\click\x1b]8;;\x1b\\"
CLEAR = "\x1b[2J"
HOSTILE = f"a\n::stop-commands::tok {OSC52}{OSC8}{CLEAR} nul\x00 bel\x07 \u202eevil \x9b31m"
AUTOLINK = re.compile(r"(?i)(?:https?|ftp)://|www\.|mailto:|xmpp:")
"""What GitHub turns into a link in markdown text."""


def test_visible_shows_every_control_character_as_an_escape() -> None:
    shown = visible(HOSTILE)
    assert shown == (
        "a\\n::stop-commands::tok \\x1b]52;c;cHduZWQ=\\x07\\x1b]8;;http://evil.example/x"
        "\\x1b\\click\\x1b]8;;\\x1b\\\\x1b[2J nul\\x00 bel\\x07 \\u202eevil \\x9b31m"
    )
    assert visible("plain é ✓ text") == "plain é ✓ text"


def test_no_line_can_start_a_workflow_command() -> None:
    text = "ok\n::error title=x::pwned\r  ::stop-commands::tok\nkeep :: mid-line ##[error]old"
    broken = no_workflow_command(text)
    lines = re.split(r"[\r\n]", broken)
    assert [line for line in lines if line.lstrip().startswith("::")] == []
    assert "##[" not in broken
    assert broken.replace("\u200b", "") == text  # the text reads the same
    assert no_workflow_command("::x::y", line_start=False) == "::x::y"
    assert no_workflow_command("::x::y") == ":\u200b:x::y"


def test_markdown_text_drops_controls_and_breaks_autolinks() -> None:
    text = markdown_text(
        f"{HOSTILE} http://evil.example/x HTTPS://EVIL.example www.evil.example "
        "mailto:a@b.example xmpp:a@b.example ftp://files.example"
    )
    assert AUTOLINK.findall(text) == []
    for char in ("\x00", "\x07", "\x1b", "\u202e", "\x9b"):
        assert char not in text
    assert text.replace("\u200d", "").endswith(
        "http://evil.example/x HTTPS://EVIL.example www.evil.example "
        "mailto:a@b.example xmpp:a@b.example ftp://files.example"
    )


def test_xml_text_shows_what_xml_cannot_hold() -> None:
    text = xml_text("lone\ud800 nul\x00 esc\x1b[31m bell\x07 \ufffe\uffff \u202eback \x85 é\tok\n")
    assert text == (
        "lone\\ud800 nul\\x00 esc\\x1b[31m bell\\x07 \\ufffe\\uffff \\u202eback \\x85 é\tok\n"
    )
    assert ET.fromstring(f"<a>{text}</a>").text == text
