"""Start the simulation from a live day: the vehicles in the shop and their work in progress, read
from a day status (the body of `GET /v1/workshops/{id}/days/{date}/status`, scheduler.clocking.DayStatus).

Every booking not done enters the simulation at the status's `as_of` on day 1 (the status day),
already received, with its remaining work: an operation done has none, one in progress or paused
has its standard minutes less the minutes clocked on it (never below zero), one not started its
standard minutes. A booking not yet arrived enters at its first planned start (or `as_of`). The
new demand of day 1 before `as_of` is left out (the status holds it); later demand is drawn as in
any run. Day 0 (the warm-up of an ordinary run) has no vehicles: the state is known.

The status route does not name a booking's service; the file may add `"service": CODE` to a
booking. Without it the service is the scenario's one with as many operations whose planned
minutes are closest (the first such service when nothing is planned).

Approximations: a technician's work in progress is not pinned to them (the first qualified free
technician takes it on); a finished operation of an unfinished booking is passed with zero work;
the status's customers are not waiters and not fleet.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scheduler.clocking import DayStatus
from scheduler.errors import InputError
from scheduler.i18n import N_
from scheduler.scenarios import Scenario
from simulation.arrivals import HistoryDemand, Period
from simulation.design import aggregate, make_jobs
from simulation.layout import compile_layout
from simulation.model import DAY, Vehicle, Workshop, tech_boundaries
from simulation.policies import POLICIES
from simulation.replication import Job, Outcome, _scenario, measure
from simulation.results import ExperimentResult
from simulation.rules import StaffingRules
from simulation.runners import backend_name

#: The metric: the share of the status's open vehicles done by the end of day 1 (the status day).
SERVED_DAY1 = "status_served_day1"


@dataclass(frozen=True)
class Carried:
    """One vehicle of the status, as plain data (picklable)."""

    booking: str
    service: str
    arrival: float  # minutes after midnight of the status day
    promised: float | None  # minutes after midnight of the status day
    remaining: tuple[float, ...]  # standard minutes left, per operation


@dataclass(frozen=True)
class StartState:
    date: dt.date
    as_of: float  # minutes after midnight of the status day
    carried: tuple[Carried, ...]


@dataclass(frozen=True)
class StatusJob(Job):
    state: StartState | None = None


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(status)"


def load_status(path: str | Path, scenario: Scenario) -> StartState:
    """The start state from a status file, or an InputError naming the field."""
    p = Path(path)
    source = str(p)
    try:
        raw: Any = json.loads(p.read_text(encoding="utf-8-sig"))  # a BOM read past
    except FileNotFoundError:
        raise InputError("from_status", N_("no status file %(path)r") % {"path": source}) from None
    except OSError as exc:  # a folder of that name, no permission: as the fit file says it
        raise InputError(
            "from_status", N_("cannot read %(path)r: %(why)s") % {"path": source, "why": exc.strerror}
        ) from None
    except UnicodeDecodeError as exc:  # JSON is UTF-8
        raise InputError("(file)", N_("not UTF-8 (byte %(byte)s)") % {"byte": exc.start}, source) from None
    except json.JSONDecodeError as exc:  # where, and what the parser expected (JSON_ERRORS)
        raise InputError(
            "(syntax)",
            N_("not a JSON file (line %(line)s, column %(column)s: %(why)s)")
            % {"line": exc.lineno, "column": exc.colno, "why": exc.msg},
            source,
        ) from None
    return read_status(raw, scenario, source)


#: What Python's JSON parser says is wrong (`JSONDecodeError.msg`), marked so that a status file's
#: syntax error reads in the language (review-s24: "Expecting value" in a Chinese sentence).
JSON_ERRORS = (
    N_("Expecting value"),
    N_("Expecting ',' delimiter"),
    N_("Expecting ':' delimiter"),
    N_("Expecting property name enclosed in double quotes"),
    N_("Unterminated string starting at"),
    N_("Invalid control character at"),
    N_("Invalid \\escape"),
    N_("Invalid \\uXXXX escape"),
    N_("Extra data"),
)


def _named_day(raw: Any, source: str) -> dt.date | None:
    """The file's own `"date": "YYYY-MM-DD"` (an addition a saved status may carry), else None."""
    given = raw.get("date") if isinstance(raw, dict) else None
    if given is None:
        return None
    try:
        return dt.date.fromisoformat(str(given))
    except ValueError:
        raise InputError(
            "date", N_("expected YYYY-MM-DD, got %(value)s") % {"value": repr(str(given)[:80])}, source
        ) from None


