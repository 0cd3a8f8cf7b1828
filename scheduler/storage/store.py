"""The database: engine, migrations and transactions.

SQLAlchemy 2 on SQLite (WAL, the embedded default) or PostgreSQL; the schema is created and
upgraded by Alembic migrations in scheduler/migrations.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from scheduler.storage.tables import WorkshopRow

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


def migrate(url: str) -> None:
    from alembic import command  # ~0.5 s to import: only the processes that migrate pay it
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            _sqlite_pragmas(self.engine)
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
