"""Untrusted text (ids, score names, exception messages) as one markdown code span.

Inside a code span GitHub shows every character as it is: no HTML, no entity, no mention, no
link, no backslash escape (so ``\\```` would show its backslash). The span is fenced with
more backticks than the text holds in a row, padded with a space when the text starts or
ends with one; control characters and line breaks are shown as escapes (``\\n``). In a table
cell a pipe would still end the cell, so there it is written ``\\|``, which GitHub's table
parser turns back into ``|`` before it reads the span.
"""

from __future__ import annotations

import re

from scoregate.report.safe import markdown_text
from scoregate.report.text import as_text, one_line

_TICKS = re.compile(r"`+")


def code(value: object, limit: int = 300, *, in_table: bool = True) -> str:
    # GitHub does not autolink inside a code span, but the text may be copied out of it: URLs
    # are broken there too, as everywhere else in the markdown.
    text = markdown_text(one_line(as_text(value), limit)) if limit else ""
    if in_table:
        text = text.replace("|", "\\|")
    if not text.strip():
        return "` `" if not text else f"`{text}`"
    fence = "`" * (max((len(run) for run in _TICKS.findall(text)), default=0) + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text}{pad}{fence}"
