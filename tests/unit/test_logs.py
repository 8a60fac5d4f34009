import json
import logging

from onewindow_platform.logs import JsonFormatter, application_id_var


def _render(message: str, **extra: object) -> dict:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, message, None, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return json.loads(JsonFormatter("ow-tests").format(record))


def test_log_lines_are_json_with_service_and_application_id() -> None:
    token = application_id_var.set("BJ-2026-000042")
    try:
        entry = _render("accepted", department="110101-mzj")
    finally:
        application_id_var.reset(token)
    assert entry["service"] == "ow-tests"
    assert entry["application_id"] == "BJ-2026-000042"
    assert entry["department"] == "110101-mzj"
    assert entry["level"] == "INFO"


def test_log_lines_never_carry_a_full_id_or_phone_number() -> None:
    entry = _render("applicant 11010519491231002X called from 13812345678", phone="13812345678")
    line = json.dumps(entry, ensure_ascii=False)
    assert "11010519491231002X" not in line
    assert "13812345678" not in line
    assert entry["phone"] == "138****5678"
