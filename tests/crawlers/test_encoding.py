"""Pages decode correctly whatever their header claims: GB family as GB18030, meta fallback."""

from __future__ import annotations

from scrapy.http import HtmlResponse, Response

from crawlers.encoding import canonical_encoding, decode_page

TEXT = "姓名里的“堃”“喆”“镕”字"


def page(charset_meta: str | None, body_text: str = TEXT) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset_meta}" />' if charset_meta else ""
    return f"<html><head>{meta}<title>t</title></head><body><p>{body_text}</p></body></html>"


def response(body: bytes, content_type: str | None) -> Response:
    headers = {"Content-Type": content_type} if content_type else {}
    return HtmlResponse(url="http://127.0.0.1/x", body=body, headers=headers)


def test_gb_family_names_are_read_as_gb18030():
    for name in ("gbk", "GB2312", "gb_2312-80", "cp936", "x-gbk", "GB18030"):
        assert canonical_encoding(name) == "gb18030"
    assert canonical_encoding("utf8") == "utf-8"
    assert canonical_encoding("no-such-codec") is None


def test_gbk_with_a_correct_header():
    decoded = decode_page(response(page("gbk").encode("gbk"), "text/html; charset=gbk"))
    assert TEXT in decoded.text and decoded.encoding == "gb18030" and decoded.clean


def test_gbk_declared_only_in_meta():
    decoded = decode_page(response(page("gbk").encode("gbk"), "text/html"))
    assert TEXT in decoded.text and decoded.clean


def test_gbk_body_under_a_wrong_utf8_header_falls_back_to_the_meta():
    decoded = decode_page(response(page("gbk").encode("gbk"), "text/html; charset=utf-8"))
    assert TEXT in decoded.text and decoded.encoding == "gb18030"


def test_gb2312_declared_but_characters_outside_it_still_decode():
    body = page("gb2312").encode("gb18030")  # 堃/喆/镕 are not in GB2312: strict gb2312 would fail
    assert TEXT in decode_page(response(body, "text/html; charset=gb2312")).text


def test_utf8_page_with_a_wrong_gbk_header_is_not_mangled():
    decoded = decode_page(response(page("utf-8").encode("utf-8"), "text/html; charset=gbk"))
    assert TEXT in decoded.text and decoded.encoding == "utf-8"


def test_a_forced_source_encoding_wins():
    body = page(None).encode("gbk")
    assert TEXT in decode_page(response(body, "text/html; charset=utf-8"), forced="gb2312").text


def test_a_page_cut_mid_character_decodes_with_replacements_and_says_so():
    body = page("gbk").encode("gbk")
    cut = body[: body.index("镕".encode("gbk")) + 1]
    decoded = decode_page(response(cut, "text/html; charset=gbk"))
    assert not decoded.clean and "堃" in decoded.text and "\ufffd" in decoded.text


def test_markup_becomes_text_once_and_literal_brackets_survive():
    from crawlers.text import markup_to_text

    assert markup_to_text("停车 &lt;script&gt;alert(1)&lt;/script&gt;") == "停车 <script>alert(1)</script>"
    assert markup_to_text("甲<br />乙<script>evil()</script>丙 &amp;lt;p&amp;gt;") == "甲\n乙丙 &lt;p&gt;"
    assert markup_to_text("繁體字　ＡＢＣ\xa0 &nbsp; 完") == "繁体字 ABC 完"
    assert markup_to_text("") == ""
