"""report/html.py: one self-contained page, its data escaped for its script, its code hashed
in its CSP; and, in headless Chromium, the page itself: filters, details, diffs, hostile text."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import replace
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from testing.browser import BrowserPageFactory
from testing.hostile_html import HOSTILE_HTML, SENTINEL_JS
from testing.project import make_record

from scoregate.decide.compare import compare
from scoregate.report import html
from scoregate.report.html_data import DETAIL_CHARS, MIN_CHARS, safe_url, text_bound
from scoregate.values.model import Check, RunRecord, Verdict

READY = "body[data-ready]"


def _verdict(
    candidate: RunRecord, baseline: RunRecord | None, checks: tuple[Check, ...] = ()
) -> Verdict:
    return Verdict(checks, (compare(candidate, baseline),))


def _check(status: str, explanation: str = "why") -> Check:
    return Check("qa", "correct", "min", status, 0.5, 0.8, explanation)  # type: ignore[arg-type]


def _pair(count: int = 6) -> tuple[RunRecord, RunRecord]:
    """A baseline where every item passes, a candidate where item 1 regressed, item 2 is
    flaky, and the outputs differ by a word."""
    base = make_record(
        {f"i{n}": 1.0 for n in range(count)},
        run_id="20260101T000000Z-base01",
        outputs={f"i{n}": f"the answer is {n} apples" for n in range(count)},
        comments={"i1": "right before"},
    )
    values: dict[str, Any] = {f"i{n}": 1.0 for n in range(count)}
    values["i1"] = 0.0
    values["i2"] = [1.0, 0.0, 1.0]
    cand = make_record(
        values,
        outputs={f"i{n}": f"the answer is {n} pears" for n in range(count)},
        comments={"i1": "wrong now"},
    )
    return cand, base


def _write(tmp_path: Path, verdict: Verdict, name: str = "report.html", **options: Any) -> Path:
    path = tmp_path / name
    path.write_text(html.render(verdict, **options), encoding="utf-8")
    return path


OUR_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "span", "p",
    "nav", "a", "main", "section", "ul", "li", "b", "i", "dl", "dt", "dd", "table", "thead",
    "tbody", "tr", "th", "td", "br", "small", "div", "figure", "svg", "text", "rect", "line",
    "circle", "figcaption", "polyline", "footer", "script", "code",
}  # fmt: skip


class _Tags(HTMLParser):
    """Every element and event-handler attribute the HTML parser finds in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.handlers: list[tuple[str, str]] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.add(tag)
        self.scripts += tag == "script"
        self.handlers += [(tag, name) for name, _ in attrs if name.startswith("on")]


# --- the file ----------------------------------------------------------------------------------


def test_embedded_json_cannot_end_or_comment_out_its_script() -> None:
    data = {"t": ["</script><script>x()</script>", "<!--", "a\u2028b\u2029c", "&amp;"]}
    text = html.script_json(data)
    assert not re.search(r"[<>&\u2028\u2029]", text)
    assert json.loads(text) == data


def test_the_csp_allows_exactly_the_inline_style_and_script_of_the_page() -> None:
    cand, base = _pair()
    page = html.render(_verdict(cand, base))
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert csp is not None
    text = unescape(csp[1])
    policy = dict(part.strip().split(" ", 1) for part in text.split(";"))
    assert policy["default-src"] == "'none'"
    styles = re.findall(r"<style>(.*?)</style>", page, re.S)
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(styles) == 1
    assert len(scripts) == 1  # the one executable script; the data is application/json

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert policy["style-src"] == digest(styles[0])
    assert policy["script-src"] == digest(scripts[0])
    assert "http" not in policy["script-src"] + policy["style-src"]
    assert " style=" not in page  # a style attribute would be refused by the policy


def test_the_page_names_no_outside_resource() -> None:
    cand, base = _pair()
    page = html.render(_verdict(cand, base))
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "@import" not in page
    assert "url(" not in page


def test_hostile_text_is_never_markup_in_the_file() -> None:
    outputs = {f"h{n}": text for n, text in enumerate(HOSTILE_HTML.values())}
    ids = {f"h{n}": 0.0 for n in range(len(outputs))}
    cand = make_record(ids, outputs=outputs, comments=outputs)
    base = make_record(dict.fromkeys(ids, 1.0), run_id="base", outputs=outputs)
    page = html.render(_verdict(cand, base, (_check("fail", HOSTILE_HTML["img"]),)))
    assert page.count("<script") == 2  # the data block and our script
    tags = _Tags()
    tags.feed(page)
    assert tags.handlers == []
    assert tags.names <= OUR_TAGS, tags.names - OUR_TAGS
    assert tags.scripts == 2
    assert "</script><script>window" not in page
    data = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S)
    assert data is not None
    texts = json.loads(data[1])["experiments"][0]["t"]
    assert HOSTILE_HTML["endjson"] in texts  # the text is whole, as text


