"""`bayplan print`: a scenario day's job cards (A5, one per booking) or a technician's day sheet
(A4) as PDF, planned with the greedy planner from the scenario's generated bookings (as
`bayplan plan --planner greedy`), in the command's language."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.i18n import N_, _, current
from cli.options import fail, parse_date, write_out
from scheduler.errors import InputError

HELP = N_("Print a day's job cards, or one technician's day sheet, to a PDF file.")


def print_cards(
    scenario: Annotated[str, typer.Argument(help=N_("bundled scenario name or scenario directory"))],
    date: Annotated[str, typer.Option("--date", help=N_("the day, YYYY-MM-DD"))],
    out: Annotated[Path, typer.Option("--out", help=N_("the PDF file to write"))],
    technician: Annotated[
        str | None, typer.Option("--technician", help=N_("his A4 day sheet instead of the A5 job cards"))
    ] = None,
    seed: Annotated[int, typer.Option(help=N_("seed of the scenario's bookings generator"))] = 0,
    scale: Annotated[float, typer.Option(help=N_("demand factor for generated bookings (1.3 = peak)"))] = 1.0,
) -> None:
    from scheduler.demand import day_request
    from scheduler.jobcards import day_sheet, job_cards
    from scheduler.planning import make_plan
    from scheduler.scenarios import load_scenario

    try:
        loaded = load_scenario(scenario)
        day = parse_date(date)
        if not 0 < scale <= 10:  # as `bayplan plan` (MAX_SCALE); also refuses nan
            raise InputError(
                "--scale", N_("must be in (0, %(most)s], got %(value)s") % {"most": 10, "value": f"{scale:g}"}
            )
        if seed < 0:
            raise InputError("--seed", N_("must not be negative, got %(value)s") % {"value": seed})
        workshop = loaded.workshop
        if technician is not None and technician not in {t.id for t in workshop.technicians}:
            known = ", ".join(t.id for t in workshop.technicians)
            raise InputError(
                "--technician",
                N_("no technician %(id)r (known: %(known)s)") % {"id": technician, "known": known},
            )
        request = day_request(loaded, day, seed=seed, scale=scale)
        plan = make_plan(request, "greedy")
    except InputError as exc:
        raise fail(exc) from None
    lang = current().locale
    if technician is None:
        content = job_cards(workshop, day, plan, request.bookings, lang=lang)
    else:
        content = day_sheet(workshop, day, plan, request.bookings, technician, lang=lang)
    write_out("--out", out, content)
    typer.echo(_("Wrote %(path)s.", path=str(out)))


def register(app: typer.Typer) -> None:
    """Add `print` to the `bayplan` command."""
    app.command("print", help=HELP)(print_cards)
