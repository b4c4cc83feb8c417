"""A real crawl of the demo Discuz forums (UTF-8 and GBK) into a real SQLite store."""

from __future__ import annotations

from datetime import timedelta

from crawlers.demo_site.discuz_pages import reply_floors
from crawlers.pipelines import TRUNCATION_MARK
from nlp.normalize import normalize_text


def expected_threads(site, channel):
    return [m for m in site.visible(channel) if m.special != "deleted"]


def test_every_listed_thread_is_stored_once_and_the_run_is_ok(first_crawl):
    site = first_crawl.site
    for name, channel in (("demo-discuz", "bbs"), ("demo-discuz-gbk", "bbs-gbk")):
        report = first_crawl.source(name)
        expected = expected_threads(site, channel)
        assert report["ok"] and report["finish_reason"] == "finished", report["errors"]
        assert report["items_scraped"] == len(expected)
        stored = {r["external_id"] for r in first_crawl.rows(
            "SELECT external_id FROM items WHERE source = ? UNION ALL "
            "SELECT external_id FROM item_aliases WHERE source = ?", (name, name))}
        assert stored == {str(m.tid) for m in expected}
        assert report["items_new"] + report["items_duplicate"] == len(expected)
        assert report["errors"]["store"] == 0 and report["errors"]["log_errors"] == 0
    assert first_crawl.report["ok"]


def test_fields_titles_authors_counts_and_cst_times(first_crawl):
    site = first_crawl.site
    checked = 0
    for message in expected_threads(site, "bbs"):
        item = first_crawl.item("demo-discuz", message.tid)
        if message.synthetic or item is None:  # None: the copy of a reposted message (an alias)
            continue
        assert item.title == normalize_text(message.title)
        assert item.body == normalize_text(message.body)
        assert item.author == message.author
        assert item.posted_at.utcoffset() == timedelta(hours=8)
        shown = site.posted_at(message)  # old posts print minutes; the last week's carry seconds in a title
        assert item.posted_at in (shown, shown.replace(second=0))
        assert item.platform == "discuz" and item.url.endswith(f"forum.php?mod=viewthread&tid={message.tid}")
        assert item.view_count == message.views and item.reply_count == len(reply_floors(site, message))
        if message.reply is not None and site.reply_visible(message):
            assert [r.organisation or r.author for r in item.replies] == [message.reply.organisation]
            assert item.replies[0].body == normalize_text(message.reply.body)
            assert item.replies[0].posted_at.utcoffset() == timedelta(hours=8)
        checked += 1
    assert checked > 80


def test_gbk_pages_decode_to_the_expected_chinese_whatever_their_header_says(first_crawl):
    site = first_crawl.site
    for message in expected_threads(site, "bbs-gbk"):
        item = first_crawl.item("demo-discuz-gbk", message.tid)
        assert item.title == normalize_text(message.title), message.tid
        assert item.body == normalize_text(message.body), message.tid
    rare = next(m for m in site.visible("bbs-gbk") if m.key == "synthetic:rare-chars")
    item = first_crawl.item("demo-discuz-gbk", rare.tid)
    assert item.title == "姓名里的“堃”“喆”“镕”“𠮷”字在政务系统里打不出来" and item.author == "李堃"
    stats = first_crawl.source("demo-discuz-gbk")["stats"]
    assert stats["huiying/decode/gb18030"] >= len(expected_threads(site, "bbs-gbk"))
    assert "huiying/decode/replaced" not in stats


def test_a_long_thread_is_one_item_with_its_replies_from_three_pages(first_crawl):
    site = first_crawl.site
    thread = next(m for m in site.visible("bbs") if m.special == "long_thread")
    item = first_crawl.item("demo-discuz", thread.tid)
    posted = site.posted_at(thread)
    assert item.posted_at == posted and "本帖最后由" not in item.body
    readable = [f for f in thread.floors if f.style not in ("locked", "deleted")]
    assert [r.author for r in item.replies] == [f.author for f in readable]
    assert [r.body for r in item.replies] == [normalize_text(f.body) for f in readable]  # quotes stripped
    for reply, floor in zip(item.replies, readable, strict=True):
        expected = posted + floor.offset
        tolerance = timedelta(hours=1) if floor.style == "relative_plain" else timedelta(0)
        assert abs(reply.posted_at - expected) <= tolerance, (floor.author, reply.posted_at, expected)
        assert reply.posted_at.utcoffset() == timedelta(hours=8)
    assert item.extra["sticky"] is False and item.reply_count == len(thread.floors)
    stats = first_crawl.source("demo-discuz")["stats"]
    assert stats["huiying/discuz/post_locked"] == 1 and stats["huiying/discuz/post_deleted"] == 1