def test_a_link_is_made_only_of_an_http_url() -> None:
    assert safe_url("https://cloud.langfuse.com/trace/1") == "https://cloud.langfuse.com/trace/1"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("JAVASCRIPT:alert(1)//https://x") is None
    assert safe_url('https://x" onclick="y') is None
    assert safe_url("data:text/html,<script>") is None


def test_the_text_bound_is_the_largest_that_fits_the_budget() -> None:
    assert text_bound([10, 20], budget=1000) == DETAIL_CHARS
    assert text_bound([100] * 10 + [10_000], budget=2_000) == 1_000
    bound = text_bound([5_000] * 1_000, budget=1_000_000)
    assert bound == 1_000
    assert text_bound([50_000] * 100_000, budget=1_000_000) == MIN_CHARS


def test_long_texts_are_cut_at_the_bound_and_the_page_says_so() -> None:
    cand, base = _pair(2)
    long = "word " * 10_000
    cand = make_record({"i0": 1.0, "i1": 0.0}, outputs={"i0": long, "i1": "short"})
    page = html.render(_verdict(cand, base))
    assert f"Each text is shown whole up to {DETAIL_CHARS:,} characters; 1 longer" in page
    assert "more characters in the run record)" in page


def test_every_item_has_its_statuses(tmp_path: Path) -> None:
    cand, base = _pair()
    cand = replace(cand, items=(*cand.items[:-1],))  # i5 missing from the candidate
    extra = make_record({"new1": 1.0}, outputs={"new1": "x"})
    errored = make_record({"err1": 1.0}, task_errors={"err1": "RuntimeError: boom"})
    cand = replace(cand, items=(*cand.items, *extra.items, *errored.items))
    page = html.render(_verdict(cand, base))
    data = re.search(r'id="report-data">(.*?)</script>', page, re.S)
    assert data is not None
    items = {i["id"]: i["st"] for i in json.loads(data[1])["experiments"][0]["items"]}
    assert items == {
        "i0": ["unchanged"],
        "i1": ["regressed"],
        "i2": ["flaky"],
        "i3": ["unchanged"],
        "i4": ["unchanged"],
        "new1": ["new"],
        "err1": ["error", "new"],
        "i5": ["missing"],
    }


# --- in the browser ----------------------------------------------------------------------------


def test_the_report_renders_without_an_error_and_is_screenshot(
    browser_page: BrowserPageFactory, tmp_path: Path
) -> None:
    cand, base = _pair()
    checks = (_check("fail", "mean 0.833 is below the minimum 0.9"), _check("skip", "skipped"))
    page = browser_page(_write(tmp_path, _verdict(cand, base, checks)), wait_for=READY)
    assert page.page.title() == "scoregate: failed"
    assert page.page.locator("li[data-check-status]").count() == 2
    assert page.page.locator("tr.item-row").count() == 6
    assert page.page.locator("figure.chart svg").count() == 1
    shot = page.screenshot("report")
    assert shot.stat().st_size > 10_000
    page.assert_clean()


def test_the_status_filter_shows_only_regressed_rows(
    browser_page: BrowserPageFactory, tmp_path: Path
) -> None:
    cand, base = _pair()
    page = browser_page(_write(tmp_path, _verdict(cand, base)), wait_for=READY).page
    page.select_option("select.status-filter", "regressed")
    rows = page.locator("tr.item-row")
    assert rows.count() == 1
    assert rows.first.locator("td.id").inner_text() == "i1"
    assert "regressed" in (rows.first.get_attribute("data-status") or "")
    page.select_option("select.status-filter", "flaky")
    assert [r.inner_text() for r in page.locator("tr.item-row td.id").all()] == ["i2"]
    page.select_option("select.status-filter", "all")
    assert page.locator("tr.item-row").count() == 6


def test_an_item_opens_with_its_word_diff_and_judge_reasoning(
    browser_page: BrowserPageFactory, tmp_path: Path
) -> None:
    cand, base = _pair()
    opened = browser_page(_write(tmp_path, _verdict(cand, base)), wait_for=READY)
    page = opened.page
    page.locator("tr.item-row", has_text="i1").click()
    detail = page.locator(".detail")
    assert detail.count() == 1
    assert detail.locator("del").all_inner_texts() == ["apples"]
    assert detail.locator("ins").all_inner_texts() == ["pears"]
    assert "right before" in detail.locator("table.reasons").inner_text()
    assert "wrong now" in detail.locator("table.reasons").inner_text()
    opened.screenshot("item")
    page.locator("tr.item-row", has_text="i2").click()
    repeats = page.locator(".detail table.repeats tr")
    assert repeats.count() == 4  # the header and three repeats
    opened.assert_clean()


