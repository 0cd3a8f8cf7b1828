"""The v1 plan contract: the pydantic models every part of bayplan speaks.

A plan request carries a whole workshop, the plan date, the day's bookings and
options; a plan carries placements (booking, operation, bay, technician, start,
end), the bookings left unassigned with a reason, solver figures and KPIs.
Times at this boundary are timezone-aware ISO 8601; durations are minutes.
"""

from __future__ import annotations

import datetime as dt
import re
import weakref
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)

from scheduler.i18n import DEFAULT, N_, NameMap, Names, name_map, normalise, translations

CONTRACT_VERSION: Literal["v1"] = "v1"

#: The bay kinds a workshop has when it declares none (`Workshop.bay_kinds`). Kinds are the
#: workshop's own identifiers; only "express" has a role (express lanes take only express services).
BAY_KINDS: tuple[str, ...] = ("general", "express", "alignment", "body", "paint")

#: Technician grades, 1..5.
GRADE_NAMES = {1: "apprentice", 2: "junior", 3: "intermediate", 4: "senior", 5: "master"}

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

_STORED = "stored"
"""Validation context key: a text read back from the database (`stored_workshop`)."""

PART_CODE = ":ops"
"""What marks a part of a service in its code, "ACC-REPAIR:ops2-3" (scheduler.multiday): a day's share
of multi-day work, or the clocked part of a booking whose rest carries over. No workshop service's
code holds it."""

HELD_CODE = f"{PART_CODE}held"
"""What ends the code of a day's held share of a booking, no work of it that day
(scheduler.multiday.held_code): "ACC-REPAIR:opsheld"."""

STORED_CONTEXT: Mapping[str, bool] = {_STORED: True}
"""The validation context of a text read back from the database: what a rule added since refuses
in new text still loads there (a stored workshop or booking could otherwise be neither read nor
replaced)."""

#: C0 controls (tab and line breaks too: every text of the contract is one line, on a bar, a row or a
#: cell), DEL and C1 controls.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def control_character(value: str) -> str | None:
    """Why `value` breaks `NO_CONTROL`'s rule (None: it does not), for a text from outside read
    without a model (a bookings file's idempotency_key column)."""
    found = _CONTROL.search(value)
    if found is None:
        return None
    return N_("must not contain a control character (tab, line break), got %(char)s at character %(at)s") % {
        "char": f"U+{ord(found.group()):04X}",
        "at": found.start() + 1,
    }


def _no_control(value: str, info: ValidationInfo) -> str:
    why = None if (info.context or {}).get(_STORED) else control_character(value)
    if why is None:
        return value
    raise ValueError(why)


def _a_name(value: str, info: ValidationInfo) -> str:
    _no_control(value, info)
    if value.strip() or (info.context or {}).get(_STORED):
        return value
    raise ValueError(N_("must not be blank (spaces only)"))


NO_CONTROL = AfterValidator(_no_control)
"""The rule of every free text from outside (a customer's name, a plate, a key's label): one line, no
control character (NUL reached pages, PDFs and CSV files as it came, and PostgreSQL stores none in a
column). Written after the text's own length, `Annotated[str, Field(max_length=200), NO_CONTROL]`:
a length given beside it (`Field` of the field) would be checked after it, as a sequence's, no longer
refused as a string too long."""
A_NAME = AfterValidator(_a_name)
"""The rule of every name from outside (a workshop's, a service's, a technician's, in any language):
`NO_CONTROL`'s, and not spaces only (a name nobody can read on a page)."""
Text = Annotated[str, NO_CONTROL]
"""A free text from outside of no length of its own."""

Grade = Annotated[int, Field(ge=1, le=5, description="1 apprentice .. 5 master")]
Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
NameLanguage = Literal["zh-CN"]
"""The languages a workshop may name its things in besides `name`, as BCP 47 tags (the pages'
<html lang>): one per catalog bayplan speaks other than English (`scheduler.i18n.SUPPORTED`). A
zh-TW or zh-HK reader reads the zh-CN names, as he reads the Simplified catalog."""


# A name in other languages, by tag, as long as the `name` beside it may be.
Names80 = dict[NameLanguage, Annotated[str, Field(min_length=1, max_length=80), A_NAME]]
Names120 = dict[NameLanguage, Annotated[str, Field(min_length=1, max_length=120), A_NAME]]
Names200 = dict[NameLanguage, Annotated[str, Field(min_length=1, max_length=200), A_NAME]]
NAMES_DESCRIPTION = (
    "the name in other languages, by BCP 47 tag ('zh-CN': the name a Chinese page, report, PDF or "
    "CLI table shows, zh-TW and zh-HK too); the JSON keeps `name` and the identifiers as they are; "
    "default none: `name` in every language"
)


def named_in(name: str, names: Mapping[Any, str], locale: str) -> str:
    """The name a reader in `locale` (a Babel id: zh_CN) reads: its `names` entry, else `name`."""
    return names.get(locale.replace("_", "-"), name)


#: A bay kind: any identifier the workshop declares in `Workshop.bay_kinds`.
BayKind = Identifier

#: The dates bayplan plans: wide enough for any workshop, narrow enough that no arithmetic around
#: them (the next day, a time zone's offset, a multi-day promise) leaves Python's datetime range.
FIRST_DATE = dt.date(2000, 1, 1)
LAST_DATE = dt.date(2199, 12, 31)


