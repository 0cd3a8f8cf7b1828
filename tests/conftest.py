"""Shared fixtures: a fresh database per test (SQLite always, PostgreSQL when scripts/postgres.sh
ran) and the API's test client over it, on the tests' fixed clock with keys off (tests/api/test_auth.py
turns them on)."""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.app import create_app
from tests.builders import fixed_clock

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

PG_URL = os.environ.get("BAYPLAN_TEST_PG_URL", "").strip()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database per test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bayplan.db'}"
        return
    if not PG_URL:
        pytest.skip(
            "PostgreSQL unavailable: BAYPLAN_TEST_PG_URL is empty (make test starts scripts/postgres.sh)"
        )
    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def client(db_url: str) -> TestClient:
    """The API over `db_url` (override `db_url` in a module to pin the backend)."""
    return TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
