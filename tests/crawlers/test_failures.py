"""The failures of crawl-sources.md §6 against the fixture site: each handled, counted and reported."""

from __future__ import annotations

from crawlers.fixture_site import county


def test_good_pages_are_stored_and_bad_ones_are_counted_without_stopping_the_run(fixture_crawl):
    report = fixture_crawl.source("fx-errors")
    assert report["ok"] and report["finish_reason"] == "finished"
    extracted = fixture_crawl.extracted("fx-errors")
    assert set(extracted) == {*county.STORED_CASES, "dup"}
    errors = report["errors"]
    assert errors["http_status"] == {"404": 1}  # a plain 404: no retry
    failed = errors["requests_failed"]
    assert failed["ResponseDataLossError"] == 1  # Content-Length larger than the body
    assert failed["BadGzipFile"] == 1  # "gzip" that is not
    assert failed["IgnoreRequest"] == 1  # robots.txt forbids /errors/private/: never requested
    assert report["gates"] == {"login": 1, "missing": 1}  # HTTP 200 pages without content
    hits = fixture_crawl.site.hits
    assert hits["errors:private"] == 0
    assert hits["errors:flaky"] == 3 and hits["errors:truncated"] == 3
    assert hits["errors:loop"] + hits["errors:loop-b"] <= 6  # the redirect loop ends


def test_a_page_slower_than_the_timeout_and_a_slow_drip_are_given_up_after_bounded_retries(fixture_crawl):
    report = fixture_crawl.source("fx-slow")
    assert report["ok"] and report["items_scraped"] == 0
    assert report["errors"]["requests_failed"] == {"DownloadTimeoutError": 2}
    assert fixture_crawl.site.hits["errors:timeout"] == 3 and fixture_crawl.site.hits["errors:drip"] == 3
    assert report["elapsed_s"] < 20  # no hang: three tries of one second each, with short pauses
    assert fixture_crawl.health("fx-slow")["errors"]["timeout"] >= 2


def test_retry_after_is_honoured(fixture_crawl):
    times = fixture_crawl.site.times
    for case in ("retryafter", "ratelimit"):
        first, second = times[f"errors:{case}"][:2]
        assert second - first >= 0.95, case  # the site said "Retry-After: 1"
    stats = fixture_crawl.source("fx-errors")["stats"]
    assert stats["huiying/retry_after/seen"] == 2 and stats["huiying/retry/longest_wait_s"] >= 1


def test_reposts_gbk_without_or_with_a_wrong_header_and_a_5_mb_page(fixture_crawl):
    report = fixture_crawl.source("fx-errors")
    extracted = fixture_crawl.extracted("fx-errors")
    assert extracted["dup"]["content_hash"] == extracted["ok1"]["content_hash"]
    assert {"ok1", "dup"} <= fixture_crawl.ids("fx-errors") and report["items_duplicate"] == 1
    assert extracted["gbkmeta"]["title"] == extracted["gbkmeta"]["title"].strip() and "�" not in extracted["gbkmeta"]["body"]
    assert "�" not in extracted["gbkwrong"]["body"] and report["stats"]["huiying/decode/gb18030"] == 2
    assert report["items_truncated"] == 1 and extracted["huge"]["body"].endswith("字〕")


def test_a_javascript_challenge_and_repeated_403s_are_blocks_not_errors_to_retry(fixture_crawl):
    challenge = fixture_crawl.source("fx-waf-521")
    assert challenge["finish_reason"] == "blocked" and challenge["stats"]["huiying/blocked_kind"] == "waf_challenge"
    assert fixture_crawl.site.hits["waf:521"] == 1  # not retried: a challenge is not "solved" by asking again
    forbidden = fixture_crawl.source("fx-waf-403")
    assert forbidden["finish_reason"] == "blocked" and forbidden["stats"]["huiying/blocked_kind"] == "waf_403"
    assert fixture_crawl.site.hits["waf:403"] <= 1 + 3 + 16  # the list, three 403s, what was already in flight


def test_source_health_has_the_documented_shape(fixture_crawl):
    keys = {"schema", "source", "platform", "title", "enabled", "start_urls", "interval_s", "status", "last_run_at",
            "last_finished_at", "last_duration_s", "last_finish_reason", "last_run_ok", "last_success_at", "items_found",
            "items_new", "items_updated", "items_duplicate", "items_dropped", "items_total_new", "pages", "errors",
            "consecutive_failures", "blocked_since", "blocked_kind", "blocked_url", "backoff_until", "next_run_at", "runs"}
    for name in fixture_crawl.sources:
        health = fixture_crawl.health(name)
        assert set(health) == keys, name
        assert health["runs"] == 1 and health["last_run_at"].endswith("+08:00")
    ok = fixture_crawl.health("fx-generic")
    assert ok["status"] == "ok" and ok["last_success_at"] == ok["last_finished_at"] and ok["items_found"] == 20
    errors = fixture_crawl.health("fx-errors")
    assert errors["status"] == "warning" and errors["last_run_ok"] is True
    assert {"http_404", "dataloss", "gate_login", "gate_missing", "robots_forbidden"} <= set(errors["errors"])
    assert fixture_crawl.health("fx-waf-521")["consecutive_failures"] == 1
