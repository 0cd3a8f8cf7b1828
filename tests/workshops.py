"""Small hand-made workshops and requests for tests: one of each bay kind that matters, two grades."""

from __future__ import annotations

import datetime as dt

from scheduler.contract import Booking, PlanOptions, PlanRequest, Workshop

TZ = "Asia/Shanghai"
DAY = dt.date(2026, 11, 24)
SHIFT = {"start": "08:00", "end": "17:00", "breaks": [{"start": "12:00", "end": "13:00"}]}


def at(hhmm: str) -> dt.datetime:
    h, m = map(int, hhmm.split(":"))
    return dt.datetime(DAY.year, DAY.month, DAY.day, h, m, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def workshop(**changes: object) -> Workshop:
    data: dict[str, object] = {
        "id": "w1",
        "name": "Test workshop",
        "timezone": TZ,
        "bays": [
            {"id": "E1", "kind": "express"},
            {"id": "G1", "kind": "general"},
            {"id": "F1", "kind": "general", "fleet_partner": "TAXI"},
            {"id": "P1", "kind": "paint"},
        ],
        "technicians": [
            {"id": "jun", "name": "Junior", "grade": 2, "skills": ["maintenance"], "shift": SHIFT},
            {
                "id": "sen",
                "name": "Senior",
                "grade": 4,
                "skills": ["maintenance", "diagnosis", "mechanical"],
                "efficiency": 1.25,
                "max_overtime_minutes": 60,
                "shift": SHIFT,
            },
        ],
        "services": [
            {
                "code": "LUBE",
                "name": "Lube",
                "express": True,
                "operations": [
                    {
                        "name": "oil",
                        "minutes": 40,
                        "skill": "maintenance",
                        "bay_kinds": ["express", "general"],
                    }
                ],
            },
            {
                "code": "MINOR",
                "name": "Minor repair",
                "operations": [
                    {
                        "name": "diagnosis",
                        "minutes": 30,
                        "skill": "diagnosis",
                        "min_grade": 3,
                        "bay_kinds": ["general"],
                    },
                    {
                        "name": "repair",
                        "minutes": 90,
                        "skill": "mechanical",
                        "min_grade": 3,
                        "bay_kinds": ["general"],
                    },
                ],
            },
            {
                "code": "PAINT",
                "name": "Paint",
                "operations": [
                    {"name": "paint", "minutes": 60, "skill": "paint", "min_grade": 3, "bay_kinds": ["paint"]}
                ],
            },
        ],
    }
    data.update(changes)
    return Workshop.model_validate(data)


def request(bookings: list[Booking], ws: Workshop | None = None, limit: float = 5.0) -> PlanRequest:
    return PlanRequest(
        workshop=ws or workshop(),
        date=DAY,
        bookings=bookings,
        options=PlanOptions(time_limit_seconds=limit),
    )
