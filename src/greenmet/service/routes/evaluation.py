"""Green evaluation over the API: the shipped standards' rows, and the evaluation of an enterprise
posted as JSON (the enterprise file's fields, optionally with its CEMS hours as rows)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

import pandas as pd
from fastapi import APIRouter, Body, Request

from greenmet.errors import InputError
from greenmet.service.auth import Engineer, Viewer
from greenmet.service.paging import Limit, Offset, page

__all__ = ["router"]

router = APIRouter(prefix="/api/evaluation", tags=["evaluation"])

# The tables in the OpenAPI schema as an enum: a client knows them before asking.
StandardsTable = Literal[
    "energy_limits",
    "energy_limit_corrections",
    "emission_limits",
    "carbon_labels",
    "resource_benchmarks",
    "energy_conversion_factors",
    "evaluation_rules",
]
_TABLES = get_args(StandardsTable)


@router.get("/standards", summary="Rows of a green-evaluation reference table, each with its source")
def get_standards(
    principal: Viewer,
    table: StandardsTable = "energy_limits",
    process: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    from greenmet.refdata import load_table

    if table not in _TABLES:
        raise InputError(
            "not a table of the green evaluation",
            field="table",
            value=table,
            fix=f"use one of {', '.join(_TABLES)}",
        )
    rows = load_table(table)
    if process is not None and "process" in rows.columns:
        rows = rows[rows["process"] == process]
    limit, offset = page(limit, offset)
    items = (
        rows.iloc[offset : offset + limit]
        .astype(object)
        .where(rows.iloc[offset : offset + limit].notna(), None)
    )
    return {
        "ok": True,
        "total": len(rows),
        "limit": limit,
        "offset": offset,
        "items": [{str(k): v for k, v in row.items()} for row in items.to_dict("records")],
    }


@router.post(
    "/evaluate", summary="Evaluate an enterprise posted as JSON: verdicts, gaps, measures, green factory"
)
def post_evaluate(
    request: Request,
    principal: Engineer,
    enterprise: Annotated[dict[str, Any], Body()],
    cems: Annotated[list[dict[str, Any]] | None, Body()] = None,
) -> dict[str, Any]:
    from greenmet.evaluation import Enterprise, evaluate

    model = Enterprise.model_validate(enterprise)
    frame = pd.DataFrame(cems) if cems else None
    result = evaluate(model, cems=frame)
    request.app.state.records.audit(
        principal.user_name,
        "evaluation.evaluate",
        "enterprise",
        model.id,
        {"reporting_year": model.reporting_year},
    )
    return {"ok": True, "evaluation": result.to_dict()}
