"""Staffing rules as data: technicians per grade, skill and shift, bays, caps, overtime, costs.

A rules file (`scenarios/<scenario>/rules/<name>.toml`) is read strictly: an unknown key or a
bad value is an InputError naming the file, the field and the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scheduler.contract import Shift
from scheduler.errors import InputError, from_validation_error
from scheduler.i18n import N_, Translator
from scheduler.scenarios import Scenario, parse_toml
from simulation.results import DerivedRules, RulesChange, RulesComposition


class _Model(BaseModel):
    # TOML has nan and inf: no figure of a scenario may be either.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class TechnicianGroup(_Model):
    """`count` technicians alike: a team's grade, skills, efficiency and shift."""

    team: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")
    grade: Annotated[int, Field(ge=1, le=5)]
    count: Annotated[int, Field(ge=0, le=200)]
    skills: list[str] = Field(min_length=1)
    efficiency: float = Field(gt=0.1, le=3.0, description="standard minutes per worked minute")
    shift: str = Field(description="name of a [shifts] entry")
    overtime_minutes: Annotated[int, Field(ge=0, le=360)] = 0
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(default_factory=lambda: list(range(7)))


class Bays(_Model):
    general: Annotated[int, Field(ge=0, le=500)] = 0
    express: Annotated[int, Field(ge=0, le=100, description="express lanes")] = 0
    alignment: Annotated[int, Field(ge=0, le=100)] = 0
    body: Annotated[int, Field(ge=0, le=100)] = 0
    paint: Annotated[int, Field(ge=0, le=100)] = 0


class Costs(_Model):
    """CNY per technician day by grade; overtime paid at `overtime_factor` times the day rate."""

    apprentice: float = Field(ge=0)
    junior: float = Field(ge=0)
    intermediate: float = Field(ge=0)
    senior: float = Field(ge=0)
    master: float = Field(ge=0)
    overtime_factor: float = Field(default=1.5, ge=1, le=5)
    bay_per_day: float = Field(default=0, ge=0, description="running cost of a bay a day")

    def per_day(self, grade: int) -> float:
        rates = (self.apprentice, self.junior, self.intermediate, self.senior, self.master)
        return rates[grade - 1]


class StaffingRules(_Model):
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    service_advisors: Annotated[int, Field(ge=0, le=100)] = 0
    reception_minutes: float = Field(default=8, ge=0, le=120, description="mean minutes to receive a vehicle")
    duration_cv: float = Field(default=0.3, ge=0, le=3, description="coefficient of variation of work")
    booking_cap_per_hour: Annotated[int, Field(ge=0, le=1000)] | None = Field(
        default=None, description="booked drop-offs per hour slot; none = no cap"
    )
    bays: Bays
    fleet_bays: dict[str, Annotated[int, Field(ge=0, le=50)]] = Field(default_factory=dict)
    shifts: dict[str, Shift] = Field(min_length=1)
    technicians: list[TechnicianGroup] = Field(min_length=1)
    costs: Costs

    @model_validator(mode="after")
    def _shifts_named(self) -> StaffingRules:
        for i, group in enumerate(self.technicians):
            if group.shift not in self.shifts:
                raise ValueError(
                    f"technicians[{i}].shift: no shift {group.shift!r} (have {sorted(self.shifts)})"
                )
        return self

    def technician_count(self) -> int:
        return sum(g.count for g in self.technicians)

    def cost_per_day(self) -> float:
        """Technician days plus bay running costs (overtime is added from the simulation)."""
        b = self.bays
        bays = b.general + b.express + b.alignment + b.body + b.paint + sum(self.fleet_bays.values())
        staff = sum(g.count * self.costs.per_day(g.grade) for g in self.technicians)
        return staff + bays * self.costs.bay_per_day


