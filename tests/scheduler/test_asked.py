"""The kinds of booking a workshop's desks ask for (scheduler/asked.py)."""

from __future__ import annotations

from scheduler.asked import WORKSHOP_KINDS, AskedKinds, Kind


def kind(service: str, waiter: bool = False) -> Kind:
    return Kind(service, waiter, None, False)


def test_the_most_asked_kinds_come_first_and_of_a_tie_the_newest() -> None:
    kinds = AskedKinds(workshops=2)
    for service, times in (("LUBE", 1), ("MAINT", 3), ("TYRE", 1)):
        for _ in range(times):
            kinds.asked("w", kind(service))
    assert kinds.most_asked("w") == [kind("MAINT"), kind("TYRE"), kind("LUBE")]
    assert kinds.most_asked("other") == []


def test_one_off_kinds_never_push_out_a_kind_asked_every_day_and_each_workshop_is_bounded() -> None:
    kinds = AskedKinds(workshops=2)
    kinds.asked("w", kind("MAINT", waiter=True))
    kinds.asked("w", kind("MAINT", waiter=True))
    for n in range(5 * WORKSHOP_KINDS):  # hostile or just varied: each asked once
        kinds.asked("w", kind(f"S{n}"))
    listed = kinds.most_asked("w")
    assert len(listed) == WORKSHOP_KINDS
    assert listed[0] == kind("MAINT", waiter=True)
    assert listed[1] == kind(f"S{5 * WORKSHOP_KINDS - 1}")  # the newest of the one-offs
    for workshop in ("a", "b"):  # past `workshops`, the least recently asked is forgotten whole
        kinds.asked(workshop, kind("MAINT"))
    assert kinds.most_asked("w") == []
