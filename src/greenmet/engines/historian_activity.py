"""Carbon activity data of the ironmaking boundary from the furnace's own measurements.

``greenmet carbon report --from-historian ROOT --site S --furnace F --start … --end …`` reads the
furnace's historian and plant records over a period, aggregates them through a tag → activity
mapping (:data:`DEFAULT_MAPPING`, the file ``historian_activity.toml`` beside this module, or a
user's own file in the same format) and builds the :class:`~greenmet.carbon.activity.ActivityData`
that :func:`greenmet.carbon.compute` takes as from any activity file.

Aggregation (documented in ``docs/user_guide/carbon_from_historian.md``):

- ``integral``: a rate tag (t/h, Nm3/h, kW …) is summed over the minute means of its good points
  times one minute, then converted to ``quantity_unit``; minutes without a good point count
  nothing and the flow's ``coverage`` (share of the period's minutes with data) says how many
  were missing (below :data:`COVERAGE_WARNING` the result is marked incomplete: greenmet does
  not fill gaps with a guess).
- ``sum``: per-event points (one per cast) are summed.
- ``charges``: the masses of the plant records' charges of the named materials are summed (none
  of them charged while others were is a true zero, status ``none charged``; no charge recorded
  at all is missing data).
- ``carbon_content_from = "<material>.<component>"``: the mean of that component (mass %) over
  the analyses sampled in the period (or the latest before it when none was), as a mass
  fraction: a measured carbon content that replaces the default factor.

A mapped flow the furnace does not record (no such tag, nothing charged) is left out and named
in :attr:`HistorianActivity.lacking`; the installation's name then says "incomplete" so no
report passes for complete.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from greenmet.carbon.activity import ActivityData
from greenmet.engines.derived import read_minutes, read_toml
from greenmet.errors import FileFormatError, InputError, Location, StorageError
from greenmet.storage import queries
from greenmet.storage.parts import furnace_directory
from greenmet.storage.plant_records import read_plant_records
from greenmet.units import Q_, convert

__all__ = [
    "COVERAGE_WARNING",
    "DEFAULT_MAPPING",
    "FlowMapping",
    "HistorianActivity",
    "activity_from_historian",
    "read_flow_mapping",
]

DEFAULT_MAPPING = Path(__file__).with_name("historian_activity.toml")
"""The mapping shipped with greenmet: the simulator's tags and the plant-record materials."""

COVERAGE_WARNING = 0.99
"""A flow with data in fewer of the period's minutes than this share marks the result incomplete
(greenmet's own threshold: a few minutes of a month are within metering uncertainty)."""

_MINUTE = pd.Timedelta(minutes=1)


