"""The database: engine, migrations and transactions.

SQLAlchemy 2 on SQLite (WAL, the embedded default) or PostgreSQL; the schema is created and
upgraded by Alembic migrations in scheduler/migrations.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from scheduler.storage.tables import WorkshopRow

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent.parent / "migrations"
_READ = "bayplan_read_only"


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: object, _record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged booking survives a crash
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
        # Let SQLAlchemy's BEGIN below decide when the transaction starts.
        dbapi_connection.isolation_level = None  # type: ignore[attr-defined]

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Writes: IMMEDIATE takes the write lock at once, so check-then-insert is serialised across
        # processes. Reads: a deferred BEGIN (a WAL snapshot) never waits for the write lock.
        reading = connection.get_execution_options().get(_READ, False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def _config(url: str | None = None) -> Config:
    from alembic.config import Config  # ~0.5 s to import: only the processes that open a database pay it

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url)
    return config


def migrate(url: str) -> None:
    from alembic import command

    command.upgrade(_config(url), "head")


@functools.cache
def head_revision() -> str | None:
    """The newest migration's revision (read once per process: it loads every migration file)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def _at_head(engine: Engine) -> bool:
    """Whether the database's schema is already the newest: one read instead of Alembic's upgrade
    machinery (about 0.1 s per store opened). Any failure (no table yet, no server) says no, and
    the upgrade runs and reports it as before."""
    try:
        with engine.execution_options(**{_READ: True}).connect() as connection:
            versions = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    except DBAPIError:
        return False
    return list(versions) == [head_revision()]


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            _sqlite_pragmas(self.engine)
        if not _at_head(self.engine):
            migrate(url)
        self.sessions = sessionmaker(self.engine.execution_options(**{_READ: True}), expire_on_commit=False)
        """Read sessions: they never write (on SQLite they do not take the write lock)."""
        self._writes = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One write transaction; on PostgreSQL the caller locks the workshop row."""
        with self._writes.begin() as session:
            yield session

    def lock_workshop(self, session: Session, workshop_id: str) -> WorkshopRow | None:
        statement = select(WorkshopRow).where(WorkshopRow.id == workshop_id)
        if self.engine.dialect.name != "sqlite":
            statement = statement.with_for_update()
        return session.scalars(statement).first()