def test_sticky_threads_repeat_on_every_page_but_are_stored_once(first_crawl):
    site = first_crawl.site
    sticks = [m for m in site.visible("bbs") if m.special == "stick"]
    rows = first_crawl.rows("SELECT COUNT(*) AS n FROM items WHERE source = 'demo-discuz' AND title LIKE '【%'")
    assert rows[0]["n"] == len(sticks) == 2
    assert first_crawl.source("demo-discuz")["stats"]["huiying/discuz/tid_repeated"] >= 2 * 5


def test_http_200_error_and_login_pages_are_counted_not_stored(first_crawl):
    site = first_crawl.site
    deleted = next(m for m in site.visible("bbs") if m.special == "deleted")
    assert first_crawl.item("demo-discuz", deleted.tid) is None
    gates = first_crawl.source("demo-discuz")["gates"]
    assert gates == {"missing": 1, "login": 1}
    assert not first_crawl.rows("SELECT id FROM items WHERE title LIKE '%提示信息%' OR body LIKE '%不存在或已被删除%'")


def test_bad_input_is_stored_safely_and_the_run_goes_on(first_crawl):
    site = first_crawl.site
    by_key = {m.key: m for m in site.visible("bbs")}
    script = first_crawl.item("demo-discuz", by_key["synthetic:script-tags"].tid)
    assert "<script>alert(1)</script>" in script.title
    assert "<script>alert(1)</script>" in script.body and "<img src=x onerror=alert(1)>" in script.body

    empty = first_crawl.item("demo-discuz", by_key["synthetic:empty-body"].tid)
    assert empty.body == "" and empty.title.startswith("如题")

    huge = first_crawl.item("demo-discuz", by_key["synthetic:huge-body"].tid)
    mark = TRUNCATION_MARK.format(original=400_000, kept=200_000)
    assert len(huge.body) == 200_000 + len(mark) and huge.body.endswith(mark)
    assert huge.extra["body_truncated_from"] == 400_000

    broken = first_crawl.item("demo-discuz", by_key["synthetic:broken-html"].tid)
    assert broken.body.startswith(by_key["synthetic:broken-html"].body)
    assert "Powered by" not in broken.body and "<td" not in broken.body

    report = first_crawl.source("demo-discuz")
    assert report["items_truncated"] == 1 and report["items_empty_body"] == 1
    later = [m for m in site.visible("bbs") if m.release_index > by_key["synthetic:broken-html"].release_index]
    stored = {r["external_id"] for r in first_crawl.rows(
        "SELECT external_id FROM items WHERE source = 'demo-discuz' UNION ALL "
        "SELECT external_id FROM item_aliases WHERE source = 'demo-discuz'")}
    assert {str(m.tid) for m in later if m.special != "deleted"} <= stored


def test_a_repost_under_a_new_tid_is_recognised_as_a_duplicate(first_crawl):
    site = first_crawl.site
    repost = next(m for m in site.visible("bbs") if m.special == "repost")
    original = next(m for m in site.visible("bbs") if m.key == repost.extra["repost_of"])
    assert first_crawl.source("demo-discuz")["items_duplicate"] == 1
    pair = {str(original.tid), str(repost.tid)}
    items = first_crawl.rows("SELECT id, external_id FROM items WHERE source = 'demo-discuz'")
    aliases = first_crawl.rows("SELECT external_id, item_id FROM item_aliases WHERE source = 'demo-discuz'")
    kept = [r for r in items if r["external_id"] in pair]
    assert len(kept) == 1 and len(aliases) == 1  # whichever copy was stored first; the other is an alias
    assert aliases[0]["item_id"] == kept[0]["id"] and {kept[0]["external_id"], aliases[0]["external_id"]} == pair
