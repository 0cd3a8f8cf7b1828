"""Chromium for the browser tests: where it is (scripts/chromium.sh installs it), how it is
started, and where screenshots go."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parents[1] / "artifacts"  # tests/artifacts (git-ignored)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def sign_in(page: Any, url: str, key: str, path: str) -> Any:
    """`page` signed in on the Chinese login form of the server at `url` with `key`, and on `path`
    (the form's `next`, a query string kept) once it is there and `settled`."""
    page.goto(f"{url}/login?" + urlencode({"next": path}))
    page.get_by_label("API 密钥").fill(key)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(path.split("?")[0])))
    settled(page)
    return page


def settled(page: Any) -> Any:
    """`page` once a live plan page (a chart with a stream) has swapped in the stream's first
    message, the status as it connected: read before it, a section may be replaced under the test."""
    if page.locator("#chart[data-stream]").count():
        page.wait_for_selector("#chart[data-refreshed]", state="attached")
    return page
