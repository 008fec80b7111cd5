"""Carbon reports from uploaded activity files (Excel template, TOML, YAML, JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import FileResponse

from greenmet.service.auth import Engineer, Viewer
from greenmet.service.uploads import ACTIVITY_SUFFIXES, keep_upload, stored_upload

__all__ = ["compute_report", "router"]

router = APIRouter(prefix="/api/carbon", tags=["carbon"])

_MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def compute_report(path: Path, method: str | None = None) -> Any:
    """Read an activity file and compute its report with the method's defaults and the file's options."""
    from greenmet.carbon import compute
    from greenmet.carbon.batch import default_method
    from greenmet.carbon.options import resolve_options
    from greenmet.io.activity_files import read_activity

    activity = read_activity(path)
    method_name = method or default_method(activity)
    return compute(
        activity, method_name, resolved=resolve_options(method_name, activity.options, {}, given_as="flag")
    )


@router.post("/uploads", summary="Upload an activity file; returns its id and its report")
async def post_upload(
    request: Request, principal: Engineer, file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    from greenmet.io.carbon_report import result_to_json

    name, result = await keep_upload(
        request,
        principal.user_name,
        file,
        suffixes=ACTIVITY_SUFFIXES,
        check=compute_report,
        action="carbon.upload",
    )
    return {"ok": True, "upload": name, "report": result_to_json(result)}


@router.get(
    "/uploads/{upload}/report",
    summary="The report of an uploaded file as JSON, Excel or PDF",
    response_model=None,
)
def get_report(
    upload: str,
    request: Request,
    principal: Viewer,
    format: Literal["json", "xlsx", "pdf"] = "json",
    language: Literal["en", "zh"] = "en",
    method: str | None = None,
) -> Any:
    from greenmet.io import carbon_report

    settings = request.app.state.settings
    result = compute_report(stored_upload(settings.uploads_directory, upload), method)
    if format == "json":
        return {"ok": True, "upload": upload, "report": carbon_report.result_to_json(result)}
    reports = settings.data_directory / "reports"
    target = reports / f"carbon-{Path(upload).stem[:16]}-{language}.{format}"
    writer = carbon_report.write_report_xlsx if format == "xlsx" else carbon_report.write_report_pdf
    written = writer(target, result, language)
    return FileResponse(written, media_type=_MEDIA[format], filename=target.name)
