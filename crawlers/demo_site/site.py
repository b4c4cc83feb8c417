"""What the demo site shows right now: gradual release of messages and their displayed times.

A live demo needs new items to arrive while people watch, and tests need a site that does not
change under them. Both are served by one object: ``start_visible`` messages are visible at
start (None = all), ``release_batch`` more every ``release_every`` seconds (0 = never by itself),
and ``release(n)`` publishes more on demand (what tests use). The defaults suit a live demo.

With ``rebase_times`` (the default) the sample's 2011–2020 dates are shifted so that the newest
message visible at start was posted five minutes before the server started, and every later
message is dated at the moment it is first published (by the timer or by hand); official replies appear once their (real) delay
has passed. Without it the original dates are shown, which tests may prefer.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from crawlers.demo_site.catalog import DemoMessage, build_catalog
from index.records import CST

DEFAULT_START_VISIBLE = 320
"""Visible at start: most of the sample; the rest (including the urgent posts) arrive over time."""
DEFAULT_RELEASE_EVERY = 20.0
DEFAULT_RELEASE_BATCH = 2


class DemoSite:
    """The state behind the demo HTTP server: which messages are out, and when they were posted."""

    def __init__(
        self,
        start_visible: int | None = DEFAULT_START_VISIBLE,
        release_every: float = DEFAULT_RELEASE_EVERY,
        release_batch: int = DEFAULT_RELEASE_BATCH,
        *,
        rebase_times: bool = True,
        clock: Callable[[], float] = time.time,
        catalog: tuple[DemoMessage, ...] | None = None,
    ) -> None:
        self.catalog = catalog if catalog is not None else build_catalog()
        total = len(self.catalog)
        self.start_visible = total if start_visible is None else max(0, min(start_visible, total))
        self.release_every = max(0.0, float(release_every))
        self.release_batch = max(1, int(release_batch))
        self.rebase_times = rebase_times
        self._clock = clock
        self.started_at = clock()
        self._manual = 0
        self._lock = threading.Lock()
        self._published_at: dict[int, datetime] = {}
        """When each message released after start was first published (its displayed post time)."""
        self.hits: Counter[str] = Counter()
        """Requests served per route name, so tests can check what a crawler asked for."""
        self._shift = self._compute_shift()

    # -- release ---------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The site's clock in CST, to the second (pages never show fractions)."""
        return datetime.fromtimestamp(int(self._clock()), CST)

    def visible_count(self) -> int:
        """How many messages (in release order) are published now."""
        timed = 0
        if self.release_every > 0:
            timed = int((self._clock() - self.started_at) // self.release_every) * self.release_batch
        with self._lock:
            manual = self._manual
            count = min(len(self.catalog), self.start_visible + timed + manual)
            if count > self.start_visible and (count - 1) not in self._published_at:
                moment = self.now()
                for index in range(self.start_visible, count):
                    self._published_at.setdefault(index, moment)
        return count

    def release(self, count: int = 1) -> int:
        """Publish ``count`` more messages now; returns how many are visible afterwards."""
        with self._lock:
            self._manual += max(0, count)
        return self.visible_count()

    def visible(self, channel: str | None = None) -> list[DemoMessage]:
        """Published messages of one channel (or all), in release order."""
        shown = self.catalog[: self.visible_count()]
        return [m for m in shown if channel is None or m.channel == channel]

    def count_hit(self, route: str) -> None:
        with self._lock:
            self.hits[route] += 1

    # -- displayed times -------------------------------------------------------------------------

    def _compute_shift(self) -> timedelta:
        if not self.rebase_times or not self.catalog:
            return timedelta(0)
        last_visible = self.catalog[max(self.start_visible, 1) - 1]
        anchor = datetime.fromtimestamp(int(self.started_at), CST) - timedelta(minutes=5)
        return anchor - last_visible.original_posted

    def posted_at(self, message: DemoMessage) -> datetime:
        """The time the site says the message was posted (timezone-aware, +08:00)."""
        if "recent_hours" in message.extra:  # a thread that must look recent whatever the dates
            return datetime.fromtimestamp(int(self.started_at), CST) - timedelta(hours=message.extra["recent_hours"])
        shifted = (message.original_posted + self._shift).astimezone(CST)
        if not self.rebase_times or message.release_index < self.start_visible:
            return shifted
        with self._lock:
            published = self._published_at.get(message.release_index)
        return min(shifted, published or self.now())

    def reply_visible(self, message: DemoMessage) -> bool:
        return message.reply is not None and self.posted_at(message) + message.reply.delay <= self.now()

    def reply_time(self, message: DemoMessage) -> datetime | None:
        if message.reply is None:
            return None
        return self.posted_at(message) + message.reply.delay

    def find(self, channel: str, tid: int) -> DemoMessage | None:
        """A published message of ``channel`` with this id, or None (deleted or not yet out)."""
        for message in self.visible(channel):
            if message.tid == tid:
                return message
        return None
