"""Feeds against the fixture: prolog-only GB2312, Atom, broken XML, odd dates, missing ids, conditional GET."""

from __future__ import annotations

from datetime import datetime

from crawlers.feeds import parse_date, parse_feed
from index.records import CST


def test_dates_in_every_form_feeds_use_are_read_as_china_time():
    expected = datetime(2024, 5, 1, 10, 0, tzinfo=CST)
    for text in ("Wed, 01 May 2024 10:00:00 +0800", "Wed, 01 May 2024 10:00:00 CST", "Wed, 01 May 2024 02:00:00 GMT",
                 "2024-05-01T02:00:00Z", "2024-05-01 10:00:00", "2024年5月1日 10:00", "2024/5/1 10:00"):
        assert parse_date(text) == expected, text
    assert parse_date("") is None and parse_date("next Tuesday") is None


def test_every_feed_variant_gives_its_entries_once(fixture_crawl):
    report = fixture_crawl.source("fx-rss")
    assert report["ok"], report["errors"]
    extracted = fixture_crawl.extracted("fx-rss")
    assert len(extracted) == 5 + 4 + 3 + 2 + 3  # utf8, gb2312, atom, broken, polls (one guid twice)
    stats = report["stats"]
    assert stats["huiying/rss/duplicate_id_in_feed"] == 1 and stats["huiying/rss/repaired_xml"] == 1
    assert stats["huiying/rss/id_from_link"] == 3 and stats["huiying/rss/id_from_hash"] == 1


def test_prolog_only_gb2312_with_characters_outside_it(fixture_crawl):
    extracted = fixture_crawl.extracted("fx-rss")
    gb = [e for e in extracted.values() if e["extra"]["feed"] == "堃城政务"]
    assert len(gb) == 4 and any(e["title"].startswith("堃城镇关于") for e in gb)
    first = next(e for e in gb if e["title"].startswith("堃城镇关于"))
    assert "朱镕基路施工公告" in first["body"] and "<p>" not in first["body"]
    assert first["url"] == "http://127.0.0.1/news/g0.html"  # relative to the feed's site link
    assert first["posted_at"] == "2024-05-01T10:00:00+08:00"
    assert sum(1 for e in gb if e["posted_at"] is None) == 1


def test_atom_links_ids_and_html_titles(fixture_crawl):
    atom = {k: v for k, v in fixture_crawl.extracted("fx-rss").items() if k.startswith("tag:")}
    assert len(atom) == 3
    entry = atom["tag:127.0.0.1,2024:atom-0"]
    assert entry["url"] == "http://127.0.0.1/atom/a/0.html" and entry["author"] == "城关发布"
    assert "<b>" not in entry["title"] and entry["posted_at"] == "2024-05-01T10:00:00+08:00"


def test_broken_xml_is_repaired_not_lost(fixture_crawl):
    broken = fixture_crawl.extracted("fx-rss")
    assert broken["broken-1"]["title"] == "供水&供电 公告 一"
    assert broken["broken-1"]["url"] == "http://127.0.0.1/b/1.html?a=1&b=2"
    assert "broken-2" in broken


def test_a_second_poll_is_conditional_and_stores_only_new_entries(fixture_crawl, crawl, tmp_path):
    copy = fixture_crawl.copy_to(tmp_path)
    site = fixture_crawl.site
    before = site.hits["feeds:utf8:304"]
    report = crawl([fixture_crawl.sources["fx-rss"]], f"sqlite:///{copy}", fast=False)["sources"]["fx-rss"]
    assert report["ok"]
    assert site.hits["feeds:utf8:304"] == before + 1 and report["stats"]["huiying/rss/not_modified"] == 1
    # The polls feed repeats its guids and adds one: only that one is new; the rest are known.
    assert report["items_new"] == 1 and report["stats"]["huiying/rss/known"] >= 3


def test_parse_feed_refuses_what_is_not_a_feed():
    import pytest

    from crawlers.feeds import FeedError

    with pytest.raises(FeedError):
        parse_feed(b"<html><body>not a feed</body></html>", "http://x/")
