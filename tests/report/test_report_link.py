"""report/report_link.py: the HTML report's link, only for a plain http(s) URL, under the
comment's heading."""

from __future__ import annotations

import pytest

from scoregate.report.report_link import is_link_url, link_line, with_link

URL = "https://github.com/octo-org/octo-repo/actions/runs/42/artifacts/4242"


@pytest.mark.parametrize(
    "url",
    [
        URL,
        "http://127.0.0.1:8080/artifacts/1?x=1&y=2#top",
        "https://ghe.example.com/api/v3/repos/o/r/actions/artifacts/7/zip",
    ],
)
def test_plain_urls_are_linked(url: str) -> None:
    assert is_link_url(url)
    assert f"**[The HTML report]({url})**" in link_line(url)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "javascript:alert(1)",
        "ftp://example.com/report.zip",
        "https://x.example/a) [click](javascript:alert(1)",
        'https://x.example/"><script>alert(1)</script>',
        "https://x.example/a b",
        "https://x.example/a\nb",
        "https://x.example/<img>",
        "https://x.example/a\\b",
        "//x.example/a",
    ],
)
def test_anything_else_is_refused(url: str) -> None:
    assert not is_link_url(url)
    with pytest.raises(ValueError, match="not a plain http"):
        link_line(url)


def test_the_link_goes_under_the_heading() -> None:
    body = "## ✅ scoregate: passed — all 7 checks passed\n\n### ✅ qa\n\ntable\n"
    assert with_link(body, URL) == (
        f"## ✅ scoregate: passed — all 7 checks passed\n\n{link_line(URL)}\n\n### ✅ qa\n\ntable\n"
    )


def test_a_body_without_a_heading_starts_with_the_link() -> None:
    assert with_link("just text\n", URL) == f"{link_line(URL)}\n\njust text\n"
    assert with_link("# only a heading", URL) == f"{link_line(URL)}\n\n# only a heading"
