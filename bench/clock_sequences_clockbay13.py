"""The clockseq-s28 probe (bench/clock_sequences_s28b.py) with clocked bays (clockbay13-s30): each
start or resume it posts names a bay with probability 1/2 (seeded): a bay of the workshop drawn at
random, so some are refused (422: a fleet partner's bay, an express lane; 409: a bay other clocked
work is in) and the accepted ones mix clocked and guessed bays in one day, some of another kind than
the operation lists. What counts, as in the probe: no 5xx and no live re-plan failing (every error
bayplan logs); also how many events named a bay and how they were answered. Same arguments:

    PYTHONPATH=. python -m bench.clock_sequences_clockbay13 200 [narrow]
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from typing import Any

from fastapi.testclient import TestClient

from bench import clock_sequences_s28b as probe
from scheduler.scenarios import load_scenario

BAYS = [b.id for b in load_scenario("small-dealer").workshop.bays
        if "narrow" not in sys.argv[2:] or b.id in ("E01", "G01")]  # fmt: skip
counts: Counter[str] = Counter()
_post = TestClient.post
_draw = random.Random(13)


def _with_bay(self: TestClient, url: Any, *args: Any, **kwargs: Any) -> Any:
    body = kwargs.get("json")
    named = (
        str(url).endswith("/clock")
        and isinstance(body, dict)
        and body.get("action") in ("start", "resume")
        and _draw.random() < 0.5
    )
    if named:
        body = {**body, "bay": _draw.choice(BAYS)}
        kwargs["json"] = body
    answer = _post(self, url, *args, **kwargs)
    if named:
        counts[f"with a bay: {answer.status_code}"] += 1
    return answer


TestClient.post = _with_bay  # type: ignore[method-assign]

if __name__ == "__main__":
    code = probe.main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, "narrow" in sys.argv[2:])
    print(dict(sorted(counts.items())))
    sys.exit(code)
