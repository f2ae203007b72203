"""Headless Chromium for the browser tests: open a file, collect its errors, save screenshots.

The browser is Debian's ``chromium`` package (``make test`` installs it where it is missing),
driven by Playwright for Python with ``executable_path``; Playwright's own browser download is
never used. A missing browser is an error naming what to install, never a silent skip.

Use from pytest (``tests/conftest.py`` gives the fixtures ``chromium`` and ``browser_page``)::

    def test_it_renders(browser_page: BrowserPageFactory, tmp_path: Path) -> None:
        page = browser_page(tmp_path / "report.html")
        page.page.click("text=regressed")
        page.screenshot("regressed")
        page.assert_clean()  # no console error, no page error, no request but the file

Screenshots go to ``test-artifacts/<test name>/`` at the repository root (gitignored), or under
``$SCOREGATE_TEST_ARTIFACTS`` when it is set, so a CI job can upload the folder.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Request, sync_playwright

REPO = Path(__file__).resolve().parents[1]

CHROMIUM_NAMES = ("chromium", "chromium-browser")
"""The names Debian and Ubuntu give the browser on PATH."""

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

MISSING = (
    "the browser tests need Chromium and found none (looked for $SCOREGATE_CHROMIUM, "
    "then chromium and chromium-browser on PATH); install Debian's chromium package "
    "(apt-get install chromium, which `make test` does when run as root) or set "
    "SCOREGATE_CHROMIUM=/path/to/chromium"
)

LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")
"""URLs a self-contained page may load; anything else is a request it must not make."""


class BrowserMissingError(RuntimeError):
    """No Chromium to run the browser tests with; the message names what to install."""


def chromium_path() -> str:
    """The Chromium executable: ``$SCOREGATE_CHROMIUM``, else ``chromium`` on PATH."""
    chosen = os.environ.get("SCOREGATE_CHROMIUM", "")
    if chosen:
        if not (Path(chosen).is_file() and os.access(chosen, os.X_OK)):
            raise BrowserMissingError(
                f"SCOREGATE_CHROMIUM={chosen} is not an executable; {MISSING}"
            )
        return chosen
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserMissingError(MISSING)


def artifacts_dir(name: str) -> Path:
    """The folder for one test's screenshots, ``test-artifacts/<name>``, emptied of an earlier
    run's; it is made by the first screenshot."""
    root = Path(os.environ.get("SCOREGATE_TEST_ARTIFACTS", "") or REPO / "test-artifacts")
    folder = root / re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_.")[:120]
    if folder.exists():
        shutil.rmtree(folder)
    return folder


@dataclass
class BrowserPage:
    """One open page and everything it reported while open."""

    page: Page
    artifacts: Path
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    """Every URL the page asked for, in order (the file itself included)."""

    def screenshot(self, name: str, *, full_page: bool = True) -> Path:
        """Saves a PNG of the page as ``<artifacts>/<name>.png`` and returns its path."""
        self.artifacts.mkdir(parents=True, exist_ok=True)
        path = self.artifacts / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def outside_requests(self) -> list[str]:
        """The requests that left the file: to a server, a CDN, anything not local."""
        return [url for url in self.requests if not url.startswith(LOCAL_SCHEMES)]

    def assert_clean(self) -> None:
        """No console error, no uncaught exception, no request beyond local URLs."""
        assert not self.console_errors, f"console errors: {self.console_errors}"
        assert not self.page_errors, f"page errors: {self.page_errors}"
        assert not self.outside_requests(), f"requests: {self.outside_requests()}"


def launch(playwright: Playwright) -> Browser:
    """Headless Chromium from the system package, no sandbox, no background traffic."""
    return playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=list(CHROMIUM_ARGS)
    )


def open_page(
    browser: Browser,
    target: Path | str,
    artifacts: Path,
    *,
    width: int = 1280,
    height: int = 900,
    wait_for: str | None = None,
) -> BrowserPage:
    """Opens ``target`` (a file path or a URL) in a fresh context and waits for it to load.

    Console errors, uncaught page errors and every request are recorded from the start;
    ``wait_for`` is a CSS selector to wait for after the load event.
    """
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    opened = BrowserPage(page=page, artifacts=artifacts)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            opened.console_errors.append(message.text)

    def on_request(request: Request) -> None:
        opened.requests.append(request.url)

    page.on("console", on_console)
    page.on("pageerror", lambda error: opened.page_errors.append(str(error)))
    page.on("request", on_request)
    url = target if isinstance(target, str) else Path(target).resolve().as_uri()
    page.goto(url, wait_until="load")
    if wait_for is not None:
        page.wait_for_selector(wait_for)
    return opened


BrowserPageFactory = Callable[..., BrowserPage]
"""``browser_page(target, *, width=..., height=..., wait_for=...)`` → an open ``BrowserPage``."""


def chromium_session() -> Iterator[Browser]:
    """One browser for a whole test session (the body of the ``chromium`` fixture)."""
    chromium_path()  # a missing browser fails here with the message naming what to install
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


def page_factory(browser: Browser, test_name: str) -> Iterator[BrowserPageFactory]:
    """Opens pages for one test (the body of the ``browser_page`` fixture); closes them after."""
    pages: list[BrowserPage] = []
    folder = artifacts_dir(test_name)

    def open_one(target: Path | str, **options: object) -> BrowserPage:
        opened = open_page(browser, target, folder, **options)  # type: ignore[arg-type]
        pages.append(opened)
        return opened

    try:
        yield open_one
    finally:
        for opened in pages:
            opened.page.context.close()
