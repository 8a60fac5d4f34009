"""Masking of personal data for display and redaction for logs.

Resident ID numbers (GB 11643, 18 characters) and mainland mobile numbers must never reach a
log line, a span, a Kafka header or an API response in full.
"""

from __future__ import annotations

import re

# 17 digits + digit/X, not embedded in a longer run of digits.
ID_NUMBER_PATTERN = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")
# Mainland mobile numbers, optionally with +86.
PHONE_PATTERN = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_id_number(id_number: str) -> str:
    """110105194912310021 -> 110105********0021 (region and last four kept)."""
    value = id_number.strip()
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678."""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(name: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***."""
    value = name.strip()
    if len(value) <= 1:
        return value
    return value[0] + "*" * (len(value) - 1)


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    if not domain:
        return mask_name(email)
    return (local[:1] + "***@" + domain) if local else "***@" + domain


def redact(text: str) -> str:
    """Replace every full ID or phone number in free text by its masked form."""
    text = ID_NUMBER_PATTERN.sub(lambda m: m.group(1) + "********" + m.group(2), text)
    return PHONE_PATTERN.sub(lambda m: m.group(1) + "****" + m.group(2), text)
