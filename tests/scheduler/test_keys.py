"""Who sees what (scheduler/keys.py): the phone-number rule the plan page and the bookings export
share."""

from __future__ import annotations

import pytest

from scheduler.keys import KeyInfo, Role, sees_phones
from tests.builders import NOW


@pytest.mark.parametrize("role", list(Role))
def test_every_role_but_a_manager_sees_customers_phone_numbers(role: Role) -> None:
    key = KeyInfo(id="k", role=role, workshops=("*",), label=None, created_at=NOW)
    assert sees_phones(key) is (role is not Role.manager)


def test_with_keys_off_phone_numbers_are_shown() -> None:
    assert sees_phones(None)
