"""Reading a county's folder: its units and towns (``units.yaml``), checked on load.

The file is parsed and validated once, by ``nlp.units.UnitDirectory`` (routing needs it too);
here it becomes the storage layer's ``Unit`` records that the board and the case loop use.
"""

from __future__ import annotations

from pathlib import Path

from index.records import Unit
from nlp.units import UnitDirectory


def load_units(county_dir: Path) -> list[Unit]:
    """The county's units in file order; a missing or invalid file raises ``nlp.errors.ConfigError``."""
    directory = UnitDirectory.load(county_dir / "units.yaml")
    return [Unit(id=u.id, name=u.name, role=u.role, note=u.note) for u in directory.units]


def county_name(county_dir: Path) -> str:
    return UnitDirectory.load(county_dir / "units.yaml").county
