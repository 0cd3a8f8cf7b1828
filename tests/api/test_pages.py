"""The web pages of api/pages.py that no other test file covers on their own."""

from __future__ import annotations

from functools import partial

import pytest
from fastapi.testclient import TestClient

from scheduler.jobs import JobRunner
from scheduler.service import PlanningService
from tests.builders import NOW, experiment_result, tiny_workshop


def _finished(runner: JobRunner, workshop: str | None) -> str:
    """A finished simulation job of `workshop`'s scenario (a known result, no simulation run)."""
    win = {"waiter_wait_p90": (-31.0, -44.0, -18.0), "cost_per_day": (0.0, 0.0, 0.0)}
    job = runner.submit("simulation", workshop, partial(experiment_result, win))
    job.future.result(timeout=60)
    return job.id


def test_a_simulation_report_links_to_its_workshops_pages_when_this_server_holds_it(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.put("/v1/workshops/tiny", json=tiny_workshop().model_dump(mode="json")).status_code in (
        200,
        201,
    )
    services = client.app.state.services  # type: ignore[attr-defined]
    runner: JobRunner = services.runner
    held, elsewhere, none = (_finished(runner, w) for w in ("tiny", "elsewhere", None))

    def every_workshop() -> None:
        raise AssertionError("the page reads its one workshop, not every workshop")

    service: PlanningService = services.service
    monkeypatch.setattr(service, "workshops", every_workshop)
    report = client.get(f"/simulations/{held}")
    assert report.status_code == 200, report.text
    assert (
        f'href="/workshops/tiny/plan/{NOW.date()}"' in report.text
        and 'href="/workshops/tiny/loading"' in report.text
    )
    for job in (elsewhere, none):  # no workshop of this server's: only the link home
        other = client.get(f"/simulations/{job}")
        assert other.status_code == 200 and "/workshops/" not in other.text, other.text
    assert client.get("/simulations/nope").status_code == 404
