"""Fixtures of the browser tests. The end-to-end tests run one after another on one worker
(tests/conftest.py), so one Chromium and one shared `bayplan serve` serve the whole package: each
was started again for every module (~1.5 s and ~6 s wall at a time, some 20 modules:
bench/RESULTS-suite-s47.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cli.testing import Server
from tests.builders import NOW
from tests.e2e.browser import ARGS, CHROMIUM


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One headless Chromium for the package's tests (modules without Chromium skip before asking).
    Package-, not session-scoped: it is closed when the last end-to-end test ends, so no Playwright
    event loop is left in the worker for the tests after them. A test's own pages are closed after
    it (`_pages_closed_after_the_test`)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(autouse=True)
def _pages_closed_after_the_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """The pages (browser contexts) a test opened on the shared Chromium are closed when it ends:
    a live page left open would go on following its server's stream beside the next tests."""
    if "browser" not in request.fixturenames:
        yield
        return
    chromium = request.getfixturevalue("browser")
    before = set(chromium.contexts)
    yield
    for context in chromium.contexts:
        if context not in before:
            context.close()


@pytest.fixture(scope="package")
def desk_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real `bayplan serve` (the fixed clock) for the package's page tests, each of which puts
    its own workshop on it under an id of its own (`tests.e2e.desk.put`), so no test sees another's
    bookings, plans or offers. A start is ~2.5 CPU seconds (imports, mostly) and was most of each
    such test (bench/RESULTS-suitespeed-s33.md), then of each module (bench/RESULTS-suite-s47.md);
    the tests that stop or restart a server, move its clock or need an empty database still start
    their own."""
    server = Server(tmp_path_factory.mktemp("desk") / "desk.db", now=NOW)
    server.start()
    try:
        yield server
    finally:
        server.kill()
