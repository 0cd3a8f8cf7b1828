"""The v1 contract: JSON round trip, JSON Schema, and precise errors for bad requests."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

import pytest
from pydantic import ValidationError

from scheduler.compiler import compile_request
from scheduler.contract import (
    Booking,
    PinnedOperation,
    Plan,
    PlanRequest,
    ReplanRequest,
    Workshop,
    stored_workshop,
)
from scheduler.errors import InputError, from_validation_error
from scheduler.i18n import HAN
from scheduler.planning import make_plan
from scheduler.scenarios import load_scenario
from scheduler.validator import assert_valid
from tests.builders import at, booth_workshop
from tests.builders import four_bay_request as request
from tests.builders import four_bay_workshop as workshop

PLAN_FIELDS = {
    "status",
    "objective",
    "best_bound",
    "gap",
    "solve_seconds",
    "assignments",
    "unassigned",
    "kpis",
}


def _request() -> PlanRequest:
    return request(
        [
            Booking(id="b1", service="MINOR", drop_off=at("08:10"), promised=at("11:00"), waiter=True),
            Booking(id="b2", service="LUBE", drop_off=at("09:00"), fleet_partner="TAXI", priority=3),
        ]
    )


def test_request_and_plan_round_trip_through_json() -> None:
    req = _request()
    again = PlanRequest.model_validate_json(req.model_dump_json())
    assert again == req
    plan = make_plan(req, "greedy")
    assert Plan.model_validate_json(plan.model_dump_json()) == plan
    data = json.loads(plan.model_dump_json())
    assert data["contract"] == "v1"
    assert set(data) >= PLAN_FIELDS
    assert set(data["assignments"][0]) == {"booking", "operation", "bay", "technician", "start", "end"}
    # Times leave as aware ISO 8601 in the workshop's zone.
    assert data["assignments"][0]["start"].endswith("+08:00")


def test_schemas_name_the_contract_fields() -> None:
    req_schema = PlanRequest.model_json_schema()
    assert set(req_schema["properties"]) == {"workshop", "date", "bookings", "options", "held"}
    booking = req_schema["$defs"]["Booking"]["properties"]
    assert {"id", "service", "drop_off", "promised", "waiter", "fleet_partner", "priority", "pinned"} <= set(
        booking
    )
    assert set(req_schema["$defs"]["Bay"]["properties"]) == {"id", "kind", "fleet_partner"}
    # Bay kinds are the workshop's own identifiers, declared in bay_kinds (default: the classic five).
    assert "pattern" in req_schema["$defs"]["Bay"]["properties"]["kind"]
    assert set(req_schema["$defs"]["Workshop"]["properties"]["bay_kinds"]["default"]) == {
        "general",
        "express",
        "alignment",
        "body",
        "paint",
    }
    tech = req_schema["$defs"]["Technician"]["properties"]
    assert {"id", "name", "grade", "skills", "efficiency", "max_overtime_minutes", "shift"} <= set(tech)
    plan_schema = Plan.model_json_schema()
    assert set(plan_schema["properties"]) >= PLAN_FIELDS


def _error(data: dict[str, object]) -> InputError:
    try:
        compile_request(PlanRequest.model_validate(data))
    except ValidationError as exc:
        return from_validation_error(exc)
    except InputError as exc:
        return exc
    raise AssertionError("bad input was accepted")


def _data() -> dict[str, object]:
    return json.loads(_request().model_dump_json())  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda d: d["bookings"][1].update(service="NOPE"), "bookings[1].service", "unknown service code"),
        (
            lambda d: d["bookings"][0].update(drop_off="2026-11-24T08:10:00"),
            "bookings[0].drop_off",
            "timezone",
        ),
        (
            lambda d: d["bookings"][0].update(drop_off="2026-11-24T05:00:00+08:00"),
            "bookings[0].drop_off",
            "opening",
        ),
        (
            lambda d: d["bookings"][0].update(drop_off="2026-11-25T09:00:00+08:00"),
            "bookings[0].drop_off",
            "after",
        ),
        (lambda d: d["bookings"][1].update(id="b1"), "bookings[1].id", "duplicate"),
        # Bay kinds are the workshop's declared ones (default the classic five): the reason names the field.
        (
            lambda d: d["workshop"]["bays"][0].update(kind="lift"),
            "workshop.bays[0].kind",
            "'lift' is not a declared bay kind",
        ),
        (lambda d: d["workshop"]["bays"][0].update(kind="no spaces"), "workshop.bays[0].kind", "pattern"),
        (
            lambda d: d["workshop"]["services"][1]["operations"][0].update(bay_kinds=["general", "ev"]),
            "workshop.services[1].operations[0].bay_kinds[1]",
            "'ev' is not a declared bay kind",
        ),
        (
            lambda d: d["workshop"].update(bay_kinds=["general", "general"]),
            "workshop.bay_kinds[1]",
            "duplicate kind",
        ),
        (lambda d: d["workshop"]["bays"][1].update(id="E1"), "workshop.bays[1].id", "duplicate id 'E1'"),
        (lambda d: d["workshop"].update(timezone="Mars/Base"), "workshop.timezone", "IANA"),
        (lambda d: d["workshop"]["technicians"][0].update(grade=6), "workshop.technicians[0].grade", "5"),
        (
            lambda d: d["workshop"]["technicians"][0]["shift"].update(end="07:00"),
            "workshop.technicians[0].shift.end",
            "after start",
        ),
        (
            lambda d: d["bookings"][0].update(promised="2026-11-24T08:00:00+08:00"),
            "bookings[0].promised",
            "after",
        ),
        (lambda d: d["bookings"][0].update(extra=1), "bookings[0].extra", "not permitted"),
        # Bad values that used to crash instead of naming the field (defects issue, item 4).
        (lambda d: d["workshop"].update(timezone="Europe"), "workshop.timezone", "IANA"),
        (lambda d: d["workshop"].update(timezone="Etc"), "workshop.timezone", "IANA"),
        (lambda d: d["workshop"].update(timezone="Europe/" + "x" * 300), "workshop.timezone", "64"),
        # Files of the server's zoneinfo that are no IANA zone: its own clock's zone (a link to
        # /etc/localtime), a compiler default, leap-second time (a workshop's hours moved with the server).
        (lambda d: d["workshop"].update(timezone="localtime"), "workshop.timezone", "IANA"),
        (lambda d: d["workshop"].update(timezone="posixrules"), "workshop.timezone", "IANA"),
        (lambda d: d["workshop"].update(timezone="right/UTC"), "workshop.timezone", "IANA"),
        (lambda d: d["workshop"].update(timezone="posix/Asia/Shanghai"), "workshop.timezone", "IANA"),
        (
            lambda d: d["workshop"]["technicians"][0].update(efficiency=math.nan),
            "workshop.technicians[0].efficiency",
            "finite",
        ),
        (lambda d: d["bookings"][0].update(priority=math.inf), "bookings[0].priority", "finite"),
        (lambda d: d["options"].update(time_limit_seconds=math.nan), "options.time_limit_seconds", "finite"),
        (lambda d: d.update(date="0001-01-01"), "date", "2000-01-01"),
        (lambda d: d.update(date="9999-12-31"), "date", "2199-12-31"),
        (
            lambda d: d["bookings"][0].update(drop_off="9999-12-31T23:00:00+08:00"),
            "bookings[0].drop_off",
            "2200-01-01",
        ),
        (lambda d: d["bookings"][0].update(promised="0001-01-01T00:00:00Z"), "bookings[0].promised", "2000"),
        (lambda d: d["workshop"].update(closed_days=["0001-01-01"]), "workshop.closed_days[0]", "2000"),
        (
            lambda d: d["options"].update(not_before="9999-12-31T23:59:59Z"),
            "options.not_before",
            "2200-01-01",
        ),
        (lambda d: d["options"].update(seed=2**31), "options.seed", "2147483647"),
        (lambda d: d["bookings"][0].update(waiter="yes"), "bookings[0].waiter", "boolean"),
        (lambda d: d["bookings"][0].update(waiter=1), "bookings[0].waiter", "boolean"),
        (
            lambda d: d["workshop"]["services"][0].update(express="true"),
            "workshop.services[0].express",
            "boolean",
        ),
    ],
)
def test_bad_input_names_the_field(change: object, field: str, words: str) -> None:
    data = _data()
    change(data)  # type: ignore[operator]
    error = _error(data)
    assert error.field == field
    assert words in error.reason


def test_pinned_work_is_checked() -> None:
    req = _request()
    b1 = req.bookings[0]
    bad_bay = b1.model_copy(
        update={"pinned": [PinnedOperation(operation=0, bay="XX", technician="sen", start=at("08:10"))]}
    )
    with pytest.raises(InputError) as err:
        compile_request(req.model_copy(update={"bookings": [bad_bay]}))
    assert err.value.field == "bookings[0].pinned[0].bay"
    gap = b1.model_copy(
        update={"pinned": [PinnedOperation(operation=1, bay="G1", technician="sen", start=at("09:00"))]}
    )
    with pytest.raises(InputError) as err:
        compile_request(req.model_copy(update={"bookings": [gap]}))
    assert "operation 0 is not" in err.value.reason


@pytest.mark.parametrize(
    ("held", "field", "words"),
    [
        ({"id": "b1", "drop_off": "08:00"}, "held[0].id", "also bookings[0]"),
        ({"drop_off": "08:00", "day": 1}, "held[0].drop_off", "after the plan date"),
        ({"drop_off": "08:00", "promised": "07:00"}, "held[0].promised", "after drop_off"),
    ],
)
def test_held_vehicles_are_checked(held: dict[str, Any], field: str, words: str) -> None:
    """The vehicles held for later work (PlanRequest.held: only their loan cars count) were
    dropped off by the plan day, and none is also a booking of the day."""
    req = _request()
    day = req.date + dt.timedelta(days=held.get("day", 0))
    vehicle = Booking(
        id=held.get("id", "h1"),
        service="MINOR",
        drop_off=at(held["drop_off"], day),
        promised=at(held["promised"], day) if "promised" in held else None,
        loan_car=True,
    )
    with pytest.raises(InputError) as err:
        compile_request(req.model_copy(update={"held": [vehicle]}))
    assert err.value.field == field
    assert words in err.value.reason
    fine = vehicle.model_copy(update={"id": "h1", "drop_off": at("16:00", req.date - dt.timedelta(days=1))})
    assert len(compile_request(req.model_copy(update={"held": [fine]})).problem.jobs) == len(req.bookings)


def test_dst_day_has_the_right_length() -> None:
    ws = workshop(timezone="Europe/Berlin")
    req = PlanRequest(workshop=ws, date=dt.date(2026, 3, 29), bookings=[])
    assert compile_request(req).clock.horizon == 23 * 60


def test_the_extremes_of_the_date_range_are_plannable() -> None:
    """2000-01-01 and 2199-12-31 pass and compile: the range leaves room for the arithmetic around them."""
    for day in (dt.date(2000, 1, 1), dt.date(2199, 12, 31)):
        for zone in ("Pacific/Kiritimati", "Etc/GMT+12"):
            req = PlanRequest(workshop=workshop(timezone=zone), date=day, bookings=[])
            assert compile_request(req).clock.horizon == 24 * 60


def test_pinned_work_holds_whole_minutes_as_a_plan_does() -> None:
    """A pin to the second (a phone's clock event) is planned in whole minutes: start and end at
    their minutes; the plan passes the validator (it refused every plan before, and a stateless
    plan with such a pin was a 500)."""
    req = _request()
    b1 = req.bookings[0]
    pin = PinnedOperation(
        operation=0,
        bay="G1",
        technician="sen",
        start=at("08:10") + dt.timedelta(seconds=30, microseconds=1),
        end=at("08:40") + dt.timedelta(milliseconds=1),
    )
    assert (pin.start, pin.end) == (at("08:10"), at("08:40"))
    on_time = PinnedOperation(operation=0, bay="G1", technician="sen", start=at("08:10"), end=at("08:40"))
    assert (on_time.start, on_time.end) == (at("08:10"), at("08:40"))
    pinned = req.model_copy(update={"bookings": [b1.model_copy(update={"pinned": [pin]}), *req.bookings[1:]]})
    plan = make_plan(pinned, "greedy")
    mine = [a for a in plan.assignments if (a.booking, a.operation) == ("b1", 0)]
    assert [(a.bay, a.start, a.end) for a in mine] == [("G1", at("08:10"), at("08:40"))]
    assert_valid(pinned, plan)


def test_work_handed_over_within_a_minute_is_pinned_without_overlap() -> None:
    """sen finishes b1 at 08:40:20 and starts b2 at 08:40:40 in the same bay. The end went up to
    08:41 and the start down to 08:40: the two pins overlapped by a minute and no plan kept both
    (fails before: "overlaps pinned work"). Both go down to their minute; work shorter than its
    first minute still holds that minute."""
    req = request([Booking(id=b, service="MINOR", drop_off=at("08:00")) for b in ("b1", "b2")])
    s = dt.timedelta(seconds=1)
    first = PinnedOperation(
        operation=0, bay="G1", technician="sen", start=at("08:00"), end=at("08:40") + 20 * s
    )
    then = PinnedOperation(operation=0, bay="G1", technician="sen", start=at("08:40") + 40 * s)
    assert (first.end, then.start) == (at("08:40"), at("08:40"))
    short = PinnedOperation(
        operation=0, bay="G1", technician="sen", start=at("08:40") + 10 * s, end=at("08:40") + 50 * s
    )
    assert (short.start, short.end) == (at("08:40"), at("08:41"))
    b1, b2 = req.bookings
    pinned = req.model_copy(
        update={
            "bookings": [b1.model_copy(update={"pinned": [first]}), b2.model_copy(update={"pinned": [then]})]
        }
    )
    plan = make_plan(pinned, "greedy")
    assert_valid(pinned, plan)


def test_a_workshop_reads_in_a_language_with_its_names_in_it_falling_back_to_name() -> None:
    """`name_i18n` (zhdata-s27): the names a reader in zh_CN reads; English, or a name with none,
    reads `name`; identifiers and the stored workshop never change."""
    from scheduler.contract import Workshop
    from scheduler.multiday import day_workshop

    data = workshop().model_dump(mode="json")
    data["name_i18n"] = {"zh-CN": "四工位店"}
    data["services"][0]["name_i18n"] = {"zh-CN": "保养服务"}
    data["services"][0]["operations"][0]["name_i18n"] = {"zh-CN": "保养"}
    data["services"][0]["max_days"] = 2
    data["technicians"][0]["name_i18n"] = {"zh-CN": "张伟"}
    shop = Workshop.model_validate(data)
    zh = shop.in_language("zh_CN")
    first, op = shop.services[0], shop.services[0].operations[0]
    named = (zh.name, zh.services[0].name, zh.services[0].operations[0].name)
    assert named == ("四工位店", "保养服务", "保养")
    assert zh.technicians[0].name == "张伟" and zh.technicians[1:] == shop.technicians[1:]
    assert zh.services[1:] == shop.services[1:] and zh.services[0].code == first.code
    assert shop.in_language("en").name == shop.name and shop.in_language("en").services[0].name == first.name
    assert (shop.name, first.name, op.name) == (data["name"], data["services"][0]["name"], op.name)
    # a multi-day service's part of a day (the plan page's view) keeps the service's names
    parts = [s for s in day_workshop(shop).services if s.code.startswith(first.code + ":")]
    assert parts and all(p.in_language("zh_CN").name == "保养服务" for p in parts)


@pytest.mark.parametrize("tag", ["fr", "zh", "zh_CN", "zh-TW", "en", "ZH-CN"])
def test_a_name_in_a_language_bayplan_does_not_speak_is_refused_naming_the_field(tag: str) -> None:
    from scheduler.contract import Workshop

    data = workshop().model_dump(mode="json")
    data["services"][0]["operations"][0]["name_i18n"] = {tag: "x"}
    with pytest.raises(ValidationError) as raised:
        Workshop.model_validate(data)
    [error] = raised.value.errors()
    assert error["loc"] == ("services", 0, "operations", 0, "name_i18n", tag, "[key]")


def test_a_workshop_names_its_bay_kinds_and_skills_in_each_language() -> None:
    """`bay_kind_names` / `skill_names` (zh-s28): what pages and sentences call a kind or skill; a
    Chinese reader of a label with no Chinese reads the catalog's word for a built-in one, else the
    English name; the sentences' English names of things map to the workshop's Chinese ones."""
    data = workshop().model_dump(mode="json")
    data["bay_kinds"] = [*data["bay_kinds"], "ev"]
    data["bay_kind_names"] = {
        "ev": {"name": "EV bay", "name_i18n": {"zh-CN": "新能源"}},
        "paint": {"name": "Paint booth"},
        "general": {"name": "Workshop bay"},
    }
    ws = Workshop.model_validate(data)
    zh, en = ws.names_in("zh_CN"), ws.names_in("en")
    assert dict(zh.labels) == {"ev": "新能源", "paint": "喷漆", "general": "通用"}
    assert dict(en.labels) == {"ev": "EV bay", "paint": "Paint booth", "general": "Workshop bay"}
    assert en.things == () and ws.names_in("zh_CN") == zh  # no Chinese names of things here
    assert ws.model_dump()["bay_kind_names"]["ev"]["name"] == "EV bay"


def test_the_bundled_scenarios_name_every_kind_and_skill_in_chinese() -> None:
    for scenario in ("small-dealer", "dealer-2011"):
        ws = load_scenario(scenario).workshop
        skills = {s for t in ws.technicians for s in t.skills} | {
            op.skill for s in ws.services for op in s.operations
        }
        assert set(ws.bay_kind_names) == set(ws.bay_kinds), scenario
        assert set(ws.skill_names) == skills, scenario
        for label in [*ws.bay_kind_names.values(), *ws.skill_names.values()]:
            assert re.fullmatch(f"[{HAN}]+", label.name_i18n["zh-CN"]), label


@pytest.mark.parametrize(
    ("field", "names", "path"),
    [
        ("bay_kind_names", {"tyre": {"name": "Tyre"}}, "bay_kind_names.tyre"),
        ("skill_names", {"welding": {"name": "Welding"}}, "skill_names.welding"),
        ("skill_names", {"Bad id!": {"name": "x"}}, "skill_names.Bad id!.[key]"),
    ],
)
def test_a_name_for_a_kind_or_skill_the_workshop_lacks_is_refused_naming_it(
    field: str, names: dict[str, Any], path: str
) -> None:
    data = workshop().model_dump(mode="json")
    data[field] = names
    with pytest.raises(ValidationError) as caught:
        Workshop.model_validate(data)
    error = from_validation_error(caught.value)
    assert error.field == path, error


def test_a_changed_workshop_reads_its_new_names_not_the_remembered_ones() -> None:
    data = workshop().model_dump(mode="json")
    data["services"][0]["operations"][0]["name_i18n"] = {"zh-CN": "保养"}
    first = Workshop.model_validate(data)
    name = first.services[0].operations[0].name
    assert dict(first.names_in("zh_CN").things)[name] == "保养"
    assert first.names_in("zh_CN") is first.names_in("zh_CN")  # remembered for the object
    data["services"][0]["operations"][0]["name_i18n"] = {"zh-CN": "大保养"}
    del first  # its id may be reused by the next object: the entry must not answer for it
    second = Workshop.model_validate(data)
    assert dict(second.names_in("zh_CN").things)[name] == "大保养"


def test_a_change_reads_its_own_names_and_the_stored_ones_only_for_what_it_lacks() -> None:
    """zh-s29: a refused PUT named things as the stored workshop did. `names_beside`: the new text's
    names for the things it has, even where it drops a Chinese name (its English then), the stored
    text's for the things only it had (a service the change removes)."""
    stored = Workshop.model_validate(booth_workshop())
    data = booth_workshop()
    data["services"] = [s for s in data["services"] if s["code"] != "ACC-PAINT"]
    for op in (op for s in data["services"] for op in s["operations"]):
        if op["name"] == "panel beating":
            op["name_i18n"] = {"zh-CN": "钣金整形"}
        if op["name"] == "spray and bake":
            op["name"], op["name_i18n"] = "respray", {"zh-CN": "重新喷漆"}
    data["services"][0]["operations"][0].pop("name_i18n", None)  # its Chinese name dropped
    data["skill_names"] = {"refinish": {"name": "Refinish", "name_i18n": {"zh-CN": "烤漆喷涂"}}}
    new = Workshop.model_validate(data)
    dropped = new.services[0].operations[0].name
    names = new.names_beside(stored, "zh_CN")
    things, labels = dict(names.things), dict(names.labels)
    assert things["panel beating"] == "钣金整形" and things["respray"] == "重新喷漆"
    assert things["spray and bake"] == "喷烤漆"  # only the stored workshop has it
    assert dropped not in things  # the new text names it in English only
    assert dropped in dict(stored.names_in("zh_CN").things)
    assert labels["refinish"] == "烤漆喷涂" and "booth" in labels
    assert new.names_beside(None, "zh_CN") == new.names_in("zh_CN")


def test_a_text_too_long_is_still_refused_as_a_string_beside_the_control_character_rule() -> None:
    """The control-character rule sits after a text's own length (`NO_CONTROL`): a text too long is
    refused as a string too long, as before the rule (not as a sequence's length after validation)."""
    with pytest.raises(ValidationError) as raised:
        Booking(id="b", service="LUBE", drop_off=at("08:00"), customer="x" * 201)
    assert [(e["type"], e["loc"]) for e in raised.value.errors()] == [("string_too_long", ("customer",))]
    with pytest.raises(ValidationError) as raised:
        workshop().model_validate({**workshop().model_dump(), "name": "x" * 201})
    assert raised.value.errors()[0]["type"] == "string_too_long"


def test_a_stored_text_with_a_control_character_loads_a_new_one_does_not() -> None:
    body = {**workshop().model_dump(mode="json"), "name": "Shop\x00"}
    assert stored_workshop(json.dumps(body)).name == "Shop\x00"
    with pytest.raises(ValidationError) as raised:
        Workshop.model_validate(body)
    error = from_validation_error(raised.value)
    assert (error.field, error.reason) == (
        "name",
        "must not contain a control character (tab, line break), got U+0000 at character 5",
    )


def test_a_bay_kind_or_skill_name_with_a_control_character_is_refused_naming_it() -> None:
    """The kinds' and skills' display names (zh-s28) follow the names' rule (hygiene-s28)."""
    data = workshop().model_dump(mode="json")
    data["bay_kind_names"] = {"paint": {"name": "Paint\x00booth"}}
    with pytest.raises(ValidationError) as raised:
        Workshop.model_validate(data)
    error = from_validation_error(raised.value)
    assert error.field == "bay_kind_names.paint.name", error
    assert "U+0000" in error.reason


def _replan_body(**texts: str) -> dict[str, Any]:
    """A re-plan request as a file or body sends it, its plan's texts as given."""
    day = request([Booking(id="b1", service="MINOR", drop_off=at("08:00"))])
    plan = make_plan(day, planner="greedy")
    body = {"request": json.loads(day.model_dump_json()), "plan": json.loads(plan.model_dump_json()),
            "now": at("09:00").isoformat()}  # fmt: skip
    body["plan"]["planner"] = texts.get("planner", "greedy")
    body["plan"]["unassigned"] = [{"booking": "b1", "reason": texts.get("reason", "no bay free")}]
    body["plan"]["changes"] = [
        {"booking": "b1", "kind": "dropped", "summary": texts.get("summary", "b1 out")}
    ]
    return body


@pytest.mark.parametrize(
    ("text", "loc"),
    [("planner", ("plan", "planner")), ("reason", ("plan", "unassigned", 0, "reason")),
     ("summary", ("plan", "changes", 0, "summary"))],
)  # fmt: skip
def test_a_plan_sent_back_in_a_replan_request_holds_its_texts_to_the_rule(
    text: str, loc: tuple[Any, ...]
) -> None:
    """The texts bayplan writes into a plan (`planner`, `Unassigned.reason`, `Change.summary`) come
    back in through a re-plan request (`bayplan replan --input`), and reached its table and JSON
    as sent: there they are texts from outside, refused with a control character (an escape that
    clears the terminal, here), naming the field."""
    ReplanRequest.model_validate_json(json.dumps(_replan_body()))  # clean texts read
    with pytest.raises(ValidationError) as refused:
        ReplanRequest.model_validate_json(json.dumps(_replan_body(**{text: "a\x1b[2Jb"})))
    (error,) = refused.value.errors()
    assert error["loc"] == loc and "U+001B at character 2" in error["msg"]


def test_a_plan_bayplan_made_is_taken_into_a_replan_request_as_it_is() -> None:
    """A stored plan whose reason names a workshop's name as stored before the rule (a tab in it)
    still makes a re-plan request (the live re-plan's): only a plan read from outside is checked."""
    body = _replan_body(reason="no\tbay")
    plan = Plan.model_validate(body["plan"])
    day = PlanRequest.model_validate(body["request"])
    made = ReplanRequest(request=day, plan=plan, now=at("09:00"))
    assert made.plan.unassigned[0].reason == "no\tbay"


def test_a_kind_and_a_skill_of_one_identifier_keep_their_own_names() -> None:
    """zh-s29: bay kind "paint" 烤漆房 and skill "paint" 喷漆: `Names.labels` leaves the identifier out
    (ambiguous); `Names.kinds` and `Names.skills` keep each, in `names_beside` too."""
    data = load_scenario("small-dealer").workshop.model_dump(mode="json")
    data["bay_kind_names"]["paint"] = {"name": "paint", "name_i18n": {"zh-CN": "烤漆房"}}
    ws = Workshop.model_validate(data)
    names = ws.names_in("zh_CN")
    assert "paint" not in dict(names.labels)
    assert dict(names.kinds)["paint"] == "烤漆房" and dict(names.skills)["paint"] == "喷漆"
    beside = ws.names_beside(load_scenario("small-dealer").workshop, "zh_CN")
    assert dict(beside.kinds)["paint"] == "烤漆房" and dict(beside.skills)["paint"] == "喷漆"
