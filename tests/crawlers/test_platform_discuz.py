"""Discuz! X against the fixture forum: GB18030 under a gbk label, rewrite paging, post states, 200 gates, 5 MB."""

from __future__ import annotations

from crawlers.fixture_site import discuz as forum
from crawlers.fixture_site.texts import item_text


def listed() -> set[str]:
    return {str(t) for t in forum.tids() if t != forum.MOVED}


def test_the_board_by_both_url_forms_gives_every_thread_once(fixture_crawl):
    report = fixture_crawl.source("fx-discuz")
    assert report["ok"], report["errors"]
    extracted = fixture_crawl.extracted("fx-discuz")
    assert set(extracted) == listed() | {str(forum.HUGE)}
    stats = report["stats"]
    assert stats["huiying/discuz/tid_repeated"] >= len(listed())  # the rewrite alias lists them all again
    assert stats["huiying/discuz/moved_thread"] >= 1
    assert report["gates"] == {"missing": 1, "login": 1}  # thread 3404 and board 7, both HTTP 200
    # Each thread page fetched once although two list URLs link to it (3001 has three pages; 3005 is
    # also the start URL of another source).
    hits = {t: fixture_crawl.site.hits[f"discuz:thread:{t}"] for t in forum.tids() if t != forum.MOVED}
    assert hits == {t: {3001: 3, 3005: 2}.get(t, 1) for t in hits}


def test_a_gb18030_only_character_under_a_gbk_label_and_every_header_variant_decode(fixture_crawl):
    extracted = fixture_crawl.extracted("fx-discuz")
    assert extracted["3002"]["title"] == forum.RARE_TITLE  # 𠮷 is four bytes in GB18030, not GBK
    for tid in forum.tids():
        if tid in (forum.MOVED, 3002, 3003):
            continue
        assert extracted[str(tid)]["title"] == forum.title_of(tid)
        assert extracted[str(tid)]["body"].startswith(item_text("discuz", tid - forum.FIRST_TID)["body"][:20])
    stats = fixture_crawl.source("fx-discuz")["stats"]
    assert stats["huiying/decode/gb18030"] >= 25


def test_a_page_cut_in_the_middle_of_a_character_keeps_what_was_readable(fixture_crawl):
    item = fixture_crawl.extracted("fx-discuz")["3003"]
    assert item["title"] == forum.title_of(3003)
    assert 0 < len(item["body"]) < len(item_text("discuz", 2)["body"]) + 1
    assert fixture_crawl.source("fx-discuz")["stats"]["huiying/decode/replaced"] == 1


def test_a_thread_paged_in_the_rewrite_form_is_one_item_with_readable_replies(fixture_crawl):
    item = fixture_crawl.extracted("fx-discuz")["3001"]
    first = item_text("discuz", 0)
    assert item["body"].startswith(first["body"][:30]) and "本帖最后由" not in item["body"]
    # 24 replies over three pages; locked, deleted and reply-only posts are counted, not stored.
    assert item["reply_count"] == 24 and len(item["replies"]) == 21
    assert all(r["posted_at"].endswith("+08:00") for r in item["replies"])
    stats = fixture_crawl.source("fx-discuz")["stats"]
    assert stats["huiying/discuz/post_locked"] == 1 and stats["huiying/discuz/post_deleted"] == 1
    assert stats["huiying/discuz/post_hidden"] == 1 and stats["huiying/discuz/quote_stripped"] == 1
    quoted = item["replies"][1]["body"]  # floor 4 quoted the first post: only its own words remain
    assert first["body"][:40] not in quoted
    assert fixture_crawl.site.hits["discuz:thread:3001"] == 3


def test_list_rows_anonymous_authors_and_old_style_links(fixture_crawl):
    extracted = fixture_crawl.extracted("fx-discuz")
    assert extracted[str(forum.OLD_LINK)]["url"].endswith(f"viewthread.php?tid={forum.OLD_LINK}&extra=page%3D1")
    assert extracted["3005"]["url"].endswith("forum.php?mod=viewthread&tid=3005")
    assert forum.views_of(3005) < extracted["3005"]["view_count"] <= forum.views_of(3005, fixture_crawl.site)
    assert extracted["3005"]["reply_count"] == forum.replies_of(3005)
    assert all(extracted[str(t)]["extra"]["sticky"] for t in forum.STICKY)


def test_a_five_megabyte_page_of_nested_tags_is_read_and_its_body_capped(fixture_crawl):
    item = fixture_crawl.extracted("fx-discuz")[str(forum.HUGE)]
    assert item["title"] == "一个五兆的帖子"
    assert len(item["body"]) < 201_000 and item["body"].endswith("字〕")
    assert fixture_crawl.source("fx-discuz")["items_truncated"] == 1


def test_the_mobile_api_with_a_gbk_label_on_utf8_json(fixture_crawl):
    report = fixture_crawl.source("fx-discuz-mobile")
    assert report["ok"], report["errors"]
    extracted = fixture_crawl.extracted("fx-discuz-mobile")
    assert set(extracted) == listed()
    item = extracted["3004"]
    assert item["title"] == forum.title_of(3004) and item["view_count"] == forum.views_of(3004)
    assert item["posted_at"].endswith("+08:00") and len(item["replies"]) == min(forum.replies_of(3004), 8)


def test_a_thread_page_as_the_start_url(fixture_crawl):
    item = fixture_crawl.extracted("fx-pages")["3005"]
    assert item["title"] == forum.title_of(3005) and item["view_count"] >= forum.views_of(3005)
    assert item["reply_count"] == forum.replies_of(3005)


def test_a_recrawl_fetches_only_the_hot_threads_and_records_every_threads_counts(fixture_crawl, crawl, tmp_path):
    # A database of this source alone: in the shared crawl, other sources reading the same forum may
    # store a thread first (the source then only records an alias of it), whichever runs faster.
    copy = tmp_path / "own.db"
    site = fixture_crawl.site
    source = {**fixture_crawl.sources["fx-discuz"], "start_urls": fixture_crawl.sources["fx-discuz"]["start_urls"][:1]}
    first = crawl([source], f"sqlite:///{copy}", fast=False)["sources"]["fx-discuz"]
    assert first["ok"] and first["items_new"] >= len(listed()) - 3
    site.state["discuz_new_replies"] = {3006: 2}  # one thread got two new replies since the first crawl
    before = {t: site.hits[f"discuz:thread:{t}"] for t in forum.tids()}
    try:
        report = crawl([source], f"sqlite:///{copy}", fast=False)["sources"]["fx-discuz"]
    finally:
        site.state.pop("discuz_new_replies")
    assert report["ok"] and report["items_new"] == 0
    fetched = {t for t in forum.tids() if site.hits[f"discuz:thread:{t}"] > before[t]}
    # The hot thread, and threads whose stored reply count came from a gate or a cut page, are read again.
    assert 3006 in fetched and len(fetched) <= 3
    assert report["stats"]["huiying/items/observed_only"] >= len(listed()) - 3
    from index.store import open_store

    store = open_store(f"sqlite:///{copy}")
    try:
        hot = store.find_item("fx-discuz", "3006")
        assert hot.reply_count == forum.replies_of(3006) + 2 and len(hot.replies) == hot.reply_count
        own = [i for i in (store.find_item("fx-discuz", str(t)) for t in forum.tids()) if i is not None]
        calm = next(i for i in own if i.external_id not in ("3001", "3002", "3003", "3006", "3999"))
        counts = [views for _, _, views in store.observations(calm.id)]
        assert len(counts) == 2 and counts[1] > counts[0]  # a visit per crawl, views growing
    finally:
        store.close()
