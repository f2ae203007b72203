"""Shared fixtures: a project folder, and the real console script run in a subprocess."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from testing.browser import BrowserPageFactory, chromium_session, page_factory
from testing.project import CliResult, Project, run_cli

__all__ = ["CliResult", "Project"]


@pytest.fixture(autouse=True)
def _restore_sys_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # scoregate puts the config's folder on sys.path to import user modules; keep tests apart.
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """``tmp_path/project`` with experiments.yaml, data.jsonl (items a-e) and a task module."""
    return Project(tmp_path / "project")


@pytest.fixture(name="run_cli")
def run_cli_fixture() -> Callable[..., CliResult]:
    """``run_cli(*args, cwd=..., env=...)`` → (exit code, stdout, stderr) of ``scoregate``."""
    return run_cli


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Headless Chromium (Debian's package via Playwright), one per test module: Playwright's
    sync API holds an event loop in the thread while it runs, which later modules calling
    asyncio.run() must not find. A missing browser fails the test with the message naming
    what to install (testing/browser.py)."""
    yield from chromium_session()


@pytest.fixture
def browser_page(chromium: Browser, request: pytest.FixtureRequest) -> Iterator[BrowserPageFactory]:
    """``browser_page(path_or_url, wait_for=css)`` → a ``BrowserPage`` recording console errors,
    page errors and requests; its screenshots go to ``test-artifacts/<test name>/``."""
    yield from page_factory(chromium, request.node.name)
