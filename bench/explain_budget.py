"""Does `explain=true` leave times refused because its booking-fit budget ran out? (issue 16 item 5)

On busy days (two days filled with BOOKINGS bookings each at offered times, as bench.explain_cost),
QUERIES random slot queries are explained; during each, every call explain makes to the booking's
own fit that moves others (`DayBook.try_moving_others`, and for multi-day work `multiday` search's
`at`) is recorded with the budget it was given and the CPU it took. Afterwards, for every time
still refused that the advisor and waiter rules allow, the booking's own fit is run again with a
whole booking's budget (`ejection_seconds`, as `POST /bookings` has) on the same day object:

- `not_tried`: refused times explain never gave a try (the budget was spent before their turn);
- `cut`: tried, but the try used up the budget it was given (found nothing);
- `fits_with_own_budget`: of those two, the times a booking's own budget then fits — refused by
  explain only because the budget ran out (a booking there is accepted);
- multi-day work (`multi_*`): every refused time the rules allow, tried with a booking's own fits
  (`try_insert`, `multiday.fit` and `try_moving_others`, each with a whole budget).

    PYTHONPATH=. .venv/bin/python -m bench.explain_budget SCENARIO BOOKINGS QUERIES SEED...
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import sys
import time
from functools import partial

from bench.advisor_soundness import DAY, _client
from bench.explain_cost import _params, filled
from scheduler import multiday
from scheduler.contract import Booking
from scheduler.slots import DayBook

SKIP = ("in the past", "drop-offs are offered every", "workshop closed")


def main(scenario: str, bookings: int, queries: int, seed: int) -> dict[str, object]:
    c = _client()
    svc = c.app.state.services.service  # type: ignore[attr-defined]
    w, base, rng, made = filled(c, scenario, bookings, seed)
    days = [DAY, DAY + dt.timedelta(days=1)]
    tries: list[tuple[dt.datetime, float, float, bool]] = []
    original = DayBook.try_moving_others

    def recorded(self: DayBook, booking: Booking, seconds: float = 0.025) -> object:
        began = time.thread_time()
        out = original(self, booking, seconds)
        tries.append((booking.drop_off, seconds, time.thread_time() - began, out is not None))
        return out

    stats: collections.Counter[str] = collections.Counter()
    odd: list[tuple[object, ...]] = []
    for _ in range(queries):
        params, body = _params(rng, w, rng.choice(days))
        day_date = dt.date.fromisoformat(params["date"])
        c.get(f"{base}/slots", params=params)  # the offers cached, as a desk's first ask
        tries.clear()
        DayBook.try_moving_others = recorded  # type: ignore[method-assign,assignment]
        try:
            answer = c.get(f"{base}/slots", params={**params, "explain": "true"}).json()
        finally:
            DayBook.try_moving_others = original  # type: ignore[method-assign]
        stats["queries"] += 1
        refused = [x for x in answer.get("refused", []) if not x["reason"].startswith(SKIP)]
        tried = {t: (s, used, ok) for t, s, used, ok in tries}
        stats["tries"] += len(tries)
        stats["tries_cut"] += sum(1 for _, s, used, ok in tries if not ok and used >= 0.9 * s)
        with svc.store.sessions() as session:
            day = svc._day(session, w, day_date)
            for x in refused:
                t = dt.datetime.fromisoformat(x["drop_off"])
                probe = Booking.model_validate({"id": "probe", **body, "drop_off": t.isoformat()})
                if not day.allowed_before_fit(probe):
                    continue
                if multiday.carries_over(day.workshop, probe):  # its tries are not recorded: all
                    stats["multi_refused_allowed"] += 1
                    offer = day.try_insert(probe) or multiday.fit(
                        day, partial(svc._day, session, w), probe, svc.ejection_seconds
                    )
                    offer = offer or day.try_moving_others(probe, svc.ejection_seconds)
                    if offer is not None:
                        stats["multi_fits_with_own_budget"] += 1
                        odd.append((params["service"], x["drop_off"], x["reason"][:60]))
                    continue
                stats["refused_allowed"] += 1
                if t in tried and not (tried[t][1] >= 0.9 * tried[t][0]):
                    continue  # tried with budget to spare: nothing fits it
                stats["not_tried" if t not in tried else "cut"] += 1
                offer = day.try_moving_others(probe, svc.ejection_seconds)
                if offer is not None:
                    stats["fits_with_own_budget"] += 1
                    odd.append((params["service"], x["drop_off"], x["reason"][:60]))
    out = {"scenario": scenario, "seed": seed, "booked": made, **stats}
    print(json.dumps(out), flush=True)
    for item in odd[:8]:
        print("  ", item, flush=True)
    return out


if __name__ == "__main__":
    scenario, numbers = sys.argv[1], [int(a) for a in sys.argv[2:]]
    for s in numbers[2:]:
        main(scenario, numbers[0], numbers[1], s)
