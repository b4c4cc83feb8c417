"""Reading the YAML data files the understanding layer is configured by.

Routing tables, unit lists and rule lexicons are data edited by county staff, so a mistake in
them must be reported with the file and the entry at fault, not as a stack trace from deep
inside a rule. Every loader goes through these two helpers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from nlp.errors import ConfigError

SHIPPED_DATA_DIR = Path(__file__).resolve().parent / "data"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x faster, same result


def read_yaml(path: Path | str, error: type[ConfigError] = ConfigError) -> dict[str, Any]:
    """Parse a YAML mapping; missing files and syntax errors become ``error`` naming the file."""
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except FileNotFoundError as exc:
        raise error(
            path, "file not found; check the path or the county directory (HUIYING_COUNTY_DIR)"
        ) from exc
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise error(path, f"cannot read as UTF-8 YAML ({exc}); fix the file's syntax") from exc
    if not isinstance(data, dict):
        raise error(path, "expected a YAML mapping (key: value) at the top level")
    return data


def string_list(
    value: Any, path: Path | str, where: str, error: type[ConfigError] = ConfigError
) -> tuple[str, ...]:
    """A list of non-empty strings (a single string is accepted as a one-item list)."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) and str(v).strip() for v in value):
        raise error(path, f"{where}: expected a list of words, got {value!r}")
    return tuple(str(v).strip() for v in value)