def _date_in_range(value: dt.date) -> dt.date:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(
            N_("must be between %(first)s and %(last)s, got %(value)s")
            % {"first": FIRST_DATE, "last": LAST_DATE, "value": value}
        )
    return value


#: Moments may also fall on the day after the last date (work that ends at its midnight).
_LAST_MOMENT_DATE = LAST_DATE + dt.timedelta(days=1)


def _moment_in_range(value: dt.datetime) -> dt.datetime:
    if not FIRST_DATE <= value.date() <= _LAST_MOMENT_DATE:
        raise ValueError(
            N_("must be between %(first)sT00:00 and %(last)sT23:59 local time, got %(value)s")
            % {"first": FIRST_DATE, "last": _LAST_MOMENT_DATE, "value": value.isoformat()}
        )
    return value


def _iso_date(value: object) -> object:
    """A date given as text or a number must read YYYY-MM-DD (pydantic would also take a number,
    or digits, for a Unix time: `to=0` is not 1970-01-01)."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(N_("expected YYYY-MM-DD, got %(value)s") % {"value": repr(value)})
    return value


#: A date at the boundary (requests, query parameters, files): YYYY-MM-DD within the range.
Day = Annotated[dt.date, BeforeValidator(_iso_date), AfterValidator(_date_in_range)]
#: A timezone-aware moment at the boundary, its date within the same range.
Moment = Annotated[AwareDatetime, AfterValidator(_moment_in_range)]
#: Finite floats only: NaN and Infinity are refused (JSON has neither; Python's json and TOML do).
Finite = Annotated[float, Field(allow_inf_nan=False)]
#: The largest CP-SAT random seed (a 32-bit signed integer).
MAX_SEED = 2**31 - 1
#: IANA names are short ("America/Argentina/ComodRivadavia" is the longest at 32 characters).
_TIMEZONE = re.compile(r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*$")


@cache
def _iana_zones() -> frozenset[str]:
    """The IANA zone names of the tzdata package (a dependency): the same list on every server. The
    server's own zoneinfo directory, which ZoneInfo reads first, has files that are no zone of the
    database: `localtime` (a link to /etc/localtime: the server's own zone), `posixrules`,
    `right/…` (leap seconds counted) and `posix/…`; a workshop naming one would change its hours
    when moved to another server, or fail to load there."""
    return frozenset(resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split())


def _hhmm(value: str) -> str:
    if not isinstance(value, str) or not _HHMM.match(value):
        raise ValueError(N_("must be a local time 'HH:MM' (00:00-23:59), got %(value)r") % {"value": value})
    return value


def hhmm_minutes(value: str) -> int:
    """Minutes after local midnight of an 'HH:MM' wall-clock time."""
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


#: The reasons of the model checks that name their field in front ("bays[0].kind: 'x' is not a
#: declared bay kind (…)") as a file's error gives them, after the field it names in full
#: (scheduler.errors.from_validation_error takes the field off): translated as the whole texts are.
FIELD_REASONS = (
    N_("duplicate id %(ident)r"),
    N_("duplicate kind %(dup)r"),
    N_("%(bay_kind)r is not a declared bay kind (%(known)s)"),
    N_("%(pool)r is not a pool of the workshop (%(known)s)"),
    N_("duplicate pool %(pool)r"),
)


class FieldValueError(ValueError):
    """A model's own check that found one field wrong (a cross-field check such as a bay kind the
    workshop does not declare): `loc` is that field's path inside the model being checked, so the
    error names it exactly (pydantic alone would name the model). The text is unchanged."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


class _Model(BaseModel):
    # Unknown fields are refused: a typo in a scenario file must not pass silently.
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeWindow(_Model):
    """A local wall-clock window on the plan date, 'HH:MM' to 'HH:MM'."""

    start: str = Field(description="local time HH:MM")
    end: str = Field(description="local time HH:MM")

    _check = field_validator("start", "end")(_hhmm)

    @model_validator(mode="after")
    def _ordered(self) -> TimeWindow:
        if hhmm_minutes(self.end) <= hhmm_minutes(self.start):
            raise FieldValueError(
                ("end",),
                N_("end %(end)s must be after start %(start)s") % {"end": self.end, "start": self.start},
            )
        return self


class Shift(TimeWindow):
    """A technician's working hours with the breaks (meeting, lunch) in them."""

    breaks: list[TimeWindow] = Field(default_factory=list)

    @model_validator(mode="after")
    def _breaks_inside(self) -> Shift:
        start, end = hhmm_minutes(self.start), hhmm_minutes(self.end)
        previous_end = start
        for n, brk in sorted(enumerate(self.breaks), key=lambda nb: hhmm_minutes(nb[1].start)):
            b_start, b_end = hhmm_minutes(brk.start), hhmm_minutes(brk.end)
            if b_start < start or b_end > end:
                raise FieldValueError(
                    ("breaks", n),
                    N_("break %(start)s-%(end)s lies outside the shift %(shift_start)s-%(shift_end)s")
                    % {"start": brk.start, "end": brk.end, "shift_start": self.start, "shift_end": self.end},
                )
            if b_start < previous_end:
                raise FieldValueError(
                    ("breaks", n),
                    N_("break %(brk_start)s-%(brk_end)s overlaps another break")
                    % {"brk_start": brk.start, "brk_end": brk.end},
                )
            previous_end = b_end
        return self


class Bay(_Model):
    """A working place with its equipment; a fleet-partner bay takes only that partner's vehicles."""

    id: Identifier
    kind: BayKind
    fleet_partner: Identifier | None = None


