"""Government mailboxes against the fixture: CSRF token and rotating session, letters by label, GB2312 .jsp lists."""

from __future__ import annotations

from crawlers.fixture_site import gov
from crawlers.fixture_site.texts import item_text
from nlp.normalize import normalize_text


def test_the_letter_list_api_with_a_token_and_a_rotating_cookie_gives_every_public_letter(fixture_crawl):
    report = fixture_crawl.source("fx-gov")
    assert report["ok"], report["errors"]
    extracted = fixture_crawl.extracted("fx-gov")
    assert set(extracted) == {str(i) for i in gov.letter_ids()} - {str(gov.GONE)}
    assert report["gates"] == {"missing": 1}  # "该信件不存在或未公开" with HTTP 200
    hits = fixture_crawl.site.hits
    assert hits["gov:pubList"] == 4  # three pages, one asked twice after the session expired
    assert hits["gov:pubList:419"] == 1 and report["stats"]["huiying/gov/token_renewed"] == 1
    # The repost of letter 1002 under id 1044 is stored once; 1044 is kept as its alias.
    stored = {r["external_id"] for r in fixture_crawl.rows("SELECT external_id FROM items WHERE source = 'fx-gov'")}
    aliases = {r["external_id"] for r in fixture_crawl.rows("SELECT external_id FROM item_aliases WHERE source = 'fx-gov'")}
    assert len({"1002", "1044"} & stored) == 1 and len({"1002", "1044"} & aliases) == 1


def test_letters_are_read_by_label_whatever_their_order_and_wording(fixture_crawl):
    extracted = fixture_crawl.extracted("fx-gov")
    for letter in gov.letter_ids():
        if letter == gov.GONE:
            continue
        item = extracted[str(letter)]
        text = gov.text_of(letter)
        assert item["title"] == normalize_text(text["title"]), letter
        assert item["body"] == normalize_text(text["body"]), letter
        assert item["posted_at"].startswith(gov.posted(letter).strftime("%Y-%m-%dT%H:%M")), letter
        layout = letter % 4
        replies = item["replies"]
        if layout == 1:
            assert replies == [] and item["reply_count"] == 0  # unanswered: no reply rows at all
        elif layout == 2:
            assert [r["organisation"] for r in replies] == ["城关县人民政府办公室", "城关县住房和城乡建设局"]
            assert replies[0]["body"] == "此件已转交城关县住房和城乡建设局办理。"
        elif layout == 3:  # 答复单位 / 处理结果 / 答复时间, the letter's time given last
            assert [r["organisation"] for r in replies] == ["城关县交通运输局"] and item["extra"]["status"] == "已办结"
            assert replies[0]["posted_at"].startswith(gov.posted(letter).strftime("%Y-%m-%d"))
        else:
            assert [r["organisation"] for r in replies] == ["城关县住房和城乡建设局"]
            assert item["extra"]["letter_no"] == f"GD{letter}" and item["view_count"] == letter % 50 + 3
            assert item["kind"] == "投诉"


def test_robots_txt_disallowing_the_letter_api_means_it_is_never_called(fixture_crawl):
    report = fixture_crawl.source("fx-gov-robots")
    assert report["items_scraped"] == 0 and report["stats"]["huiying/robots/forbidden"] == 1
    assert fixture_crawl.health("fx-gov-robots")["errors"]["robots_forbidden"] == 1
    # Every pubList request the site saw came from the allowed host (fx-gov): none from this one.
    assert fixture_crawl.site.hits["gov:pubList"] == 4


def test_a_gb2312_jsp_list_paged_by_javascript_gopage(fixture_crawl):
    report = fixture_crawl.source("fx-gov-jsp")
    assert report["ok"], report["errors"]
    expected = {str(i) for page in range(1, gov.JSP_PAGES + 1) for i in gov.jsp_ids(page)}
    extracted = fixture_crawl.extracted("fx-gov-jsp")
    assert set(extracted) == expected and fixture_crawl.site.hits["gov:jsp_list"] == gov.JSP_PAGES
    item = extracted[str(gov.JSP_FIRST)]
    assert item["title"] == normalize_text(item_text("jsp", 0)["title"])
    assert item["replies"][0]["organisation"] == "堃城县信访局"  # 堃 is outside GB2312: read as GB18030
    assert report["stats"]["huiying/decode/gb18030"] >= 3


def test_a_letter_page_as_the_start_url(fixture_crawl):
    item = fixture_crawl.extracted("fx-gov-pages")["1003"]
    assert item["title"] == normalize_text(gov.text_of(1003)["title"]) and len(item["replies"]) == 1
