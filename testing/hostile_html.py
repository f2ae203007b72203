"""Hostile rows for the HTML report: text that would run script if it were pasted as HTML.

Each string, if the page ever parsed it as markup, an attribute or a link, sets
``document.title`` to ``pwned`` or the global ``window.__pwned``; the browser tests open every
item of a report built from these rows and assert that neither happened. The rows go in
``ids``, inputs, expected outputs, model outputs, judge comments and trace ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SENTINEL_JS = "document.title === 'pwned' || window.__pwned === true"
"""True in the page when any hostile string ran."""

HOSTILE_HTML: Mapping[str, str] = {
    "script": "<script>document.title='pwned';window.__pwned=true</script>",
    "img": "<img src=x onerror=\"document.title='pwned';window.__pwned=true\">",
    "attr": '" onmouseover="window.__pwned=true" autofocus onfocus="window.__pwned=true" x="',
    "single": "' onfocus='window.__pwned=true' autofocus '",
    "svg": "<svg/onload=window.__pwned=true>",
    "jsurl": "javascript:window.__pwned=true",
    "endjson": "</script><script>window.__pwned=true</script><!--",
    "comment": "<!-- <script>window.__pwned=true</script> -->",
    "sep": "line\u2028separator\u2029<\u2028/script>",
    "entity": "&lt;script&gt;window.__pwned=true&lt;/script&gt;",
    "style": "<style>body{display:none}</style><link rel=stylesheet href=http://127.0.0.1:9/x.css>",
}

ROWS = [
    {
        "id": f"{name} {text}",
        "input": {"q": text},
        "expected_output": f"right {text}",
    }
    for name, text in HOSTILE_HTML.items()
]

TASK = """\
def answer(*, item, wrong=False, **kwargs):
    text = item.input["q"]
    return f"wrong {text}" if wrong else item.expected_output


def judge_like(*, input, output, expected_output, **kwargs):
    # A comment carrying the hostile text, as a judge's reasoning would.
    value = 1.0 if output == expected_output else 0.0
    return {"name": "judged", "value": value, "comment": "because " + input["q"]}
"""


def rows() -> list[dict[str, Any]]:
    return [dict(row) for row in ROWS]
