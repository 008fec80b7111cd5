"""The furnaces the historian holds."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from greenmet.service.auth import Viewer
from greenmet.service.paging import Limit, Offset, page

__all__ = ["list_furnaces", "router"]

router = APIRouter(prefix="/api", tags=["furnaces"])


def list_furnaces(root: Any) -> list[dict[str, str]]:
    """``site``/``furnace`` of every furnace directory under the historian root."""
    if not root.is_dir():
        return []
    found = []
    for site in sorted(root.glob("site=*")):
        for furnace in sorted(site.glob("furnace=*")):
            found.append({"site": site.name.split("=", 1)[1], "furnace": furnace.name.split("=", 1)[1]})
    return found


KEY_TAGS: tuple[str, ...] = (
    "blast_volume",
    "blast_temperature",
    "top_gas_utilisation",
    "permeability_index",
    "hot_metal_temperature",
    "hot_metal_silicon",
    "calc_fuel_rate_kg_per_thm",
)
"""Tags the overview shows for each furnace (where the furnace records them)."""


def latest_values(
    root: Any, site: str, furnace: str, tags: tuple[str, ...] = KEY_TAGS, window_h: float = 3.0
) -> dict[str, Any]:
    """The latest good value and time of each of ``tags`` in the last ``window_h`` hours."""
    import pandas as pd

    from greenmet.storage import queries

    start = pd.Timestamp.now(tz="UTC") - pd.Timedelta(hours=window_h)
    points = queries.open_points(root, site, furnace, start=start)
    frame = queries.run(queries.last_values(points, list(tags), good_only=True))
    rows: list[dict[Any, Any]] = frame.to_dict(orient="records")
    return {
        str(row["tag"]): {"value": float(row["value"]), "ts": pd.Timestamp(row["ts"]).isoformat()}
        for row in rows
    }


@router.get("/furnaces/{site}/{furnace}/latest", summary="Latest values of the key tags of a furnace")
def get_latest(site: str, furnace: str, request: Request, principal: Viewer) -> dict[str, Any]:
    root = request.app.state.settings.historian_root
    if {"site": site, "furnace": furnace} not in list_furnaces(root):
        from greenmet.errors import UnknownKeyError

        raise UnknownKeyError(
            "no such furnace", field="furnace", value=f"{site}/{furnace}", fix="see GET /api/furnaces"
        )
    return {"ok": True, "site": site, "furnace": furnace, "values": latest_values(root, site, furnace)}


@router.get("/furnaces", summary="Furnaces in the historian")
def get_furnaces(
    request: Request, principal: Viewer, limit: Limit = 100, offset: Offset = 0
) -> dict[str, Any]:
    limit, offset = page(limit, offset)
    furnaces = list_furnaces(request.app.state.settings.historian_root)
    return {
        "ok": True,
        "total": len(furnaces),
        "limit": limit,
        "offset": offset,
        "items": furnaces[offset : offset + limit],
    }