class FlowMapping(BaseModel):
    """One entry of the mapping: where a flow is measured and what it becomes in the activity data."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    source: Literal["tag", "charges"]
    quantity_unit: str
    target: Literal["material", "energy", "production", "none"]
    tag: str | None = None
    tag_unit: str | None = None
    aggregate: Literal["integral", "sum"] | None = None
    charged: list[str] | None = None
    material: str | None = None
    direction: str | None = None
    process: str | None = None
    role: str | None = None
    carbon_content_from: str | None = None
    carrier: str | None = None
    product: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> FlowMapping:
        needed = {"tag": ("tag", "tag_unit", "aggregate"), "charges": ("charged",)}[self.source]
        needed += {
            "material": ("material", "direction"),
            "energy": ("carrier", "direction"),
            "production": ("product",),
            "none": (),
        }[self.target]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"flow {self.name!r} lacks {', '.join(missing)}")
        if self.carbon_content_from is not None and "." not in self.carbon_content_from:
            raise ValueError(f"flow {self.name!r}: carbon_content_from is '<material>.<component>'")
        return self


def read_flow_mapping(path: str | os.PathLike[str] = DEFAULT_MAPPING) -> list[FlowMapping]:
    """The ``[[flows]]`` of a mapping file, validated (names unique, fields complete)."""
    path = Path(path)
    data = read_toml(
        path, "--mapping", "give a TOML file with [[flows]] entries (see historian_activity.toml)"
    )
    flows: list[FlowMapping] = []
    for number, entry in enumerate(data.get("flows") or [], start=1):
        try:
            flows.append(FlowMapping.model_validate(entry))
        except ValidationError as exc:
            first = exc.errors()[0]
            raise FileFormatError(
                f"flow {number}: {first['msg']}",
                field=".".join(map(str, first["loc"])) or "flows",
                value=first.get("input") if first["type"] != "value_error" else None,
                fix="see the format described at the top of historian_activity.toml",
                location=Location(str(path)),
            ) from None
    if not flows:
        raise FileFormatError(
            "the mapping has no [[flows]]",
            field="flows",
            value=str(path),
            fix="add [[flows]] entries",
            location=Location(str(path)),
        )
    names = [flow.name for flow in flows]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise FileFormatError(
            "flow names repeat",
            field="flows.name",
            value=duplicates,
            fix="give each flow its own name",
            location=Location(str(path)),
        )
    return flows


@dataclass
class HistorianActivity:
    """Result of :func:`activity_from_historian`.

    ``activity``: the activity data. ``flows``: one row per mapped flow (``name, source, measured,
    quantity, quantity_unit, coverage, target, status``), ``status`` ``used``, ``shown`` (target
    none), ``none charged`` or ``missing``. ``lacking``: flow → why it is not in the activity data.
    """

    activity: ActivityData
    flows: pd.DataFrame
    lacking: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.lacking


def _carbon_content(analyses: pd.DataFrame, reference: str, start: pd.Timestamp) -> float | None:
    material, component = reference.split(".", 1)
    rows = analyses[(analyses["material"] == material) & (analyses["component"] == component)]
    if rows.empty:
        return None
    sampled = pd.to_datetime(rows["sampled_at"], utc=True)
    inside = rows[sampled >= start]
    chosen = inside if len(inside) else rows.loc[[sampled.idxmax()]]
    percent = [
        float(convert(v, str(u), "percent", field=f"{reference} unit"))
        if str(u) not in ("%", "percent")
        else float(v)
        for v, u in zip(chosen["value"], chosen["unit"], strict=True)
    ]
    return sum(percent) / len(percent) / 100.0


def activity_from_historian(
    root: str | os.PathLike[str],
    site: str,
    furnace: str,
    start: Any,
    end: Any,
    *,
    mapping: list[FlowMapping] | None = None,
    province: str | None = None,
    installation_name: str | None = None,
) -> HistorianActivity:
    """Aggregate a furnace's measurements over ``[start, end)`` into carbon activity data.

    Parameters
    ----------
    root, site, furnace
        The furnace's historian.
    start, end
        Whole minutes, UTC or with an offset; the activity period is their UTC dates (the end's
        date is that of the last minute included).
    mapping
        The flows (default: :data:`DEFAULT_MAPPING`).
    province
        Province of the installation (provincial grid factors).
    installation_name
        Name shown in the reports (default ``<site>/<furnace> ironmaking``).
    """
    start_utc, end_utc = queries.to_utc(start, "--start"), queries.to_utc(end, "--end")
    for name, stamp in (("--start", start_utc), ("--end", end_utc)):
        if stamp != stamp.floor("min"):
            raise InputError(
                "the period is in whole minutes",
                field=name,
                value=stamp.isoformat(),
                fix=f"give e.g. {stamp.floor('min').isoformat()}",
            )
    if end_utc <= start_utc:
        raise InputError(
            "the period is empty", field="--end", value=end_utc.isoformat(), fix="give an end after the start"
        )
    if not Path(furnace_directory(root, site, furnace)).is_dir():
        raise StorageError(
            "no such furnace in the historian",
            field="--furnace",
            value=f"{site}/{furnace}",
            fix="check --from-historian, --site and --furnace (greenmet historian info)",
        )
    flows = read_flow_mapping() if mapping is None else mapping
    tags = sorted({flow.tag for flow in flows if flow.source == "tag" and flow.tag is not None})
    minutes = read_minutes(root, site, furnace, start_utc, end_utc, tags=tags)
    total_minutes = int((end_utc - start_utc) / _MINUTE)
    charges = read_plant_records(Path(root), site, furnace, "charges", start=start_utc, end=end_utc)
    analyses = read_plant_records(Path(root), site, furnace, "material_analyses", end=end_utc)
    materials: list[dict[str, Any]] = []
    energy: list[dict[str, Any]] = []
    production: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    lacking: dict[str, str] = {}
    for flow in flows:
        coverage = 1.0
        quantity: float | None
        if flow.source == "tag":
            assert flow.tag is not None and flow.tag_unit is not None  # checked by FlowMapping
            measured = flow.tag
            if flow.tag not in minutes.columns or minutes[flow.tag].isna().all():
                quantity = None
                lacking[flow.name] = f"the furnace records no {flow.tag} in the period"
            else:
                values = minutes[flow.tag]
                total = float(values.sum(skipna=True))
                if flow.aggregate == "integral":
                    coverage = float(values.notna().sum()) / total_minutes
                    quantity = float(
                        (Q_(total, flow.tag_unit) * Q_(1.0, "min")).to(flow.quantity_unit).magnitude
                    )
                    if coverage < COVERAGE_WARNING:
                        lacking[flow.name] = (
                            f"{flow.tag} has data in {coverage:.1%} of the minutes: the "
                            "quantity counts only those"
                        )
                else:
                    quantity = float(
                        convert(total, flow.tag_unit, flow.quantity_unit, field=f"{flow.name}.tag_unit")
                    )
        else:
            assert flow.charged is not None
            measured = "charges: " + ", ".join(flow.charged)
            selected = charges[charges["material"].isin(flow.charged)]
            if charges.empty:
                quantity = None
                lacking[flow.name] = "no charge at all is recorded in the period"
            elif selected.empty:  # other materials were charged: none of this one is a true zero
                quantity = 0.0
            else:
                quantity = float(
                    convert(
                        float(selected["mass_t"].sum()),
                        "t",
                        flow.quantity_unit,
                        field=f"{flow.name}.quantity_unit",
                    )
                )
        if quantity is None:
            status = "missing"
        elif quantity == 0.0 and flow.source == "charges":
            status = "none charged"
        else:
            status = "shown" if flow.target == "none" else "used"
        rows.append(
            {
                "name": flow.name,
                "source": flow.source,
                "measured": measured,
                "quantity": quantity,
                "quantity_unit": flow.quantity_unit,
                "coverage": coverage,
                "target": flow.target,
                "status": status,
            }
        )
        if status != "used":
            continue
        if flow.target == "material":
            entry: dict[str, Any] = {
                "material": flow.material,
                "direction": flow.direction,
                "quantity": quantity,
                "unit": flow.quantity_unit,
                "process": flow.process,
                "role": flow.role,
            }
            if flow.carbon_content_from is not None:
                content = _carbon_content(analyses, flow.carbon_content_from, start_utc)
                if content is not None:
                    entry["carbon_content"] = content
            materials.append(entry)
        elif flow.target == "energy":
            energy.append(
                {
                    "carrier": flow.carrier,
                    "direction": flow.direction,
                    "quantity": quantity,
                    "unit": flow.quantity_unit,
                }
            )
        else:
            production.append({"product": flow.product, "quantity": quantity, "unit": flow.quantity_unit})
    last = (end_utc - pd.Timedelta(microseconds=1)).date()
    name = installation_name or f"{site}/{furnace} ironmaking"
    if lacking:
        name += " (incomplete: " + ", ".join(sorted(lacking)) + ")"
    data = {
        "installation": {"id": f"{site}-{furnace}", "name": name, "province": province, "sector": "steel"},
        "period": {"start": start_utc.date(), "end": max(last, start_utc.date())},
        "reporting_year": start_utc.year,
        "materials": materials,
        "energy": energy,
        "production": production,
    }
    activity = ActivityData.model_validate(data)  # greenmet errors naming the field
    return HistorianActivity(activity=activity, flows=pd.DataFrame(rows), lacking=lacking)
