"""Workshop versions in storage: every text kept, and a database from before them (migration 0007)
gets its workshops' current text as version 1."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from scheduler import actuals
from scheduler.service import PlanningService
from scheduler.storage import MIGRATIONS, Store
from tests.builders import NOW, fixed_clock, tiny_workshop, with_technician


def test_an_older_database_gets_version_1(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0007")
    body = tiny_workshop().model_dump_json()
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO workshops (id, body, updated_at) VALUES ('tiny', :body, :at)"),
            {"body": body, "at": NOW.astimezone(dt.UTC)},
        )
    engine.dispose()
    service = PlanningService(Store(url), clock=fixed_clock())
    assert [v for v, _, _ in actuals.versions(service, "tiny")] == [1]
    assert actuals.version(service, "tiny", 1) == tiny_workshop()


def test_each_new_text_is_a_new_version_and_the_same_text_is_not(tmp_path: Path) -> None:
    service = PlanningService(Store(f"sqlite:///{tmp_path / 'v.db'}"), clock=fixed_clock())
    service.put_workshop(tiny_workshop())
    service.put_workshop(tiny_workshop())
    faster = with_technician(tiny_workshop(), "t", efficiency=1.2)
    service.put_workshop(faster, note="faster")
    assert [(v, note) for v, _, note in actuals.versions(service, "tiny")] == [(1, None), (2, "faster")]
    assert actuals.version(service, "tiny", 1).technicians[0].efficiency == 1.0
    assert service.workshop("tiny") == faster
