"""Fixtures of the browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cli.testing import Server
from tests.builders import NOW
from tests.e2e.browser import ARGS, CHROMIUM


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module (modules without Chromium skip before asking)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def desk_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real `bayplan serve` (the fixed clock) for a module's page tests, each of which puts its
    own workshop on it under an id of its own (`tests.e2e.desk.put`), so no test sees another's
    bookings, plans or offers. A start is ~2.5 CPU seconds (imports, mostly) and was most of each
    such test (bench/RESULTS-suitespeed-s33.md); the tests that stop or restart a server, or need
    an empty database, still start their own."""
    server = Server(tmp_path_factory.mktemp("desk") / "desk.db", now=NOW)
    server.start()
    try:
        yield server
    finally:
        server.kill()
