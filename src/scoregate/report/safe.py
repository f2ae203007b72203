"""Untrusted text (dataset rows, model outputs, server replies) made inert where it lands.

- a terminal or a CI log (:func:`visible`): control and format characters (C0, C1, ESC, bidi
  overrides, line separators) are shown as escapes such as ``\\x1b`` and ``\\u202e``, so no
  escape sequence (OSC 52 clipboard writes, OSC 8 links, screen clearing) is sent and no line
  is started;
- GitHub's log (:func:`no_workflow_command`): a line that would be read as a workflow command
  (``::name::``, or ``##[name]`` anywhere) gets a zero-width space that breaks the command and
  shows the same text;
- markdown (:func:`markdown_text`): control and bidi characters are removed, and a zero-width
  joiner breaks what GitHub would turn into a link (``http://``, ``https://``, any
  ``scheme://``, ``www.``, ``mailto:``, ``xmpp:``), so a URL renders as its text;
- XML (:func:`xml_text`): characters XML 1.0 cannot hold (NUL, ESC, BEL, lone surrogates,
  U+FFFE, U+FFFF), C1 controls and bidi controls are shown as escapes.
"""

from __future__ import annotations

import re
import unicodedata

ZERO_WIDTH_JOINER = "\u200d"
ZERO_WIDTH_SPACE = "\u200b"
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Bidirectional marks, embeddings, overrides and isolates."""


def escape(char: str) -> str:
    """One character as a Python escape: ``\\x1b``, ``\\n``, ``\\u202e``."""
    return char.encode("unicode_escape").decode("ascii")


def is_control(char: str) -> bool:
    """A character a terminal or a reader may act on instead of showing: every control,
    format, surrogate or unassigned character (Unicode category C*) and the line and paragraph
    separators."""
    return unicodedata.category(char)[0] == "C" or char in "\u2028\u2029"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
"""The characters :func:`visible` escapes, for a quick test before the character loop."""


def visible(text: str) -> str:
    """``text`` with every control and format character shown as its escape."""
    if text.isascii() and not _CONTROL.search(text):
        return text
    return "".join(escape(c) if is_control(c) else c for c in text)


# --- GitHub Actions' log ------------------------------------------------------------------------

_COMMAND_START = re.compile(r"(^|[\r\n])([^\S\r\n]*)::")
_OLD_COMMAND = "##["


def no_workflow_command(text: str, *, line_start: bool = True) -> str:
    """``text`` such that GitHub's runner reads no workflow command in it: ``::`` at the start
    of a line (after spaces; lines end at ``\\n`` and ``\\r``, as the runner splits them) and
    ``##[`` anywhere get a zero-width space. ``line_start=False``: ``text`` continues a line."""

    def broken(found: re.Match[str]) -> str:
        if found.start() == 0 and not found.group(1) and not line_start:
            return found.group(0)
        return f"{found.group(1)}{found.group(2)}:{ZERO_WIDTH_SPACE}:"

    text = _COMMAND_START.sub(broken, text)
    return text.replace(_OLD_COMMAND, f"##{ZERO_WIDTH_SPACE}[")


# --- markdown -----------------------------------------------------------------------------------

_MARKDOWN_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_SCHEME = re.compile(r"(?i)\b(mailto|xmpp):")
_WWW = re.compile(r"(?i)(www)\.")


def markdown_text(text: str) -> str:
    """``text`` without control and bidi characters, and with nothing GitHub would autolink."""
    text = _MARKDOWN_CONTROL.sub("", text)
    text = text.replace("://", f":{ZERO_WIDTH_JOINER}//")
    text = _SCHEME.sub(rf"\1{ZERO_WIDTH_JOINER}:", text)
    return _WWW.sub(rf"\1{ZERO_WIDTH_JOINER}.", text)


# --- XML ----------------------------------------------------------------------------------------

_XML_UNSAFE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
    r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def xml_text(text: str) -> str:
    """``text`` with what XML 1.0 cannot hold, C1 and bidi controls shown as escapes."""
    return _XML_UNSAFE.sub(lambda m: escape(m.group(0)), text)
