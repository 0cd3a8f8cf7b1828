"""The cost of the contract's text rule (no control character, hygiene-s28) where it is paid: a
stored booking read back (five texts, and none) and a stored dealer-2011 workshop (its names).
Microseconds per validation, the best of 9 repeats; run it on main and on the branch in one go:
`PYTHONPATH=. python -m bench.validate_texts LABEL` (read `STORED_CONTEXT` only where it exists)."""

from __future__ import annotations

import json
import sys
import timeit
from collections.abc import Callable

import scheduler.contract as contract
from scheduler.scenarios import load_scenario

CONTEXT = getattr(contract, "STORED_CONTEXT", None)
TEXTS = {"customer": "Wang Fang", "vehicle": "white SUV", "phone": "13800138000", "plate": "粤A12345",
         "model": "Hyundai Tucson"}  # fmt: skip
BARE = {"id": "BK-1234567890ab", "service": "MAINT", "drop_off": "2026-11-24T08:00:00+08:00",
        "promised": "2026-11-24T10:00:00+08:00"}  # fmt: skip


def best(call: Callable[[], object], number: int) -> float:
    return min(timeit.repeat(call, number=number, repeat=9)) / number * 1e6


def main(label: str) -> None:
    texts, bare = json.dumps({**BARE, **TEXTS}), json.dumps(BARE)
    workshop = load_scenario("dealer-2011").workshop.model_dump_json()
    booking = best(lambda: contract.Booking.model_validate_json(texts, context=CONTEXT), 20000)
    plain = best(lambda: contract.Booking.model_validate_json(bare, context=CONTEXT), 20000)
    stored = best(lambda: contract.stored_workshop(workshop), 200)
    print(
        f"{label}: booking with 5 texts {booking:.2f} us; without {plain:.2f} us;"
        f" dealer-2011 workshop {stored:.0f} us"
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "this tree")
