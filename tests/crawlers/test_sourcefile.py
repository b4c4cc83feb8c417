"""Sources files: a new site of a known platform is configuration, checked completely on load."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from crawlers.demo_site import demo_sources
from crawlers.errors import SourceFileError
from crawlers.sourcefile import DEFAULT_SOURCES_FILE, load_sources, parse_sources, platforms
from crawlers.sources import SourceConfig, parse_duration


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_bundled_default_is_the_demo_sources_and_its_examples_are_valid_when_uncommented():
    loaded = load_sources(variables={"demo": "http://127.0.0.1:9999"})
    expected = [SourceConfig.from_dict(s) for s in demo_sources("http://127.0.0.1:9999")]
    assert [(c.name, c.platform, c.start_urls, c.max_pages) for c in loaded] == \
        [(c.name, c.platform, c.start_urls, c.max_pages) for c in expected]
    assert all(c.interval_s == 120 for c in loaded)
    # The commented real examples, uncommented, are valid sources too.
    lines = DEFAULT_SOURCES_FILE.read_text(encoding="utf-8").splitlines()
    block = "\n".join(line[4:] for line in lines if line.startswith(("  # - ", "  #   ")))
    real = parse_sources({"sources": yaml.safe_load(block)}, "examples")
    assert {c.platform for c in real} == {"liuyan", "discuz", "tieba", "gov-mailbox", "rss", "generic"}


def test_defaults_variables_intervals_and_limits(tmp_path):
    path = write(tmp_path, """
version: 1
variables: {site: "http://127.0.0.1:8000"}
defaults:
  interval: 30m
  settings: {DOWNLOAD_DELAY: 3}
sources:
  - name: county-bbs
    platform: discuz
    start_urls: ["${site}/forum.php?mod=forumdisplay&fid=2"]
    interval: 90s
    max_items: 200
    max_seconds: 10m
    settings: {CONCURRENT_REQUESTS_PER_DOMAIN: 1}
  - name: county-feed
    platform: rss
    enabled: false
    start_urls: ["${site}/rss.xml"]
""")
    bbs, feed = load_sources(path)
    assert bbs.start_urls == ("http://127.0.0.1:8000/forum.php?mod=forumdisplay&fid=2",)
    assert bbs.interval_s == 90 and feed.interval_s == 1800 and feed.enabled is False
    assert bbs.settings == {"DOWNLOAD_DELAY": 3, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}
    assert bbs.crawl_settings()["CLOSESPIDER_ITEMCOUNT"] == 200 and bbs.crawl_settings()["CLOSESPIDER_TIMEOUT"] == 600
    assert parse_duration("2h") == 7200 and parse_duration(45) == 45


@pytest.mark.parametrize(("text", "message"), [
    ("sources: {name: x}", "must be a list"),
    ("- name: a\n  platform: discuz\n  start_urls: [http://x/]\n  max_thread_page: 3", "did you mean 'max_thread_pages'"),
    ("- name: a\n  platform: discuz\n  start_urls: [http://x/]\n  max_thread_pages: three", "whole number"),
    ("- name: a\n  platform: weibo\n  start_urls: [http://x/]", "unknown platform 'weibo'"),
    ("- name: a\n  platform: rss\n  start_urls: [http://x/]\n  interval: soon", "interval 'soon'"),
    ("- name: a\n  platform: rss\n  start_urls: [\"${nowhere}/x\"]", "unknown variable ${nowhere}"),
    ("- name: a\n  platform: rss\n  start_urls: [http://x/]\n- name: a\n  platform: rss\n  start_urls: [http://y/]", "unique"),
    ("- name: a\n  platform: liuyan\n  start_urls: [http://x/]\n  api: v2", "api must be auto, legacy or v1"),
    ("- name: a\n  platform: gov-mailbox\n  start_urls: [http://x/]\n  detail_url: /letter", "{id}"),
    ("sources:\n  - name: a\n    platform: rss\n    start_urls: [http://x/]\nextra: 1", "unknown top-level key"),
    ("sources: [\n", "not valid YAML"),
])
def test_mistakes_name_the_file_the_source_and_the_key(tmp_path, text, message):
    with pytest.raises(SourceFileError, match=__import__("re").escape(message)) as raised:
        load_sources(write(tmp_path, text))
    assert str(tmp_path / "sources.yaml") in str(raised.value)


def test_a_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(SourceFileError, match="copy crawlers/sources.yaml"):
        load_sources(tmp_path / "nope.yaml")


def test_every_platform_documents_its_options_in_the_readme():
    readme = (Path(__file__).resolve().parents[2] / "crawlers" / "README.md").read_text(encoding="utf-8")
    for platform, options in platforms().items():
        assert f"`{platform}`" in readme, platform
        missing = [o for o in options if f"`{o}`" not in readme]
        assert not missing, f"{platform}: {missing} not in crawlers/README.md"


def test_the_sources_command_checks_and_lists_a_file(tmp_path):
    import json
    import subprocess
    import sys

    path = write(tmp_path, "- {name: a, platform: rss, start_urls: ['http://x/feed'], interval: 5m}\n")
    done = subprocess.run([sys.executable, "-m", "huiying.cli", "sources", "--sources", str(path), "--json"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"name": "a", "platform": "rss", "start_urls": ["http://x/feed"], "interval": 300.0}]
    bad = write(tmp_path, "- {name: a, platform: rss, start_urls: ['http://x/feed'], intervall: 5m}\n")
    done = subprocess.run([sys.executable, "-m", "huiying.cli", "sources", "--sources", str(bad)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "did you mean 'interval'" in done.stderr and "Traceback" not in done.stderr