class Technician(_Model):
    id: Identifier
    name: Annotated[str, Field(min_length=1, max_length=120), A_NAME]
    name_i18n: Names120 = Field(default_factory=dict, description=NAMES_DESCRIPTION)
    grade: Grade
    skills: list[Identifier] = Field(min_length=1)
    efficiency: Finite = Field(default=1.0, gt=0.1, le=3.0, description="standard minutes per worked minute")
    max_overtime_minutes: int = Field(default=0, ge=0, le=360)
    shift: Shift
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(
        default_factory=lambda: list(range(7)),
        description="weekly roster: days worked, 0 Monday .. 6 Sunday (default every day)",
    )

    def on_duty(self, date: dt.date) -> bool:
        return date.weekday() in self.weekdays


class Operation(_Model):
    """One step of a service: done on one bay by one technician, in one piece."""

    name: Annotated[str, Field(min_length=1, max_length=80), A_NAME]
    name_i18n: Names80 = Field(default_factory=dict, description=NAMES_DESCRIPTION)
    minutes: int = Field(gt=0, le=720, description="standard minutes at efficiency 1.0")
    skill: Identifier
    min_grade: Grade = 1
    bay_kinds: list[BayKind] = Field(min_length=1)
    needs_parts: StrictBool = Field(
        default=False, description="waits for ordered parts: starts no earlier than the booking's parts_eta"
    )


class Service(_Model):
    code: Identifier
    name: Annotated[str, Field(min_length=1, max_length=120), A_NAME]
    name_i18n: Names120 = Field(default_factory=dict, description=NAMES_DESCRIPTION)
    express: StrictBool = Field(default=False, description="quick service that may use express lanes")
    operations: list[Operation] = Field(min_length=1, max_length=20)
    check_in_minutes: int = Field(
        default=10, ge=1, le=120, description="a service advisor's time to check the vehicle in"
    )
    max_days: int = Field(
        default=1,
        ge=1,
        le=30,
        description="multi-day work (accident repairs): the most opening days the work may span, the "
        "drop-off day included; what does not fit the drop-off day carries over to the following "
        "opening days, each operation done in one piece on one day, and the promised pickup is on "
        "the last day (work ready after the desk closes: the next handover day's first handover "
        "time); default 1: the work is done on the drop-off day",
    )

    @field_validator("code")
    @classmethod
    def _not_a_part(cls, value: str, info: ValidationInfo) -> str:
        # A day's share of a service is a service of its own, coded "MINOR:ops0-0"
        # (scheduler.multiday.part_code): a workshop's own code of that shape would be taken for one.
        # A text stored before such codes were refused still loads (`stored_workshop`), so that it
        # can be read and replaced; a new text never holds one.
        if PART_CODE in value and not (info.context or {}).get(_STORED):
            raise ValueError(
                N_("must not contain %(part)r: it marks a part of a service (%(example)r)")
                % {"part": PART_CODE, "example": "ACC:ops0-1"}
            )
        return value

    @property
    def needs_parts(self) -> bool:
        return any(op.needs_parts for op in self.operations)

    def in_language(self, locale: str) -> Service:
        """The service as a reader in `locale` (a Babel id: zh_CN) reads it: its name and its
        operations' names in that language where given (`name_i18n`), else as they are; the code
        and everything else unchanged. For what a person reads only: never stored nor sent."""
        if not self.name_i18n and not any(op.name_i18n for op in self.operations):
            return self
        operations = [
            op.model_copy(update={"name": named_in(op.name, op.name_i18n, locale)}) for op in self.operations
        ]
        return self.model_copy(
            update={"name": named_in(self.name, self.name_i18n, locale), "operations": operations}
        )


class Advisor(_Model):
    """A service advisor at the front desk: each drop-off needs one free for its check-in."""

    id: Identifier
    name: Annotated[str, Field(min_length=1, max_length=120), A_NAME]
    name_i18n: Names120 = Field(default_factory=dict, description=NAMES_DESCRIPTION)
    shift: Shift
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(
        default_factory=lambda: list(range(7)),
        description="weekly roster: days worked, 0 Monday .. 6 Sunday (default every day)",
    )


PersonT = TypeVar("PersonT", Technician, Advisor)


class Label(_Model):
    """What a workshop calls one of its bay kinds or skills (an identifier) on its pages and in
    its sentences: `name` in English, `name_i18n` in other languages."""

    name: Annotated[str, Field(min_length=1, max_length=80), A_NAME] = Field(
        description="the display name in English"
    )
    name_i18n: Names80 = Field(default_factory=dict, description=NAMES_DESCRIPTION)

    def in_language(self, ident: str, locale: str) -> str:
        """The name a reader in `locale` (a Babel id) reads for `ident`: its `name_i18n` entry;
        where it has none, the catalog's word for a built-in kind or skill ("paint": 喷漆) before
        the English `name`."""
        if locale.replace("_", "-") in self.name_i18n or normalise(locale) in (None, DEFAULT):
            return named_in(self.name, self.name_i18n, locale)
        said = translations(normalise(locale) or DEFAULT).gettext(ident)
        return said if said != ident else self.name


LABELS_DESCRIPTION = (
    "display names by identifier (name, name_i18n) shown on the pages and in the sentences a person "
    "reads instead of the identifier; the JSON, the API's fields and the CSV keep the identifiers; "
    "default none: the built-in ones in the catalog's words, a workshop's own as written"
)


