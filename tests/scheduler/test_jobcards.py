"""Job cards (A5) and technicians' day sheets (A4) as PDF: the plate, the customer, the promised
pickup and the operations are on them, in English and in Chinese."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from reportlab.lib.pagesizes import A5

from scheduler.contract import Plan, Unassigned, Workshop
from scheduler.jobcards import day_sheet, job_cards
from tests.builders import DAY, assignment, booking, plan, request, small_workshop, tiny_workshop

pypdf = pytest.importorskip("pypdf")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def tiny_day() -> tuple[Workshop, list, Plan]:
    workshop = tiny_workshop()
    bookings = [
        booking("BK-1", "MAINT", "08:00", promised=None, plate="沪A·12345", customer="Wang Wei",
                model="Hyundai Tucson", waiter=True),
        booking("BK-2", "MAINT", "08:30", plate="SH-B 777", customer="李娜", model="Kia K5"),
    ]  # fmt: skip
    bookings[0] = bookings[0].model_copy(update={"promised": bookings[0].drop_off.replace(hour=9, minute=15)})
    req = request(bookings, workshop=workshop)
    made = plan(req, [assignment("BK-1", 0, "G1", "t", "08:00", "09:00"),
                      assignment("BK-2", 0, "G1", "t", "09:00", "10:00")])  # fmt: skip
    return workshop, bookings, made


def text_of(pdf: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [page.extract_text() or "" for page in reader.pages]


def test_a_job_card_per_booking_with_plate_customer_operations_and_promise() -> None:
    workshop, bookings, made = tiny_day()
    pdf = job_cards(workshop, DAY, made, bookings, lang="en")
    assert pdf.startswith(b"%PDF")
    pages = text_of(pdf)
    assert len(pages) == 2
    first = pages[0]
    assert "Job card BK-1" in first and "Wang Wei" in first and "Hyundai Tucson" in first
    assert "Promised pickup" in first and "09:15" in first and "08:00–09:00" in first
    assert "work" in first and "60" in first and "G1" in first and "Notes" in first
    assert "Waiter" in first and "yes" in first
    assert "SH-B 777" in pages[1]
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    width, height = (float(x) for x in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (420, 595)  # A5 portrait


def test_a_chinese_job_card_has_chinese_labels() -> None:
    workshop, bookings, made = tiny_day()
    pdf = job_cards(workshop, DAY, made, bookings, lang="zh_CN")
    assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf
    first = text_of(pdf)[0]
    assert "车牌" in first and "承诺交车" in first and "09:15" in first


def test_a_job_card_says_which_operations_carry_over_to_a_later_day() -> None:
    """A MINOR's diagnosis clocked 16:30-16:55, its repair carried over (scheduler.replan): the card
    said the repair was "not planned" (未排程) as if the planner had no room for it yet; it says it
    carries over, as the plan's Unassigned table does."""
    workshop = small_workshop()
    late = booking("m", "MINOR", "09:00")
    made = plan(
        request([late], workshop=workshop),
        [assignment("m", 0, "G1", "wang", "16:30", "16:55")],
        [Unassigned(booking="m", reason="ops 2 (repair) do not fit today …", operations=[1])],
    )
    zh = text_of(job_cards(workshop, DAY, made, [late], lang="zh_CN"))[0]
    assert "16:30–16:55" in zh and "顺延" in zh and "未排程" not in zh
    en = text_of(job_cards(workshop, DAY, made, [late], lang="en"))[0]
    assert "carried over" in en and "not planned" not in en
    unplaced = made.model_copy(update={"unassigned": [Unassigned(booking="m", reason="no room")]})
    assert "not planned" in text_of(job_cards(workshop, DAY, unplaced, [late], lang="en"))[0]


