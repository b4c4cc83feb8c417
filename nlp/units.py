"""The county's units (bodies that handle items), read from its ``units.yaml``.

Routing names units by id; this module owns reading that list so that the routing table can be
checked against it and town names can be found in text. The file is county data passed in by the
caller (the county directory), never imported configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nlp.datafiles import read_yaml
from nlp.errors import ConfigError

ROLES = frozenset({"coordinator", "monitor", "responder", "security", "handler", "town"})


@dataclass(frozen=True)
class Unit:
    """One body that can lead or co-handle an item."""

    id: str
    name: str
    role: str
    note: str = ""


@dataclass(frozen=True)
class UnitDirectory:
    """All units of one county, by id, in file order."""

    county: str
    units: tuple[Unit, ...]

    @classmethod
    def load(cls, path: Path | str) -> UnitDirectory:
        """Read and check a units file; a duplicate id or unknown role is refused with its position."""
        path = Path(path)
        data = read_yaml(path)
        rows = data.get("units")
        if not isinstance(rows, list) or not rows:
            raise ConfigError(path, "expected a non-empty `units:` list of {id, name, role} entries")
        units: list[Unit] = []
        seen: set[str] = set()
        for number, row in enumerate(rows, start=1):
            if not isinstance(row, dict) or not row.get("id") or not row.get("name"):
                raise ConfigError(path, f"unit #{number} needs both `id` and `name` (got {row!r})")
            unit = Unit(
                id=str(row["id"]),
                name=str(row["name"]),
                role=str(row.get("role", "handler")),
                note=str(row.get("note", "")),
            )
            if unit.id in seen:
                raise ConfigError(
                    path, f"unit id {unit.id!r} appears twice (unit #{number}); ids must be unique"
                )
            if unit.role not in ROLES:
                raise ConfigError(
                    path, f"unit {unit.id!r} has unknown role {unit.role!r}; use one of {sorted(ROLES)}"
                )
            seen.add(unit.id)
            units.append(unit)
        return cls(county=str(data.get("county", "")), units=tuple(units))

    def get(self, unit_id: str) -> Unit | None:
        """The unit with this id, or None."""
        for unit in self.units:
            if unit.id == unit_id:
                return unit
        return None

    def __contains__(self, unit_id: object) -> bool:
        return any(unit.id == unit_id for unit in self.units)

    @property
    def ids(self) -> frozenset[str]:
        """Every known unit id."""
        return frozenset(unit.id for unit in self.units)

    @property
    def towns(self) -> tuple[Unit, ...]:
        """Town governments (属地), whose names locate an item."""
        return tuple(unit for unit in self.units if unit.role == "town")

    def names(self) -> tuple[str, ...]:
        """Unit and county names, for teaching jieba to keep them whole."""
        return tuple(unit.name for unit in self.units) + ((self.county,) if self.county else ())
