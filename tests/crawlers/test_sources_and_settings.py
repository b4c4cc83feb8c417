"""Source configs fail before any request; settings are declared as data and documented."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawlers.errors import SourceConfigError, UnknownPlatform
from crawlers.runner import crawl_in_subprocess, validate_sources
from crawlers.settings import HUIYING_SETTINGS, USER_AGENT, build_settings
from crawlers.sources import SourceConfig

README = Path(__file__).resolve().parents[2] / "crawlers" / "README.md"
GOOD = {"name": "county-bbs", "platform": "discuz", "start_urls": ["http://127.0.0.1:1/bbs/forum.php"]}


def test_a_source_round_trips_with_its_platform_options():
    config = SourceConfig.from_dict({**GOOD, "encoding": "gbk", "max_thread_pages": 3})
    assert config.encoding == "gbk" and config.option("max_thread_pages") == 3
    assert SourceConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "Bad Name"}, "name"),
        ({"platform": ""}, "platform"),
        ({"start_urls": []}, "start_urls"),
        ({"start_urls": "http://x/"}, "start_urls"),
        ({"start_urls": ["ftp://x/"]}, "http"),
        ({"max_pages": 0}, "max_pages"),
        ({"encoding": "klingon"}, "encoding"),
        ({"settings": {"download_delay": 1}}, "settings"),
    ],
)
def test_bad_source_configs_are_refused_with_the_reason(change, message):
    with pytest.raises(SourceConfigError, match=message):
        SourceConfig.from_dict({**GOOD, **change})


def test_unknown_platforms_and_duplicate_names_are_refused_before_crawling():
    with pytest.raises(UnknownPlatform, match="discuz"):
        validate_sources([{**GOOD, "platform": "myspace"}])
    with pytest.raises(SourceConfigError, match="unique"):
        validate_sources([GOOD, GOOD])
    with pytest.raises(UnknownPlatform):
        crawl_in_subprocess([{**GOOD, "platform": "myspace"}], store_url="sqlite:///:memory:")


def test_every_huiying_setting_is_documented_in_the_crawlers_readme():
    text = README.read_text(encoding="utf-8")
    missing = [s.name for s in HUIYING_SETTINGS if f"`{s.name}`" not in text]
    assert not missing, f"crawlers/README.md does not document {missing}"


def test_defaults_are_polite_and_overrides_win():
    settings = build_settings({"DOWNLOAD_DELAY": 0})
    assert settings.getbool("ROBOTSTXT_OBEY") and settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2
    assert {429, 503, 521} <= set(settings.getlist("RETRY_HTTP_CODES"))
    assert settings["USER_AGENT"] == USER_AGENT and "Huiying/0.1" in USER_AGENT
    assert settings.getint("HUIYING_MAX_BODY_CHARS") == 200_000
    assert settings.getfloat("DOWNLOAD_DELAY") == 0
    order = settings.getdict("ITEM_PIPELINES")
    assert sorted(order, key=order.get) == [
        "crawlers.pipelines.CleanPipeline", "crawlers.pipelines.HashPipeline",
        "crawlers.pipelines.UnderstandPipeline", "crawlers.pipelines.StorePipeline",
    ]
    with_lines = build_settings({"HUIYING_JSONL_PATH": "/tmp/items.jsonl"}).getdict("ITEM_PIPELINES")
    assert with_lines["crawlers.pipelines.JsonLinesPipeline"] == 500 and len(with_lines) == 5


def test_the_run_module_reports_bad_configuration_as_json_and_exit_code_2():
    config = {"sources": [{**GOOD, "name": "BAD NAME"}], "store_url": "sqlite:///:memory:"}
    run = subprocess.run([sys.executable, "-m", "crawlers.run", "--json", json.dumps(config)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["ok"] is False and "name" in report["error"]
