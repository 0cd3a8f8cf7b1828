"""Per-request phase timings (scheduler.phases): off by default, one JSON line per request when
BAYPLAN_PHASES names a file, with the phases' times and the GC pauses inside the request."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler import phases


@pytest.fixture
def timings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "phases.jsonl"
    monkeypatch.setenv(phases.PHASES_ENVIRONMENT, str(path))
    yield path
    phases.stop()


def test_off_by_default_nothing_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(phases.PHASES_ENVIRONMENT, raising=False)
    token = phases.begin()
    with phases.phase("search"):
        started = phases.mark()
    assert token is None and started is None
    phases.end(token, {"route": "/x"})  # nothing to write, nothing raised


def test_a_request_line_holds_its_phases_and_the_gc_pauses_inside_it(timings: Path) -> None:
    token = phases.begin()
    with phases.phase("search"):
        sum(range(10_000))
    with phases.phase("search"):
        pass
    started = phases.mark()
    gc.collect()  # a full collection inside the request: it is charged to it
    phases.since("commit", started)
    phases.end(token, {"route": "/v1/workshops/{workshop_id}/slots", "status": 200})
    line = json.loads(timings.read_text().splitlines()[-1])
    assert line["route"] == "/v1/workshops/{workshop_id}/slots" and line["status"] == 200
    wall, cpu, entries = line["phases"]["search"]
    assert entries == 2 and wall >= 0 and cpu >= 0
    assert line["phases"]["commit"][2] == 1
    assert any(generation == 2 and cpu_ms >= 0 for generation, _, cpu_ms in line["gc"])
    assert line["gc_ms"] <= line["ms"] + 0.01


def test_no_line_outside_a_request(timings: Path) -> None:
    with phases.phase("search"):
        pass
    phases.since("commit", phases.mark())
    assert not timings.exists()


def test_stopped_the_gc_callback_is_gone(timings: Path) -> None:
    phases.end(phases.begin(), {"route": "/x"})
    recorder = phases.recorder()
    assert recorder is not None and recorder.on_gc in gc.callbacks
    phases.stop()
    assert recorder.on_gc not in gc.callbacks
