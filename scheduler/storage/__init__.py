"""Persistence: every query of the service lives here.

- `store`: the engine, migrations and transactions (`Store`);
- `tables`: the ORM rows (the webhooks' own in `webhooks`);
- `workshops`, `bookings`, `plans`, `clock_events`, `keys`, `jobs`, `webhooks`: the queries of each
  table, as functions taking the caller's session (the caller opens the transaction, so its
  locking stays its own).
"""

from scheduler.storage.store import MIGRATIONS, Store, migrate
from scheduler.storage.tables import ApiKeyRow, Base, BookingRow, JobRow, PlanRow, SessionRow, WorkshopRow

__all__ = [
    "MIGRATIONS",
    "ApiKeyRow",
    "Base",
    "BookingRow",
    "JobRow",
    "PlanRow",
    "SessionRow",
    "Store",
    "WorkshopRow",
    "migrate",
]
