"""An M/M/c queue run on the workshop model itself, to validate it against Erlang C.

c technicians always on duty, c bays, one single-operation service with exponential work
(mean 1/mu) and Poisson drop-offs (rate lambda): the model's dispatcher then is an M/M/c FCFS queue.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.model import Boundary, Layout, OpSpec, ServiceSpec, TechSpec, Vehicle, Workshop
from simulation.policies import fcfs


@dataclass(frozen=True)
class MmcOutcome:
    p_wait: float  # share of arrivals that waited
    mean_wait: float  # mean minutes in queue
    customers: int
    events: int


def mmc_layout(service_minutes: float, servers: int) -> Layout:
    always = ((0.0, 1e12),)
    techs = tuple(TechSpec(1, 1.0, always, 0.0, frozenset(range(7))) for _ in range(servers))
    op = OpSpec(service_minutes, tuple(range(servers)), ("general",))
    return Layout(
        techs=techs,
        services=(ServiceSpec("MMC", False, (op,)),),
        pools={"general": servers},
        partners=(),
        service_advisors=0,
        reception_minutes=0.0,
    )


def mmc_customers(
    arrival_rate: float, horizon: float, seed: int, replication: int
) -> tuple[np.ndarray, np.ndarray]:
    """Arrival times in [0, horizon) and exponential work factors (mean 1), one stream per replication."""
    rng = np.random.default_rng([seed, replication, 7919])
    n = int(arrival_rate * horizon * 1.2 + 50)
    times = np.cumsum(rng.exponential(1 / arrival_rate, size=n))
    while times[-1] < horizon:  # rare: draw more
        times = np.concatenate([times, times[-1] + np.cumsum(rng.exponential(1 / arrival_rate, size=n))])
    times = times[times < horizon]
    return times, rng.exponential(1.0, size=times.size)


def run_mmc(
    arrival_rate: float,
    service_rate: float,
    servers: int,
    *,
    horizon: float,
    warmup: float,
    seed: int,
    replication: int,
) -> MmcOutcome:
    """One replication; customers arriving before `warmup` are not measured."""
    times, work = mmc_customers(arrival_rate, horizon, seed, replication)
    layout = mmc_layout(1 / service_rate, servers)
    vehicles = [
        Vehicle(float(t), 0, float("inf"), True, -1, False, [float(w)], 1.0)
        for t, w in zip(times, work, strict=True)
    ]
    boundaries = [Boundary(0.0, t, True, 1e12, True, True) for t in range(servers)]
    shop = Workshop(layout, fcfs, vehicles, boundaries, [], (warmup, horizon))
    shop.run()
    waits = np.array([v.first_start - v.arrival for v in vehicles if v.arrival >= warmup])
    return MmcOutcome(
        p_wait=float(np.mean(waits > 1e-9)),
        mean_wait=float(waits.mean()),
        customers=int(waits.size),
        events=shop.tally.events,
    )
