"""What every command shares: the common options, resolving the configuration, JSON output."""

from __future__ import annotations

import argparse
import json
from typing import Any

from huiying.settings import Config, load_config


def print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, default=str))


def config_from(args: argparse.Namespace) -> Config:
    """Flags given on the command line win over the environment, which wins over the defaults."""
    return load_config({
        "data_dir": getattr(args, "data_dir", None),
        "store_url": getattr(args, "store", None),
        "search_url": getattr(args, "index", None),
        "model_path": getattr(args, "model", None),
        "board_port": getattr(args, "port", None),
        "demo_interval": getattr(args, "interval", None),
    })


def common_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", help="data folder (HUIYING_DATA_DIR)")
    p.add_argument("--store", dest="store",
                   help="record store URL, e.g. sqlite:///huiying.db or postgresql://… (HUIYING_STORE_URL)")
    p.add_argument("--index", dest="index",
                   help="search backend URL: http://host:9200/prefix for Elasticsearch; "
                        "default: the record store (HUIYING_SEARCH_URL)")
    p.add_argument("--model", help="domain model .skops file (HUIYING_MODEL_PATH)")
