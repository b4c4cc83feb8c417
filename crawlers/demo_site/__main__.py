"""``python -m crawlers.demo_site --port 8765``: serve the demo site until interrupted."""

from __future__ import annotations

import argparse
import json
import logging
import time

from crawlers.demo_site.server import start_demo_site
from crawlers.demo_site.site import DEFAULT_RELEASE_BATCH, DEFAULT_RELEASE_EVERY, DEFAULT_START_VISIBLE
from crawlers.demo_site.sources import demo_sources


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve Huiying's bundled demo site (Discuz forums + message board).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--start-visible", type=int, default=DEFAULT_START_VISIBLE,
                        help=f"messages visible at start (default {DEFAULT_START_VISIBLE}; the rest arrive over time)")
    parser.add_argument("--release-every", type=float, default=DEFAULT_RELEASE_EVERY,
                        help="seconds between releases of new messages (0 = never)")
    parser.add_argument("--release-batch", type=int, default=DEFAULT_RELEASE_BATCH, help="messages per release")
    parser.add_argument("--original-dates", action="store_true",
                        help="show the sample's original 2011–2020 dates instead of rebasing them to now")
    parser.add_argument("--print-sources", action="store_true", help="print the crawl source configs as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    server, base_url = start_demo_site(
        args.host, args.port, start_visible=args.start_visible, release_every=args.release_every,
        release_batch=args.release_batch, rebase_times=not args.original_dates,
    )
    total = len(server.site.catalog)
    logging.info("demo site at %s (%d of %d messages visible)", base_url, server.site.visible_count(), total)
    if args.print_sources:
        print(json.dumps(demo_sources(base_url), ensure_ascii=False, indent=2), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
