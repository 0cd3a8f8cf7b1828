"""smallfix-s27: a booking's `ETag` and `If-Match` on its PATCH (RFC 9110 13.1.1). GET answers the
booking with an ETag naming its stored revision; a PATCH sent with `If-Match` is applied only
while the booking is still that revision, else 412 with a JSON body naming the header and the
current tag, nothing changed. Without If-Match a PATCH is applied as before (the later writer wins)."""

from __future__ import annotations

import warnings

from scheduler.desk_checks import if_match_holds
from tests.builders import DATE, put_workshop, tiny_workshop

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

W = "/v1/workshops/tiny"


def _at(hhmm: str) -> str:
    return f"{DATE}T{hhmm}:00+08:00"


def _booked(client: TestClient) -> tuple[str, str]:
    put_workshop(client, tiny_workshop())
    made = client.post(f"{W}/bookings", json={"service": "MAINT", "drop_off": _at("08:00"), "plate": "A1"})
    assert made.status_code == 201, made.text
    read = client.get(f"{W}/bookings/{made.json()['id']}")
    assert read.status_code == 200, read.text
    return made.json()["id"], read.headers["etag"]


def test_a_booking_read_has_an_etag_that_changes_when_it_is_changed(client: TestClient) -> None:
    booking, tag = _booked(client)
    assert tag.startswith('"') and tag.endswith('"') and len(tag) > 10, tag
    again = client.get(f"{W}/bookings/{booking}")
    assert again.headers["etag"] == tag  # the same stored revision, the same tag
    zh = client.get(f"{W}/bookings/{booking}", headers={"Accept-Language": "zh-CN"})
    assert zh.headers["etag"] == tag  # the revision stored, whatever language it is read in
    changed = client.patch(f"{W}/bookings/{booking}", json={"plate": "B2"}, headers={"If-Match": tag})
    assert changed.status_code == 200 and changed.json()["plate"] == "B2", changed.text
    now = client.get(f"{W}/bookings/{booking}").headers["etag"]
    assert now != tag and changed.headers["etag"] == now  # the PATCH answers with the new revision's
    moved = client.patch(
        f"{W}/bookings/{booking}", json={"drop_off": _at("08:30")}, headers={"If-Match": now}
    )
    assert moved.status_code == 200, moved.text
    assert moved.headers["etag"] == client.get(f"{W}/bookings/{booking}").headers["etag"] != now


def test_a_patch_with_a_stale_if_match_is_a_412_naming_the_header_and_changes_nothing(
    client: TestClient,
) -> None:
    booking, tag = _booked(client)
    other = client.patch(f"{W}/bookings/{booking}", json={"plate": "B2"})  # another desk, no If-Match
    assert other.status_code == 200, other.text
    before = client.get(f"{W}/bookings/{booking}")
    stale = client.patch(
        f"{W}/bookings/{booking}", json={"drop_off": _at("08:30")}, headers={"If-Match": tag}
    )
    assert stale.status_code == 412, stale.text
    answer = stale.json()
    assert answer["header"] == "If-Match" and answer["etag"] == before.headers["etag"], answer
    assert "If-Match" in answer["detail"] and tag in answer["detail"], answer
    assert stale.headers["etag"] == before.headers["etag"]
    after = client.get(f"{W}/bookings/{booking}")
    assert after.json() == before.json() and after.headers["etag"] == before.headers["etag"]  # unchanged
    zh = client.patch(f"{W}/bookings/{booking}", json={"plate": "C3"},
                      headers={"If-Match": tag, "Accept-Language": "zh-CN"})  # fmt: skip
    assert zh.status_code == 412 and "If-Match" in zh.json()["detail"] and "已" in zh.json()["detail"], (
        zh.text
    )
    assert client.get(f"{W}/bookings/{booking}").json()["plate"] == "B2"
    # Without If-Match the change is applied as before: the later writer wins.
    later = client.patch(f"{W}/bookings/{booking}", json={"plate": "D4"})
    assert later.status_code == 200 and later.json()["plate"] == "D4", later.text


def test_if_match_takes_a_list_and_any_but_never_a_weak_tag(client: TestClient) -> None:
    booking, tag = _booked(client)
    weak = client.patch(f"{W}/bookings/{booking}", json={"plate": "W"}, headers={"If-Match": f"W/{tag}"})
    assert weak.status_code == 412, weak.text  # If-Match compares strongly (RFC 9110 13.1.1)
    listed = client.patch(f"{W}/bookings/{booking}", json={"plate": "L"}, headers={"If-Match": f'"x", {tag}'})
    assert listed.status_code == 200, listed.text
    anything = client.patch(f"{W}/bookings/{booking}", json={"plate": "S"}, headers={"If-Match": "*"})
    assert anything.status_code == 200, anything.text
    unknown = client.patch(f"{W}/bookings/BK-none", json={"plate": "S"}, headers={"If-Match": "*"})
    assert unknown.status_code == 404, unknown.text


def test_if_match_holds_for_the_tag_itself_a_list_naming_it_or_any() -> None:
    assert if_match_holds('"abc"', '"abc"') and if_match_holds('"x", "abc"', '"abc"')
    assert if_match_holds("*", '"abc"') and if_match_holds("abc", '"abc"')  # its quotes dropped by a client
    assert not if_match_holds('W/"abc"', '"abc"') and not if_match_holds('"abd"', '"abc"')
    assert not if_match_holds("", '"abc"')


