"""Personal data is found only when it is what it claims to be, and masked for display and export."""

from __future__ import annotations

import pytest

from nlp.pii import find_pii, mask_pii


def _id_card(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def _luhn_card(first: str) -> str:
    for digit in "0123456789":
        number = first + digit
        total = sum(
            (d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 else d for i, d in enumerate(int(c) for c in reversed(number))
        )
        if total % 10 == 0:
            return number
    raise AssertionError


ID = _id_card("44162219850312123")
CARD = _luhn_card("622202123456789")


@pytest.mark.parametrize(
    ("text", "kind", "masked"),
    [
        ("电话13812345678请回电", "mobile", "电话138****5678请回电"),
        ("电话 +86 139-1234-5678", "mobile", "电话 139****5678"),
        ("座机0762-6123456", "landline", "座机0762-****56"),
        (f"身份证号{ID}", "id_card", f"身份证号{ID[:6]}********{ID[-4:]}"),
        (f"卡号{CARD[:4]} {CARD[4:8]} {CARD[8:12]} {CARD[12:]}", "bank_card", f"卡号************{CARD[-4:]}"),
        ("车牌粤P12345违停", "plate", "车牌粤P****5违停"),
        ("新能源车湘AD12345", "plate", "新能源车湘A*****5"),
    ],
)
def test_each_kind_is_found_and_masked(text: str, kind: str, masked: str) -> None:
    spans = find_pii(text)
    assert [s.kind for s in spans] == [kind]
    assert text[spans[0].start : spans[0].end] == spans[0].text
    assert mask_pii(text) == masked
    assert spans[0].label in mask_pii(text, style="label")


@pytest.mark.parametrize(
    "text",
    [
        ID[:-1] + ("0" if ID[-1] != "0" else "1"),  # wrong check digit
        "44162219851312123X",  # month 13
        "订单号123456789012345678",
        CARD[:-1] + str((int(CARD[-1]) + 1) % 10),  # fails Luhn
        "2019年12月31日，A3区1栋302室，价格12345元",
        "电话12812345678",  # no mobile prefix 12x
        "",
    ],
)
def test_numbers_that_only_look_personal_are_left_alone(text: str) -> None:
    assert find_pii(text) == []
    assert mask_pii(text) == text


def test_masking_removes_every_finding_and_keeps_the_rest() -> None:
    text = f"我叫张三，手机13812345678，身份证{ID}，车牌粤P12345。谢谢！"
    masked = mask_pii(text)
    assert find_pii(masked) == [] and masked.startswith("我叫张三，手机") and masked.endswith("。谢谢！")
    with pytest.raises(ValueError):
        mask_pii(text, style="other")


def test_huge_text_is_scanned_quickly() -> None:
    import time

    text = "路灯坏了，请联系13812345678。" * 50_000
    start = time.perf_counter()
    assert len(find_pii(text)) == 50_000
    assert time.perf_counter() - start < 5.0


def test_kinds_can_be_chosen() -> None:
    text = "手机13812345678，座机0762-6123456"
    assert mask_pii(text, kinds=("mobile",)) == "手机138****5678，座机0762-6123456"
    assert [s.kind for s in find_pii(text, kinds=["landline"])] == ["landline"]
    with pytest.raises(ValueError, match="unknown"):
        find_pii(text, kinds=["email"])
