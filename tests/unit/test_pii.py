from onewindow_platform.pii import mask_email, mask_id_number, mask_name, mask_phone, redact


def test_masks_keep_only_what_a_clerk_needs_to_recognise_the_person() -> None:
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_email("zhang.san@example.cn") == "z***@example.cn"


def test_redact_removes_id_and_phone_numbers_from_free_text() -> None:
    text = "申请人 11010519491231002X 电话 13812345678, +86 13987654321; ref 2026112600001"
    cleaned = redact(text)
    assert "11010519491231002X" not in cleaned
    assert "13812345678" not in cleaned and "13987654321" not in cleaned
    assert "110105********002X" in cleaned
    assert "138****5678" in cleaned
    # A 13-digit reference number is neither an ID nor a phone number.
    assert "2026112600001" in cleaned


def test_redact_leaves_ordinary_numbers_alone() -> None:
    assert redact("region 110101, 3 tasks, deadline 2026-12-08") == "region 110101, 3 tasks, deadline 2026-12-08"
