"""Reading a county's folder: its units and towns (units.yaml), checked on load."""

from __future__ import annotations

from pathlib import Path

import yaml

from index.records import Unit

UNIT_ROLES = {"coordinator", "monitor", "responder", "security", "handler", "town"}


class CountyFileError(ValueError):
    """The county's units file is missing or has an entry that cannot be used."""


def load_units(county_dir: Path) -> list[Unit]:
    path = county_dir / "units.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise CountyFileError(f"{path} not found: set HUIYING_COUNTY_DIR to the county's folder") from exc
    except yaml.YAMLError as exc:
        raise CountyFileError(f"{path} is not valid YAML: {exc}") from exc
    units: list[Unit] = []
    seen: set[str] = set()
    for n, row in enumerate(raw.get("units") or [], start=1):
        if not isinstance(row, dict) or not row.get("id") or not row.get("name"):
            raise CountyFileError(f"{path}: unit #{n} needs an id and a name")
        if row.get("role") not in UNIT_ROLES:
            raise CountyFileError(f"{path}: unit {row['id']} has role {row.get('role')!r}; use one of {sorted(UNIT_ROLES)}")
        if row["id"] in seen:
            raise CountyFileError(f"{path}: unit id {row['id']} appears twice")
        seen.add(row["id"])
        units.append(Unit(id=str(row["id"]), name=str(row["name"]), role=str(row["role"]), note=str(row.get("note") or "")))
    if not units:
        raise CountyFileError(f"{path} lists no units")
    return units


def county_name(county_dir: Path) -> str:
    raw = yaml.safe_load((county_dir / "units.yaml").read_text(encoding="utf-8")) or {}
    return str(raw.get("county", ""))
