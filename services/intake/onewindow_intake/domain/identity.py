"""Resident ID numbers (GB 11643), mainland phone numbers and e-mail addresses."""

from __future__ import annotations

import datetime as dt
import re

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"  # index = weighted sum mod 11 (ISO 7064 MOD 11-2)
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}$")


def id_number_check_char(first17: str) -> str:
    return ID_CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def id_number_problem(value: str, today: dt.date | None = None) -> str | None:
    """None when `value` is a valid 18-character resident ID number, else what is wrong."""
    value = value.strip().upper()
    if len(value) != 18:
        return f"must have 18 characters, not {len(value)}"
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return "must be 17 digits followed by a digit or X"
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "contains an impossible birth date"
    if born > (today or dt.date.today()) or born.year < 1900:
        return "contains an impossible birth date"
    if id_number_check_char(value[:17]) != value[17]:
        return "check character does not match (GB 11643): please re-check the number"
    return None


def normalise_phone(value: str) -> str:
    digits = re.sub(r"[\s-]", "", value.strip())
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def phone_problem(value: str) -> str | None:
    phone = normalise_phone(value)
    if MOBILE.match(phone) or LANDLINE.match(value.strip()):
        return None
    return "must be a mainland mobile number (11 digits starting with 1) or a landline like 010-12345678"


def email_problem(value: str) -> str | None:
    return None if EMAIL.match(value.strip()) else "is not a valid e-mail address"
