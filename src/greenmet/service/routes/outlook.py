"""The outlook over the API: the presets, a preset's projection to 2060 and the lever wedges between
two presets (exact LMDI, :func:`greenmet.mfa.potential.lever_decomposition`), as JSON for charts.

The presets ship with greenmet and do not change while the service runs, so a projection is computed
once per preset (about 3 s) and kept in memory."""

from __future__ import annotations

import functools
import math
from typing import Any

import pandas as pd
from fastapi import APIRouter

from greenmet.errors import UnknownKeyError
from greenmet.service.auth import Viewer

__all__ = ["CHART_COLUMNS", "projection", "router"]

router = APIRouter(prefix="/api/outlook", tags=["outlook"])

# The series of the projection chart (all unit-suffixed columns of OutlookResult.frame).
CHART_COLUMNS = (
    "crude_steel_production_mt",
    "steel_demand_mt",
    "steel_scrap_available_mt",
    "steel_co2_mt",
    "total_co2_mt",
)
_FIRST_YEAR = 2000


def _check_preset(name: str, field: str) -> str:
    from greenmet.outlook.scenario_files import preset_names

    names = preset_names()
    if name not in names:
        raise UnknownKeyError(
            "not an outlook preset", field=field, value=name, fix=f"use one of {', '.join(names)}"
        )
    return name


@functools.lru_cache(maxsize=8)
def _projected(name: str) -> tuple[Any, Any]:
    from greenmet.mfa.projection import project
    from greenmet.outlook import load_outlook_scenario

    scenario = load_outlook_scenario(name)
    return scenario, project(scenario)


def _values(series: pd.Series) -> list[float | None]:
    return [None if not math.isfinite(v) else round(float(v), 6) for v in series.astype(float)]


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def projection(name: str) -> dict[str, Any]:
    """A preset's projection from 2000 on: years, the chart's series, the summary and the pathway."""
    from greenmet.mfa.potential import pathway_stages

    scenario, result = _projected(_check_preset(name, "preset"))
    frame = result.frame.loc[_FIRST_YEAR:]
    stages = pathway_stages(scenario, result)
    return {
        "ok": True,
        "scenario": result.scenario,
        "provisional": bool(result.provisional),
        "provisional_inputs": list(result.provisional_inputs),
        "summary": {key: _plain(value) for key, value in result.summary().items()},
        "years": [int(year) for year in frame.index],
        "series": {column: _values(frame[column]) for column in CHART_COLUMNS if column in frame},
        "pathway": [
            {str(key): _plain(value) for key, value in row.items()} for row in stages.to_dict("records")
        ],
    }


def levers(reference: str, scenario: str) -> dict[str, Any]:
    """Each lever's share of the CO2 difference scenario − reference by year (Mt CO2, negative = cut)."""
    from greenmet.mfa.potential import LEVERS, lever_decomposition

    scenario_a, result_a = _projected(_check_preset(reference, "reference"))
    scenario_b, result_b = _projected(_check_preset(scenario, "scenario"))
    table = lever_decomposition(scenario_a, result_a, scenario_b, result_b)
    wedges = []
    for column in table.columns:
        key = column.removesuffix("_mt_co2")
        if key in LEVERS:
            wedges.append(
                {
                    "lever": key,
                    "name_en": LEVERS[key][0],
                    "name_zh": LEVERS[key][1],
                    "values_mt_co2": _values(table[column]),
                }
            )
    return {
        "ok": True,
        "reference": result_a.scenario,
        "scenario": result_b.scenario,
        "provisional": bool(result_a.provisional or result_b.provisional),
        "years": [int(year) for year in table.index],
        "wedges": wedges,
        "scenario_co2_mt": _values(table["co2_b_mt"]),
    }


@router.get("/presets", summary="The outlook presets that ship with greenmet")
def get_presets(principal: Viewer) -> dict[str, Any]:
    from greenmet.outlook.scenario_files import preset_names

    names = preset_names()
    return {"ok": True, "total": len(names), "items": names}


@router.get("/projection", summary="A preset's projection to 2060: series for a chart, summary, pathway")
def get_projection(principal: Viewer, preset: str = "china_baseline") -> dict[str, Any]:
    return projection(preset)


@router.get("/levers", summary="Lever wedges of the CO2 difference between two presets (LMDI, Mt CO2)")
def get_levers(
    principal: Viewer, reference: str = "china_baseline", scenario: str = "china_policy"
) -> dict[str, Any]:
    return levers(reference, scenario)
