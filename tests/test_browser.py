"""testing/browser.py: the real Chromium opens a file and reports what went wrong on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from testing.browser import MISSING, BrowserMissingError, BrowserPageFactory, chromium_path

CLEAN = """<!doctype html><html><head><meta charset="utf-8"><title>clean</title></head>
<body><p id="ok">fine</p><script>document.getElementById("ok").textContent = "ran";</script>
</body></html>"""

BROKEN = """<!doctype html><html><head><meta charset="utf-8"><title>broken</title></head>
<body><img src="http://127.0.0.1:9/pixel.png" alt="">
<script>console.error("said so"); undefinedFunction();</script></body></html>"""


def test_a_clean_page_runs_its_script_and_is_clean(
    browser_page: BrowserPageFactory, tmp_path: Path
) -> None:
    path = tmp_path / "clean.html"
    path.write_text(CLEAN, encoding="utf-8")
    opened = browser_page(path, wait_for="#ok")
    assert opened.page.text_content("#ok") == "ran"
    assert opened.page.title() == "clean"
    opened.assert_clean()
    assert opened.requests == [path.resolve().as_uri()]


def test_errors_and_outside_requests_are_collected(
    browser_page: BrowserPageFactory, tmp_path: Path
) -> None:
    path = tmp_path / "broken.html"
    path.write_text(BROKEN, encoding="utf-8")
    opened = browser_page(path)
    assert "said so" in opened.console_errors
    assert len(opened.page_errors) == 1
    assert "undefinedFunction" in opened.page_errors[0]
    assert opened.outside_requests() == ["http://127.0.0.1:9/pixel.png"]
    with pytest.raises(AssertionError, match="console errors"):
        opened.assert_clean()


def test_a_screenshot_is_a_png_in_the_test_artifacts(
    browser_page: BrowserPageFactory, tmp_path: Path
) -> None:
    path = tmp_path / "clean.html"
    path.write_text(CLEAN, encoding="utf-8")
    shot = browser_page(path).screenshot("page")
    assert shot.name == "page.png"
    assert shot.parent.name == "test_a_screenshot_is_a_png_in_the_test_artifacts"
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_a_missing_browser_names_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SCOREGATE_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BrowserMissingError) as missing:
        chromium_path()
    assert str(missing.value) == MISSING
    assert "apt-get install chromium" in MISSING


def test_a_chosen_browser_that_is_not_there_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCOREGATE_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(BrowserMissingError, match=r"SCOREGATE_CHROMIUM=/nonexistent/chromium is"):
        chromium_path()
