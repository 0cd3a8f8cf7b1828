"""Dispatch policies: the order in which waiting operations get the next free bay and technician.

A policy maps (vehicle, operation index, standard minutes) to a sort key; the queue is kept in key
order and the dispatcher starts the first operation that finds a bay and a technician.
"""

from __future__ import annotations

from simulation.model import PolicyKey, Vehicle


def fcfs(vehicle: Vehicle, op: int, minutes: float) -> tuple[float, ...]:
    """First come, first served: by the vehicle's drop-off (a started job's next step keeps its place)."""
    return (vehicle.arrival,)


def shortest_first(vehicle: Vehicle, op: int, minutes: float) -> tuple[float, ...]:
    """Shortest operation first (by standard minutes), then by drop-off."""
    return (minutes, vehicle.arrival)


def waiters_first(vehicle: Vehicle, op: int, minutes: float) -> tuple[float, ...]:
    """Customers waiting in the lounge before drop-offs, each group first come, first served."""
    return (0.0 if vehicle.waiter else 1.0, vehicle.arrival)


def earliest_promise(vehicle: Vehicle, op: int, minutes: float) -> tuple[float, ...]:
    """Earliest promised pickup first (due date)."""
    return (vehicle.promised, vehicle.arrival)


def follow_plan(vehicle: Vehicle, op: int, minutes: float) -> tuple[float, ...]:
    """The day plan's start order; work the plan does not know (walk-ins, carry-over) by drop-off."""
    if vehicle.plan_start is not None and vehicle.plan_start[op] >= 0:
        return (vehicle.plan_start[op],)
    return (vehicle.arrival,)


POLICIES: dict[str, PolicyKey] = {
    "fcfs": fcfs,
    "shortest": shortest_first,
    "waiters": waiters_first,
    "promise": earliest_promise,
    "plan": follow_plan,
}
