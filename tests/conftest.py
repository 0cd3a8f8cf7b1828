"""Shared fixtures: a fresh database per test (SQLite always, PostgreSQL when scripts/postgres.sh
ran) and the API's test client over it, on the tests' fixed clock with keys off (tests/api/test_auth.py
turns them on).

A fresh database is a copy of one migrated once per session (per xdist worker): the migrations run
from empty once per backend and session (and from an old revision in
tests/scheduler/test_workshop_versions.py), not once per test; the app's own `migrate` on start then
finds the copy at head. On PostgreSQL the copies are reused: emptied back to head after each test
(`_PostgresDatabases`). Under pytest-xdist every worker has its own templates and databases."""

from __future__ import annotations

import importlib.util
import multiprocessing
import multiprocessing.forkserver
import os
import shutil
import sqlite3
import uuid
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

import scheduler.jobs
import scheduler.refiner
import scheduler.workers
from api.app import create_app
from cli.i18n import set_language
from scheduler.contract import Booking
from scheduler.service import PlanningService
from scheduler.shopfloor import ShopFloor
from scheduler.storage import Store
from tests.builders import at, clocked_history, fixed_clock, tiny_workshop

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


def pytest_configure(config: pytest.Config) -> None:
    """The fork server is started now, so that it has imported the planning code while the tests
    are being collected: the first request that submits a job then does not wait for it. Not in
    pytest-xdist's controller, which runs no test (its preload was some 2 CPU seconds for nothing)."""
    if getattr(config, "workerinput", None) is None and config.getoption("numprocesses", None):
        return
    multiprocessing.forkserver.ensure_running()


def _forkserver_pool(processes: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=processes, mp_context=_FORKSERVER, initializer=scheduler.workers._start_worker
    )


scheduler.jobs.worker_pool = _forkserver_pool  # type: ignore[attr-defined]
scheduler.refiner.worker_pool = _forkserver_pool  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _cli_language_from_the_environment() -> None:
    """Each test starts with the command line's language read from the environment (English here):
    it is process state that `--lang` sets, so a command run in Chinese in one test (tests/cli/
    test_report.py) left the next test of its worker reading Chinese (test_report_zh's English table
    title failed in a fresh clone's run, session 39)."""
    set_language(None)


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


_SCHEMA = """SELECT
 (SELECT string_agg(table_name || '.' || column_name || ':' || data_type || ':' || is_nullable || ':'
   || coalesce(column_default, ''), ',' ORDER BY table_name, column_name)
  FROM information_schema.columns WHERE table_schema = 'public'),
 (SELECT string_agg(conrelid::regclass::text || ':' || pg_get_constraintdef(oid), ','
   ORDER BY conrelid::regclass::text, pg_get_constraintdef(oid))
  FROM pg_constraint WHERE connamespace = 'public'::regnamespace),
 (SELECT string_agg(indexdef, ',' ORDER BY indexdef) FROM pg_indexes WHERE schemaname = 'public'),
 (SELECT string_agg(tgrelid::regclass::text || ':' || tgname, ',' ORDER BY 1) FROM pg_trigger
  WHERE NOT tgisinternal),
 (SELECT string_agg(sequencename, ',' ORDER BY sequencename) FROM pg_sequences WHERE schemaname = 'public'),
 (SELECT string_agg(version_num, ',' ORDER BY version_num) FROM alembic_version)"""
"""A database's schema (columns, types, defaults, constraints, indexes, triggers, sequences) and
revision: what a copy of the template has, and what a test must not have changed for its database to
be reused."""


