"""The comment's Mermaid charts drawn by the real mermaid (npm, ``tools/mermaid``) in headless
Chromium (testing/browser.py), as GitHub draws them.

``mermaid_dist()`` is the library's dist file (``npm ci`` in tools/mermaid if ``make test``
has not run it); ``render(browser_page, folder, blocks)`` opens a page that loads it from the
file, parses and draws each block, and returns per block whether it parsed, the error, the
SVG, the texts drawn and each bar's extent; ``assert_drawn`` checks a scoregate chart with it.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from testing.browser import BrowserPage, BrowserPageFactory

REPO = Path(__file__).resolve().parents[1]
MERMAID = REPO / "tools" / "mermaid"
DIST = MERMAID / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
BLOCK = re.compile(r"^```mermaid\n(.*?)\n```$", re.S | re.M)
"""A fenced mermaid block of a markdown text; group 1 is the diagram."""
SENTINEL = "sentinel"
"""The page's title: a script run by a hostile name would change it."""

RENDER = """async (blocks) => {
  mermaid.initialize({startOnLoad: false, securityLevel: "strict"});
  const results = [];
  for (const [index, text] of blocks.entries()) {
    const found = {parsed: false, error: null, svg: "", text: [], bars: []};
    try {
      await mermaid.parse(text);
      found.parsed = true;
      const {svg} = await mermaid.render(`chart${index}`, text);
      const holder = document.createElement("div");
      holder.innerHTML = svg;
      document.body.appendChild(holder);
      found.svg = svg;
      found.text = [...holder.querySelectorAll("text")].map((t) => t.textContent);
      found.bars = [...holder.querySelectorAll("g[class^=bar-plot] rect")].map((r) => {
        const box = r.getBBox();
        return {end: box.x + box.width, width: box.width};
      });
    } catch (error) {
      found.error = String((error && error.message) || error);
    }
    results.push(found);
  }
  return results;
}"""


def mermaid_dist() -> Path:
    """tools/mermaid's dist file; runs ``npm ci`` there if ``make test`` has not."""
    if not DIST.is_file():
        npm = shutil.which("npm")
        if npm is None:
            raise AssertionError("npm is needed for tools/mermaid (install Node.js 18+ and npm)")
        command = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"]
        installed = subprocess.run(
            command, cwd=MERMAID, capture_output=True, text=True, timeout=600, check=False
        )
        assert installed.returncode == 0, installed.stderr
    return DIST


def blocks(markdown: str) -> list[str]:
    """The diagrams of the ```` ```mermaid ```` blocks of ``markdown``."""
    return BLOCK.findall(markdown)


def render(
    browser_page: BrowserPageFactory, folder: Path, diagrams: list[str]
) -> tuple[BrowserPage, list[dict[str, Any]]]:
    """Each diagram parsed and drawn by mermaid in a page titled :data:`SENTINEL`."""
    page_file = folder / "mermaid.html"
    page_file.write_text(
        f'<!doctype html><html><head><meta charset="utf-8"><title>{SENTINEL}</title>'
        f'<script src="{html.escape(mermaid_dist().as_uri())}"></script></head><body></body></html>',
        encoding="utf-8",
    )
    opened = browser_page(page_file)
    results: list[dict[str, Any]] = opened.page.evaluate(RENDER, diagrams)
    return opened, results


def decoded(text: str) -> str:
    """A label as Mermaid draws it: its numeric entities turned back into characters."""
    return re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), text)


def chart_values(diagram: str) -> tuple[list[float], list[str]]:
    """A scoregate chart's bar values and its labels as Mermaid draws them."""
    [bar] = re.findall(r"^    bar \[(.*)\]$", diagram, re.M)
    [axis] = re.findall(r"^    x-axis \[(.*)\]$", diagram, re.M)
    labels = [decoded(a) for a in re.findall(r'"([^"]*)"', axis)]
    return [float(v) for v in bar.split(", ")], labels


def assert_drawn(result: dict[str, Any], diagram: str) -> None:
    """Parsed and drawn: an <svg> with every label and one bar per value, each bar's end where
    its value is on one linear axis (no bar hidden, none drawn from elsewhere)."""
    values, labels = chart_values(diagram)
    assert result["parsed"] and result["error"] is None, result["error"]
    assert result["svg"].startswith("<svg") and "Syntax error" not in result["svg"]
    for text in labels:
        assert text in result["text"], (text, json.dumps(result["text"]))
    bars = result["bars"]
    assert len(bars) == len(values)
    assert all(bar["width"] > 0 for bar in bars)
    low = min(range(len(values)), key=values.__getitem__)
    high = max(range(len(values)), key=values.__getitem__)
    if values[high] > values[low]:
        scale = (bars[high]["end"] - bars[low]["end"]) / (values[high] - values[low])
        assert scale > 0
        for bar, value in zip(bars, values, strict=True):
            expected = bars[low]["end"] + (value - values[low]) * scale
            assert abs(bar["end"] - expected) < 0.5, (bar, value)