def read_status(
    raw: Any, scenario: Scenario, source: str = "status", day: dt.date | None = None
) -> StartState:
    """The start state from a status body. Day 1 is the status's day: `day` (the date in the
    route's URL), else the body's `"date"`, else the local day of its `as_of`. A status read
    before its day starts at that day's midnight (nothing of it has happened); one read after
    its day is refused."""
    try:
        status = DayStatus.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(_where(first["loc"]), first["msg"], source) from None
    ws = scenario.workshop
    tz = ws.tz
    local = status.as_of.astimezone(tz)
    date = day or _named_day(raw, source) or local.date()
    if local.date() > date:
        raise InputError(
            "as_of",
            N_("%(as_of)s is after the status day %(day)s: read the status on or before its day")
            % {"as_of": local.isoformat(), "day": date.isoformat()},
            source,
        )
    midnight = dt.datetime.combine(date, dt.time(), tzinfo=tz)

    def minutes(moment: dt.datetime) -> float:
        return (moment - midnight).total_seconds() / 60

    as_of = max(0.0, minutes(status.as_of))
    codes = [s.code for s in ws.services]
    carried: list[Carried] = []
    for i, b in enumerate(status.bookings):
        if b.state == "done":
            continue
        given = raw["bookings"][i].get("service") if isinstance(raw["bookings"][i], dict) else None
        if given is not None:
            if given not in codes:
                raise InputError(
                    f"bookings[{i}].service", f"unknown service {given!r} (one of {', '.join(codes)})", source
                )
            service = ws.services[codes.index(given)]
        else:
            same = [s for s in ws.services if len(s.operations) == len(b.operations)]
            if not same:
                raise InputError(
                    f"bookings[{i}].operations",
                    f'no service of {scenario.name} has {len(b.operations)} operation(s): add "service"',
                    source,
                )
            planned = sum(
                (o.planned_end - o.planned_start).total_seconds() / 60
                for o in b.operations
                if o.planned_start is not None and o.planned_end is not None
            )
            service = (
                min(same, key=lambda s: abs(sum(op.minutes for op in s.operations) - planned))
                if planned
                else same[0]
            )
        if len(b.operations) != len(service.operations):
            raise InputError(
                f"bookings[{i}].operations",
                f"{len(b.operations)} operation(s), but service {service.code} has {len(service.operations)}",
                source,
            )
        remaining = []
        for o, spec in zip(b.operations, service.operations, strict=True):
            if o.state == "done":
                remaining.append(0.0)
            elif o.state == "not_started":
                remaining.append(float(spec.minutes))
            else:
                remaining.append(max(0.0, float(spec.minutes - o.clocked_minutes)))
        arrival = as_of
        if b.state == "not_arrived":
            first_start = b.operations[0].planned_start
            arrival = max(as_of, minutes(first_start)) if first_start is not None else as_of
        carried.append(
            Carried(
                booking=b.booking,
                service=service.code,
                arrival=arrival,
                promised=minutes(b.promised) if b.promised is not None else None,
                remaining=tuple(remaining),
            )
        )
    return StartState(date, as_of, tuple(carried))


def carried_vehicles(state: StartState, scenario: Scenario) -> list[Vehicle]:
    """The status's open vehicles on the simulation's clock (day 1 starts at minute DAY)."""
    codes = [s.code for s in scenario.workshop.services]
    out = []
    for c in state.carried:
        index = codes.index(c.service)
        spec = scenario.workshop.services[index]
        work = [
            r / op.minutes if op.minutes > 0 else 0.0
            for r, op in zip(c.remaining, spec.operations, strict=True)
        ]
        promised = DAY + c.promised if c.promised is not None else 2 * DAY
        out.append(
            Vehicle(
                arrival=DAY + c.arrival,
                service=index,
                promised=promised,
                waiter=False,
                fleet=-1,
                multi_day=True,  # already received: no service advisor
                work=work,
                reception=0.0,
                booked=True,
            )
        )
    return out


