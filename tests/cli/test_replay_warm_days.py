"""`replay_scenario` with warm-up days (bench/replay_day.py --warm-days) scores only its own days,
which start from the warm days' learned minutes. Its own module, apart from tests/cli/test_replay_day.py:
that module's tests share one two-day replay and so run on one pytest-xdist worker, where this
replay (as long as the shared one) would wait behind it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from cli.replay_day import replay_scenario, working_days

if TYPE_CHECKING:
    from simulation.day_replay import Probe


def test_warm_days_are_replayed_first_unscored_and_the_scored_day_learns_from_them() -> None:
    learned: list[tuple[dt.date, int]] = []  # (day polled, learned minutes at that poll)

    def probe(shopfloor: Any, workshop_id: str, snapshots: list[Any]) -> Probe:
        def read(date: dt.date, moment: dt.datetime) -> dict[str, dict[str, Any]]:
            learned.append((date, len(shopfloor.snapshot(workshop_id, date, moment).learned or {})))
            return {}

        return read

    reported: list[dt.date] = []
    records = replay_scenario(
        "small-dealer", 1, 3, warm_days=1, latency_every=1, probe=probe,
        on_day=lambda record, _: reported.append(record.date),
    )  # fmt: skip
    scored = working_days("small-dealer", 1)
    assert [r.date for r in records] == reported == scored  # the warm day is not a record
    assert learned and {date for date, _ in learned} == set(scored)  # nor polled by the probe
    # A cold first day has no history (nothing learned); this one has the warm day's.
    assert learned[0][1] > 0
    assert records[0].reflected_ms and records[0].events_posted == records[0].events_stored
