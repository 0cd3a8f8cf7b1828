"""The duration model shared by the simulator and the promise guard: the work an operation
really takes is its expected minutes times a lognormal factor of mean 1 and coefficient of
variation `cv` (the simulator's `duration_cv`, 0.3 by default)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

DURATION_CV = 0.3
"""The simulator's default coefficient of variation of work (`StaffingRules.duration_cv`)."""


def lognormal_sigma(cv: float) -> float:
    """The sd of the log factor for a coefficient of variation `cv`."""
    return math.sqrt(math.log(1 + cv * cv))


def work_factors(z: NDArray[np.float64], cv: float) -> NDArray[np.float64]:
    """Lognormal factors of mean 1 and coefficient of variation `cv` from standard normal draws `z`."""
    sigma2 = math.log(1 + cv * cv)
    return np.asarray(np.exp(math.sqrt(sigma2) * z - sigma2 / 2), dtype=np.float64)
