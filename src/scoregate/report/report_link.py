"""The HTML report's link in the PR comment and the job summary: the URL of the CI artifact
that holds ``report.html`` (upload-artifact's ``artifact-url`` output), as one markdown line.

The URL comes from the workflow, not from scoregate: it is checked to be a plain http(s) URL,
nothing that could close the markdown link or open HTML, before it is written.
"""

from __future__ import annotations

import re

_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[A-Za-z0-9._~!$&*+,;=:@%/?#-]*)?")
"""A plain http(s) URL: no space, quote, bracket, parenthesis, backslash or angle bracket."""


def is_link_url(url: str) -> bool:
    """Whether ``url`` is a plain http(s) URL that can stand in a markdown link as it is."""
    return _URL.fullmatch(url) is not None


def link_line(url: str) -> str:
    """``📄 [The HTML report](URL): …``; ``url`` must pass :func:`is_link_url`."""
    if not is_link_url(url):
        raise ValueError(f"not a plain http(s) URL: {url!r}")
    return (
        f"📄 **[The HTML report]({url})**: every item beside its baseline, with its outputs "
        "and the judges' reasoning (a zip among this run's artifacts; open `report.html` in it)."
    )


def with_link(body: str, url: str) -> str:
    """The markdown report ``body`` with the link as its second paragraph, under the verdict's
    heading (or first, when the body has no heading)."""
    line = link_line(url)
    head, newline, rest = body.partition("\n")
    if head.startswith("#") and newline:
        return f"{head}\n\n{line}\n\n{rest.lstrip(chr(10))}"
    return f"{line}\n\n{body}"
