"""百度贴吧 against the fixture forum: the list in an HTML comment and in the page, floors, 楼中楼, captcha."""

from __future__ import annotations

from crawlers.fixture_site import tieba as forum
from crawlers.fixture_site.texts import item_text, posted
from nlp.normalize import normalize_text


def test_both_list_pages_from_the_comment_and_the_visible_list_give_every_thread_once(fixture_crawl):
    report = fixture_crawl.source("fx-tieba")
    assert report["ok"], report["errors"]
    assert set(fixture_crawl.extracted("fx-tieba")) == {str(t) for t in forum.thread_ids()}
    stats = report["stats"]
    assert stats["huiying/tieba/commented_list"] >= 2  # page pn=0 and pn=50 hide their list in a comment
    assert stats["huiying/tieba/ad_skipped"] == 1  # the row without data-field
    assert stats["huiying/tieba/tid_repeated"] == 10  # the visible list repeats ten threads
    assert report["gates"] == {"closed": 1}  # 本吧暂不开放, HTTP 200


def test_a_two_page_thread_with_old_dates_tail_info_ads_deleted_floors_and_comments(fixture_crawl):
    item = fixture_crawl.extracted("fx-tieba")[str(forum.LONG)]
    first = item_text("tieba", 0)
    assert item["title"] == first["title"] and item["body"] == normalize_text(first["body"])
    assert item["posted_at"] == posted(0).isoformat()  # the old floor's date comes from data-field only
    authors = [r["author"] for r in item["replies"]]
    assert "广告" not in authors and {"楼中楼用户1", "楼中楼用户2"} <= set(authors)
    # Floors 2–10 on page 1 minus the deleted one, 11–14 on page 2, two 楼中楼.
    assert len(item["replies"]) == 8 + 4 + 2
    assert all(r["posted_at"] and r["posted_at"].endswith("+08:00") for r in item["replies"])
    assert item["reply_count"] == forum.reply_num(forum.LONG)
    stats = fixture_crawl.source("fx-tieba")["stats"]
    assert stats["huiying/tieba/ad_floor_skipped"] == 1 and stats["huiying/tieba/floor_without_body"] == 1
    assert stats["huiying/tieba/comments"] == 2  # other threads answered "comment_list": [] — no error


def test_top_threads_entities_and_counts(fixture_crawl):
    extracted = fixture_crawl.extracted("fx-tieba")
    assert all(extracted[str(t)]["extra"]["top"] for t in forum.TOP)
    for index, tid in enumerate(forum.thread_ids()):
        assert extracted[str(tid)]["title"] == item_text("tieba", index)["title"]
        assert extracted[str(tid)]["body"] == normalize_text(item_text("tieba", index)["body"])
    for tid in forum.thread_ids()[:20]:
        assert extracted[str(tid)]["extra"]["fid"] == str(forum.FORUM_ID)


def test_a_captcha_redirect_stops_the_run_and_the_block_is_recorded(fixture_crawl):
    report = fixture_crawl.source("fx-tieba-captcha")
    assert report["finish_reason"] == "blocked" and report["items_scraped"] == 0
    assert report["stats"]["huiying/blocked_kind"] == "captcha"
    assert fixture_crawl.site.hits["tieba:captcha"] == 0  # the captcha page itself is never requested
    health = fixture_crawl.health("fx-tieba-captcha")
    assert health["status"] == "blocked" and health["blocked_kind"] == "captcha"
    assert health["blocked_url"].endswith("/f?kw=captcha")


def test_a_thread_as_the_start_url(fixture_crawl):
    item = fixture_crawl.extracted("fx-tieba-pages")[str(forum.FIRST_TID + 1)]
    assert item["title"] == item_text("tieba", 1)["title"]
    assert len(item["replies"]) == forum.reply_num(forum.FIRST_TID + 1)