class _PostgresDatabases:
    """This worker's PostgreSQL test databases, copies of one migrated template, reused: when a test
    ends its database is emptied back to its state at head, instead of being dropped and another
    copied (CREATE DATABASE and DROP DATABASE each write a checkpoint: together about 0.6 s a test,
    on some 150 tests). Emptied is as fresh as a copy: a database at head holds no row but
    alembic_version's (checked on the template); the sessions the test left are ended first (as
    DROP ... WITH (FORCE) did), every table's rows deleted (DELETE, not TRUNCATE: on tables this
    small TRUNCATE's new files and their fsync cost ten times more) and every sequence set back to
    its start, in one transaction. A database whose schema or revision no longer matches the
    template's (a test that altered it), or that cannot be emptied, is dropped, not reused."""

    def __init__(self, url: str) -> None:
        import sqlalchemy as sa

        self.base = url.rsplit("/", 1)[0]
        self.admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        self.template = f"t_template_{uuid.uuid4().hex[:12]}"
        self.free: list[str] = []
        self.made: dict[str, Any] = {}  # database -> our own engine on it (one connection, kept)
        with self.admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{self.template}"'))
        Store(self.url(self.template)).engine.dispose()  # no session left: it can be copied
        engine = sa.create_engine(self.url(self.template), poolclass=sa.pool.NullPool)
        with engine.connect() as connection:
            self.schema = tuple(connection.execute(sa.text(_SCHEMA)).one())
            counts = self._counts(connection)
        engine.dispose()
        assert counts == 0, "the migrations leave rows: emptying a database would not give it back"

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    @staticmethod
    def _tables(connection: Any) -> list[str]:
        import sqlalchemy as sa

        query = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        query += " AND tablename <> 'alembic_version'"
        return list(connection.execute(sa.text(query)).scalars())

    def _counts(self, connection: Any) -> int:
        """The rows in every table but alembic_version."""
        import sqlalchemy as sa

        tables = self._tables(connection)
        query = " + ".join(f'(SELECT count(*) FROM "{t}")' for t in tables) or "0"
        return int(connection.execute(sa.text(f"SELECT {query}")).scalar_one())

    def take(self) -> str:
        import sqlalchemy as sa

        if self.free:
            return self.free.pop()
        name = f"t_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        self.made[name] = sa.create_engine(self.url(name), pool_size=1, max_overflow=0)
        return name

    def give_back(self, name: str) -> None:
        """Empty `name` for the next test, or drop it if it cannot be made as fresh as a copy."""
        import sqlalchemy as sa

        try:
            with self.made[name].begin() as connection:
                connection.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
                if tuple(connection.execute(sa.text(_SCHEMA)).one()) != self.schema:
                    raise RuntimeError(f"{name}: its schema is no longer the template's")
                connection.execute(sa.text("SET LOCAL session_replication_role = replica"))  # any FK order
                for table in self._tables(connection):
                    connection.execute(sa.text(f'DELETE FROM "{table}"'))
                # As a fresh copy's: the next value is the first (setval, not ALTER SEQUENCE
                # RESTART: that writes a new file for each sequence).
                connection.execute(
                    sa.text(
                        "SELECT setval(format('%I.%I', schemaname, sequencename), start_value, false)"
                        " FROM pg_sequences WHERE schemaname = 'public'"
                    )
                )
                if self._counts(connection):
                    raise RuntimeError(f"{name}: rows left after emptying")
        except Exception:
            self.drop(name)
            return
        self.free.append(name)

    def drop(self, name: str) -> None:
        import sqlalchemy as sa

        self.made.pop(name).dispose()
        with self.admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        import sqlalchemy as sa

        for name in list(self.made):
            self.drop(name)
        with self.admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def _postgres_databases() -> Iterator[_PostgresDatabases]:
    if not PG_URL:
        pytest.skip(
            "PostgreSQL unavailable: BAYPLAN_TEST_PG_URL is empty (make test starts scripts/postgres.sh)"
        )
    databases = _PostgresDatabases(PG_URL)
    yield databases
    databases.close()


