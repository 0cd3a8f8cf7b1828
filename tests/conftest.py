"""Shared fixtures: a fresh database per test (SQLite always, PostgreSQL when scripts/postgres.sh
ran) and the API's test client over it, on the tests' fixed clock with keys off (tests/api/test_auth.py
turns them on).

A fresh database is a copy of one migrated once per session (per xdist worker): the migrations run
from empty once per backend and session (and from an old revision in
tests/scheduler/test_workshop_versions.py), not once per test; the app's own `migrate` on start then
finds the copy at head. Under pytest-xdist every worker has its own templates and databases."""

from __future__ import annotations

import importlib.util
import multiprocessing
import multiprocessing.forkserver
import os
import shutil
import uuid
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import scheduler.jobs
import scheduler.refiner
import scheduler.workers
from api.app import create_app
from scheduler.storage import Store
from tests.builders import fixed_clock

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

PG_URL = os.environ.get("BAYPLAN_TEST_PG_URL", "").strip()

# The apps' worker processes (plans, offer refinement, simulation jobs) start from a fork server
# that has imported the planning code once, not by `spawn` (a fresh interpreter importing it all
# again: about a CPU second for each of the hundreds of apps the suite makes). Same pool, same
# initializer (nice 10, the watchdog), same pickled calls; only the start method differs.
# `bayplan serve` in the end-to-end tests (tests/e2e, cli.testing.Server) still spawns its own.
_FORKSERVER = multiprocessing.get_context("forkserver")
_FORKSERVER.set_forkserver_preload(["scheduler.day_plans", "scheduler.refiner", "simulation.jobs"])
# Started now, so that it has imported the planning code while the tests are being collected:
# the first request that submits a job then does not wait for it.
multiprocessing.forkserver.ensure_running()


def _forkserver_pool(processes: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=processes, mp_context=_FORKSERVER, initializer=scheduler.workers._start_worker
    )


scheduler.jobs.worker_pool = _forkserver_pool  # type: ignore[attr-defined]
scheduler.refiner.worker_pool = _forkserver_pool  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database migrated to head, closed (its WAL checkpointed into the file)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    Store(f"sqlite:///{path}").engine.dispose()
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture
def sqlite_url(_sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh SQLite database at head (a copy of the session's migrated template)."""
    path = tmp_path / "bayplan.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def _postgres_template() -> Iterator[str]:
    """A PostgreSQL database migrated to head, to be copied by CREATE DATABASE ... TEMPLATE."""
    if not PG_URL:
        pytest.skip(
            "PostgreSQL unavailable: BAYPLAN_TEST_PG_URL is empty (make test starts scripts/postgres.sh)"
        )
    import sqlalchemy as sa

    name = f"t_template_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    Store(PG_URL.rsplit("/", 1)[0] + f"/{name}").engine.dispose()  # no session left: it can be copied
    yield name
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database at head per test."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_url")
        return
    template = request.getfixturevalue("_postgres_template")
    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    """The API over `db_url` (override `db_url` in a module to pin the backend). Closed after the
    test (the app's shutdown: its worker processes stopped), so no job a test started, such as a
    long simulation left running, goes on taking the cores from the tests after it."""
    with TestClient(create_app(db_url, auth=False, clock=fixed_clock())) as test_client:
        yield test_client


# Under pytest-xdist (`make test` runs `-n 2 --dist loadscope`, scheduled by the scopes below): the
# end-to-end tests (real `bayplan serve` processes, Chromium, SIGKILL storms) run one after another
# on one worker, so two of them never compete for the machine's two cores and their start-up
# deadlines; a module with a module-scoped set-up runs on one worker, so the set-up is made once;
# every other test is its own scope and goes to whichever worker is free. (Not `xdist_group` marks
# with `--dist loadgroup`: xdist 3.8 writes the group into `item._nodeid`, which pytest 9.2 no
# longer reads, so the groups are silently ignored.) Serial runs are unaffected.
_ONE_WORKER = "tests/e2e"
_MODULE_SCOPED = {"test_cluster", "test_demand", "test_live_status", "test_overbooking", "test_fuzz"}


def _scope(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    directory, _, name = path.rpartition("/")
    if directory == _ONE_WORKER:
        return directory
    if name.removesuffix(".py") in _MODULE_SCOPED:
        return path
    return nodeid


if importlib.util.find_spec("xdist") is not None:

    @pytest.hookimpl(tryfirst=True)  # before xdist's own choice of scheduler
    def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
        if config.getvalue("dist") != "loadscope":
            return None
        from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]

        class Scopes(LoadScopeScheduling):  # type: ignore[misc]
            def _split_scope(self, nodeid: str) -> str:
                return _scope(nodeid)

        return Scopes(config, log)
