"""Every setting Huiying reads, declared once as data: name, environment variable, default, help.

Settings are read once at an entry point (the command line, the board) and passed down as
arguments. A test checks that the README documents every setting listed here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
DEFAULT_COUNTY_DIR = PACKAGE_DIR / "county" / "longchuan"
DEFAULT_MODEL_PATH = REPO_DIR / "nlp" / "models" / "domain.skops"


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", "HUIYING_DATA_DIR", "./huiying-data",
            "Folder for the database, crawl state and logs of this installation."),
    Setting("store_url", "HUIYING_STORE_URL", "",
            "Where records live: sqlite:///path/huiying.db (default: huiying.db in the data folder)."),
    Setting("search_url", "HUIYING_SEARCH_URL", "",
            "Where search and the board's counts are answered: empty = the record store itself; "
            "http://host:9200/prefix = Elasticsearch (fed from the record store's outbox; prefix names its indices)."),
    Setting("search_word_analyzer", "HUIYING_SEARCH_WORD_ANALYZER", "whitespace",
            "Elasticsearch analyzer of the word fields: whitespace = words pre-segmented by jieba; "
            "ik_max_word where the IK plugin is installed (the raw text is sent)."),
    Setting("search_cjk_analyzer", "HUIYING_SEARCH_CJK_ANALYZER", "huiying_cjk",
            "Elasticsearch analyzer of the bigram fields that decide what matches (huiying_cjk = built-in cjk "
            "without English stop words)."),
    Setting("search_replicas", "HUIYING_SEARCH_REPLICAS", "0",
            "Replicas of each monthly Elasticsearch index (0 on a single node, 1 on a cluster)."),
    Setting("sources", "HUIYING_SOURCES", "",
            "Sources file (YAML) for `huiying monitor` and `huiying sources` (default: the bundled demo sources)."),
    Setting("county_dir", "HUIYING_COUNTY_DIR", str(DEFAULT_COUNTY_DIR),
            "The county's folder: units.yaml (units and towns), routing.yaml, optional deadlines.yaml."),
    Setting("model_path", "HUIYING_MODEL_PATH", "",
            "The trained domain model (.skops, with its .json metadata and urgency.skops beside it). Default: "
            "the model `huiying nlp retrain` wrote to models/ in the data folder, else the shipped model."),
    Setting("deadline_profile", "HUIYING_DEADLINE_PROFILE", "",
            "Deadline profile YAML (default: deadlines.yaml in the county folder, else the Guangdong profile)."),
    Setting("calendar_weekday_fallback", "HUIYING_CALENDAR_WEEKDAY_FALLBACK", "0",
            "1 = count Monday–Friday for years the official holiday calendar does not cover yet, "
            "marking such deadlines provisional; 0 = refuse with a clear error."),
    Setting("board_port", "HUIYING_BOARD_PORT", "8501", "Port of the board on 127.0.0.1."),
    Setting("demo_interval", "HUIYING_DEMO_INTERVAL", "20", "Seconds between crawl cycles in `huiying demo`."),
    Setting("demo_password", "HUIYING_DEMO_PASSWORD", "huiying-demo",
            "Password of the demo accounts that `huiying demo` creates (demo only; real accounts get their own)."),
)


@dataclass(frozen=True)
class Config:
    """The resolved settings of one run."""

    data_dir: Path
    store_url: str
    search_url: str
    search_word_analyzer: str
    search_cjk_analyzer: str
    search_replicas: int
    county_dir: Path
    model_path: Path
    deadline_profile: Path | None
    calendar_weekday_fallback: bool
    board_port: int
    demo_interval: float
    demo_password: str

    def search_options(self) -> dict[str, object]:
        """What ``index.store.open_search`` needs besides the URL (used only for Elasticsearch)."""
        return {"word_analyzer": self.search_word_analyzer, "cjk_analyzer": self.search_cjk_analyzer,
                "replicas": self.search_replicas}

    def env(self) -> dict[str, str]:
        """The same configuration as environment variables, for child processes (board, crawler)."""
        return {
            "HUIYING_DATA_DIR": str(self.data_dir),
            "HUIYING_STORE_URL": self.store_url,
            "HUIYING_SEARCH_URL": self.search_url,
            "HUIYING_SEARCH_WORD_ANALYZER": self.search_word_analyzer,
            "HUIYING_SEARCH_CJK_ANALYZER": self.search_cjk_analyzer,
            "HUIYING_SEARCH_REPLICAS": str(self.search_replicas),
            "HUIYING_COUNTY_DIR": str(self.county_dir),
            "HUIYING_MODEL_PATH": str(self.model_path),
            "HUIYING_DEADLINE_PROFILE": str(self.deadline_profile or ""),
            "HUIYING_CALENDAR_WEEKDAY_FALLBACK": "1" if self.calendar_weekday_fallback else "0",
            "HUIYING_BOARD_PORT": str(self.board_port),
            "HUIYING_DEMO_INTERVAL": str(self.demo_interval),
            "HUIYING_DEMO_PASSWORD": self.demo_password,
        }


def _model_path(given: str, data_dir: Path) -> Path:
    """The configured model; else the installation's retrained one (officers' corrections); else the shipped one."""
    if given:
        return Path(given).expanduser().resolve()
    retrained = data_dir / "models" / DEFAULT_MODEL_PATH.name
    return retrained if retrained.is_file() else DEFAULT_MODEL_PATH


def load_config(overrides: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Resolve settings: explicit overrides (command-line flags) > environment > defaults."""
    environ = os.environ if environ is None else environ
    overrides = {k: v for k, v in (overrides or {}).items() if v not in (None, "")}
    raw = {s.name: str(overrides.get(s.name, environ.get(s.env, s.default))) for s in SETTINGS}
    data_dir = Path(raw["data_dir"]).expanduser().resolve()
    store_url = raw["store_url"] or f"sqlite:///{data_dir / 'huiying.db'}"
    county_dir = Path(raw["county_dir"]).expanduser().resolve()
    profile = Path(raw["deadline_profile"]).expanduser() if raw["deadline_profile"] else None
    if profile is None and (county_dir / "deadlines.yaml").exists():
        profile = county_dir / "deadlines.yaml"
    return Config(
        data_dir=data_dir,
        store_url=store_url,
        search_url=raw["search_url"] or store_url,
        search_word_analyzer=raw["search_word_analyzer"],
        search_cjk_analyzer=raw["search_cjk_analyzer"],
        search_replicas=int(raw["search_replicas"]),
        county_dir=county_dir,
        model_path=_model_path(raw["model_path"], data_dir),
        deadline_profile=profile,
        calendar_weekday_fallback=raw["calendar_weekday_fallback"].strip().lower() in ("1", "true", "yes", "on"),
        board_port=int(raw["board_port"]),
        demo_interval=float(raw["demo_interval"]),
        demo_password=raw["demo_password"],
    )
