"""The HTML report of a large run: its size, the time to build it, and how soon headless
Chromium paints it and can use it.

Run:  .venv/bin/python bench/html.py              (10,000 items, 2 scores, 3 repeats)
      .venv/bin/python bench/html.py --items 1000 (a smoke check)

The case: a candidate and a baseline of N items each, every item with a 300-character input,
an 800-character output (the candidate's differs from the baseline's by a word), a judge
comment of 250 characters before and after, and every 100th item a 60,000-character output;
one item in ten regressed. The page is rendered by ``report.html.render`` (the code the run
uses), written, and opened from file:// in Debian's Chromium (testing/browser.py). Figures:
the file's size (target: under 15 MB), render time, first contentful paint (the browser's
own ``paint`` entry), the time until the items table is ready (``body[data-ready]``), and the
time to filter to the regressed items and to open one item's word diff.

By default every item is listed (``--html-items`` = N, the page at its largest); a run's
report lists the first 2,000 unchanged items (report/html_listing.py), so
``--html-items 2000`` measures the page ``scoregate run`` writes.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from scoregate.decide.compare import compare  # noqa: E402
from scoregate.report import html  # noqa: E402
from scoregate.values.model import (  # noqa: E402
    Check,
    Item,
    ItemResult,
    RunRecord,
    Sample,
    Score,
    ScoreDef,
    Usage,
    Verdict,
)

WORDS = [
    "the",
    "a",
    "model",
    "answer",
    "question",
    "context",
    "user",
    "tool",
    "value",
    "result",
    "reason",
    "source",
]


def _text(rng: random.Random, chars: int) -> str:
    words: list[str] = []
    size = 0
    while size < chars:
        word = rng.choice(WORDS)
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:chars]


def _record(items: int, repeats: int, *, candidate: bool, seed: int) -> RunRecord:
    rng = random.Random(seed)
    results = []
    for n in range(items):
        text_rng = random.Random(n)
        question = _text(text_rng, 300)
        output = _text(text_rng, 60_000 if n % 100 == 0 else 800)
        if candidate:
            output = output.replace(" answer ", " reply ", 1)
        regressed = candidate and n % 10 == 3
        samples = []
        for index in range(repeats):
            value = 0.2 if regressed else 0.8 + 0.2 * rng.random()
            scores = (
                Score("correct", 0.0 if regressed else 1.0, raw=not regressed),
                Score(
                    "helpful",
                    value,
                    raw=value * 10,
                    scale=(0, 10),
                    comment=_text(text_rng, 250),
                    usage=Usage(400, 60, 0.0002, 1),
                ),
            )
            samples.append(
                Sample(index, output, 0.4 + rng.random(), None, scores, Usage(300, 200, 0.0004, 1))
            )
        results.append(
            ItemResult(
                Item(f"item-{n:05d}", {"question": question}, "expected " + question[:80]),
                tuple(samples),
            )
        )
    return RunRecord(
        experiment="qa",
        run_id="20260101T000000Z-cand" if candidate else "20251231T000000Z-base",
        items=tuple(results),
        score_defs={
            "correct": ScoreDef("correct", 0.5, None, "exact"),
            "helpful": ScoreDef(
                "helpful",
                0.5,
                (0, 10),
                "judge",
                {"model": "gpt-4o-mini", "prompt_sha256": "ab" * 32, "scale": [0, 10]},
            ),
        },
        repeats=repeats,
        git={"commit": "0123456789abcdef", "branch": "feature"},
        dataset={"kind": "file", "path": "data.jsonl", "items": items},
        started_at="2026-01-01T00:00:00Z",
        finished_at="2026-01-01T00:10:00Z",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--html-items",
        type=int,
        default=None,
        help="unchanged items listed (scoregate report --html-items) [every item: the worst case]",
    )
    args = parser.parse_args()
    listed = args.items if args.html_items is None else args.html_items

    candidate = _record(args.items, args.repeats, candidate=True, seed=1)
    baseline = _record(args.items, args.repeats, candidate=False, seed=2)
    comparison = compare(candidate, baseline)
    check = Check("qa", "correct", "max_regressed_items", "fail", 1000, 0, "1,000 items regressed")
    verdict = Verdict((check,), (comparison,))
    started = time.perf_counter()
    page = html.render(verdict, items=listed)
    render_s = time.perf_counter() - started
    size = len(page.encode("utf-8"))
    print(
        f"items: {args.items:,} × {args.repeats} repeats, 2 scores; "
        f"up to {listed:,} unchanged items listed"
    )
    print(f"render: {render_s:.2f} s")
    import json
    import re

    found = re.search(r'id="report-data">(.*?)</script>', page, re.S)
    assert found is not None
    data = json.loads(found[1])
    print(
        f"texts shown whole up to {data['bound']:,} characters for changed items, "
        f"{data['other']:,} for unchanged ones ({data['cut']:,} texts cut)"
    )
    print(f"size: {size / 1e6:.2f} MB (target < 15 MB): {'ok' if size < 15e6 else 'OVER'}")

    from playwright.sync_api import sync_playwright
    from testing.browser import launch, open_page

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        path = Path(folder) / "report.html"
        path.write_text(page, encoding="utf-8")
        browser = launch(playwright)
        started = time.perf_counter()
        opened = open_page(browser, path, Path(folder), wait_for="body[data-ready]")
        ready_s = time.perf_counter() - started
        paint = opened.page.evaluate(
            "() => Object.fromEntries(performance.getEntriesByType('paint')"
            ".map((e) => [e.name, e.startTime]))"
        )
        timing = opened.page.evaluate(
            "() => { const n = performance.getEntriesByType('navigation')[0];"
            " return [n.domContentLoadedEventEnd, n.loadEventEnd]; }"
        )
        started = time.perf_counter()
        opened.page.select_option("select.status-filter", "regressed")
        filter_s = time.perf_counter() - started
        rows = opened.page.locator("tr.item-row").count()
        started = time.perf_counter()
        opened.page.locator("tr.item-row").first.click()
        opened.page.wait_for_selector(".detail ins")
        detail_s = time.perf_counter() - started
        errors = opened.console_errors + opened.page_errors
        browser.close()
    print(f"first contentful paint: {paint.get('first-contentful-paint', float('nan')):.0f} ms")
    print(f"DOMContentLoaded: {timing[0]:.0f} ms, load: {timing[1]:.0f} ms")
    print(
        f"items table ready (from navigation start, as the test harness sees it): {ready_s * 1000:.0f} ms"
    )
    print(f"filter to regressed ({rows} rows on the first page): {filter_s * 1000:.0f} ms")
    print(f"open an item with its word diff: {detail_s * 1000:.0f} ms")
    print(f"console and page errors: {len(errors)}")


if __name__ == "__main__":
    main()
