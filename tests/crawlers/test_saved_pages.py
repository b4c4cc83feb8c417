"""Pages saved to disk (as a browser or a colleague would) read with ``file://`` start URLs."""

from __future__ import annotations

import json
import urllib.request

from crawlers.fixture_site import discuz, gov, tieba
from crawlers.fixture_site.sources import LOCAL
from crawlers.runner import crawl_in_subprocess


def test_saved_lists_threads_and_letters_of_every_html_platform(fixture_servers, tmp_path):
    base = fixture_servers.base
    saved = {
        "bbs-list.html": f"{base}/bbs18030/forum.php?mod=forumdisplay&fid=2",
        "thread-3007-1-1.html": f"{base}/bbs18030/forum.php?mod=viewthread&tid=3007",
        "viewthread.html": f"{base}/bbs18030/forum.php?mod=viewthread&tid=3009",  # no tid in the file name
        "tieba-list.html": f"{base}/f?kw=visible",
        "letter.html": f"{base}/hdjlpt/letter/detail?id=1006",
    }
    for name, url in saved.items():
        (tmp_path / name).write_bytes(urllib.request.urlopen(url).read())
    uri = {name: (tmp_path / name).as_uri() for name in saved}
    sources = [
        {"name": "saved-bbs", "platform": "discuz", "start_urls": [uri["bbs-list.html"], uri["thread-3007-1-1.html"],
                                                                   uri["viewthread.html"]]},
        {"name": "saved-tieba", "platform": "tieba", "start_urls": [uri["tieba-list.html"]]},
        {"name": "saved-letter", "platform": "gov-mailbox", "start_urls": [uri["letter.html"]]},
    ]
    for source in sources:
        source["settings"] = LOCAL
    jsonl = tmp_path / "items.jsonl"
    report = crawl_in_subprocess(sources, store_url=f"sqlite:///{tmp_path / 'h.db'}", timeout=120,
                                 settings_overrides={"HUIYING_UNDERSTAND_ENABLED": False, "LOG_LEVEL": "ERROR",
                                                     "HUIYING_JSONL_PATH": str(jsonl)})
    items = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    by = {(i["source"], i["external_id"]): i for i in items if not i["extra"].get("from_list")}
    # A saved thread, with or without its tid in the file name: the whole first page.
    for tid in (3007, 3009):
        thread = by[("saved-bbs", str(tid))]
        assert thread["title"] == discuz.title_of(tid) and thread["body"] and "from_list" not in thread["extra"]
        assert thread["view_count"] >= discuz.views_of(tid)
    # A saved board list: its threads were not saved with it, so each row gives what the list shows.
    rows = [i for i in items if i["source"] == "saved-bbs" and i["extra"].get("from_list")]
    assert len(rows) >= 18 and all(r["title"] and r["reply_count"] is not None for r in rows)
    tieba_rows = [i for i in items if i["source"] == "saved-tieba"]
    assert len(tieba_rows) == 10 and all(r["body"] for r in tieba_rows)  # the list's abstract
    assert {r["external_id"] for r in tieba_rows} == {str(t) for t in tieba.thread_ids()[:10]}
    letter = by[("saved-letter", "GD1006")]  # a saved letter is known by its 留言编号
    assert letter["title"] == gov.text_of(1006)["title"] and letter["replies"][0]["organisation"] == "城关县人民政府办公室"
    assert report["sources"]["saved-letter"]["ok"]
