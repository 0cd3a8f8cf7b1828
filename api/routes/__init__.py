"""One router per resource under /v1; `ROUTERS` is what the app includes."""

from api.routes import bookings, jobs, keys, plans, shopfloor, simulations, slots, workshops

ROUTERS = [r.router for r in (workshops, slots, bookings, plans, jobs, simulations, keys, shopfloor)]
