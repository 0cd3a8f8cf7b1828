"""The benchmarks' clock: servers start at this instant, so the fixed benchmark days lie ahead
on any date the benchmarks are run."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

NOW = dt.datetime(2026, 11, 23, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
