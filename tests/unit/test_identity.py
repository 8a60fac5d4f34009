"""Resident ID numbers (GB 11643) and phone numbers as intake checks them."""

import datetime as dt

import pytest

from onewindow_intake.domain.identity import id_number_check_char, id_number_problem, phone_problem


def test_valid_id_number() -> None:
    assert id_number_problem("11010519491231002X") is None
    assert id_number_problem("11010519491231002x") is None  # lower-case x is accepted


@pytest.mark.parametrize(("value", "problem"), [
    ("110101199003071234", "check character"),
    ("1101051949123100", "18 characters"),
    ("11010519491331002X", "impossible birth date"),
    ("11010530000101002X", "impossible birth date"),
    ("1101051949123100AX", "17 digits"),
])
def test_invalid_id_numbers_say_what_is_wrong(value: str, problem: str) -> None:
    assert problem in (id_number_problem(value, today=dt.date(2026, 11, 26)) or "")


def test_check_character_is_iso_7064_mod_11_2() -> None:
    assert id_number_check_char("11010519491231002") == "X"


@pytest.mark.parametrize("phone", ["13812345678", "+86 138 1234 5678", "010-12345678"])
def test_valid_phones(phone: str) -> None:
    assert phone_problem(phone) is None


@pytest.mark.parametrize("phone", ["12812345678", "1381234567", "hello"])
def test_invalid_phones(phone: str) -> None:
    assert phone_problem(phone) is not None
