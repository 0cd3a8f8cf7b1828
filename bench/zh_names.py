"""A workshop's own names inside Chinese sentences (zh-s28): what they read before and after, and
what reading the names in costs.

1. Sentences of the templates that quote names (scheduler/reasons.py, clocking.py, staffing.py),
   filled in with dealer-2011's own operation names and an own skill and bay kind, read by
   `Translator("zh_CN")` (as main reads them) and by the same translator with the workshop's names
   (`Workshop.names_in`, this branch).
2. `_translated` (uncached) on 800 refusals naming dealer-2011's operations, without and with the
   names, alternating, median of 5 (ratio in the same run); `Workshop.names_in` per call.

    PYTHONPATH=. .venv/bin/python -m bench.zh_names
"""

from __future__ import annotations

import statistics
import time

from scheduler.contract import Workshop
from scheduler.i18n import NO_NAMES, Names, Translator, _translated
from scheduler.scenarios import load_scenario


def _with_own_kind() -> Workshop:
    """dealer-2011 with an EV bay kind and its hv skill named (新能源 / 新能源高压)."""
    data = load_scenario("dealer-2011").workshop.model_dump(mode="json")
    data["bay_kinds"] = [*data["bay_kinds"], "ev"]
    data["bay_kind_names"]["ev"] = {"name": "EV bay", "name_i18n": {"zh-CN": "新能源"}}
    return Workshop.model_validate(data)


SENTENCES = (
    "no hv technician grade >= 4 has 90 min before 17:30"
    " (for operation 'first service', longest free 30 min)",
    "operation 'inspection': no general/express bays free for 25 min after 08:00 (longest 10 min)",
    "the workshop has no ev bays (operation 'oil and filter')",
    "booking B1 operation 2 (strip)",
    "technician M02 is on booking B7 operation 1 (inspection) at 09:10: finish or pause it first",
    "ev bays +1",
    "overbooking allowance 10 % of maintenance:2 pool used up",
)


def main() -> None:
    workshop = _with_own_kind()
    plain, named = Translator("zh_CN"), Translator("zh_CN").named(workshop.names_in("zh_CN"))
    print(
        "| sentence (English, as stored) | zh before (catalog only) | zh after (with the workshop's names) |"
    )
    print("|---|---|---|")
    for text in SENTENCES:
        print(f"| {text} | {plain.phrase(text)} | {named.phrase(text)} |")
    names = workshop.names_in("zh_CN")
    ops = sorted({op.name for s in workshop.services for op in s.operations})
    texts = [
        f"no maintenance technician grade >= 2 has {m} min before 17:30"
        f" (for operation '{ops[m % len(ops)]}', longest free {m % 50} min)"
        for m in range(10, 410)
    ] + [f"booking B{k} operation 2 ({ops[k % len(ops)]})" for k in range(400)]
    plain.phrase("warm the catalog")

    def run(with_names: Names) -> float:
        t0 = time.perf_counter()
        for text in texts:
            _translated("zh_CN", text, 0, with_names)
        return time.perf_counter() - t0

    base, mine = [], []
    for _ in range(5):
        base.append(run(NO_NAMES))
        mine.append(run(names))
    b, m = statistics.median(base), statistics.median(mine)
    print(
        f"\n_translated, {len(texts)} sentences: without names {b * 1e3:.1f} ms,"
        f" with {m * 1e3:.1f} ms, ratio {m / b:.2f}"
    )
    fresh = _with_own_kind()
    t0 = time.perf_counter()
    fresh._names_in("zh_CN")
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(1000):
        fresh.names_in("zh_CN")
    again = (time.perf_counter() - t0) / 1000
    print(
        f"Workshop.names_in(dealer-2011): made {first * 1e3:.2f} ms,"
        f" remembered {again * 1e6:.1f} µs per call;"
        f" {len(names.things)} names, {len(names.labels)} labels"
    )


if __name__ == "__main__":
    main()
