"""The outlook page: choose a preset, see its projection and the lever wedges against the baseline as
Plotly charts drawn by static/outlook.js from the JSON of :mod:`greenmet.service.routes.outlook`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from greenmet.service.auth import Viewer
from greenmet.service.routes.outlook import projection
from greenmet.web.app import page_language, render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_REFERENCE = "china_baseline"


@router.get("/outlook")
def outlook_page(request: Request, principal: Viewer, preset: str = "china_policy") -> Response:
    from greenmet.outlook.scenario_files import preset_names

    result = projection(preset)  # an unknown preset is a 404 page naming the presets
    language = page_language(request)
    stages = [
        {
            "name": stage.get(f"name_{language}") or stage.get("name_en"),
            "start_year": stage.get("start_year"),
            "end_year": stage.get("end_year"),
        }
        for stage in result["pathway"]
    ]
    return render(
        request,
        "outlook.html",
        presets=preset_names(),
        preset=preset,
        reference=_REFERENCE,
        summary=result["summary"],
        provisional=result["provisional"],
        stages=stages,
    )
