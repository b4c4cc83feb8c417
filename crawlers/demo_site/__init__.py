"""The bundled demo site: a Discuz! forum (UTF-8 and GBK) and a 领导留言板-like board on 127.0.0.1.

A county can see Huiying work before connecting any real source, and the crawler tests run
against the same pages. Content: real messages sampled from the Teddy Cup 2020 problem C data
plus a few posts marked synthetic (see README.md).
"""

from __future__ import annotations

from crawlers.demo_site.server import DemoServer, start_demo_site
from crawlers.demo_site.site import DemoSite
from crawlers.demo_site.sources import demo_sources

__all__ = ["DemoServer", "DemoSite", "demo_sources", "start_demo_site"]
