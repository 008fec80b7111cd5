"""Pagination of list endpoints: ``limit`` (1–1000) and ``offset`` (≥ 0)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from greenmet.errors import InputError

__all__ = ["MAX_OFFSET", "MAX_PAGE", "Limit", "Offset", "page"]

MAX_PAGE = 1000
# greenmet's own bound: far beyond any table the records store holds, and inside a 64-bit OFFSET.
MAX_OFFSET = 10**12

# The bounds in the OpenAPI schema too, so clients (and schemathesis) know them before asking.
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"rows per page, 1 to {MAX_PAGE}")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="rows to skip")]


def page(limit: int, offset: int) -> tuple[int, int]:
    """Checked ``(limit, offset)``."""
    if not 1 <= limit <= MAX_PAGE:
        raise InputError("limit out of range", field="limit", value=limit, fix=f"give 1 to {MAX_PAGE}")
    if not 0 <= offset <= MAX_OFFSET:
        raise InputError("offset out of range", field="offset", value=offset, fix=f"give 0 to {MAX_OFFSET}")
    return limit, offset
