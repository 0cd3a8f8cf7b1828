"""Simulations of staffing rules over a bundled scenario's demand, run as background jobs."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api import i18n
from api.auth import ManagerKey, ensure_workshop
from api.deps import RunnerDep
from api.errors import BodyRoute
from api.examples import json_body
from api.schemas import JobView, SimulationIn, job_view
from simulation.arrivals import NO_SEASON_FIELD
from simulation.inputs import bundled_scenario
from simulation.jobs import start_simulation

router = APIRouter(prefix="/v1/simulations", tags=["simulations"], route_class=BodyRoute)


@router.post(
    "",
    status_code=202,
    operation_id="start_simulation",
    summary="Simulate staffing rules",
    description="Runs a bundled scenario's staffing rules as a background job (202): poll the job.",
    openapi_extra=json_body({"scenario": "small-dealer", "rules": ["current"], "days": 5, "replications": 5}),
)
def simulate(body: SimulationIn, request: Request, runner: RunnerDep, key: ManagerKey) -> JobView:
    scenario = bundled_scenario(body.scenario)  # a bundled name, never a path
    ensure_workshop(key, scenario.workshop.id)
    fields = body.model_dump(exclude={"scenario", "rules"})
    started = start_simulation(runner, scenario, body.rules, **fields)
    notes: list[str] = []
    if (note := started.season_note) is not None:
        t = i18n.translator(request)
        notes.append(
            t.gettext(
                NO_SEASON_FIELD, scenario=body.scenario, season=note["season"], month=t.gettext(note["month"])
            )
        )
    return job_view(started.job, notes)