def rules_path(scenario: Scenario, name_or_path: str) -> Path:
    """A bundled rules name (`current`) or a path to a .toml file."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.is_file():
        return path
    return scenario.path / "rules" / f"{name_or_path}.toml"


def list_rules(scenario: Scenario) -> list[str]:
    folder = scenario.path / "rules"
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


def parse_rules(data: dict[str, object], scenario: Scenario, source: str) -> StaffingRules:
    """Validate a rules mapping against the model and the scenario (skills, fleet partners)."""
    try:
        rules = StaffingRules.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, source=source) from None
    # Skills the catalogue needs, or that the workshop's own technicians hold (hv, electrical).
    needed = {op.skill for s in scenario.workshop.services for op in s.operations}
    needed |= {skill for t in scenario.workshop.technicians for skill in t.skills}
    for i, group in enumerate(rules.technicians):
        for skill in group.skills:
            if skill not in needed:
                raise InputError(
                    f"technicians[{i}].skills",
                    f"unknown skill {skill!r} (known: {sorted(needed)})",
                    source,
                )
    partners = set(scenario.demand.fleet.partners)
    for partner in rules.fleet_bays:
        if partner not in partners:
            raise InputError(
                f"fleet_bays.{partner}", f"no such fleet partner (scenario has {sorted(partners)})", source
            )
    return rules


def load_rules(scenario: Scenario, name_or_path: str, *, field: str = "rules") -> StaffingRules:
    """A rules file by bundled name or path; a missing file is an InputError naming `field`."""
    path = rules_path(scenario, name_or_path)
    if not path.is_file():
        known = ", ".join(list_rules(scenario)) or "none"
        raise InputError(
            field,
            N_("no rules file %(path)s (bundled for %(scenario)s: %(known)s)")
            % {"path": repr(str(path)), "scenario": scenario.name, "known": known},
        )
    return parse_rules(parse_toml(path.read_bytes(), str(path)), scenario, str(path))


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def dump_rules(rules: StaffingRules, comment: str = "") -> str:
    """The rule set as a rules file that `load_rules` reads back to the same rules."""
    data = rules.model_dump(mode="json", exclude_none=True)
    lines = [f"# {line}" for line in comment.splitlines()]
    for key in (
        "name",
        "description",
        "service_advisors",
        "reception_minutes",
        "duration_cv",
        "booking_cap_per_hour",
    ):
        if key in data:
            lines.append(f"{key} = {_toml_value(data[key])}")
    for table in ("bays", "fleet_bays", "costs"):
        lines += ["", f"[{table}]", *(f"{k} = {_toml_value(v)}" for k, v in data[table].items())]
    for name, shift in data["shifts"].items():
        lines += ["", f"[shifts.{name}]", *(f"{k} = {_toml_value(v)}" for k, v in shift.items())]
    for group in data["technicians"]:
        lines += ["", "[[technicians]]", *(f"{k} = {_toml_value(v)}" for k, v in group.items())]
    return "\n".join(lines) + "\n"


def composition(rules: StaffingRules) -> RulesComposition:
    """What `rules` is made of, for a description made from its fields (`composed`)."""
    teams: dict[str, int] = {}
    for g in rules.technicians:
        teams[g.team] = teams.get(g.team, 0) + g.count
    bays = {kind: n for kind, n in rules.bays.model_dump().items() if n}
    return RulesComposition(
        technicians=teams,
        bays=bays,
        fleet_bays=sum(rules.fleet_bays.values()),
        overtime_minutes=max((g.overtime_minutes for g in rules.technicians), default=0),
        booking_cap_per_hour=rules.booking_cap_per_hour,
        shifts=rules.shifts,
    )


#: One more or fewer in a team's grade: "mechanical g3 +1" (a reader's language names the team as
#: the workshop names the skill or bay kind of that identifier: 机修 3 级 +1).
TEAM_CHANGE = N_("%(team)s g%(grade)d %(change)+d")
BAY_CHANGE = N_("%(moved_kind)s bays %(change)+d")


def change_words(changes: list[RulesChange], t: Translator) -> str:
    """Changes to a rule set in `t`'s language: "paint g2 +1, general bays +2" (喷漆组 2 级 +1 人，…)."""
    return t.series(
        [
            t.gettext(TEAM_CHANGE, team=t.label(c.team), grade=c.grade, change=c.change)
            if c.team is not None
            else t.gettext(BAY_CHANGE, moved_kind=t.kind_label(c.bay_kind or ""), change=c.change)
            for c in changes
        ]
    )


def derived_words(d: DerivedRules, t: Translator) -> str:
    """A derived rule set's description in `t`'s language, in English what `RuleSetResult.description`
    says: "current: paint g2 +1, general bays +2", "current, overbooking 10 %". The base's name is
    data (its file's name), kept as written."""
    said = (
        t.gettext("%(base)s: %(changes)s", base=d.base, changes=change_words(d.changes, t))
        if d.changes
        else d.base
    )
    if d.overbooking_percent is not None:
        level = t.gettext("%(percent)s %%", percent=f"{d.overbooking_percent:g}")
        said = t.gettext("%(base)s, overbooking %(level)s", base=said, level=level)
    return said


def composed(c: RulesComposition, t: Translator) -> str:
    """A description of rules made from their fields in `t`'s language (review-s35: the bundled
    rules described themselves in English only): "7 technicians (express 1, mechanical 4); bays:
    general 4, express 1; overtime up to 60 min; shift main 08:15–17:30, breaks 12:00–13:30"."""

    count = sum(c.technicians.values())
    teams = t.series([f"{t.label(team)} {n}" for team, n in c.technicians.items()])
    parts = [
        t.ngettext("%(num)d technician (%(teams)s)", "%(num)d technicians (%(teams)s)", count, teams=teams)
    ]
    if c.bays:
        parts.append(
            t.gettext("bays: %(bays)s", bays=t.series([f"{t.kind_label(k)} {n}" for k, n in c.bays.items()]))
        )
    if c.fleet_bays:
        parts.append(t.ngettext("%(num)d fleet bay", "%(num)d fleet bays", c.fleet_bays))
    if c.overtime_minutes:
        parts.append(t.gettext("overtime up to %(minutes)s min", minutes=c.overtime_minutes))
    if c.booking_cap_per_hour is not None:
        parts.append(t.gettext("at most %(cap)s bookings an hour", cap=c.booking_cap_per_hour))
    for name, shift in c.shifts.items():
        said = t.gettext(
            "shift %(shift)s %(start)s–%(end)s", shift=t.label(name), start=shift.start, end=shift.end
        )
        if shift.breaks:
            breaks = t.series([f"{b.start}–{b.end}" for b in shift.breaks])
            said = t.gettext("%(shift)s, breaks %(breaks)s", shift=said, breaks=breaks)
        parts.append(said)
    return t.gettext("; ").join(parts)
