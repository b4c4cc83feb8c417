"""The bundled demo site serves realistic pages over real HTTP, and releases messages gradually."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from crawlers.demo_site import DemoSite, demo_sources
from crawlers.demo_site.catalog import MESSAGES_FILE, build_catalog
from crawlers.demo_site.liuyan_api import APP_CODE, DETAIL_PATH
from crawlers.sources import SourceConfig
from crawlers.spiders.liuyan import sign


def fetch(base: str, path: str, form: str | None = None, payload: Any = None) -> tuple[int, dict[str, str], bytes]:
    data, headers = None, {}
    if form is not None:
        data, headers = form.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    elif payload is not None:
        data, headers = json.dumps(payload).encode(), {"Content-Type": "application/json;charset=UTF-8"}
    request = urllib.request.Request(base + path, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


def board_page(base: str, fid: int, last: int = 0) -> list[dict[str, Any]]:
    _, _, body = fetch(base, "/threads/queryThreadsList", form=f"fid={fid}&state=1&lastItem={last}")
    data = json.loads(body)
    assert data["result"] == "success" and data["success"] is True
    return data["responseData"]


def test_the_sample_is_small_attributed_and_reproducible(shared_dir: Path):
    from crawlers.demo_site.make_sample import build

    committed = json.loads(MESSAGES_FILE.read_text(encoding="utf-8"))
    assert MESSAGES_FILE.stat().st_size < 1_500_000
    assert "Teddy Cup 2020" in committed["source"] and committed["seed"] == 20200
    assert 300 <= len(committed["messages"]) <= 400
    assert build(shared_dir / "data" / "teddy2020c") == committed, (
        "messages.json differs from a fresh sample (did nlp.normalize change?): "
        "run python -m crawlers.demo_site.make_sample and commit the result")


def test_the_catalogue_marks_synthetic_posts_and_splits_real_ones_across_channels():
    catalog = build_catalog()
    synthetic = [m for m in catalog if m.synthetic]
    assert all(m.key.startswith("synthetic:") for m in synthetic)
    assert {m.channel for m in catalog if not m.synthetic} == {"bbs", "bbs-gbk", "liuyan"}
    urgent = [m for m in synthetic if m.key in ("synthetic:fire", "synthetic:gas-leak", "synthetic:live-wire",
                                                  "synthetic:crowd")]
    assert len(urgent) == 4 and all(m.release_index > len(catalog) * 0.85 for m in urgent)


def test_robots_allows_the_crawl(demo):
    _, base = demo
    status, headers, body = fetch(base, "/robots.txt")
    assert status == 200 and b"User-agent: *" in body and b"Disallow: /bbs/forum.php" not in body


def test_the_board_list_page_is_an_empty_shell(demo):
    server, base = demo
    _, _, body = fetch(base, "/threads/list?fid=9001")
    page = body.decode("utf-8")
    first = next(m for m in server.site.visible("liuyan") if m.fid == 9001)
    assert '<div id="app"></div>' in page and first.title not in page


def test_the_board_api_pages_by_cursor_with_out_of_order_tids_and_an_overlap(demo):
    _, base = demo
    first = board_page(base, 9001)
    second = board_page(base, 9001, first[-1]["tid"])
    assert len(first) == 10 and second[0]["tid"] == first[-1]["tid"]  # the cursor row again
    tids = [r["tid"] for r in first + second[1:]]
    assert tids != sorted(tids, reverse=True)  # audit order, not tid order
    row = first[0]
    assert row["typeName"] in {"投诉", "咨询", "建言", "求助"} and isinstance(row["dateline"], int)
    assert {"subject", "content", "nickName", "stateInfo", "domainName", "answerContent"} <= set(row)
    last, pages = 0, 0
    while True:
        rows = board_page(base, 9001, last)
        if not rows or (last and rows[-1]["tid"] == last):
            break
        last, pages = rows[-1]["tid"], pages + 1
    assert pages >= 5


def test_the_detail_api_checks_the_signature(demo):
    server, base = demo
    tid = next(m.tid for m in server.site.visible("liuyan") if m.reply and not m.special)
    param = json.dumps({"tid": str(tid), "fromTrash": 0}, separators=(",", ":"))
    good = {"appCode": APP_CODE, "token": "", "signature": sign(DETAIL_PATH, param), "param": param}
    _, _, body = fetch(base, DETAIL_PATH, payload=good)
    blocks = json.loads(body)["resultData"]["contentList"]
    assert any("subject" in b for b in blocks) and any(b.get("organization") for b in blocks)
    _, _, body = fetch(base, DETAIL_PATH, payload={**good, "signature": "0" * 32})
    assert json.loads(body) == {"resultCode": 4001, "resultMsg": "签名错误", "resultData": None}
    as_object = {**good, "param": {"tid": str(tid), "fromTrash": 0}}
    _, _, body = fetch(base, DETAIL_PATH, payload=as_object)
    assert json.loads(body)["resultCode"] == 200


def test_gbk_pages_are_gbk_bytes_declared_three_ways(demo):
    server, base = demo
    rare = next(m for m in server.site.visible("bbs-gbk") if m.key == "synthetic:rare-chars")
    _, headers, body = fetch(base, "/bbs-gbk/forum.php?mod=forumdisplay&fid=2")
    assert headers["Content-Type"] == "text/html; charset=gbk" and b'charset=gbk"' in body
    body.decode("gbk")  # real GBK bytes
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    declared = set()
    for tid in (rare.tid, rare.tid + 1, rare.tid + 2):
        _, headers, body = fetch(base, f"/bbs-gbk/forum.php?mod=viewthread&tid={tid}")
        declared.add(headers["Content-Type"])
        assert b"charset=gbk" in body
    assert declared == {"text/html; charset=gbk", "text/html", "text/html; charset=utf-8"}
    _, _, body = fetch(base, f"/bbs-gbk/forum.php?mod=viewthread&tid={rare.tid}")
    assert "堃" in body.decode("gbk") and "&#134071;" in body.decode("gbk")  # 𠮷 is outside GBK


def test_discuz_pages_have_the_template_shapes(demo):
    server, base = demo
    _, _, body = fetch(base, "/bbs/forum.php?mod=forumdisplay&fid=2")
    page = body.decode("utf-8")
    assert 'id="threadlisttableid"' in page and 'id="stickthread_' in page and 'id="normalthread_' in page
    assert 'class="s xst"' in page and 'class="nxt"' in page and "thread-" in page
    _, _, body = fetch(base, "/bbs/forum-2-1.html")
    assert body.decode("utf-8").count('id="normalthread_') == 20
    _, _, body = fetch(base, "/bbs/forum.php?mod=viewthread&tid=999999")
    assert "指定的主题不存在或已被删除" in body.decode("utf-8")
    _, _, body = fetch(base, "/bbs/forum.php?mod=forumdisplay&fid=7")
    assert "您需要登录后才能继续本操作" in body.decode("utf-8")
    script = next(m for m in server.site.visible("bbs") if m.key == "synthetic:script-tags")
    _, _, body = fetch(base, f"/bbs/thread-{script.tid}-1-1.html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body.decode("utf-8") and "<script>alert" not in body.decode()


def test_messages_are_released_gradually_and_dated_when_published():
    clock = [1_700_000_000.0]
    site = DemoSite(start_visible=100, release_every=10, release_batch=3, clock=lambda: clock[0])
    assert site.visible_count() == 100
    clock[0] += 25
    assert site.visible_count() == 106
    newest = site.catalog[105]
    assert site.posted_at(newest).timestamp() <= clock[0]
    assert site.release(4) == 110
    site_all = DemoSite(start_visible=None, release_every=0)
    assert site_all.visible_count() == len(site_all.catalog)


def test_the_server_starts_on_a_free_port_and_demo_sources_are_valid(serve):
    server, base = serve(start_visible=5)
    assert base.startswith("http://127.0.0.1:") and not base.endswith(":0")
    assert server.site.visible_count() == 5
    sources = demo_sources(base)
    assert [s["platform"] for s in sources] == ["discuz", "discuz", "liuyan"]
    assert all(SourceConfig.from_dict(s).start_urls[0].startswith(base) for s in sources)
