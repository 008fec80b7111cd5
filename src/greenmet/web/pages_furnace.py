"""The furnace live page: live values, stave heat map, tuyere ring, probe profile, trends, the
calculation sheet at a moment and the what-if calculator. Data come from the JSON API
(:mod:`greenmet.service.routes.furnace_live`); all behaviour is in ``static/furnace.js``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from greenmet.service.auth import Viewer
from greenmet.service.routes.furnace_live import _check_furnace
from greenmet.service.routes.furnaces import KEY_TAGS
from greenmet.web.app import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/furnaces/{site}/{furnace}")
def furnace_page(site: str, furnace: str, request: Request, principal: Viewer) -> Response:
    _check_furnace(request, site, furnace)
    return render(
        request,
        "furnace.html",
        site=site,
        furnace=furnace,
        key_tags=KEY_TAGS,
        api=f"/api/furnaces/{site}/{furnace}",
    )
