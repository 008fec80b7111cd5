"""The furnaces the historian holds."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from greenmet.service.auth import Viewer
from greenmet.service.paging import page

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


@router.get("/furnaces", summary="Furnaces in the historian")
def get_furnaces(request: Request, principal: Viewer, limit: int = 100, offset: int = 0) -> dict[str, Any]:
    limit, offset = page(limit, offset)
    furnaces = list_furnaces(request.app.state.settings.historian_root)
    return {
        "ok": True,
        "total": len(furnaces),
        "limit": limit,
        "offset": offset,
        "items": furnaces[offset : offset + limit],
    }