def test_a_technicians_day_sheet_lists_his_operations_in_order() -> None:
    workshop, bookings, made = tiny_day()
    pdf = day_sheet(workshop, DAY, made, bookings, "t", lang="en")
    assert pdf.startswith(b"%PDF")
    pages = text_of(pdf)
    assert len(pages) == 1
    sheet = pages[0]
    assert "Day sheet: T" in sheet and "Wang Wei" in sheet and "SH-B 777" in sheet
    assert sheet.index("08:00–09:00") < sheet.index("09:00–10:00")
    assert "09:15" in sheet and "Notes" in sheet
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    width, height = (float(x) for x in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4 portrait


def test_a_day_sheet_marks_only_the_work_carried_in_from_an_earlier_day() -> None:
    """BK-1 is a repair carried over from yesterday, BK-2 booked today: only BK-1's line says so
    (in the sheet's language)."""
    workshop, bookings, made = tiny_day()
    for lang, mark in (("en", "carried in"), ("zh_CN", "跨日转入")):
        sheet = text_of(day_sheet(workshop, DAY, made, bookings[1:], "t", lang=lang, carried=bookings[:1]))[0]
        first, second = sheet[sheet.index("BK-1") : sheet.index("BK-2")], sheet[sheet.index("BK-2") :]
        assert mark in first and mark not in second, (lang, sheet)


def test_a_day_sheet_prints_a_whole_booking_id_as_the_service_makes_them() -> None:
    """The service's ids (BK- and 12 hex digits) fit the sheet's booking column whole: a foreman
    reads them back to the desk; a longer text from outside is still cut to its column."""
    workshop, bookings, made = tiny_day()
    long_id = "BK-eb2842f68a1c"
    renamed = [b.model_copy(update={"id": long_id}) if b.id == "BK-2" else b for b in bookings]
    moved = made.model_copy(
        update={"assignments": [a.model_copy(update={"booking": long_id}) if a.booking == "BK-2" else a
                                for a in made.assignments]}
    )  # fmt: skip
    sheet = text_of(day_sheet(workshop, DAY, moved, renamed, "t", lang="en"))[0]
    assert long_id in sheet
    huge = "x" * 200
    customer = [b.model_copy(update={"customer": huge}) for b in bookings]
    assert huge not in text_of(day_sheet(workshop, DAY, made, customer, "t", lang="en"))[0]


def test_no_plan_and_no_bookings_still_print() -> None:
    workshop = tiny_workshop()
    assert job_cards(workshop, DAY, None, [], lang="en").startswith(b"%PDF")
    sheet = day_sheet(workshop, DAY, None, [], "t", lang="en")
    assert "No operations planned for this technician." in text_of(sheet)[0]


def test_the_first_job_card_renders_to_png() -> None:
    """The Chinese job card renders (pdfium, as a browser's PDF viewer would): an A5 page with ink
    on it, kept as an artefact to look at."""
    workshop, bookings, made = tiny_day()
    document = pdfium.PdfDocument(job_cards(workshop, DAY, made, bookings, lang="zh_CN"))
    image = document[0].render(scale=80 / 72).to_pil().convert("L")
    width, height = A5  # points
    assert abs(image.width - width * 80 / 72) <= 2 and abs(image.height - height * 80 / 72) <= 2
    inked = sum(count for level, count in enumerate(image.histogram()) if level < 128)
    assert inked > 0.005 * image.width * image.height  # text and rules, not a blank page
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "jobcard.png"
    image.save(target)
    assert target.read_bytes().startswith(b"\x89PNG")


def test_a_long_day_sheet_runs_onto_more_pages_with_the_heading_repeated() -> None:
    workshop, bookings, made = tiny_day()
    many = [assignment("BK-1", 0, "G1", "t", "08:00", "08:01")] * 60
    sheet = day_sheet(workshop, DAY, made.model_copy(update={"assignments": many}), bookings, "t", lang="en")
    pages = text_of(sheet)
    assert len(pages) >= 2
    assert all("Std. min" in page for page in pages[:2]) and "Notes" in pages[-1]


def test_a_chinese_job_card_names_the_service_and_operation_as_the_workshop_gives_them_in_chinese() -> None:
    """zhdata-s27: the card's service and operation, and the workshop in its heading, in the
    workshop's own Chinese (`name_i18n`); an English card keeps `name`."""
    workshop, bookings, made = tiny_day()
    data = workshop.model_dump(mode="json")
    data["name_i18n"] = {"zh-CN": "小店"}
    for service in data["services"]:
        service["name_i18n"] = {"zh-CN": "定期保养"}
        for op in service["operations"]:
            op["name_i18n"] = {"zh-CN": "保养作业"}
    named = Workshop.model_validate(data)
    first = text_of(job_cards(named, DAY, made, bookings, lang="zh_CN"))[0]
    assert "定期保养" in first and "保养作业" in first and "小店" in first
    english = text_of(job_cards(named, DAY, made, bookings, lang="en"))[0]
    assert "定期保养" not in english and workshop.services[0].name in english


def test_a_time_on_another_day_is_dated_on_the_card_and_the_day_sheet() -> None:
    """review-s43: a pickup promised for the next morning printed "08:00" on the technician's day
    sheet (read as this morning, before the work), and a car held since two days before the
    card's day (not carried in) printed "送车 09:50" for work planned from 08:45. Both now carry
    their day, in the sheet's language; times of the day itself stay bare."""
    import datetime as dt
    import re

    def flat(text: str) -> str:
        return re.sub(r"\s+", "", text)

    workshop, bookings, made = tiny_day()
    next_morning = dt.datetime.combine(DAY + dt.timedelta(days=1), dt.time(8, 0), tzinfo=workshop.tz)
    held = bookings[0].drop_off - dt.timedelta(days=2)
    bookings = [
        bookings[0].model_copy(update={"drop_off": held}),
        bookings[1].model_copy(update={"promised": next_morning}),
    ]
    for lang, label, day_of in (
        ("en", "Drop-off", lambda d: f"{d:%b}{d.day}"),
        ("zh_CN", "送车", lambda d: f"{d.month}月{d.day}日"),
    ):
        sheet = flat(text_of(day_sheet(workshop, DAY, made, bookings, "t", lang=lang))[0])
        first, second = sheet[sheet.index("BK-1") : sheet.index("BK-2")], sheet[sheet.index("BK-2") :]
        assert "09:15" in first and day_of(next_morning) not in first, (lang, sheet)
        assert f"{day_of(next_morning)}08:00" in second, (lang, sheet)
        for page in text_of(job_cards(workshop, DAY, made, bookings, lang=lang)):
            card = flat(page)
            at = card.index(label) + len(label)
            said = card[at : card.index(f"{bookings[0 if 'BK-1' in card else 1].drop_off:%H:%M}", at)]
            if "BK-1" in card:  # held since two days before: its date (the card's long form)
                assert str(held.year) in said and str(held.day) in said, (lang, card)
            else:  # dropped off on the card's day: the time alone
                assert said == "", (lang, card)


def test_the_chinese_sheet_and_card_say_standard_minutes() -> None:
    """review-s43: the "Std. min" column read 标准工时 in Chinese, a figure with no unit (40, 90);
    it reads 标准分钟 now, as the reports and the README call them."""
    workshop, bookings, made = tiny_day()
    sheet = text_of(day_sheet(workshop, DAY, made, bookings, "t", lang="zh_CN"))[0].replace(" ", "")
    card = text_of(job_cards(workshop, DAY, made, bookings, lang="zh_CN"))[0].replace(" ", "")
    assert "标准分钟" in sheet and "标准分钟" in card
    assert "标准工时" not in sheet and "标准工时" not in card
    english = text_of(day_sheet(workshop, DAY, made, bookings, "t", lang="en"))[0]
    assert "Std. min" in english