def run_status_job(job: StatusJob) -> Outcome:
    """One replication from the start state: day 1 is the status day, then `days - 1` more."""
    assert job.state is not None
    began = time.perf_counter()
    scenario = _scenario(job.scenario)
    rules = StaffingRules.model_validate(job.rules)
    layout = compile_layout(scenario, rules)
    demand = HistoryDemand(scenario, job.growth)
    carried = carried_vehicles(job.state, scenario)
    vehicles: list[Vehicle] = list(carried)
    day_starts = []
    for d in range(job.days + 1):
        date = job.start + dt.timedelta(days=d - 1)
        day_starts.append((d * DAY, date.weekday()))
        if d == 0:
            continue  # the warm-up day: the state is known
        today = demand.day(job.seed, job.replication, d, date, rules.duration_cv, rules.booking_cap_per_hour)
        if d == 1:
            today = [v for v in today if v.arrival >= DAY + job.state.as_of]
        vehicles += [v for v in today if not v.no_show]
    closes = [
        d * DAY + max((t.periods[-1][1] for t in layout.techs if t.periods), default=0)
        for d in range(job.days + 1)
    ]
    window = (DAY, (job.days + 1) * DAY)
    shop = Workshop(
        layout, POLICIES[job.policy], vehicles, tech_boundaries(layout, day_starts), closes, window
    )
    shop.run()
    outcome = measure(shop, vehicles, layout, rules, job, *window)
    done_day1 = sum(1 for v in carried if 0 <= v.done < 2 * DAY)
    outcome.metrics[SERVED_DAY1] = done_day1 / len(carried) if carried else float("nan")
    outcome.extra["status_vehicles"] = float(len(carried))
    outcome.extra["status_served_day1_count"] = float(done_day1)
    outcome.seconds = time.perf_counter() - began
    return outcome


def status_jobs(
    scenario: Scenario,
    rule_sets: list[StaffingRules],
    state: StartState,
    days: int,
    replications: int,
    seed: int,
    policy: str,
    growth: float,
) -> tuple[list[StatusJob], Period]:
    # (a label made from a marked template: read in the reader's language where it is shown, zh-s30)
    label = N_("from the status of %(date)s (%(open)s open vehicles)") % {
        "date": state.date,
        "open": len(state.carried),
    }
    period = Period(state.date, days, label)
    jobs = [
        StatusJob(**{**j.__dict__, "state": state})
        for j in make_jobs(scenario, rule_sets, period, replications, seed, policy, growth)
    ]
    return jobs, period


def run_from_status(
    scenario: Scenario,
    rule_sets: list[StaffingRules],
    state: StartState,
    *,
    days: int,
    replications: int = 30,
    seed: int = 1,
    policy: str = "fcfs",
    growth: float = 1.0,
    workers: int = 2,
    tick: Any = lambda: None,
) -> tuple[ExperimentResult, list[Outcome]]:
    """The experiment from the start state (local runs only: in this process or a process pool)."""
    jobs, period = status_jobs(scenario, rule_sets, state, days, replications, seed, policy, growth)
    began = time.perf_counter()
    outcomes: list[Outcome] = []
    if workers <= 1:
        for job in jobs:
            outcomes.append(run_status_job(job))
            tick()
        backend = backend_name(1, None)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for future in as_completed([pool.submit(run_status_job, job) for job in jobs]):
                outcomes.append(future.result())
                tick()
        backend = backend_name(workers, None)
    wall = time.perf_counter() - began
    result = aggregate(
        scenario, rule_sets, period, replications, seed, policy, growth, outcomes, backend, wall
    )
    return result, outcomes


__all__ = [
    "SERVED_DAY1",
    "Carried",
    "StartState",
    "StatusJob",
    "load_status",
    "read_status",
    "run_from_status",
]
