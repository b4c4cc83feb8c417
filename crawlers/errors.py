"""Crawler errors. Each says what went wrong and what the operator can do about it.

Items that must not be stored are dropped with subclasses of Scrapy's ``DropItem``, so that
Scrapy counts them per reason (``item_dropped_reasons_count/<ClassName>``) and the crawl report
can say why items were left out.
"""

from __future__ import annotations

from scrapy.exceptions import DropItem


class CrawlerError(Exception):
    """Base class: collecting from sources could not do what was asked."""


class SourceConfigError(CrawlerError):
    """A source configuration is missing a field or has a wrong value."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"source {source!r}: {problem}; fix the source configuration and run again")
        self.source = source
        self.problem = problem


class UnknownPlatform(SourceConfigError):
    """The source names a platform no spider handles."""

    def __init__(self, source: str, platform: str, known: list[str]) -> None:
        super().__init__(source, f"unknown platform {platform!r} (known: {', '.join(sorted(known))})")
        self.platform = platform


class ReactorAlreadyUsed(CrawlerError):
    """Twisted's reactor cannot be restarted, so a process can run ``crawl()`` only once."""

    def __init__(self) -> None:
        super().__init__(
            "this process already ran a crawl and Twisted's reactor cannot restart; "
            "use crawlers.runner.crawl_in_subprocess() for repeated crawls"
        )


class CrawlSubprocessError(CrawlerError):
    """The crawl subprocess failed before it could print its report."""

    def __init__(self, returncode: int, stderr_tail: str) -> None:
        super().__init__(
            f"crawl subprocess exited with code {returncode} without a report; last log lines:\n{stderr_tail}"
        )
        self.returncode = returncode
        self.stderr_tail = stderr_tail


class StoreFailed(CrawlerError):
    """Writing an item to the store failed; the crawl of this source stops so nothing is lost silently."""


class InvalidItem(DropItem):
    """The item lacks what every stored item needs (source, id, URL)."""


class EmptyItem(DropItem):
    """The item has neither a title nor a body: there is nothing to read."""


class SourceFileError(CrawlerError):
    """A sources file cannot be read or one of its sources is wrong."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


class IngestError(CrawlerError):
    """An import file cannot be read at all (not a table, broken, unknown format)."""