def test_search_sort_and_pages(browser_page: BrowserPageFactory, tmp_path: Path) -> None:
    cand, base = _pair(250)
    page = browser_page(_write(tmp_path, _verdict(cand, base)), wait_for=READY).page
    assert page.locator("tr.item-row").count() == 100  # one page in the document
    assert "items 1–100 of 250 shown" in page.inner_text("p.shown")
    page.click("button.next")
    assert page.locator("tr.item-row td.id").first.inner_text() == "i100"
    page.select_option("select.sort", "delta-asc")
    assert page.locator("tr.item-row td.id").first.inner_text() == "i1"  # worst first
    page.fill("input.search", "i24")
    ids = page.locator("tr.item-row td.id").all_inner_texts()
    assert sorted(ids) == ["i24", *[f"i24{n}" for n in range(10)]]


def test_hostile_rows_run_nothing(browser_page: BrowserPageFactory, tmp_path: Path) -> None:
    texts = list(HOSTILE_HTML.values())
    ids = dict.fromkeys(texts, 0.0)
    outputs = {text: f"now {text}" for text in texts}
    cand = make_record(ids, outputs=outputs, comments=outputs)
    cand = replace(
        cand,
        items=tuple(
            replace(r, item=replace(r.item, trace_id=texts[n % len(texts)]))
            for n, r in enumerate(cand.items)
        ),
        metadata={
            "langfuse": {
                "url": "javascript:window.__pwned=true",
                "trace_url": "https://lf.example/trace/",
            }
        },
    )
    base = make_record(dict.fromkeys(texts, 1.0), run_id=texts[0], outputs=texts_map(texts))
    checks = (_check("fail", HOSTILE_HTML["script"]),)
    opened = browser_page(_write(tmp_path, _verdict(cand, base, checks)), wait_for=READY)
    page = opened.page
    page.fill("input.search", "script")
    assert page.locator("tr.item-row").count() >= 3
    page.fill("input.search", "")
    for row in page.locator("tr.item-row").all():
        row.click()
    assert page.locator(".detail").count() == len(texts)
    assert page.evaluate(SENTINEL_JS) is False
    assert page.title() == "scoregate: failed"
    links = page.locator("a").evaluate_all("(links) => links.map((a) => a.href)")
    assert links
    assert all(link.startswith(("https://lf.example/trace/", "file:")) for link in links), links
    shown = page.inner_text("body")
    assert HOSTILE_HTML["script"] in shown  # as text, for the reader to see
    opened.screenshot("hostile")
    opened.assert_clean()


def texts_map(texts: list[str]) -> dict[str, str]:
    return {text: f"before {text}" for text in texts}


def test_history_draws_a_trend_per_score(browser_page: BrowserPageFactory, tmp_path: Path) -> None:
    cand, base = _pair()
    older = [
        replace(make_record({f"i{n}": v for n in range(6)}, run_id=f"2025120{d}T000000Z-old"),
                started_at=f"2025-12-0{d}T00:00:00Z")
        for d, v in ((3, 0.5), (1, 0.0), (2, 1.0))
    ]  # fmt: skip
    path = _write(tmp_path, _verdict(cand, base), history=older)
    page = browser_page(path, wait_for=READY)
    trend = page.page.locator("figure.trend")
    assert trend.count() == 1
    points = trend.locator("circle").evaluate_all(
        "(cs) => cs.map((c) => c.querySelector('title').textContent)"
    )
    assert points == [
        "20251201T000000Z-old: 0.000",
        "20251202T000000Z-old: 1.000",
        "20251203T000000Z-old: 0.500",
        "20260101T000000Z-can: 0.778",
    ]
    page.assert_clean()


def test_changed_items_texts_come_first_in_the_budget() -> None:
    from scoregate.report.html_data import bounds

    texts = [["x" * 5_000] * 10 + ["y" * 5_000] * 100]
    changed = [set(range(10))]
    first, other = bounds(texts, changed, budget=120_000)
    assert first == DETAIL_CHARS  # the ten changed texts fit whole: 50,000 of the budget
    assert other == 700  # the 100 others share the remaining 70,000


