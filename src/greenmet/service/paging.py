"""Pagination of list endpoints: ``limit`` (1–1000) and ``offset`` (≥ 0)."""

from __future__ import annotations

from greenmet.errors import InputError

__all__ = ["MAX_PAGE", "page"]

MAX_PAGE = 1000


def page(limit: int, offset: int) -> tuple[int, int]:
    """Checked ``(limit, offset)``."""
    if not 1 <= limit <= MAX_PAGE:
        raise InputError("limit out of range", field="limit", value=limit, fix=f"give 1 to {MAX_PAGE}")
    if offset < 0:
        raise InputError("offset is negative", field="offset", value=offset, fix="give 0 or more")
    return limit, offset
