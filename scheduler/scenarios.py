"""Loads a scenario (a workshop and its historical demand) from TOML files and checks it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

import scenarios as scenarios_package
from scheduler.contract import Workshop
from scheduler.errors import InputError, from_validation_error
from scheduler.i18n import N_

SCENARIO_ROOT = Path(scenarios_package.__file__).parent
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

Share = Annotated[float, Field(ge=0, le=1)]


class _Model(BaseModel):
    # TOML has nan and inf: no figure of a scenario may be either.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class MonthRecord(_Model):
    """One month of the dealer's report: repairs in total, bookings made and kept."""

    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    repairs: int = Field(ge=0)
    booked: int = Field(ge=0)
    kept: int = Field(ge=0)


class FleetDemand(_Model):
    share: Share = Field(description="share of vehicles from fleet partners")
    partners: dict[str, Share] = Field(description="partner id -> share of the fleet vehicles")

    @model_validator(mode="after")
    def _sums_to_one(self) -> FleetDemand:
        if self.partners and abs(sum(self.partners.values()) - 1) > 1e-6:
            raise ValueError(f"partner shares must sum to 1, not {sum(self.partners.values()):.4f}")
        return self


class Arrivals(_Model):
    hourly: dict[str, float] = Field(description="'HH:MM' hour start -> weight of drop-offs in that hour")
    weekday: list[float] = Field(min_length=7, max_length=7, description="Monday..Sunday volume factors")

    @field_validator("hourly")
    @classmethod
    def _hours(cls, value: dict[str, float]) -> dict[str, float]:
        for hour, weight in value.items():
            if not _is_hhmm(hour):
                raise ValueError(f"hour {hour!r} must be 'HH:MM'")
            if weight < 0:
                raise ValueError(f"weight of {hour} must not be negative")
        if sum(value.values()) <= 0:
            raise ValueError("at least one hour needs a positive weight")
        return value


def _is_hhmm(value: str) -> bool:
    parts = value.split(":")
    return len(parts) == 2 and all(p.isdigit() and len(p) == 2 for p in parts) and int(parts[0]) < 24


class PromiseRules(_Model):
    """How service advisors set the promised pickup."""

    waiter_buffer_minutes: int = Field(ge=0, description="waiters: drop-off + standard minutes + this")
    noon: str = Field(description="drop-offs before this get the morning handover")
    morning_handover: str
    afternoon_handover: str
    margin_minutes: int = Field(
        ge=0, description="a handover at least this long after drop-off + standard minutes"
    )
    multi_day: dict[str, int] = Field(default_factory=dict, description="service code -> days to pickup")
    multi_day_pickup: str = "17:00"

    @field_validator("noon", "morning_handover", "afternoon_handover", "multi_day_pickup")
    @classmethod
    def _time(cls, value: str) -> str:
        if not _is_hhmm(value):
            raise ValueError(f"must be 'HH:MM', got {value!r}")
        return value


class Demand(_Model):
    source: str
    days_per_month: float = Field(gt=0, le=31)
    monthly_volume: dict[str, int] = Field(description="jan..dec -> vehicles a month")
    history: list[MonthRecord] = Field(default_factory=list)
    booking_rate: Share
    kept_rate: Share
    mix: dict[str, Annotated[float, Field(gt=0)]] = Field(description="service code -> share of vehicles")
    waiter_share: dict[str, Share]
    fleet: FleetDemand
    arrivals: Arrivals
    promise: PromiseRules

    @field_validator("monthly_volume")
    @classmethod
    def _months(cls, value: dict[str, int]) -> dict[str, int]:
        missing = [m for m in MONTHS if m not in value]
        unknown = [m for m in value if m not in MONTHS]
        if missing or unknown:
            raise ValueError(f"needs exactly the months jan..dec (missing {missing}, unknown {unknown})")
        return value

    @field_validator("mix")
    @classmethod
    def _mix(cls, value: dict[str, float]) -> dict[str, float]:
        if abs(sum(value.values()) - 1) > 1e-6:
            raise ValueError(f"shares must sum to 1, not {sum(value.values()):.4f}")
        return value


@dataclass(frozen=True)
class Scenario:
    name: str
    path: Path
    workshop: Workshop
    demand: Demand


def list_scenarios() -> list[str]:
    return sorted(p.name for p in SCENARIO_ROOT.iterdir() if (p / "workshop.toml").is_file())


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("(file)", N_("missing"), source=str(path)) from None
    except OSError as exc:  # a folder of that name, no permission
        raise InputError(
            "(file)", N_("cannot read: %(why)s") % {"why": exc.strerror}, source=str(path)
        ) from None
    return parse_toml(raw, str(path))


def parse_toml(raw: bytes, source: str) -> dict[str, Any]:
    """A TOML file's bytes (scenarios, rules, a history's mapping, a fit), a BOM (Windows Notepad)
    read past; bad syntax or not UTF-8: an InputError naming the file, `source`. Each reader says
    itself why the file cannot be read."""
    try:
        return tomllib.loads(raw.decode("utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError("(syntax)", str(exc), source=source) from None
    except UnicodeDecodeError as exc:  # TOML is UTF-8
        raise InputError(
            "(file)", N_("not UTF-8 (byte %(byte)s)") % {"byte": exc.start}, source=source
        ) from None


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A bundled scenario by name, or a directory holding workshop.toml and demand.toml."""
    path = Path(name_or_path)
    if not path.is_dir():
        bundled = SCENARIO_ROOT / str(name_or_path)
        if not bundled.is_dir():
            known = ", ".join(list_scenarios())
            raise InputError(
                "SCENARIO",
                N_("no scenario %(name)s (bundled: %(known)s; or give a directory)")
                % {"name": repr(str(name_or_path)), "known": known},
            )
        path = bundled
    workshop_file, demand_file = path / "workshop.toml", path / "demand.toml"
    try:
        workshop = Workshop.model_validate(_read_toml(workshop_file))
    except ValidationError as exc:
        raise from_validation_error(exc, source=str(workshop_file)) from None
    try:
        demand = Demand.model_validate(_read_toml(demand_file))
    except ValidationError as exc:
        raise from_validation_error(exc, source=str(demand_file)) from None

    codes = {s.code for s in workshop.services}
    for table in ("mix", "waiter_share"):
        for code in getattr(demand, table):
            if code not in codes:
                raise InputError(
                    f"{table}.{code}", N_("no such service in workshop.toml"), source=str(demand_file)
                )
    for code in demand.promise.multi_day:
        if code not in codes:
            raise InputError(
                f"promise.multi_day.{code}", N_("no such service in workshop.toml"), source=str(demand_file)
            )
    missing = [code for code in demand.mix if code not in demand.waiter_share]
    if missing:
        raise InputError(
            "waiter_share",
            N_("no share for %(codes)s") % {"codes": ", ".join(missing)},
            source=str(demand_file),
        )
    return Scenario(name=path.name, path=path, workshop=workshop, demand=demand)