def test_a_new_booking_answers_with_the_etag_a_read_gives(client: TestClient) -> None:
    """The 201 (and a replay's 200) carries the booking's ETag: a desk can PATCH it conditionally
    without reading it first (review-s27 N3)."""
    put_workshop(client, tiny_workshop())
    body = {"service": "MAINT", "drop_off": _at("08:00")}
    made = client.post(f"{W}/bookings", json=body, headers={"Idempotency-Key": "k1"})
    assert made.status_code == 201, made.text
    read = client.get(f"{W}/bookings/{made.json()['id']}")
    assert made.headers["etag"] == read.headers["etag"]
    replay = client.post(f"{W}/bookings", json=body, headers={"Idempotency-Key": "k1"})
    assert replay.status_code == 200 and replay.headers["etag"] == read.headers["etag"]
    changed = client.patch(f"{W}/bookings/{made.json()['id']}", json={"plate": "C3"},
                           headers={"If-Match": made.headers["etag"]})  # fmt: skip
    assert changed.status_code == 200, changed.text


def test_a_cancel_with_a_stale_if_match_is_a_412_naming_the_header_and_cancels_nothing(
    client: TestClient,
) -> None:
    """DELETE honours If-Match as PATCH does (desk16-s28): a desk that read the booking before
    another desk moved it does not cancel the moved booking unseen."""
    booking, tag = _booked(client)
    moved = client.patch(f"{W}/bookings/{booking}", json={"drop_off": _at("08:30")})  # another desk
    assert moved.status_code == 200, moved.text
    before = client.get(f"{W}/bookings/{booking}")
    stale = client.delete(f"{W}/bookings/{booking}", headers={"If-Match": tag})
    assert stale.status_code == 412, stale.text
    answer = stale.json()
    assert answer["header"] == "If-Match" and answer["etag"] == before.headers["etag"], answer
    assert "If-Match" in answer["detail"] and tag in answer["detail"], answer
    assert "cancel" in answer["detail"], answer  # says what to do: read it again before cancelling
    assert stale.headers["etag"] == before.headers["etag"]
    zh = client.delete(f"{W}/bookings/{booking}", headers={"If-Match": tag, "Accept-Language": "zh-CN"})
    assert zh.status_code == 412 and "If-Match" in zh.json()["detail"] and "取消" in zh.json()["detail"], (
        zh.text
    )
    weak = client.delete(f"{W}/bookings/{booking}", headers={"If-Match": f"W/{before.headers['etag']}"})
    assert weak.status_code == 412, weak.text  # compared strongly, as a PATCH's
    after = client.get(f"{W}/bookings/{booking}")
    assert after.status_code == 200 and after.json() == before.json()  # still booked, unchanged
    day = client.get(f"{W}/bookings", params={"date": DATE})
    assert booking in [b["id"] for b in day.json()], day.text
    current = client.delete(f"{W}/bookings/{booking}", headers={"If-Match": f'"x", {before.headers["etag"]}'})
    assert current.status_code == 204, current.text
    assert client.get(f"{W}/bookings/{booking}").status_code == 404
    again = client.delete(f"{W}/bookings/{booking}", headers={"If-Match": "*"})
    assert again.status_code == 404, again.text  # gone: not found before any precondition


def test_a_cancel_without_if_match_or_with_any_is_as_before(client: TestClient) -> None:
    booking, _tag = _booked(client)
    changed = client.patch(f"{W}/bookings/{booking}", json={"plate": "B2"})
    assert changed.status_code == 200, changed.text
    plain = client.delete(f"{W}/bookings/{booking}")  # no If-Match: cancelled whatever changed
    assert plain.status_code == 204, plain.text
    assert client.get(f"{W}/bookings/{booking}").status_code == 404
    other = client.post(f"{W}/bookings", json={"service": "MAINT", "drop_off": _at("09:00")})
    assert other.status_code == 201, other.text
    anything = client.delete(f"{W}/bookings/{other.json()['id']}", headers={"If-Match": "*"})
    assert anything.status_code == 204, anything.text
    too_long = client.delete(f"{W}/bookings/{booking}", headers={"If-Match": "x" * 1001})
    assert too_long.status_code == 422, too_long.text
    assert too_long.json()["detail"][0]["loc"] == ["header", "if-match"], too_long.text  # as a PATCH's


def test_if_match_sent_over_several_field_lines_is_one_list_for_patch_and_delete(client: TestClient) -> None:
    """review-s28: HTTP lets a list be sent as several field lines, one list together (RFC 9110 5.3);
    only the first line was read, so a tag on the second was a 412 for a PATCH and for a DELETE."""
    booking, tag = _booked(client)
    two = [("If-Match", '"x"'), ("If-Match", tag)]
    changed = client.patch(f"{W}/bookings/{booking}", json={"plate": "M2"}, headers=two)
    assert changed.status_code == 200, changed.text
    stale = [("If-Match", '"x"'), ("If-Match", tag)]  # the tag before the change: no line names the current
    assert client.delete(f"{W}/bookings/{booking}", headers=stale).status_code == 412
    current = [("If-Match", '"x"'), ("If-Match", changed.headers["etag"])]
    cancelled = client.delete(f"{W}/bookings/{booking}", headers=current)
    assert cancelled.status_code == 204, cancelled.text
    too_long = [("If-Match", '"' + "x" * 100 + '"')] * 12  # bounded together as one line is
    made = client.post(f"{W}/bookings", json={"service": "MAINT", "drop_off": _at("08:00")})
    refused = client.patch(f"{W}/bookings/{made.json()['id']}", json={"plate": "Z"}, headers=too_long)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["header", "if-match"]
    zh = client.delete(f"{W}/bookings/{made.json()['id']}", headers=[*too_long, ("Accept-Language", "zh-CN")])
    assert zh.status_code == 422 and "1000" in zh.json()["detail"][0]["msg"], zh.text
    assert "should" not in zh.json()["detail"][0]["msg"], zh.text  # in Chinese, as a long line's
