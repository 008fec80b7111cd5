"""Mapping files: which vendor tag is which greenmet tag, in which unit, range and furnace.

A plant historian or OPC UA server names its points after its own conventions (``FI1021.PV``,
``ns=2;s=BF1.HotBlast.Flow``) and in its own units (``km3/h``, ``degF``, ``MPa``). The mapping
file says, once per vendor tag, which greenmet glossary tag it is, the unit it arrives in (converted
with :mod:`greenmet.units` to the tag's glossary unit from the tag catalogue), the plausible range,
the site and furnace, and an optional linear ``scale``/``offset`` applied before the unit
conversion (raw counts to engineering units)::

    glossary_value = convert(raw * scale + offset, unit -> glossary unit)

YAML::

    site: demo                  # default of every row
    furnace: bf1                # default of every row
    time_zone: Asia/Shanghai    # of naive timestamps in file exports (optional)
    tags:
      - {vendor_tag: FI1021.PV, tag: blast_volume, unit: "km3/h", low: 0, high: 600}
      - {vendor_tag: TI1030.PV, tag: blast_temperature, unit: degC}

CSV (one row per vendor tag; ``site`` and ``furnace`` may be given as defaults instead)::

    vendor_tag,tag,unit,low,high,site,furnace,scale,offset

``low``/``high`` are in the row's ``unit``; left empty they default to the catalogue's range.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
import zoneinfo
from collections.abc import Iterable, Iterator
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from greenmet.errors import FileFormatError, InputError, Location, UnitError, UnknownKeyError
from greenmet.units import convert

__all__ = [
    "HEALTH_TAGS",
    "MAPPING_COLUMNS",
    "MappingRow",
    "TagMap",
    "TagSpec",
    "catalogue_from",
    "check_time_zone",
    "load_catalogue",
    "load_mapping",
    "mapping_template",
]

MAPPING_COLUMNS = ("vendor_tag", "tag", "unit", "low", "high", "site", "furnace", "scale", "offset")
"""Columns of a CSV mapping file (``vendor_tag``, ``tag`` and ``unit`` are required)."""

_TAG_PATTERN = re.compile(r"^[a-z][a-z0-9_.]{0,127}$")
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")


@dataclass(frozen=True)
class TagSpec:
    """What greenmet knows of a glossary tag: its unit and plausible range."""

    tag: str
    unit: str
    low: float | None = None
    high: float | None = None
    description_en: str = ""
    description_zh: str = ""


HEALTH_TAGS: dict[str, TagSpec] = {
    spec.tag: spec for spec in (
        TagSpec("ingest_connected", "dimensionless", 0, 1, "OPC UA ingestion connected (1) or not (0)",
                "OPC UA 采集已连接(1)/未连接(0)"),
        TagSpec("ingest_lag_s", "s", 0, None, "Age of the newest point written, at write time [s]",
                "最新写入点的延迟 [s]"),
        TagSpec("ingest_points_per_s", "1/s", 0, None, "Points written to the historian per second",
                "每秒写入历史库的点数"),
        TagSpec("ingest_reconnects", "dimensionless", 0, None, "Reconnections since the ingestion started",
                "采集启动以来的重连次数"),
        TagSpec("ingest_errors", "dimensionless", 0, None, "Errors since the ingestion started",
                "采集启动以来的错误次数"),
        TagSpec("ingest_queue_points", "dimensionless", 0, None, "Points received and not yet written",
                "已接收未写入的点数"),
        TagSpec("ingest_clock_steps", "dimensionless", 0, None,
                "Source timestamps set back (clock steps) since the ingestion started",
                "采集启动以来数据源时钟回拨的次数"),
        TagSpec("ingest_clock_step_s", "s", None, 0, "Last source clock step back (negative) [s]",
                "最近一次数据源时钟回拨量(负值) [s]"),
    )
}
"""Tags of the ingestion's own health, written beside the plant's tags (``ingest_*``)."""


def catalogue_from(catalogue: Any) -> dict[str, TagSpec]:
    """The tag catalogue as ``{tag: TagSpec}``, with the ingestion's health tags added.

    Parameters
    ----------
    catalogue
        A DataFrame with columns ``tag``, ``unit`` and optionally ``low``, ``high``,
        ``description_en``, ``description_zh`` (the shape of
        ``greenmet.blast_furnace.simulator.tag_catalogue``), a mapping ``{tag: unit}`` or
        ``{tag: TagSpec}``, or a CSV path or simulator preset name (see :func:`load_catalogue`).

    Raises
    ------
    FileFormatError
        If the DataFrame lacks the ``tag`` or ``unit`` column.
    """
    if isinstance(catalogue, (str, Path)):
        return load_catalogue(catalogue)
    specs: dict[str, TagSpec] = dict(HEALTH_TAGS)
    if isinstance(catalogue, pd.DataFrame):
        missing = [c for c in ("tag", "unit") if c not in catalogue.columns]
        if missing:
            raise FileFormatError("the tag catalogue lacks columns", field="catalogue", value=missing,
                                  fix="give a table with columns tag, unit, low, high")
        for row in catalogue.to_dict("records"):
            specs[str(row["tag"])] = TagSpec(
                str(row["tag"]), str(row["unit"]), _optional_float(row.get("low")),
                _optional_float(row.get("high")), str(row.get("description_en") or ""),
                str(row.get("description_zh") or ""))
    elif isinstance(catalogue, AbcMapping):
        for tag, value in catalogue.items():
            specs[str(tag)] = value if isinstance(value, TagSpec) else TagSpec(str(tag), str(value))
    else:
        raise FileFormatError("the tag catalogue must be a table or a mapping", field="catalogue",
                              value=type(catalogue).__name__,
                              fix="pass tag_catalogue(config) or a CSV with columns tag, unit, low, high")
    return specs


def load_catalogue(source: str | Path = "5000m3") -> dict[str, TagSpec]:
    """The tag catalogue from a CSV file (``tag, unit[, low, high, …]``) or a simulator preset.

    Parameters
    ----------
    source
        A path to a CSV file, or the name of a furnace preset of the simulator
        (``"2500m3"``, ``"5000m3"``), whose tag catalogue is
        ``greenmet.blast_furnace.simulator.tag_catalogue(preset(name))``.

    Raises
    ------
    FileFormatError
        If the CSV does not read or lacks columns.
    UnknownKeyError
        If ``source`` is neither an existing file nor a preset name.
    """
    path = Path(source)
    if path.suffix.lower() == ".csv" or path.exists():
        try:
            table = pd.read_csv(path)
        except (OSError, ValueError) as exc:
            raise FileFormatError(f"the tag catalogue does not read ({exc})", field="catalogue",
                                  value=str(path), fix="give a CSV file with columns tag, unit, low, high",
                                  location=Location(file=str(path))) from None
        return catalogue_from(table)
    from greenmet.blast_furnace.simulator import PRESETS, preset, tag_catalogue

    if str(source) not in PRESETS:
        raise UnknownKeyError("the catalogue is neither a file nor a simulator preset", field="catalogue",
                              value=str(source),
                              fix="give a CSV file with columns tag, unit, low, high, or one of "
                                  f"{', '.join(PRESETS)}")
    return catalogue_from(tag_catalogue(preset(str(source))))


def mapping_template(catalogue: Any, *, site: str, furnace: str, vendor_prefix: str = "",
                     tags: Iterable[str] | None = None) -> str:
    """A YAML mapping file mapping ``<vendor_prefix><tag>`` to each catalogue tag, in its own unit.

    For the simulator's OPC UA server the vendor tags are the NodeId identifiers
    ``<furnace_id>.<tag>``, so ``vendor_prefix="BF2500."`` gives a mapping that works as is; for
    a plant, edit the vendor tags, units and ranges.

    Parameters
    ----------
    catalogue
        See :func:`catalogue_from`; the ``ingest_*`` health tags are left out.
    site, furnace
        Historian partition of every row.
    vendor_prefix
        Put before each tag name to form the vendor tag.
    tags
        Only these tags (all of the catalogue when None).
    """
    specs = {k: v for k, v in catalogue_from(catalogue).items() if k not in HEALTH_TAGS}
    chosen = list(specs) if tags is None else list(tags)
    unknown = [t for t in chosen if t not in specs]
    if unknown:
        raise UnknownKeyError("tags not in the catalogue", field="tags", value=unknown[:5],
                              fix="use glossary tag names of the catalogue")
    rows = []
    for tag in chosen:
        spec = specs[tag]
        row: dict[str, Any] = {"vendor_tag": f"{vendor_prefix}{tag}", "tag": tag, "unit": spec.unit}
        if spec.low is not None:
            row["low"] = spec.low
        if spec.high is not None:
            row["high"] = spec.high
        rows.append(row)
    document = {"site": site, "furnace": furnace, "tags": rows}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=None, width=200)


def _optional_float(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


class MappingRow(BaseModel):
    """One vendor tag and what it becomes in greenmet (one row of a mapping file).

    Attributes
    ----------
    vendor_tag
        The name in the source: a column or tag name of a file export, or an OPC UA NodeId
        (``ns=2;s=BF1.Flow``), its string identifier (``BF1.Flow``) or its browse name.
    tag
        The greenmet glossary tag.
    unit
        The unit the values arrive in (after ``scale``/``offset``).
    low, high
        Plausible range in ``unit``; None takes the catalogue's range. [unit]
    site, furnace
        Where the points go in the historian.
    scale, offset
        Linear transform of the raw value before the unit conversion. [dimensionless], [unit]
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    vendor_tag: str = Field(min_length=1)
    tag: str
    unit: str = Field(min_length=1)
    low: float | None = None
    high: float | None = None
    site: str
    furnace: str
    scale: float = 1.0
    offset: float = 0.0

    @field_validator("tag")
    @classmethod
    def _glossary_name(cls, value: str) -> str:
        if not _TAG_PATTERN.match(value):
            raise ValueError("a greenmet tag is lower case letters, digits, '_' and '.', "
                             "starting with a letter")
        return value

    @field_validator("site", "furnace")
    @classmethod
    def _partition_name(cls, value: str) -> str:
        if not _NAME_PATTERN.match(value):
            raise ValueError("use letters, digits, '-' and '_' (at most 64 characters)")
        return value

    @field_validator("low", "high", "scale", "offset")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value


