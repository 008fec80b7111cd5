"""The evaluation page: upload an enterprise file (TOML, YAML or JSON, the format of
``greenmet evaluate``), see each indicator's verdict and gap to the next level, the notes and the
green-factory grade. An upload is kept by its content hash like carbon uploads, and audited."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from greenmet.service.auth import Engineer, Viewer
from greenmet.service.uploads import keep_upload, recent_uploads, stored_upload
from greenmet.storage import users
from greenmet.web.app import render

__all__ = ["evaluate_upload", "router"]

router = APIRouter(include_in_schema=False)

ENTERPRISE_SUFFIXES = (".toml", ".yaml", ".yml", ".json")
# Files an enterprise file may name beside it; one upload carries one file, so they are left out
# and the page says so.
_COMPANION_FIELDS = ("cems_file", "carbon_activity_file")


def evaluate_upload(path: Path) -> tuple[dict[str, Any], list[str]]:
    """Evaluate an uploaded enterprise file: the result as a dict and the companion files left out."""
    from greenmet.errors import GreenmetError, Location
    from greenmet.evaluation import Enterprise, evaluate
    from greenmet.io.activity_files.readers import read_mapping_file

    data = dict(read_mapping_file(path))
    left_out = [f"{field} = {data.pop(field)}" for field in _COMPANION_FIELDS if field in data]
    try:
        enterprise = Enterprise.model_validate(data)
    except GreenmetError as exc:
        raise type(exc)(
            exc.problem, field=exc.field, value=exc.value, fix=exc.fix, location=Location(path.name)
        ) from None
    return evaluate(enterprise).to_dict(), left_out


@router.get("/evaluation")
def evaluation_page(request: Request, principal: Viewer) -> Response:
    return render(
        request,
        "evaluation.html",
        uploads=recent_uploads(request.app.state.records, "evaluation.upload"),
        can_upload=users.role_at_least(principal.user.role, "engineer"),
    )


@router.post("/evaluation")
async def evaluation_upload(
    request: Request, principal: Engineer, file: Annotated[UploadFile, File()]
) -> Response:
    name, _result = await keep_upload(
        request,
        principal.user_name,
        file,
        suffixes=ENTERPRISE_SUFFIXES,
        check=evaluate_upload,
        action="evaluation.upload",
    )
    return RedirectResponse(f"/evaluation/{name}", status_code=303)


@router.get("/evaluation/{upload}")
def evaluation_result_page(upload: str, request: Request, principal: Viewer) -> Response:
    result, left_out = evaluate_upload(stored_upload(request.app.state.settings.uploads_directory, upload))
    return render(
        request,
        "evaluation_result.html",
        upload=upload,
        result=result,
        left_out=left_out,
        failing=[row for row in result["indicators"] if row.get("gap") not in (None, 0, 0.0)],
    )
