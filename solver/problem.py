"""Plain data for one day plan: integer minutes after local midnight, indices instead of ids.

Eligibility (bay kinds, express lanes, fleet-partner bays, skill and grade) is decided by
the caller; every planner only chooses among the bays and technicians listed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Interval = tuple[int, int]


@dataclass(frozen=True)
class BayData:
    kind: str
    fleet_partner: str | None = None


@dataclass(frozen=True)
class TechnicianData:
    grade: int
    shift_start: int
    shift_end: int
    max_overtime: int = 0
    breaks: tuple[Interval, ...] = ()

    @property
    def day_end(self) -> int:
        """Latest minute work may end, overtime included."""
        return self.shift_end + self.max_overtime

    def windows(self) -> list[Interval]:
        """Break-free working blocks; the last one runs on into allowed overtime."""
        blocks: list[Interval] = []
        cursor = self.shift_start
        for start, end in sorted(self.breaks):
            if start > cursor:
                blocks.append((cursor, start))
            cursor = max(cursor, end)
        if self.day_end > cursor:
            blocks.append((cursor, self.day_end))
        return blocks

    def shift_minutes(self) -> int:
        """Regular working minutes: shift without breaks, no overtime."""
        return self.shift_end - self.shift_start - sum(e - s for s, e in self.breaks)


@dataclass(frozen=True)
class Placement:
    bay: int
    technician: int
    start: int
    end: int


Pin = Placement
"""Work fixed where it is (started or finished): a placement the planners may not move."""


@dataclass(frozen=True)
class OperationData:
    bays: tuple[int, ...]
    bay_costs: tuple[int, ...]
    """Preference penalty of each eligible bay (express work outside a lane, fleet overflow)."""
    technicians: tuple[int, ...]
    durations: tuple[int, ...]
    """Minutes the operation takes with each qualified technician (efficiency applied)."""
    pin: Pin | None = None
    previous: Placement | None = None
    """Re-planning: where the current plan has it; moving it costs stability."""
    release: int = 0
    """The operation starts no earlier than this minute (parts on order), nor than its job's
    release: `JobData.ready`. Work before it in the job runs from the job's release."""

    def duration_of(self, technician: int) -> int:
        return self.durations[self.technicians.index(technician)]


@dataclass(frozen=True)
class JobData:
    """One booking: its operations run in order, on or after the release minute."""

    release: int
    due: int | None
    waiter: bool
    priority: int
    operations: tuple[OperationData, ...]
    kept: bool = False
    """An accepted booking whose promise holds (its witness is valid): it stays placed, so a
    booking at risk never takes its place, whatever its priority."""

    @property
    def pinned(self) -> bool:
        return any(op.pin is not None for op in self.operations)

    def ready(self, k: int) -> int:
        """The earliest start of operation `k` by the releases alone (the job's and its own)."""
        return max(self.release, self.operations[k].release)


@dataclass(frozen=True)
class ObjectiveWeights:
    unplaced: int = 100_000
    lateness: int = 10
    waiter_lateness: int = 30
    overtime: int = 5
    technician_change: int = 3
    stability_reassign: int = 40
    stability_minutes: int = 1


@dataclass(frozen=True)
class LoanPromise:
    """A booking's promised pickup as a function of its work's end `e` (minutes on the day's time
    line, the next day's beyond its horizon): `at` = e + `buffer` rounded up to `step`; a drop-off
    customer is promised max(`at`, `floor`) (the handover of his half of the day), or `overnight`
    (the next handover day's first handover) when that is after `last` (the desk's last handover);
    `overnight` None: such an end is not allowed (a waiter, or no later handover)."""

    drop_off: int
    buffer: int
    step: int
    floor: int
    last: int | None
    overnight: int | None

    def promise(self, end: int) -> int | None:
        """The promise of work ending at `end` (None: not allowed), as the model states it."""
        at = -(-(end + self.buffer) // self.step) * self.step
        at = max(at, self.floor)
        if self.last is None or at > self.last:
            return self.overnight
        return at


@dataclass(frozen=True)
class LoanCars:
    """The workshop's loan cars on the day: `cars` of them; `out`, the fixed spans (drop-off,
    promised pickup) of the cars already lent (accepted and held vehicles: their promise is
    stored); `lent`, the jobs (by index) that take a car until a promise that follows their end."""

    cars: int
    out: tuple[Interval, ...]
    lent: tuple[tuple[int, LoanPromise], ...]


@dataclass(frozen=True)
class DayProblem:
    horizon: int
    bays: tuple[BayData, ...]
    technicians: tuple[TechnicianData, ...]
    jobs: tuple[JobData, ...]
    weights: ObjectiveWeights = field(default_factory=ObjectiveWeights)
    keep_promises: bool = False
    """A placed booking must end by its due minute (accepted bookings keep their promise)."""
    loan_cars: LoanCars | None = None
    """The loan-car fleet as a cumulative (None: not modelled; the offers check it afterwards)."""

    def operation_count(self) -> int:
        return sum(len(job.operations) for job in self.jobs)


@dataclass
class DaySolution:
    """Placements keyed by (job, operation); a job is either fully placed or in `unplaced`."""

    placements: dict[tuple[int, int], Placement]
    unplaced: set[int]
    status: str = "feasible"
    objective: float = 0.0
    best_bound: float | None = None
    solve_seconds: float = 0.0
    first_solution_seconds: float | None = None
    lower_bound: float | None = None
    """Our own relaxation bound, where CP-SAT's is weak."""
    placement_bound: int | None = None
    """Proven: at most this many bookings can be placed."""
    placement_weight_bound: int | None = None
    """Proven: at most this much priority can be placed."""
    lateness_bound: int | None = None
    """Proven: any plan placing as much priority is together at least this many minutes late."""
    weighted_lateness_bound: float | None = None
    """Proven: any plan placing as much priority pays at least this much in the objective's lateness
    terms (`weights.lateness` per drop-off minute late plus `weights.waiter_lateness` per waiter's)."""
    deterministic_time: float = 0.0
    """CP-SAT deterministic time spent (reproducible effort, unlike solve_seconds)."""
    notes: list[str] = field(default_factory=list)
