"""P5 (review-s20): explain's refused times must be 409s with the same reason, offered ones must
book, and each day touched then plans valid (validator on the booking service's request). The same
probe as `bench.explain_agreement` with two refused times tried per query (its random stream).

    PYTHONPATH=. .venv/bin/python -m bench.review_explain_probe SCENARIO CHECK_IN DAYS N SEED...
"""

from __future__ import annotations

import sys

from bench.explain_agreement import main as agreement

TRIED_PER_QUERY = 2


def main(scenario: str, check_in: int, spread: int, n: int, seed: int) -> None:
    agreement(scenario, check_in, spread, n, TRIED_PER_QUERY, seed)


if __name__ == "__main__":
    scenario, check_in, spread, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    for s in map(int, sys.argv[5:]):
        main(scenario, check_in, spread, count, s)
