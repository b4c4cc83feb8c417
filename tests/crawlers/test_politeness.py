"""Pieces of politeness and incremental state that need no crawl to check."""

from __future__ import annotations

from datetime import datetime

from parsel import Selector

from crawlers.labels import label_key, read_letter
from crawlers.middlewares import retry_after_seconds
from crawlers.paging import external_id_of, next_page_url, with_param
from crawlers.state import Watermark
from index.records import CST


def test_retry_after_as_seconds_or_as_an_http_date():
    now = datetime(2024, 5, 1, 10, 0, tzinfo=CST)
    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds("Wed, 01 May 2024 02:01:00 GMT", now) == 60
    assert retry_after_seconds("Wed, 01 May 2024 01:00:00 GMT", now) == 0  # already past
    assert retry_after_seconds(None) is None and retry_after_seconds(b"soon") is None


def test_a_watermark_moves_only_past_settled_ids():
    mark = Watermark(before=100)
    for tid in (105, 103, 110, 101):
        mark.expect(tid)
    mark.settle(110)
    mark.settle(105)
    mark.settle(101)
    assert mark.after() == 102  # 103 is still pending: nothing above it may be skipped next time
    mark.settle(103)
    assert mark.after() == 110
    assert Watermark(before=50).after() == 50


def test_letter_labels_in_any_wording():
    assert label_key("标　　题：") == "title" and label_key("答复单位") == "organisation"
    assert label_key("处理结果:") == "reply" and label_key("随便写写") is None
    page = Selector(text="""<dl><dt>信件标题</dt><dd>路灯</dd><dt>来信时间：</dt><dd>2024/5/1</dd></dl>
        <p><span>来信内容：</span><span>灯不亮</span></p><div><b>回复内容：</b>暂无回复</div>""")
    letter = read_letter(page)
    assert letter.text("title") == "路灯" and letter.text("content") == "灯不亮" and letter.replies == []


def test_ids_and_next_pages_of_county_lists():
    assert external_id_of("http://x/detail.jsp?id=77&t=1") == "77"
    assert external_id_of("http://x/a/2024/05/post_123.html") == "post_123"
    assert external_id_of("http://x/waf403/item0.html") == "item0"
    assert external_id_of("http://x/show") == external_id_of("http://x/show") != external_id_of("http://x/show2")
    page = Selector(text='<a href="javascript:goPage(3)">下一页</a>')
    assert next_page_url(page, "http://x/list.jsp?pageNo=2&type=1", 2) == "http://x/list.jsp?type=1&pageNo=3"
    page = Selector(text='<a href="#" onclick="turnPage(2);return false">下一页</a>')
    assert next_page_url(page, "http://x/list.asp", 1) == "http://x/list.asp?pageNo=2"
    assert next_page_url(Selector(text="<span>下一页</span>"), "http://x/list.asp", 1) is None
    assert with_param("http://x/l?page=1", "page", 2) == "http://x/l?page=2"


def test_health_keeps_the_last_success_and_the_start_of_a_block_and_backs_off(tmp_path):
    from crawlers.health import next_delay, read_health, record_run
    from crawlers.sources import SourceConfig
    from index.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'h.db'}")
    config = SourceConfig.from_dict({"name": "s", "platform": "rss", "start_urls": ["http://x/"], "interval": "10m"})
    t0 = datetime(2024, 5, 1, 10, 0, tzinfo=CST)

    def run(minutes: int, **report: object) -> dict:
        base = {"ok": True, "finish_reason": "finished", "items_scraped": 3, "gates": {}, "errors": {}, "stats": {}}
        started = t0.replace(minute=minutes)
        return record_run(store, config, {**base, **report}, started=started, finished=started.replace(second=30))

    try:
        good = run(0)
        assert good["status"] == "ok" and good["last_success_at"] == "2024-05-01T10:00:30+08:00"
        assert next_delay(config, good, 3600) == 600
        blocked = run(10, ok=False, finish_reason="blocked",
                      stats={"huiying/blocked_kind": "captcha", "huiying/blocked_url": "http://x/c", "huiying/blocked/captcha": 1})
        assert blocked["status"] == "blocked" and blocked["blocked_since"] == "2024-05-01T10:10:30+08:00"
        assert blocked["last_success_at"] == good["last_success_at"] and blocked["errors"] == {"blocked_captcha": 1}
        again = run(30, ok=False, finish_reason="blocked", stats={"huiying/blocked_kind": "captcha"})
        assert again["blocked_since"] == blocked["blocked_since"] and again["consecutive_failures"] == 2
        assert next_delay(config, again, 3600) == 2400  # 10 min × 2², within the cap
        gated = run(50, gates={"login": 2}, items_scraped=0)
        assert gated["status"] == "blocked" and gated["blocked_kind"] == "login"
        assert next_delay(config, run(55, stats={"huiying/backoff_s": 3000}), 3600) == 3000  # Retry-After wins
        assert read_health(store, "s")["runs"] == 5
    finally:
        store.close()