class PoolOverbooking(_Model):
    """No-show overbooking of one technician pool (opt-in): the desk may sell drop-off work beyond
    the day's witness plan, up to this share of the pool's available minutes (scheduler.overbooking)."""

    pool: str = Field(
        max_length=80,
        pattern=r"^[A-Za-z0-9_.\-]+:[1-5]$",
        description="`skill:grade` as on the loading chart: the technicians with that skill at that "
        "grade or above (an operation's skill and min_grade)",
    )
    overbooking_percent: Finite = Field(
        default=0,
        ge=0,
        le=50,
        description="percent of the pool's available minutes that may be booked beyond the witness, "
        "betting on no-shows; 0 (default): every offer is proven by a whole-day plan",
    )


class Workshop(_Model):
    id: Identifier
    name: Annotated[str, Field(min_length=1, max_length=200), A_NAME]
    name_i18n: Names200 = Field(default_factory=dict, description=NAMES_DESCRIPTION)
    timezone: str = Field(max_length=64, description="IANA time zone, e.g. Asia/Shanghai")
    opening: TimeWindow | None = Field(
        default=None,
        description="reception hours for drop-offs; default: earliest shift start to latest shift end",
    )
    bay_kinds: list[Identifier] = Field(
        default=list(BAY_KINDS),
        min_length=1,
        max_length=64,
        description="the workshop's bay kinds (tyre bay, EV high-voltage bay, …): bays and operations "
        "name these; 'express' marks express lanes; default general, express, alignment, body, paint",
    )
    bay_kind_names: dict[Identifier, Label] = Field(
        default_factory=dict, max_length=64, description="the bay kinds' " + LABELS_DESCRIPTION
    )
    skill_names: dict[Identifier, Label] = Field(
        default_factory=dict, max_length=200, description="the skills' " + LABELS_DESCRIPTION
    )
    bays: list[Bay] = Field(min_length=1)
    technicians: list[Technician] = Field(min_length=1)
    services: list[Service] = Field(min_length=1)
    closed_days: list[Day] = Field(default_factory=list, description="holidays: no work, no drop-offs")
    loan_cars: int | None = Field(
        default=None,
        ge=0,
        le=10_000,
        description="loan cars for customers, out from drop-off to promised pickup; default: no limit",
    )
    advisors: list[Advisor] = Field(
        default_factory=list, description="service advisors for check-ins; default none: no advisor limit"
    )
    overbooking: list[PoolOverbooking] = Field(
        default_factory=list,
        max_length=200,
        description="no-show overbooking per technician pool (opt-in); default none: no overbooking",
    )
    promise_confidence: Finite | None = Field(
        default=None,
        ge=0.5,
        le=0.99,
        description="promises the shop keeps (opt-in): the desk promises the earliest five-minute time "
        "at which the booking's work, as the offer places it, is done with this probability under the "
        "duration model the promise guard uses (never earlier than the buffer and handover rule); "
        "default none: the buffer and handover rule alone",
    )

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str) -> str:
        # Only names of the tzdata package's list (`_iana_zones`): no directory ("Europe"), path or
        # server-only file reaches ZoneInfo. Its errors still count as an unknown zone: a listed
        # name's file in the server's own zoneinfo, which ZoneInfo reads first, may be unreadable.
        if not _TIMEZONE.match(value) or value not in _iana_zones():
            raise ValueError(N_("unknown IANA time zone %(value)r") % {"value": value})
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(N_("unknown IANA time zone %(value)r") % {"value": value}) from None
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> Workshop:
        for field, ids in (
            ("bays", [b.id for b in self.bays]),
            ("technicians", [t.id for t in self.technicians]),
            ("services", [s.code for s in self.services]),
            ("advisors", [a.id for a in self.advisors]),
        ):
            seen: set[str] = set()
            for i, ident in enumerate(ids):
                if ident in seen:
                    raise FieldValueError(
                        (field, i, "code" if field == "services" else "id"),
                        N_("%(field)s[%(i)s]: duplicate id %(ident)r")
                        % {"field": field, "i": i, "ident": ident},
                    )
                seen.add(ident)
        return self

    @model_validator(mode="after")
    def _declared_kinds(self) -> Workshop:
        declared = set(self.bay_kinds)
        if len(declared) != len(self.bay_kinds):
            at = next(i for i, k in enumerate(self.bay_kinds) if k in self.bay_kinds[:i])
            dup = self.bay_kinds[at]
            raise FieldValueError(("bay_kinds", at), N_("bay_kinds: duplicate kind %(dup)r") % {"dup": dup})
        known = ", ".join(self.bay_kinds)
        for i, bay in enumerate(self.bays):
            if bay.kind not in declared:
                raise FieldValueError(
                    ("bays", i, "kind"),
                    N_("bays[%(i)s].kind: %(bay_kind)r is not a declared bay kind (%(known)s)")
                    % {"i": i, "bay_kind": bay.kind, "known": known},
                )
        for i, service in enumerate(self.services):
            for k, op in enumerate(service.operations):
                for m, kind in enumerate(op.bay_kinds):
                    if kind not in declared:
                        raise FieldValueError(
                            ("services", i, "operations", k, "bay_kinds", m),
                            N_(
                                "services[%(i)s].operations[%(k)s].bay_kinds[%(m)s]: %(kind)r is not a"
                                " declared bay kind (%(known)s)"
                            )
                            % {"i": i, "k": k, "m": m, "kind": kind, "known": known},
                        )
        return self

    @model_validator(mode="after")
    def _labelled(self) -> Workshop:
        # A name for a kind the workshop does not declare, or a skill nobody has nor needs, is a typo
        # (its kind would show its identifier on every page while the name waits unused).
        kinds = ", ".join(self.bay_kinds)
        for kind in self.bay_kind_names:
            if kind not in self.bay_kinds:
                raise FieldValueError(
                    ("bay_kind_names", kind),
                    N_("bay_kind_names: %(bay_kind)r is not a declared bay kind (%(known)s)")
                    % {"bay_kind": kind, "known": kinds},
                )
        skills = {s for t in self.technicians for s in t.skills}
        skills |= {op.skill for s in self.services for op in s.operations}
        for skill in self.skill_names:
            if skill not in skills:
                raise FieldValueError(
                    ("skill_names", skill),
                    N_("skill_names: %(skill_id)r is no technician's skill nor any operation's (%(known)s)")
                    % {"skill_id": skill, "known": ", ".join(sorted(skills))},
                )
        return self

    @model_validator(mode="after")
    def _overbooked_pools(self) -> Workshop:
        pools = {f"{op.skill}:{op.min_grade}" for s in self.services for op in s.operations}
        seen: set[str] = set()
        for i, entry in enumerate(self.overbooking):
            if entry.pool not in pools:
                known = ", ".join(sorted(pools))
                raise FieldValueError(
                    ("overbooking", i, "pool"),
                    N_("overbooking[%(i)s].pool: %(pool)r is not a pool of the workshop (%(known)s)")
                    % {"i": i, "pool": entry.pool, "known": known},
                )
            if entry.pool in seen:
                raise FieldValueError(
                    ("overbooking", i, "pool"),
                    N_("overbooking[%(i)s].pool: duplicate pool %(pool)r") % {"i": i, "pool": entry.pool},
                )
            seen.add(entry.pool)
        return self

    def overbooking_percent(self, skill: str, min_grade: int) -> float:
        """The overbooking percent of the pool `skill:min_grade` (0: none)."""
        pool = f"{skill}:{min_grade}"
        return next((e.overbooking_percent for e in self.overbooking if e.pool == pool), 0.0)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def opening_window(self) -> tuple[str, str]:
        if self.opening is not None:
            return self.opening.start, self.opening.end
        starts = [t.shift.start for t in self.technicians]
        ends = [t.shift.end for t in self.technicians]
        return min(starts, key=hhmm_minutes), max(ends, key=hhmm_minutes)

    def is_closed(self, date: dt.date) -> bool:
        return date in self.closed_days

    def on_duty(self, tech: Technician, date: dt.date) -> bool:
        """Rostered that weekday and the workshop open that day."""
        return tech.on_duty(date) and not self.is_closed(date)

    def service(self, code: str) -> Service | None:
        return next((s for s in self.services if s.code == code), None)

    def in_language(self, locale: str) -> Workshop:
        """The workshop as a reader in `locale` (a Babel id: zh_CN) reads it: its name, its
        services', operations', technicians' and advisors' names in that language where given
        (`name_i18n`), else as they are; every identifier and everything else unchanged. For what
        a person reads (pages, PDFs, CLI tables) only: never stored nor sent as JSON."""
        tag = locale.replace("_", "-")
        names = [self.name_i18n, *(s.name_i18n for s in self.services)]
        names += [op.name_i18n for s in self.services for op in s.operations]
        names += [t.name_i18n for t in self.technicians] + [a.name_i18n for a in self.advisors]
        if not any(tag in n for n in names):
            return self  # nothing named in that language (English, or a workshop without names)

        def person(p: PersonT) -> PersonT:
            return p.model_copy(update={"name": named_in(p.name, p.name_i18n, locale)}) if p.name_i18n else p

        return self.model_copy(
            update={
                "name": named_in(self.name, self.name_i18n, locale),
                "services": [s.in_language(locale) for s in self.services],
                "technicians": [person(t) for t in self.technicians],
                "advisors": [person(a) for a in self.advisors],
            }
        )

    def names_in(self, locale: str) -> Names:
        """The names a reader in `locale` reads in the sentences made in English that name this
        workshop's things (`Translator.phrase`): its operations', services', technicians' and
        advisors' names (`in_language`) and its bay kinds' and skills' display names (`Label`).
        Remembered for the workshop object (the planning service hands out the same one until
        its text changes): 1 ms for dealer-2011, on every Chinese answer otherwise."""
        key = (id(self), locale)
        found = _NAMES.get(key)
        if found is not None and found[0]() is self:
            return found[1]
        names = self._names_in(locale)
        if len(_NAMES) >= MAX_NAMED:
            _NAMES.clear()
        _NAMES[key] = (weakref.ref(self), names)
        return names

    def _names_in(self, locale: str) -> Names:
        pairs, labels = self._name_pairs(locale)
        return Names(things=name_map(pairs), labels=name_map(labels), **self._kinds_and_skills(locale))

    def _kinds_and_skills(self, locale: str) -> dict[str, NameMap]:
        """`Names.kinds` and `Names.skills`: the bay kinds' and skills' display names apart."""
        return {
            "kinds": name_map((k, label.in_language(k, locale)) for k, label in self.bay_kind_names.items()),
            "skills": name_map((s, label.in_language(s, locale)) for s, label in self.skill_names.items()),
        }

    def _name_pairs(self, locale: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """(English name, name in `locale`) of every named thing, and (identifier, display name)
        of every labelled bay kind and skill, unchanged ones too."""
        shown = self.in_language(locale)
        pairs = [(self.name, shown.name)]
        for mine, theirs in zip(self.services, shown.services, strict=True):
            pairs.append((mine.name, theirs.name))
            pairs += [(a.name, b.name) for a, b in zip(mine.operations, theirs.operations, strict=True)]
        pairs += [(a.name, b.name) for a, b in zip(self.technicians, shown.technicians, strict=True)]
        pairs += [(a.name, b.name) for a, b in zip(self.advisors, shown.advisors, strict=True)]
        labels = [
            (ident, label.in_language(ident, locale))
            for ident, label in (*self.bay_kind_names.items(), *self.skill_names.items())
        ]
        return pairs, labels

    def names_beside(self, stored: Workshop | None, locale: str) -> Names:
        """`names_in` for the sentences about a change of `stored` to this workshop (a PUT's 409 or
        422): a thing this workshop has (an English name, a bay kind, a skill) as it names it, a
        thing only `stored` has (an operation the change removes) as `stored` named it
        (zh-s29: a refused PUT named everything as the stored workshop did, the new names unread)."""
        if stored is None or stored is self:
            return self.names_in(locale)
        pairs, labels = self._name_pairs(locale)
        old_pairs, old_labels = stored._name_pairs(locale)
        mine = {english for english, _ in pairs}
        idents = {*self.bay_kinds, *(s for t in self.technicians for s in t.skills)}
        idents |= {op.skill for s in self.services for op in s.operations}
        new, old = self._kinds_and_skills(locale), stored._kinds_and_skills(locale)
        return Names(
            things=name_map([*pairs, *(p for p in old_pairs if p[0] not in mine)]),
            labels=name_map([*labels, *(p for p in old_labels if p[0] not in idents)]),
            kinds=name_map([*new["kinds"], *(p for p in old["kinds"] if p[0] not in idents)]),
            skills=name_map([*new["skills"], *(p for p in old["skills"] if p[0] not in idents)]),
        )

    def fleet_partners(self) -> list[str]:
        """The fleet partners this workshop knows: those with bays of their own."""
        return sorted({b.fleet_partner for b in self.bays if b.fleet_partner is not None})


#: `Workshop.names_in`'s answers by (the workshop object's id, locale), a weak reference to the object
#: beside them (an id is reused once the object is gone: the `is` check tells; a page's localised copy,
#: made per request, is not kept alive by it); cleared when full.
_NAMES: dict[tuple[int, str], tuple[weakref.ref[Workshop], Names]] = {}
MAX_NAMED = 256


def stored_workshop(text: str) -> Workshop:
    """A workshop's text as stored: validated as a new one is, except that a service code holding
    `PART_CODE`, and a name with a control character or of spaces only, refused since, still load
    (a workshop stored before could otherwise be neither read nor replaced: every request of it, and
    the list of all, failed)."""
    return Workshop.model_validate_json(text, context=STORED_CONTEXT)


def _on_the_minute(value: dt.datetime) -> dt.datetime:
    """`value` down to its whole minute (counted in UTC, so a DST fold keeps its instant)."""
    utc = value.astimezone(dt.UTC)
    whole = utc.replace(second=0, microsecond=0)
    return value if whole == utc else whole.astimezone(value.tzinfo)


class PinnedOperation(_Model):
    """An operation already started (or fixed by the foreman): it stays as given, in the whole
    minutes a plan holds (a technician's phone clocks to the millisecond). Start and end both go
    down to their minute, so that work handed over within a minute (a finish at 09:10:20, the next
    start at 09:10:40, by one technician or in one bay) does not overlap: an end rounded up and a
    start rounded down overlapped by a minute, and every live re-plan of the day failed."""

    operation: int = Field(ge=0, description="index into the service's operations")
    bay: Identifier | None = Field(
        description="null: clocked work whose bay is unknown (it was clocked while another car's clocked"
        " work held its bay): it holds no bay, and its plan assignment has none (onelift13-s29)"
    )
    technician: Identifier
    start: Moment = Field(description="when the work started (seconds dropped)")
    end: Moment | None = Field(
        default=None,
        description="expected end (seconds dropped; at least a minute after the start when it is"
        " after it); default start + minutes / technician efficiency",
    )

    @field_validator("start")
    @classmethod
    def _start_minute(cls, value: dt.datetime) -> dt.datetime:
        return _on_the_minute(value)

    @field_validator("end")
    @classmethod
    def _end_minute(cls, value: dt.datetime | None, info: ValidationInfo) -> dt.datetime | None:
        start = info.data.get("start")
        if value is None:
            return None
        if start is None or value.astimezone(dt.UTC) <= start.astimezone(dt.UTC):
            return _on_the_minute(value)  # (an end not after the start: the compiler refuses it)
        # Work of less than its first minute still holds that minute (compared in UTC: two
        # datetimes of one ZoneInfo compare by wall clock, wrong in a DST fold).
        least = start.astimezone(dt.UTC) + dt.timedelta(minutes=1)
        down = _on_the_minute(value)
        return down if down.astimezone(dt.UTC) >= least else least.astimezone(value.tzinfo)


class Booking(_Model):
    id: Identifier
    service: Identifier = Field(description="service code from the workshop's catalogue")
    drop_off: Moment
    promised: Moment | None = Field(default=None, description="promised pickup")
    waiter: StrictBool = Field(default=False, description="the customer waits in the lounge")
    fleet_partner: Identifier | None = None
    priority: int = Field(default=1, ge=1, le=100)
    pinned: list[PinnedOperation] = Field(default_factory=list)
    customer: Annotated[str, Field(max_length=200), NO_CONTROL] | None = Field(
        default=None, description="the customer's name"
    )
    vehicle: Annotated[str, Field(max_length=200), NO_CONTROL] | None = Field(
        default=None, description="free text about the vehicle (see plate and model)"
    )
    phone: Annotated[str, Field(max_length=40), NO_CONTROL] | None = Field(
        default=None, description="the customer's phone (personal data: never logged)"
    )
    plate: Annotated[str, Field(max_length=20), NO_CONTROL] | None = Field(
        default=None, description="licence plate, on the plan's bars"
    )
    model: Annotated[str, Field(max_length=100), NO_CONTROL] | None = Field(
        default=None, description="make and model: Hyundai Tucson"
    )
    at_risk: bool = Field(
        default=False,
        description="a workshop change broke the booking's accepted place: the next plan may leave it "
        "unassigned (changing the booking re-places it)",
    )
    at_risk_reason: Text | None = Field(default=None, description="why the booking is at risk")
    parts_eta: Moment | None = Field(
        default=None,
        description="when ordered parts arrive: operations that need parts start no earlier",
    )
    loan_car: StrictBool = Field(
        default=False, description="the customer takes a loan car from drop-off until the promised pickup"
    )
    overbooked: bool = Field(
        default=False,
        description="booked beyond the day's witness plan (no-show overbooking): if every customer "
        "shows, the day's plan may leave it unassigned",
    )


class Weights(_Model):
    """Objective weights, in lexicographic spirit: placing beats lateness beats overtime beats preferences."""

    unplaced: int = Field(default=100_000, ge=0, description="per unplaced booking, times its priority")
    lateness: int = Field(
        default=10, ge=0, description="per minute past promised pickup (drop-off customers)"
    )
    waiter_lateness: int = Field(default=30, ge=0, description="per minute past promised pickup (waiters)")
    overtime: int = Field(default=5, ge=0, description="per overtime minute")
    express_outside_lane: int = Field(
        default=2, ge=0, description="per express operation not in an express lane"
    )
    fleet_overflow: int = Field(
        default=20, ge=0, description="per fleet operation outside its partner's bays"
    )
    technician_change: int = Field(default=3, ge=0, description="per change of technician within a booking")
    stability_reassign: int = Field(
        default=40, ge=0, description="re-planning: per operation moved to another bay or technician"
    )
    stability_minutes: int = Field(
        default=1, ge=0, description="re-planning: per minute an operation is moved"
    )


class PlanOptions(_Model):
    time_limit_seconds: Finite = Field(default=10.0, gt=0, le=600)
    workers: int = Field(default=2, ge=1, le=16, description="CP-SAT search workers")
    allow_fleet_overflow: StrictBool = Field(
        default=True, description="fleet vehicles may use general bays when their partner's bays are full"
    )
    weights: Weights = Field(default_factory=Weights)
    seed: int = Field(default=0, ge=0, le=MAX_SEED, description="CP-SAT random seed, 0..2**31-1")
    keep_promises: StrictBool = Field(
        default=False,
        description="bookings placed today must meet their promised pickup (the booking service)",
    )
    lower_bound: StrictBool = Field(
        default=True, description="spend up to 15 % of the time limit on bayplan's own relaxation bound"
    )
    not_before: Moment | None = Field(
        default=None, description="re-planning: no operation that is not pinned starts before this time (now)"
    )


class PlanRequest(_Model):
    workshop: Workshop
    date: Day
    bookings: list[Booking] = Field(default_factory=list, max_length=2000)
    options: PlanOptions = Field(default_factory=PlanOptions)
    held: list[Booking] = Field(
        default_factory=list,
        max_length=2000,
        description="vehicles held on the day with no work of theirs in it (multi-day work that starts "
        "on a later day): never planned, but a held vehicle's loan car is out from its drop-off until "
        "its promised pickup (the day's end when none) and counts against the workshop's loan_cars",
    )


class Assignment(_Model):
    booking: Identifier
    operation: int = Field(ge=0)
    bay: Identifier | None = Field(
        description="null only for pinned work given with no bay (clocked while another car's clocked work"
        " held its bay: `Plan.clocked_bay_conflicts`); planned work always has a bay"
    )
    technician: Identifier
    start: Moment
    end: Moment


class Unassigned(_Model):
    booking: Identifier
    reason: str
    operations: list[Annotated[int, Field(ge=0)]] | None = Field(
        default=None,
        description="the booking's operations left out of the day, when only some are (its last ones, "
        "after its clocked work, which stays in the plan: they do not fit the rest of the day and carry "
        "over); null: the whole booking is left out",
    )


class Kpis(_Model):
    bookings: int
    placed: int
    on_time: int = Field(description="placed bookings finished by their promised pickup (or with none)")
    late: int
    total_lateness_minutes: int
    waiter_lateness_minutes: int
    overtime_minutes: int
    technician_utilisation: float = Field(description="worked minutes / shift minutes without breaks")
    bay_utilisation: float = Field(description="occupied minutes / opening minutes over all bays")


PlanStatus = Literal["optimal", "feasible", "infeasible", "unknown"]


class Plan(_Model):
    contract: Literal["v1"] = CONTRACT_VERSION
    workshop: Identifier
    date: Day
    planner: str = Field(
        description="greedy or cpsat; witness: the accepted bookings' own placements, where a computed "
        "plan of the day broke a rule (never expected)"
    )
    status: PlanStatus
    objective: float
    best_bound: float | None = None
    gap: float | None = Field(default=None, description="(objective - best_bound) / objective")
    lower_bound: float | None = Field(default=None, description="bound computed by bayplan's own relaxation")
    placement_bound: int | None = Field(
        default=None, description="proven: at most this many bookings can be placed (energy per pool)"
    )
    lateness_bound: int | None = Field(
        default=None,
        description="proven: any plan placing as much (priority-weighted) as this one is together at least "
        "this many minutes late, whichever bookings it places",
    )
    lateness_gap: float | None = Field(
        default=None, description="(total lateness - lateness_bound) / total lateness; 0 when proven minimal"
    )
    weighted_minutes_late: float | None = Field(
        default=None,
        description="minutes late as the objective weighs them (options.weights), in drop-off minutes: a "
        "drop-off customer's minute counts 1, a waiter's weights.waiter_lateness / weights.lateness (3 by "
        "default); null with weighted_lateness_floor",
    )
    weighted_lateness_floor: float | None = Field(
        default=None,
        description="proven: any plan placing as much (priority-weighted) as this one is at least this "
        "late in weighted_minutes_late's measure, whichever bookings it places (the lateness floor the "
        "objective's lower_bound counts); null where not computed (the greedy planner) or "
        "weights.lateness is 0",
    )
    weighted_lateness_gap: float | None = Field(
        default=None,
        description="(weighted_minutes_late - weighted_lateness_floor) / weighted_minutes_late; 0 when "
        "proven minimal: how close the lateness the plan optimises (waiters' minutes weighed) is to the "
        "least possible for this many placements; lateness_gap is the same in plain minutes",
    )
    solve_seconds: float
    assignments: list[Assignment]
    unassigned: list[Unassigned]
    kpis: Kpis
    stale: bool = Field(
        default=False,
        description="a stored plan whose day changed since (bookings or workshop): plan the day again",
    )
    changes: list[Change] | None = Field(
        default=None,
        description="a re-plan's changes against the plan it replaced (what moved, was added or"
        " dropped); null for a plan made from scratch",
    )
    clocked_bay_conflicts: list[ClockedBayConflict] = Field(
        default_factory=list,
        description="a live plan's clocked work that collided on a bay with other clocked work, where no"
        " bays for the day's clocked work fit (each a bay it may use, a clocked bay kept): the clock is a"
        " fact, the bay was the plan's guess, so the work clocked later keeps its times and technician"
        " with no bay (its assignment's bay null)",
    )


class ClockedBayConflict(_Model):
    """Clocked work pinned with no bay: when it was clocked, `with_booking`'s clocked work held `bay`,
    the bay the plan had it in (a clock event names no bay)."""

    booking: Identifier
    operation: int = Field(ge=0)
    bay: Identifier = Field(description="the bay the plan had it in, held by with_booking's clocked work")
    with_booking: Identifier


class OperationRef(_Model):
    booking: Identifier
    operation: int = Field(ge=0)


class OperationEvent(OperationRef):
    """An operation reported started or finished; times default to the current plan's."""

    at: Moment | None = None


class Overrun(OperationRef):
    """A started operation that will end later (or earlier) than planned."""

    expected_end: Moment


def _plan_from_outside(value: object, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Plan:
    """A plan read from outside (a file, a body) has its texts checked (`NO_CONTROL`), naming the
    field ("plan.unassigned.0.reason"); one bayplan made (a `Plan`, a stored day's) is taken as it
    is: its reasons may name a workshop's names as they were stored, before the rule."""
    if not isinstance(value, Plan):
        _PlanTexts.model_validate(value, context=info.context)
    plan: Plan = handler(value)
    return plan


class ReplanRequest(_Model):
    request: PlanRequest = Field(description="the request the current plan was made from")
    plan: Annotated[Plan, WrapValidator(_plan_from_outside)] = Field(description="the current plan")
    now: Moment
    started: list[OperationEvent] = Field(default_factory=list)
    finished: list[OperationEvent] = Field(default_factory=list)
    overruns: list[Overrun] = Field(default_factory=list)
    walk_ins: list[Booking] = Field(default_factory=list)
    cancelled: list[Identifier] = Field(
        default_factory=list, description="booking ids: no-shows, cancellations"
    )


class Change(_Model):
    booking: Identifier
    operation: int | None = None
    kind: Literal["moved", "reassigned", "added", "dropped", "unassigned", "placed"]
    before: Assignment | None = None
    after: Assignment | None = None
    summary: str


Plan.model_rebuild()


class _UnassignedText(BaseModel):
    model_config = ConfigDict(extra="ignore")
    reason: Annotated[str, NO_CONTROL] = ""


class _ChangeText(BaseModel):
    model_config = ConfigDict(extra="ignore")
    summary: Annotated[str, NO_CONTROL] = ""


class _PlanTexts(BaseModel):
    """The texts bayplan writes into a plan, in a plan sent back in (a re-plan's current plan):
    there they are texts from outside, held to their rule. The rest of the plan is `Plan`'s."""

    model_config = ConfigDict(extra="ignore")
    planner: Annotated[str, NO_CONTROL] = ""
    unassigned: list[_UnassignedText] = Field(default_factory=list)
    changes: list[_ChangeText] | None = None


class ReplanResult(_Model):
    plan: Plan
    changes: list[Change]
