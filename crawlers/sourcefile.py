"""Sources files: the YAML a county edits to add a site, checked completely when it is loaded.

::

    version: 1
    variables:                 # optional: ${name} in any string is replaced
      demo: http://127.0.0.1:8765
    defaults:                  # optional: under every source (settings merge key by key)
      interval: 15m
    sources:
      - name: longchuan-bbs    # stored with every item: never rename a live source
        platform: discuz       # liuyan, discuz, tieba, gov-mailbox, rss, generic
        start_urls: [https://bbs.example.cn/forum.php?mod=forumdisplay&fid=2]
        interval: 10m
        max_pages: 3

Everything is checked before any request is sent: common keys (``crawlers.sources``), the
platform's own options (each spider's ``OPTIONS``, with the platform's extra checks such as
compiling the generic spider's selectors), unique names. An error names the file, the source and
the key, and says what to write instead.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from crawlers.errors import SourceConfigError, SourceFileError
from crawlers.sources import COMMON_KEYS, SourceConfig
from crawlers.spiders import SPIDERS, spider_for

DEFAULT_SOURCES_FILE = Path(__file__).with_name("sources.yaml")
"""The bundled default: the demo site's sources, plus commented examples of real sites."""
DEFAULT_VARIABLES = {"demo": "http://127.0.0.1:8765"}
"""``${demo}``: where ``python -m crawlers.demo_site`` serves by default."""
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_TOP_KEYS = ("version", "variables", "defaults", "sources")


def check_source(config: SourceConfig) -> SourceConfig:
    """Check a source's platform and platform options (the common keys were checked on parsing)."""
    spider = spider_for(config)
    known = dict(spider.OPTIONS)
    for key, value in config.options.items():
        option = known.get(key)
        if option is None:
            allowed = sorted([*COMMON_KEYS, *known])
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise SourceConfigError(
                config.name, f"unknown key {key!r} for platform {config.platform}{hint} "
                f"(allowed: {', '.join(allowed)})")
        option.check(config.name, key, value)
    spider.check_source(config)
    return config


def check_sources(sources: Iterable[Mapping[str, Any] | SourceConfig]) -> list[SourceConfig]:
    """Parse and check every source; names must be unique."""
    configs = [check_source(SourceConfig.from_dict(s)) for s in sources]
    seen: set[str] = set()
    for config in configs:
        if config.name in seen:
            raise SourceConfigError(config.name, "two sources have this name; names identify stored items and must be unique")
        seen.add(config.name)
    return configs


def _substitute(value: Any, variables: Mapping[str, str], where: str) -> Any:
    if isinstance(value, str):
        def replace(found: re.Match[str]) -> str:
            name = found.group(1)
            if name not in variables:
                raise SourceFileError(where, f"unknown variable ${{{name}}} (defined: {', '.join(sorted(variables)) or 'none'})")
            return str(variables[name])
        return _VARIABLE.sub(replace, value)
    if isinstance(value, list):
        return [_substitute(v, variables, where) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, variables, where) for k, v in value.items()}
    return value


def _merged(defaults: Mapping[str, Any], source: Mapping[str, Any]) -> dict[str, Any]:
    out = {**defaults, **source}
    if isinstance(defaults.get("settings"), Mapping) and isinstance(source.get("settings"), Mapping):
        out["settings"] = {**defaults["settings"], **source["settings"]}
    return out


def parse_sources(data: Any, where: str = "sources", variables: Mapping[str, str] | None = None) -> list[SourceConfig]:
    """Sources from the parsed YAML document (see the module docstring)."""
    if isinstance(data, list):  # a bare list of sources is accepted too
        data = {"sources": data}
    if not isinstance(data, Mapping):
        raise SourceFileError(where, "expected a mapping with a 'sources:' list")
    unknown = [k for k in data if k not in _TOP_KEYS]
    if unknown:
        raise SourceFileError(where, f"unknown top-level key(s) {', '.join(map(str, unknown))} (allowed: {', '.join(_TOP_KEYS)})")
    if data.get("version", 1) != 1:
        raise SourceFileError(where, f"version {data.get('version')!r} is not supported (write version: 1)")
    file_variables = data.get("variables") or {}
    defaults = data.get("defaults") or {}
    if not isinstance(file_variables, Mapping) or not isinstance(defaults, Mapping):
        raise SourceFileError(where, "variables and defaults must be mappings")
    merged_variables = {**DEFAULT_VARIABLES, **{str(k): str(v) for k, v in file_variables.items()}, **(variables or {})}
    rows = data.get("sources")
    if not isinstance(rows, list):
        raise SourceFileError(where, "'sources:' must be a list of sources (each starting with '- name: ...')")
    configs = []
    for index, row in enumerate(rows):
        label = f"{where}: sources[{index}]"
        if not isinstance(row, Mapping):
            raise SourceFileError(label, "each source must be a mapping (name, platform, start_urls, ...)")
        label = f"{label} ({row.get('name', '?')})"
        try:
            configs.append(SourceConfig.from_dict(_substitute(_merged(defaults, row), merged_variables, label)))
        except SourceConfigError as exc:
            raise SourceFileError(label, exc.problem) from exc
    try:
        return check_sources(configs)
    except SourceConfigError as exc:
        raise SourceFileError(where, str(exc)) from exc


def load_sources(path: str | Path | None = None, variables: Mapping[str, str] | None = None) -> list[SourceConfig]:
    """Read and check a sources file (the bundled default when ``path`` is None)."""
    file = Path(path) if path is not None else DEFAULT_SOURCES_FILE
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceFileError(str(file), "file not found; copy crawlers/sources.yaml and edit it") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceFileError(str(file), f"cannot be read as UTF-8 text: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SourceFileError(str(file), f"not valid YAML: {exc}") from exc
    return parse_sources(data, str(file), variables)


def platforms() -> dict[str, dict[str, str]]:
    """Each platform's options and their help, for documentation and ``huiying sources``."""
    return {name: {key: option.help for key, option in spider.OPTIONS.items()} for name, spider in SPIDERS.items()}
