"""A real crawl of the demo 领导留言板: list API with a cursor, detail API, and the watermark."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from crawlers.demo_site import demo_sources
from crawlers.text import markup_to_text
from index.store import open_store
from nlp.normalize import normalize_text


def as_stored(text: str) -> str:
    """What the store should hold for a text the citizen typed: the same characters, as text."""
    return markup_to_text(escape(text, quote=False))


def board_source(base_url: str) -> dict:
    return next(s for s in demo_sources(base_url) if s["platform"] == "liuyan")


def test_every_listed_message_is_read_from_the_api_not_the_shell(first_crawl):
    site = first_crawl.site
    report = first_crawl.source("demo-liuyan")
    visible = site.visible("liuyan")
    readable = [m for m in visible if m.special not in ("trash", "no_text")]
    assert report["ok"], report["errors"]
    assert report["items_new"] == len(readable)
    assert report["gates"] == {"missing": 1}  # the trashed message: listed, detail empty
    assert report["items_dropped"] == 1 and report["dropped_reasons"] == {"EmptyItem": 1}
    stats = report["stats"]
    assert stats["huiying/pages/shell"] == 2 and stats["huiying/liuyan/cursor_overlap"] == 2
    for message in readable:
        item = first_crawl.item("demo-liuyan", message.tid)
        assert item.title == as_stored(message.title)
        assert item.body == as_stored(message.full_body)  # the full text, not the list's "…"
        assert item.posted_at == site.posted_at(message)
        assert item.posted_at.utcoffset() == timedelta(hours=8)
        assert item.extra["fid"] == message.fid and item.url.endswith(f"/threads/content?tid={message.tid}")


def test_type_names_become_kind_hints(first_crawl):
    site = first_crawl.site
    kinds = {"投诉": "投诉", "咨询": "咨询", "建言": "建议", "求助": "求助"}
    seen = set()
    for message in site.visible("liuyan"):
        item = first_crawl.item("demo-liuyan", message.tid)
        if item is not None:
            assert item.kind == kinds[message.type_name]
            seen.add(message.type_name)
    assert {"投诉", "建言"} <= seen


def test_replies_are_recognised_by_their_fields_whatever_their_order(first_crawl):
    site = first_crawl.site
    shapes = set()
    for message in site.visible("liuyan"):
        if message.reply is None or not site.reply_visible(message):
            continue
        item = first_crawl.item("demo-liuyan", message.tid)
        official = [r for r in item.replies if r.organisation]
        follow_ups = [r for r in item.replies if not r.organisation]
        assert official[-1].organisation == message.reply.organisation
        assert official[-1].body == normalize_text(message.reply.body)
        assert len(official) == (2 if message.acknowledgement else 1) == item.reply_count
        assert len(follow_ups) == (1 if message.follow_up else 0)
        assert [r.posted_at for r in item.replies] == sorted(r.posted_at for r in item.replies)
        shapes.add((len(item.replies), message.tid % 3 == 0))
    unanswered = next(m for m in site.visible("liuyan") if m.reply is None and not m.special)
    assert first_crawl.item("demo-liuyan", unanswered.tid).replies == ()
    assert {1, 2} <= {n for n, _ in shapes} and {True, False} <= {first for _, first in shapes}


def test_script_tags_in_board_text_are_kept_as_literal_text(first_crawl):
    site = first_crawl.site
    message = next(m for m in site.visible("liuyan") if m.key == "synthetic:script-tags-board")
    item = first_crawl.item("demo-liuyan", message.tid)
    assert item.title.endswith("<img src=x onerror=alert(1)>")
    assert "<script>alert(1)</script><img src=x onerror=alert(1)>" in item.body


def test_the_watermark_skips_known_messages_and_picks_up_new_ones(serve, crawl, tmp_path):
    server, base = serve(start_visible=260)
    site = server.site
    url = f"sqlite:///{tmp_path / 'huiying.db'}"
    first = crawl([board_source(base)], url)["sources"]["demo-liuyan"]
    assert first["ok"]
    store = open_store(url)
    try:
        marks = {fid: int(store.get_state("watermark:demo-liuyan", f"fid:{fid}")) for fid in (9001, 9002)}
    finally:
        store.close()
    for fid, mark in marks.items():
        assert mark == max(m.tid for m in site.visible("liuyan") if m.fid == fid)

    before = {m.tid for m in site.visible("liuyan")}
    site.release(100)
    arrived = [m for m in site.visible("liuyan") if m.tid not in before]
    assert len(arrived) > 30, "the release must publish more than a page of board messages per forum"
    details_before = site.hits["liuyan:detail"]
    # max_pages=1 bounds a first crawl; a later one catches up to the watermark past it.
    second = crawl([{**board_source(base), "max_pages": 1}], url)["sources"]["demo-liuyan"]
    assert second["ok"]
    assert second["items_new"] == len(arrived) and second["items_updated"] == 0
    assert site.hits["liuyan:detail"] - details_before == len(arrived)  # nothing old fetched again
    assert second["stats"]["huiying/liuyan/below_watermark"] >= 1
    assert "huiying/liuyan/gap_possible" not in second["stats"]
    for fid in (9001, 9002):
        assert second["stats"][f"huiying/watermark_before/fid:{fid}"] == marks[fid]
        newest = max((m.tid for m in arrived if m.fid == fid), default=marks[fid])
        assert second["stats"][f"huiying/watermark_after/fid:{fid}"] == newest
