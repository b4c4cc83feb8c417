"""领导留言板 against the fixture board: the signed v1 list and detail APIs, the legacy API, the WAF."""

from __future__ import annotations

import hashlib
import json

from crawlers.fixture_site import liuyan as board
from crawlers.spiders.liuyan import PC_APP_CODE, compact, sign


def test_the_signature_is_md5_of_path_param_and_the_app_code_salt():
    assert hashlib.md5(PC_APP_CODE.encode()).hexdigest()[:16] == "a2eb17f65d6f4b3f"  # crawl-sources.md §1.3
    param = compact({"tid": "8100001", "fromTrash": 0})
    assert param == '{"tid":"8100001","fromTrash":0}'
    expected = hashlib.md5(("/v1/threads/content" + param + "a2eb17f65d6f4b3f").encode()).hexdigest()
    assert sign("/v1/threads/content", param) == expected == board.signature("/v1/threads/content", param)


def test_every_message_of_both_forums_is_stored_once_through_the_right_api(fixture_crawl):
    report = fixture_crawl.source("fx-liuyan")
    assert report["ok"], report["errors"]
    readable = {str(t) for fid in (7001, 7002) for t in board.tids(fid)} - {str(board.DELETED), str(board.TRASHED)}
    assert fixture_crawl.ids("fx-liuyan") == readable
    assert report["gates"] == {"missing": 2}  # the deleted and the trashed message
    stats = report["stats"]
    hits = fixture_crawl.site.hits
    # 7001 has no legacy API: auto switched it to the signed v1 list, which accepted every signature.
    assert stats["huiying/liuyan/switched_to_v1"] == 1 and hits["liuyan:v1_list:7001"] >= 3
    assert hits["liuyan:v1_list:refused"] == 0 and hits["liuyan:detail:refused"] == 0
    assert hits["liuyan:no_cookie"] == 0  # the warm-up's WAF cookie went with every API call
    assert stats["huiying/liuyan/api_fail_retried"] == 1  # the one-off "系统繁忙" answer was asked again
    assert stats["huiying/liuyan/cursor_overlap"] >= 2  # page 2 repeats page 1's cursor row
    assert stats["huiying/pages/shell"] == 2


def test_the_v1_api_accepts_param_as_an_object_too(fixture_crawl):
    report = fixture_crawl.source("fx-liuyan-object")
    assert report["ok"], report["errors"]
    assert set(fixture_crawl.extracted("fx-liuyan-object")) == {str(t) for t in board.tids(7002)}
    assert fixture_crawl.site.hits["liuyan:v1_list:7002"] >= 2 and "huiying/liuyan/switched_to_v1" not in report["stats"]


def test_replies_are_read_by_field_in_any_order_and_number(fixture_crawl):
    extracted = fixture_crawl.extracted("fx-liuyan")
    shapes = {}
    for fid in (7001, 7002):
        for tid in board.tids(fid):
            if tid in (board.DELETED, board.TRASHED):
                continue
            item = extracted[str(tid)]
            blocks = board.blocks(tid)
            official = [b for b in blocks if b.get("organization")]
            follow = [b for b in blocks if "subject" not in b and not b.get("organization")]
            assert [r["organisation"] for r in item["replies"] if r["organisation"]] == \
                [b["organization"] for b in sorted(official, key=lambda b: b["dateline"])]
            assert len([r for r in item["replies"] if not r["organisation"]]) == len(follow)
            assert item["reply_count"] == len(official)
            assert item["title"] == board.text_of(tid)["title"] and item["posted_at"].endswith("+08:00")
            assert [r["posted_at"] for r in item["replies"]] == sorted(r["posted_at"] for r in item["replies"])
            shapes[tid % 5] = len(item["replies"])
    assert shapes == {0: 0, 1: 1, 2: 2, 3: 2, 4: 1}


def test_text_with_crlf_emoji_entities_and_markup_is_kept_as_typed(fixture_crawl):
    body = fixture_crawl.extracted("fx-liuyan")[str(board.SPECIAL_TEXT)]["body"]
    assert "第二段：门口写着“A&B 公司”<script>alert(1)</script> 😀" in body
    assert "\r" not in body and "&amp;" not in body


def test_the_watermark_of_each_forum_is_its_highest_stored_tid(fixture_crawl):
    for fid in (7001, 7002):
        assert int(fixture_crawl.state("watermark:fx-liuyan", f"fid:{fid}")) == max(board.tids(fid))


def test_a_waf_that_answers_403_to_a_fast_client_stops_the_run_and_is_reported(fixture_crawl):
    report = fixture_crawl.source("fx-liuyan-waf")
    assert report["ok"] is False and report["finish_reason"] == "blocked"
    assert report["stats"]["huiying/blocked_kind"] == "waf_403"
    stored = len(fixture_crawl.ids("fx-liuyan-waf"))
    assert stored < len(board.tids(7009))
    # No watermark moves past a blocked run: the next run asks for everything not yet stored.
    assert fixture_crawl.state("watermark:fx-liuyan-waf", "fid:7009") is None
    health = fixture_crawl.health("fx-liuyan-waf")
    assert health["status"] == "blocked" and health["blocked_kind"] == "waf_403" and health["blocked_since"]
    assert health["errors"]["blocked_waf_403"] >= 1 and health["last_success_at"] is None
    # After the block, the crawler stopped knocking: a handful of 403s, not one per message.
    assert fixture_crawl.site.hits["liuyan:waf_403"] < len(board.tids(7009)) // 2


def test_both_saved_page_layouts_are_read(fixture_crawl):
    extracted = fixture_crawl.extracted("fx-liuyan-pages")
    for tid, state, replies in ((8200002, "已办理", 1), (8200003, "待回复", 0), (8200004, "办理中", 0)):
        item = extracted[str(tid)]
        text = board.text_of(tid)
        assert item["title"] == text["title"] and item["posted_at"].endswith("+08:00")
        assert item["extra"]["state"] == state and len(item["replies"]) == replies and item["author"].endswith("***")
        if replies:
            assert item["replies"][0]["organisation"] == "城关县住房和城乡建设局"
            assert item["replies"][0]["posted_at"].endswith("+08:00")
    # The legacy page shows the same text as the API: whichever source stored it first keeps the item.
    rows = fixture_crawl.rows("SELECT source FROM items WHERE external_id IN ('8200002', '8200003', '8200004')")
    assert len(rows) == 3
    rendered = set(extracted) - {"8200002", "8200003", "8200004"}
    assert rendered == {str(t) for t in board.audit_order(7002)[:5]}


def test_a_saved_api_answer_is_read_by_the_one_off_crawl_without_a_database(tmp_path):
    from tests.crawlers.clihelp import run_oneoff

    saved = tmp_path / "content.json"
    saved.write_text(json.dumps({"resultCode": 200, "resultData": {"contentList": board.blocks(8100004)}},
                                ensure_ascii=False), encoding="utf-8")
    items = run_oneoff("liuyan", str(saved), tmp_path / "items.jsonl")
    assert len(items) == 1
    item = items[0]
    for key in ("platform", "url", "external_id", "title", "body", "author", "posted_at", "reply_count", "view_count",
                "replies"):
        assert key in item
    assert item["platform"] == "liuyan" and item["external_id"] == "8100004"
    assert item["posted_at"].endswith("+08:00") and item["title"] == board.text_of(8100004)["title"]
    assert [set(r) >= {"author", "organisation", "body", "posted_at"} for r in item["replies"]] == [True]
    assert not list(tmp_path.glob("*.db"))
