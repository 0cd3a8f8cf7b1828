"""One router per resource under /v1; `ROUTERS` is what the app includes."""

from api.routes import (
    bookings,
    capacity,
    exchange,
    jobs,
    keys,
    labour_times,
    plans,
    reports,
    shopfloor,
    simulations,
    slots,
    webhooks,
    workshops,
)

# exchange before plans: its /plans/{date}.csv would otherwise be taken for a plan's {date}
ROUTERS = [
    r.router
    for r in (
        workshops,
        slots,
        bookings,
        exchange,
        plans,
        jobs,
        simulations,
        keys,
        shopfloor,
        webhooks,
        capacity,
        reports,
        labour_times,
    )
]