def test_past_the_bound_items_are_not_listed_and_the_counts_are_of_every_item() -> None:
    from scoregate.report.html_data import items_data
    from scoregate.report.html_listing import Listing

    cand, base = _pair()
    data, _, _ = items_data(compare(cand, base), listing=Listing(2))
    items = json.loads("[" + ",".join(data["items"]) + "]")
    # every changed item (up to 2) and the first two unchanged ones, in the record's order
    assert [(i["id"], i["st"]) for i in items] == [
        ("i0", ["unchanged"]),
        ("i1", ["regressed"]),
        ("i2", ["flaky"]),
        ("i3", ["unchanged"]),
    ]
    assert items[0]["c"] == [1.0]
    assert items[0]["b"] == [1.0]
    assert items[1]["c"] == [0.0]
    assert items[2]["c"] == [round(2 / 3, 6)]  # the mean of its three repeats
    assert data["total"] == 6
    assert data["counts"] == {
        "regressed": 1, "error": 0, "flaky": 1, "improved": 0, "new": 0, "missing": 0,
        "unchanged": 4,
    }  # fmt: skip
    assert data["left_out"] == {"changed": 0, "unchanged": 2}
    # past the changed bound, regressed items are kept before flaky ones
    data, _, _ = items_data(compare(cand, base), listing=Listing(1, changed=1))
    items = json.loads("[" + ",".join(data["items"]) + "]")
    assert [i["id"] for i in items] == ["i0", "i1"]
    assert data["left_out"] == {"changed": 1, "unchanged": 3}
    assert data["counts"]["flaky"] == 1


def test_a_report_past_the_bound_says_how_many_items_are_not_listed(
    browser_page: BrowserPageFactory, tmp_path: Path
) -> None:
    cand, base = _pair(10_010)
    path = _write(tmp_path, _verdict(cand, base))
    text = path.read_text()
    assert "2,002 of 10,010 items are listed." in text
    assert "8,008 unchanged items are not listed (the report lists the first 2,000" in text
    assert not re.search(r"\d changed items are not listed", text)
    opened = browser_page(path, wait_for=READY)
    options = opened.page.locator("select.status-filter option").all_inner_texts()
    assert "all (10010, 2002 listed)" in options
    assert "unchanged (10008, 2000 listed)" in options
    assert "regressed (1)" in options
    assert "2002 listed of 10010 in all" in opened.page.inner_text("p.shown")
    opened.page.fill("input.search", "i9999")
    assert opened.page.locator("tr.item-row").count() == 0  # not listed
    opened.page.fill("input.search", "i2001")
    opened.page.locator("tr.item-row").first.click()
    assert "the answer is 2001 pears" in opened.page.inner_text(".detail")
    opened.assert_clean()
    # a larger bound lists them all
    path = _write(tmp_path, _verdict(cand, base), "all.html", items=10_008)
    assert "items are listed" not in path.read_text()
    opened.assert_clean()


def test_run_level_scores_are_rows_of_their_own() -> None:
    from scoregate.values.model import Score

    cand, base = _pair()
    cand = replace(cand, run_scores=(Score("f1 <run>", 0.75, raw=0.75, scale=(0, 1)),))
    page = html.render(_verdict(cand, base))
    assert "<td>f1 &lt;run&gt; (run)</td>" in page
    assert '<td class="num">0.75 (0.75/1)</td>' in page


def test_a_run_without_a_baseline_and_a_plain_score_render_cleanly(
    browser_page: BrowserPageFactory, tmp_path: Path
) -> None:
    from scoregate.values.model import ScoreDef

    cand = make_record({"a": 42.0, "b": [3.0, 7.5], "c": None}, score="length")
    cand = replace(
        cand, score_defs={"length": ScoreDef("length", None, None, "python", plain=True)}
    )
    opened = browser_page(_write(tmp_path, _verdict(cand, None)), wait_for=READY)
    page = opened.page
    bars = page.locator("figure.chart svg rect.candidate").count()
    assert bars == 2  # the legend's swatch and the candidate's bar: no baseline bar
    assert page.locator("figure.chart svg rect.baseline").count() == 1  # the legend only
    assert "no baseline to compare with" in page.inner_text("figure.chart figcaption")
    assert page.locator("tr.item-row").count() == 3
    page.locator("tr.item-row", has_text="b").click()
    assert page.locator(".detail table.repeats tr").count() == 3
    opened.assert_clean()


def test_the_cost_of_an_unpriced_model_is_unknown_never_zero() -> None:
    cand, base = _pair()
    models = {"smollm2": {"replied": ["smollm2"], "priced": False}}
    cand = replace(cand, metadata={**cand.metadata, "models": models})
    page = html.render(_verdict(cand, base))
    assert "unknown (no price for smollm2)" in page
    assert "$0.0000" not in page
