"""Promises the shop keeps (opt-in, `Workshop.promise_confidence`): the desk's promised pickup at a
quantile of the booking's Monte Carlo end.

The buffer rule (scheduler.capacity.promise) promises a booking's planned end plus a fixed buffer;
work that takes 25 % longer than expected then breaks a short job's promise, and the promise guard
flags it the moment the car is in, with nothing earlier to move it to (bench/RESULTS-guard-oracle.md).
With a confidence c the promise is instead the earliest five-minute time by which the booking's own
work, where the offer places it (each operation at its planned start or when the operation before
it ends, whichever is later), is done with probability c under the duration model the promise
guard's Monte Carlo draws from (scheduler.promise_odds.MODEL): a lognormal factor of mean 1 with a
large-overrun share. Never earlier than the buffer rule's promise. Deterministic (fixed draws) and
cached per shape of the placement: an offer costs a dictionary look-up after the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from scheduler.capacity import PROMISE_STEP, round_up
from scheduler.durations import work_factors
from scheduler.promise_odds import MODEL, DurationModel

SAMPLES = 4096
"""Draws per quantile (fixed, seeded: the same placement always gets the same promise)."""
_SEED = 20261202


@lru_cache(maxsize=16)
def _draws(operations: int, model: DurationModel) -> np.ndarray:
    """Work factors per operation (rows) and sample (columns), the overrun mixture included."""
    rng = np.random.default_rng([_SEED, operations])
    factors = work_factors(rng.standard_normal((operations, SAMPLES)), model.cv)
    if model.overrun_share > 0 and model.overrun_factor > 1:
        factors = factors * np.where(
            rng.random((operations, SAMPLES)) < model.overrun_share, model.overrun_factor, 1.0
        )
    return np.asarray(factors, dtype=np.float64)


@lru_cache(maxsize=4096)
def _end_quantile(shape: tuple[tuple[int, int], ...], confidence: float, model: DurationModel) -> float:
    """The `confidence` quantile of the last operation's end, in minutes after the first's start,
    of operations at (start, span) minutes after the first's start."""
    factors = _draws(len(shape), model)
    end = np.zeros(SAMPLES)
    for (start, span), f in zip(shape, factors, strict=True):
        end = np.maximum(end, start) + span * f
    return float(np.quantile(end, confidence))


def confident_end(placed: Sequence[tuple[int, int]], confidence: float, model: DurationModel = MODEL) -> int:
    """The minute (of the day) by which work placed at `placed` ((start, end) per operation, in
    order) is done with probability `confidence`, rounded up to the minute."""
    if not placed:
        raise ValueError("no placement")
    first = placed[0][0]
    shape = tuple((start - first, end - start) for start, end in placed)
    return first + int(np.ceil(_end_quantile(shape, round(confidence, 4), model) - 1e-9))


def confident_promise(
    rule_promise: int,
    placed: Sequence[tuple[int, int]],
    confidence: float | None,
    model: DurationModel = MODEL,
) -> int:
    """The promised pickup (minutes of the day): the buffer rule's `rule_promise` when `confidence`
    is None, else the later of it and the first five-minute time the work is done by with that
    probability."""
    if confidence is None:
        return rule_promise
    return max(rule_promise, round_up(confident_end(placed, confidence, model), PROMISE_STEP))


__all__ = ["SAMPLES", "confident_end", "confident_promise"]
