"""Reports from actuals: productivity per technician, grade and the workshop, by day or week."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from api import i18n
from api.auth import PlansReadKey
from api.deps import ServiceDep
from api.errors import BodyRoute
from api.schemas import InputProblem
from scheduler import actuals
from scheduler.contract import Day
from scheduler.i18n import html_lang
from scheduler.productivity import ProductivityReport, readable_csv, report_csv

router = APIRouter(prefix="/v1/workshops", tags=["reports"], route_class=BodyRoute)


@router.get(
    "/{workshop_id}/reports/productivity",
    summary="Productivity from the clock",
    description="Per technician, grade and the whole workshop, per day or ISO week (`group`): attendance,"
    " clocked and standard minutes, efficiency (standard / clocked on finished work), productivity"
    " (clocked / attendance), start deviation from the day's baseline plan (mean and p90 minutes)"
    " and the on-time share of promised bookings. `from`..`to` (both included, at most 366 days);"
    " `format=csv` for CSV with a header (the fields' names, technician ids); with `labels=true` too,"
    " the same rows for a spreadsheet: the columns named in the request's language, technicians by"
    " name, shares as percents, a UTF-8 byte order mark first.",
    response_model=ProductivityReport,
    responses={
        200: {"content": {"text/csv": {"example": "level,period,period_end,technician,grade\r\n"}}},
        422: {"model": InputProblem, "description": "a bad, missing or inverted range"},
    },
)
def productivity_report(
    request: Request,
    workshop_id: str,
    service: ServiceDep,
    _: PlansReadKey,
    first: Annotated[Day | None, Query(alias="from", description="first day, YYYY-MM-DD")] = None,
    last: Annotated[Day | None, Query(alias="to", description="last day, YYYY-MM-DD")] = None,
    group: Literal["day", "week"] = "day",
    format: Literal["json", "csv"] = "json",
    labels: Annotated[
        bool, Query(description="with format=csv: readable headers and names, in the request's language")
    ] = False,
) -> Response | ProductivityReport:
    report = actuals.productivity(service.store, workshop_id, first, last, group)
    if format == "json":
        return report
    name = f"productivity-{workshop_id}-{report.first}-{report.last}.csv"
    if labels:
        t = i18n.translator(request)
        content = readable_csv(report, service.workshop(workshop_id), t)
        name = name.removesuffix(".csv") + f"-{html_lang(t.locale)}.csv"
    else:
        content = report_csv(report)
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
