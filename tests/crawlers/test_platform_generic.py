"""The generic list/detail spider: selectors from the source, checked on load; robots.txt 404 and 500."""

from __future__ import annotations

import pytest

from crawlers.errors import SourceConfigError
from crawlers.fixture_site.texts import item_text, posted
from crawlers.sourcefile import check_sources
from nlp.normalize import normalize_text


def test_a_county_site_read_with_the_selectors_of_its_source(fixture_crawl):
    report = fixture_crawl.source("fx-generic")
    assert report["ok"], report["errors"]
    extracted = fixture_crawl.extracted("fx-generic")
    assert set(extracted) == {f"post_{n}" for n in range(300, 320)}
    for number in range(300, 320):
        item = extracted[f"post_{number}"]
        text = item_text("news", number - 300)
        assert item["title"] == normalize_text(text["title"]) and item["body"] == normalize_text(text["body"])
        assert item["view_count"] == len(text["title"]) * 7
        if number % 5:
            assert item["posted_at"] == posted(number).isoformat()
        else:  # "昨天 08:18": resolved against the crawl's clock
            assert item["posted_at"].endswith("T08:18:00+08:00")
        assert len(item["replies"]) == (1 if number % 2 == 0 else 0)
        if item["replies"]:
            assert item["replies"][0]["organisation"] == "城关县教育局"
            assert item["replies"][0]["posted_at"] == posted(number + 1).isoformat()


def test_robots_404_allows_everything_and_robots_500_forbids_everything(fixture_crawl):
    allowed = fixture_crawl.source("fx-robots404")
    assert allowed["ok"] and allowed["items_scraped"] == 10
    refused = fixture_crawl.source("fx-robots500")
    assert refused["items_scraped"] == 0 and refused["pages"] <= 1
    assert refused["stats"]["huiying/robots/unavailable"] == 1 and refused["stats"]["huiying/robots/forbidden"] == 1
    assert fixture_crawl.health("fx-robots500")["errors"]["robots_unavailable"] == 1


@pytest.mark.parametrize(("change", "message"), [
    ({"list": {"item": "ul > li["}}, "list.item"),
    ({"list": {"item": "li", "colour": "x"}}, "list.colour"),
    ({"detail": {"body": "xpath://div[@class="}}, "detail.body"),
    ({"detail": {"title": "h1"}}, "detail needs body"),
    ({"list": {}}, "list"),
    ({"detail": {"body": "div", "gone": "deleted"}}, "detail.gone"),
])
def test_a_wrong_selector_fails_when_the_sources_are_loaded(change, message):
    source = {"name": "county", "platform": "generic", "start_urls": ["http://127.0.0.1:1/list.html"],
              "list": {"item": "li"}, "detail": {"body": "div.content"}, **change}
    with pytest.raises(SourceConfigError, match=message.replace(".", r"\.")):
        check_sources([source])