@pytest.hookimpl(tryfirst=True)  # before pytest parametrizes `db_url` with both backends
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`pytestmark = pytest.mark.sqlite_only`: the module's tests take `db_url` on SQLite alone (what
    they test does not depend on the backend), but for a test marked `both_backends` (what it tests
    may: a refused write rolled back, moments read back as stored). As a parametrize mark, which
    pytest gives precedence over the fixture's own params."""
    definition = metafunc.definition
    if (
        "db_url" in metafunc.fixturenames
        and definition.get_closest_marker("sqlite_only")
        and not definition.get_closest_marker("both_backends")
    ):
        metafunc.definition.add_marker(pytest.mark.parametrize("db_url", ["sqlite"], indirect=True))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database at head per test, on each backend (a module marked `sqlite_only`: SQLite)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_url")
        return
    databases: _PostgresDatabases = request.getfixturevalue("_postgres_databases")
    name = databases.take()
    try:
        yield databases.url(name)
    finally:
        databases.give_back(name)


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    """The API over `db_url` (`pytest.mark.sqlite_only` pins a module to SQLite). Closed after the
    test (the app's shutdown: its worker processes stopped), so no job a test started, such as a
    long simulation left running, goes on taking the cores from the tests after it."""
    with TestClient(create_app(db_url, auth=False, clock=fixed_clock())) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def _clocked_history_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database holding `clocked_history` (three clocked days, their plans), made once per
    session (per xdist worker) as each test made it, then snapshotted by SQLite's backup (the WAL's
    pages too). Session-, not module-scoped: the tests using it stay scopes of their own under xdist."""
    built = tmp_path_factory.mktemp("history") / "built.db"
    clocked_history(TestClient(create_app(f"sqlite:///{built}", auth=False, clock=fixed_clock())))
    snapshot = built.with_name("history.db")
    with closing(sqlite3.connect(built)) as source, closing(sqlite3.connect(snapshot)) as target:
        source.backup(target)
    return snapshot


@pytest.fixture
def clocked_history_db(_clocked_history_template: Path, tmp_path: Path) -> Path:
    """A fresh SQLite file holding `clocked_history` (tests/builders.py), the test's own copy: the
    same database `clocked_history(TestClient(create_app(...)))` makes, without making it again
    (3 plans and 12 clock events, ~2.5 s a test)."""
    path = tmp_path / "history.db"
    shutil.copyfile(_clocked_history_template, path)
    return path


@pytest.fixture
def tiny_service(sqlite_url: str) -> Iterator[PlanningService]:
    """A planning service on SQLite and the tests' clock holding the tiny workshop (room for two
    60-minute bookings on DAY, 08:00-10:00), no refinement in the background."""
    service = PlanningService(Store(sqlite_url), clock=fixed_clock(), refine_in_background=False)
    service.put_workshop(tiny_workshop())
    yield service
    service.close()


@pytest.fixture
def tiny_floor(tiny_service: PlanningService) -> Iterator[ShopFloor]:
    """The shop floor over `tiny_service`, re-planning in the request, with one booking (b1, MAINT)
    at 08:00 on DAY and no plan stored yet."""
    tiny_service.book("tiny", Booking(id="b1", service="MAINT", drop_off=at("08:00")), None)
    floor = ShopFloor(tiny_service, background=False)
    yield floor
    floor.close()


# Under pytest-xdist (`make test` runs `-n 2 --dist loadscope`, scheduled by the scopes below): the
# end-to-end tests (real `bayplan serve` processes, Chromium, SIGKILL storms) run one after another
# on one worker, so two of them never compete for the machine's two cores and their start-up
# deadlines; a module with a module-scoped set-up runs on one worker, so the set-up is made once;
# every other test is its own scope and goes to whichever worker is free. (Not `xdist_group` marks
# with `--dist loadgroup`: xdist 3.8 writes the group into `item._nodeid`, which pytest 9.2 no
# longer reads, so the groups are silently ignored.) Serial runs are unaffected.
_ONE_WORKER = "tests/e2e"
_MODULE_SCOPED = {
    "tests/api/test_cluster.py",
    "tests/api/test_fuzz.py",
    "tests/api/test_page_links.py",
    "tests/cli/test_live_status.py",
    "tests/cli/test_replay_day.py",
    "tests/scheduler/test_demand.py",
    "tests/scheduler/test_optimise_dealer_2011_s4.py",
    "tests/simulation/test_overbooking.py",
    "tests/solver/test_relaxation_plan.py",
}


def _scope(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    directory = path.rpartition("/")[0]
    if directory == _ONE_WORKER:
        return directory
    if path in _MODULE_SCOPED:
        return path
    return nodeid


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A module whose tests share a module-scoped set-up is in _MODULE_SCOPED: else its tests could
    go to both workers and each would make the set-up (tests/cli/test_replay_day.py's cost 20 s)."""
    sharing: dict[str, set[str]] = {}
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        for definitions in info.name2fixturedefs.values() if info is not None else ():
            if any(d.scope in ("module", "class", "package") for d in definitions):
                sharing.setdefault(item.nodeid.split("::", 1)[0], set()).add(item.nodeid)
    missing = sorted(
        path
        for path, tests in sharing.items()
        if len(tests) > 1 and path not in _MODULE_SCOPED and path.rpartition("/")[0] != _ONE_WORKER
    )
    if missing:
        raise pytest.UsageError(f"tests/conftest.py: add {missing} to _MODULE_SCOPED (a shared set-up)")


if importlib.util.find_spec("xdist") is not None:

    @pytest.hookimpl(tryfirst=True)  # before xdist's own choice of scheduler
    def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
        if config.getvalue("dist") != "loadscope":
            return None
        from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]

        class Scopes(LoadScopeScheduling):  # type: ignore[misc]
            def __init__(self, config: pytest.Config, log: Any = None) -> None:
                super().__init__(config, log)
                self._indexes: dict[Any, dict[str, list[int]]] = {}  # node -> node id -> its items

            def _split_scope(self, nodeid: str) -> str:
                return _scope(nodeid)

            def _assign_work_unit(self, node: Any) -> None:
                """As xdist's, but every item of the unit is sent, not one per node id: xdist keys
                a unit's items by node id, so items that share one (schemathesis' one per API
                operation, tests/api/test_fuzz.py: 51 items, 2 ids) ran once per id, 2 of the 51
                (bench/RESULTS-suite-s47.md). Their reports are marked complete by node id as
                before; a worker runs all it was sent before it stops."""
                scope, work_unit = self.workqueue.popitem(last=False)
                self.assigned_work.setdefault(node, {})[scope] = work_unit
                if node not in self._indexes:
                    self._indexes[node] = {}
                    for index, nodeid in enumerate(self.registered_collections[node]):
                        self._indexes[node].setdefault(nodeid, []).append(index)
                pending = [nodeid for nodeid, completed in work_unit.items() if not completed]
                node.send_runtest_some(sorted(i for nodeid in pending for i in self._indexes[node][nodeid]))

        return Scopes(config, log)
