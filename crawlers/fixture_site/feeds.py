"""RSS and Atom feeds as old CMSs serve them (crawl-sources.md §5.1).

``utf8.xml``: RSS 2.0, CDATA HTML, RFC 822 dates (one ending in ``CST``, meaning +08:00), ETag and
Last-Modified — a repeat request with either answers 304. ``gb2312.xml``: ``encoding="gb2312"`` only
in the XML prolog (the header says ``text/xml``), with 堃 and 镕 (outside GB2312), non-RFC dates,
relative links, items without ``guid``, one without a link either, one without a date.
``atom.xml``: Atom 1.0 with ``xml:base``. ``broken.xml``: a bare ``&`` and ``&nbsp;``, invalid XML.
``polls.xml``: each request adds one entry to the same ones (their guids repeat across polls),
and one guid appears twice in the same feed.
"""

from __future__ import annotations

from crawlers.fixture_site.server import FixtureSite, Reply, Request
from crawlers.fixture_site.texts import item_text, posted

ETAG = '"feed-v1"'
LAST_MODIFIED = "Wed, 01 May 2024 02:00:00 GMT"


def _rfc822(number: int, zone: str = "+0800") -> str:
    return posted(number).strftime("%a, %d %b %Y %H:%M:%S ") + zone


def utf8(site: FixtureSite, request: Request) -> Reply:
    site.hit("feeds:utf8")
    if request.headers.get("If-None-Match") == ETAG or request.headers.get("If-Modified-Since") == LAST_MODIFIED:
        site.hit("feeds:utf8:304")
        return Reply(status=304, headers=[("ETag", ETAG)])
    items = "".join(f"""<item><title>{_x(item_text("feeds", 0 + i)['title'])}</title><link>http://127.0.0.1/news/u{i}.html</link>
<guid isPermaLink="false">utf8-{i}</guid><pubDate>{_rfc822(700 + i, 'CST' if i == 2 else '+0800')}</pubDate>
<description><![CDATA[<p>{item_text("feeds", 0 + i)['body']}</p><p><img src="/img/{i}.jpg"/></p>]]></description></item>""" for i in range(5))
    xml = f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>城关新闻</title>
<link>http://127.0.0.1/news/</link><description>城关县新闻</description>{items}</channel></rss>"""
    return Reply(body=xml.encode("utf-8"), content_type="application/rss+xml; charset=utf-8",
                 headers=[("ETag", ETAG), ("Last-Modified", LAST_MODIFIED)])


def _x(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def gb2312(site: FixtureSite, request: Request) -> Reply:
    site.hit("feeds:gb2312")
    items = [
        f"""<item><title>堃城镇关于{_x(item_text("feeds", 20)['title'])}</title><link>/news/g0.html</link>
<pubDate>2024-05-01 10:00:00</pubDate><description><![CDATA[<p>{item_text("feeds", 20)['body']}</p><p>朱镕基路施工公告</p>]]></description></item>""",
        f"""<item><title>{_x(item_text("feeds", 21)['title'])}</title><link>news/g1.html</link>
<pubDate>2024年5月2日 08:30</pubDate><description>{_x('<b>' + item_text("feeds", 21)['body'] + '</b>')}</description></item>""",
        f"""<item><title>{_x(item_text("feeds", 22)['title'])}</title><link>/news/g2.html</link>
<description>没有日期的条目。{_x(item_text("feeds", 22)['body'])}</description></item>""",
        f"""<item><title>{_x(item_text("feeds", 23)['title'])}</title><pubDate>Thu, 02 May 2024 09:00:00 +0800</pubDate>
<description>没有链接也没有guid的条目：{_x(item_text("feeds", 23)['body'])}</description></item>""",
    ]
    xml = f"""<?xml version="1.0" encoding="gb2312"?>\n<rss version="2.0"><channel><title>堃城政务</title>
<link>http://127.0.0.1/gov/</link>{''.join(items)}</channel></rss>"""
    return Reply(body=xml.encode("gb18030"), content_type="text/xml")


def atom(site: FixtureSite, request: Request) -> Reply:
    site.hit("feeds:atom")
    entries = "".join(f"""<entry><id>tag:127.0.0.1,2024:atom-{i}</id><title type="html">{_x('<b>' + item_text("feeds", 40 + i)['title'] + '</b>')}</title>
<link rel="alternate" href="a/{i}.html"/><link rel="edit" href="/edit/{i}"/><updated>2024-05-0{i + 1}T02:00:00Z</updated>
<author><name>城关发布</name></author><content type="html">{_x('<p>' + item_text("feeds", 40 + i)['body'] + '</p>')}</content></entry>""" for i in range(3))
    xml = f"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://127.0.0.1/atom/">
<title>城关发布</title><id>tag:127.0.0.1,2024:feed</id><updated>2024-05-03T02:00:00Z</updated>{entries}</feed>"""
    return Reply(body=xml.encode("utf-8"), content_type="application/atom+xml")


def broken(site: FixtureSite, request: Request) -> Reply:
    site.hit("feeds:broken")
    xml = f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>A&B 县 & 镇</title>
<item><title>供水&供电 公告&nbsp;一</title><link>http://127.0.0.1/b/1.html?a=1&b=2</link><guid>broken-1</guid>
<pubDate>Wed, 01 May 2024 10:00:00 +0800</pubDate><description>{item_text("feeds", 60)['body']} &copy; 城关</description></item>
<item><title>第二条 & 更多</title><link>http://127.0.0.1/b/2.html</link><guid>broken-2</guid>
<description>{item_text("feeds", 61)['body']}</description></item>
</channel></rss>"""
    return Reply(body=xml.encode("utf-8"), content_type="application/rss+xml")


def polls(site: FixtureSite, request: Request) -> Reply:
    count = site.hit("feeds:polls")
    items = [(f"poll-{i}", 780 + i) for i in range(2 + count)]
    items.append(("poll-0", 780))  # the same guid twice in one feed
    body = "".join(f"""<item><title>{_x(item_text("feeds", n - 700)['title'])}</title><link>http://127.0.0.1/p/{guid}.html</link><guid>{guid}</guid>
<pubDate>{_rfc822(n)}</pubDate><description>{_x(item_text("feeds", n - 700)['body'])}</description></item>""" for guid, n in items)
    xml = f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>轮询</title><link>http://127.0.0.1/</link>{body}</channel></rss>"""
    return Reply(body=xml.encode("utf-8"), content_type="application/rss+xml")


ROUTES = [
    ("GET", r"/feeds/utf8\.xml", utf8),
    ("GET", r"/feeds/gb2312\.xml", gb2312),
    ("GET", r"/feeds/atom\.xml", atom),
    ("GET", r"/feeds/broken\.xml", broken),
    ("GET", r"/feeds/polls\.xml", polls),
]