@dataclass(frozen=True)
class _Target:
    """A mapping row resolved against the catalogue: ``glossary = factor * raw + shift``."""

    row: MappingRow
    spec: TagSpec
    factor: float
    shift: float
    low: float | None
    high: float | None


def check_time_zone(zone: Any, *, field: str = "time_zone", location: Location | None = None) -> str:
    """Return ``zone`` if it is an IANA time-zone name this machine knows, else raise :class:`InputError`.

    Checked where the zone is given (the mapping file, ``--time-zone``), so that ``ingest mapping``
    refuses what an import would refuse later.
    """
    try:
        zoneinfo.ZoneInfo(str(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        names = sorted(zoneinfo.available_timezones())
        close = difflib.get_close_matches(str(zone), names, n=3)
        raise InputError(
            "unknown time zone", field=field, value=zone,
            fix=(f"did you mean {', '.join(close)}? " if close else "")
            + "give an IANA name such as 'Asia/Shanghai', 'Europe/Berlin' or 'UTC'",
            location=location,
        ) from None
    return str(zone)


class TagMap:
    """A validated mapping: vendor tag → glossary tag with its linear conversion and range.

    Build it with :func:`load_mapping` (from a file) or :meth:`from_rows`.
    """

    def __init__(self, targets: dict[str, _Target], *, time_zone: str | None = None,
                 source: str | None = None) -> None:
        self._targets = targets
        self.time_zone = check_time_zone(time_zone) if time_zone is not None else None
        self.source = source

    @classmethod
    def from_rows(cls, rows: Iterable[MappingRow | dict[str, Any]], catalogue: Any, *,
                  time_zone: str | None = None) -> TagMap:
        """Validate rows (models or dicts) against a catalogue, as :func:`load_mapping` does."""
        numbered = [(index + 1, row) for index, row in enumerate(rows)]
        return _build(numbered, catalogue_from(catalogue), source=None, time_zone=time_zone)

    def __len__(self) -> int:
        return len(self._targets)

    def __contains__(self, vendor_tag: object) -> bool:
        return vendor_tag in self._targets

    def __iter__(self) -> Iterator[str]:
        return iter(self._targets)

    @property
    def rows(self) -> list[MappingRow]:
        """The mapping rows, in file order."""
        return [target.row for target in self._targets.values()]

    def row(self, vendor_tag: str) -> MappingRow:
        """The row of a vendor tag; :class:`UnknownKeyError` if it is not mapped."""
        return self._target(vendor_tag).row

    def _target(self, vendor_tag: str) -> _Target:
        try:
            return self._targets[vendor_tag]
        except KeyError:
            close = difflib.get_close_matches(vendor_tag, list(self._targets), n=3)
            raise UnknownKeyError("vendor tag not in the mapping", field="vendor_tag", value=vendor_tag,
                                  fix=(f"did you mean {', '.join(close)}? " if close else "")
                                  + "add a row for it to the mapping file") from None

    def linear(self, vendor_tag: str) -> tuple[float, float]:
        """``(factor, shift)`` with ``glossary_value = factor * raw + shift``."""
        target = self._target(vendor_tag)
        return target.factor, target.shift

    def range(self, vendor_tag: str) -> tuple[float | None, float | None]:
        """Plausible range of the vendor tag, in the glossary unit. [glossary unit]"""
        target = self._target(vendor_tag)
        return target.low, target.high

    def spec(self, vendor_tag: str) -> TagSpec:
        """The catalogue entry of the glossary tag a vendor tag maps to."""
        return self._target(vendor_tag).spec

    def destinations(self) -> list[tuple[str, str]]:
        """The (site, furnace) pairs the mapping writes to, in first-seen order."""
        seen: dict[tuple[str, str], None] = {}
        for target in self._targets.values():
            seen[(target.row.site, target.row.furnace)] = None
        return list(seen)

    def to_frame(self) -> pd.DataFrame:
        """The resolved mapping as a table (for display and for the CLI's ``--format json``)."""
        return pd.DataFrame([{
            "vendor_tag": t.row.vendor_tag, "tag": t.row.tag, "site": t.row.site, "furnace": t.row.furnace,
            "unit": t.row.unit, "tag_unit": t.spec.unit, "factor": t.factor, "shift": t.shift,
            "low": t.low, "high": t.high,
        } for t in self._targets.values()])


def _resolve(row: MappingRow, spec: TagSpec, location: Location) -> _Target:
    try:
        zero = float(convert(0.0, row.unit, spec.unit, field="unit"))
        one = float(convert(1.0, row.unit, spec.unit, field="unit"))
    except UnitError as error:
        raise UnitError(f"unit {row.unit!r} of vendor tag {row.vendor_tag!r} does not convert to "
                        f"{spec.unit!r}, the unit of {row.tag!r}", field="unit", value=row.unit,
                        fix=f"give a unit of the same kind as {spec.unit!r} "
                            f"(or check the tag: {error.problem})",
                        location=location) from None
    slope = one - zero
    factor = slope * row.scale
    shift = slope * row.offset + zero
    low = zero + slope * row.low if row.low is not None else spec.low
    high = zero + slope * row.high if row.high is not None else spec.high
    if low is not None and high is not None and low > high:
        raise FileFormatError("low is above high", field="low", value=(row.low, row.high),
                              fix="swap the two limits", location=location)
    return _Target(row, spec, factor, shift, low, high)


def _build(numbered: list[tuple[int, Any]], specs: dict[str, TagSpec], *, source: str | None,
           time_zone: str | None, defaults: dict[str, Any] | None = None) -> TagMap:
    targets: dict[str, _Target] = {}
    first_row: dict[str, int] = {}
    destination_row: dict[tuple[str, str, str], int] = {}
    for number, raw in numbered:
        location = Location(file=source, row=number)
        if isinstance(raw, MappingRow):
            row = raw
        else:
            if not isinstance(raw, dict):
                raise FileFormatError("a mapping row must be a table of fields", field="tags", value=raw,
                                      fix="write each row as {vendor_tag: ..., tag: ..., unit: ...}",
                                      location=location)
            values = {**(defaults or {}), **{k: v for k, v in raw.items() if v is not None and v != ""}}
            try:
                row = MappingRow.model_validate(values)
            except ValidationError as exc:
                first = exc.errors()[0]
                field = ".".join(str(part) for part in first["loc"]) or "row"
                message = first["msg"]
                if first["type"] == "missing":
                    fix = f"add the column {field!r} (or give a default {field} for the whole file)"
                elif first["type"] == "extra_forbidden":
                    fix = f"remove {field!r}; the columns are {', '.join(MAPPING_COLUMNS)}"
                else:
                    fix = f"correct {field!r}: {message}"
                raise FileFormatError(f"invalid mapping row ({message})", field=field,
                                      value=first.get("input") if first["type"] != "missing" else None,
                                      fix=fix, location=location) from None
        if row.vendor_tag in first_row:
            raise FileFormatError(f"vendor tag mapped twice (first in row {first_row[row.vendor_tag]})",
                                  field="vendor_tag", value=row.vendor_tag,
                                  fix="keep one row per vendor tag", location=location)
        spec = specs.get(row.tag)
        if spec is None:
            close = difflib.get_close_matches(row.tag, list(specs), n=3)
            raise UnknownKeyError("tag is not in the tag catalogue", field="tag", value=row.tag,
                                  fix=(f"did you mean {', '.join(close)}? " if close else "")
                                  + "use a glossary tag name (docs/nomenclature/) or extend the catalogue",
                                  location=location)
        key = (row.site, row.furnace, row.tag)
        if key in destination_row:
            raise FileFormatError(f"two vendor tags write {row.tag!r} of {row.site}/{row.furnace} (first in "
                                  f"row {destination_row[key]})", field="tag", value=row.tag,
                                  fix="map each greenmet tag of a furnace from one vendor tag",
                                  location=location)
        targets[row.vendor_tag] = _resolve(row, spec, location)
        first_row[row.vendor_tag] = number
        destination_row[key] = number
    if not targets:
        raise FileFormatError("the mapping has no rows", field="tags", value=None,
                              fix="add one row per vendor tag", location=Location(file=source))
    return TagMap(targets, time_zone=time_zone, source=source)


def _yaml_rows(text: str, path: str) -> tuple[list[tuple[int, Any]], dict[str, Any], str | None]:
    try:
        document = yaml.safe_load(text)
        tree = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise FileFormatError(f"the mapping file is not valid YAML ({getattr(exc, 'problem', exc)})",
                              field="mapping", value=None,
                              fix="check indentation and quoting at the line shown",
                              location=Location(file=path, row=mark.line + 1 if mark else None)) from None
    if not isinstance(document, dict) or not isinstance(document.get("tags"), list):
        raise FileFormatError("a YAML mapping needs a list under 'tags'", field="tags", value=None,
                              fix="write 'tags:' followed by one '- {vendor_tag: ..., tag: ..., unit: ...}' "
                                  "per vendor tag", location=Location(file=path))
    unknown = sorted(set(document) - {"site", "furnace", "time_zone", "tags"})
    if unknown:
        raise FileFormatError("unknown keys in the mapping file", field="mapping", value=unknown,
                              fix="use site, furnace, time_zone and tags", location=Location(file=path))
    lines: list[int] = []
    for key_node, value_node in tree.value if tree is not None else []:
        if key_node.value == "tags":
            lines = [item.start_mark.line + 1 for item in value_node.value]
    rows = [(lines[i] if i < len(lines) else i + 1, item) for i, item in enumerate(document["tags"])]
    defaults = {k: document[k] for k in ("site", "furnace") if document.get(k) is not None}
    time_zone = document.get("time_zone")
    if time_zone is not None:
        zone_line = next((key.start_mark.line + 1 for key, _ in (tree.value if tree is not None else [])
                          if key.value == "time_zone"), None)
        check_time_zone(time_zone, location=Location(file=path, row=zone_line))
    return rows, defaults, time_zone


def _csv_rows(text: str, path: str) -> list[tuple[int, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [c for c in ("vendor_tag", "tag", "unit") if c not in header]
    if missing:
        raise FileFormatError("the mapping file lacks columns", field="columns", value=missing,
                              fix=f"give a header row with {', '.join(MAPPING_COLUMNS)}",
                              location=Location(file=path, row=1))
    unknown = [c for c in header if c not in MAPPING_COLUMNS]
    if unknown:
        raise FileFormatError("unknown columns in the mapping file", field="columns", value=unknown,
                              fix=f"use only {', '.join(MAPPING_COLUMNS)}",
                              location=Location(file=path, row=1))
    reader.fieldnames = header
    rows = []
    for record in reader:
        if None in record:
            raise FileFormatError("the row has more cells than the header", field="row", value=record[None],
                                  fix="remove the extra cells or quote values that contain commas",
                                  location=Location(file=path, row=reader.line_num))
        if not any((value or "").strip() for value in record.values()):
            continue
        cleaned = {k: (v.strip() if isinstance(v, str) else v) for k, v in record.items()}
        rows.append((reader.line_num, cleaned))
    return rows


def load_mapping(path: str | Path, catalogue: Any, *, site: str | None = None,
                 furnace: str | None = None) -> TagMap:
    """Read and validate a mapping file (``.yaml``/``.yml`` or ``.csv``).

    Parameters
    ----------
    path
        The mapping file.
    catalogue
        The tag catalogue: ``greenmet.blast_furnace.simulator.tag_catalogue(config)``, a table
        with columns ``tag, unit, low, high`` or ``{tag: unit}`` (see :func:`catalogue_from`).
    site, furnace
        Defaults for rows that do not name them (a YAML file's own defaults win).

    Returns
    -------
    TagMap

    Raises
    ------
    FileFormatError
        Malformed file, a missing or unknown column, a row that fails validation, a vendor tag
        mapped twice, two vendor tags writing one greenmet tag; the message names the row.
    UnknownKeyError
        A tag that is not in the catalogue (with the closest names).
    UnitError
        A unit that does not parse or does not convert to the tag's unit.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise FileFormatError("mapping file not found", field="mapping", value=str(path),
                              fix="check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"cannot read the mapping file ({exc})", field="mapping", value=str(path),
                              fix="save it as UTF-8 text") from None
    defaults = {k: v for k, v in (("site", site), ("furnace", furnace)) if v is not None}
    time_zone = None
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        rows, file_defaults, time_zone = _yaml_rows(text, str(path))
        defaults.update(file_defaults)
    elif suffix == ".csv":
        rows = _csv_rows(text, str(path))
    else:
        raise FileFormatError("unknown mapping file type", field="mapping", value=path.suffix,
                              fix="use a .yaml, .yml or .csv file")
    return _build(rows, catalogue_from(catalogue), source=str(path), time_zone=time_zone, defaults=defaults)
