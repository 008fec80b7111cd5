"""Carbon uploads: what is kept, what is refused, nothing half-written, every upload audited."""

from __future__ import annotations

from importlib import resources

from tests.service.conftest import log_in

EXAMPLE = resources.files("greenmet.carbon").joinpath("examples")


def _example(name: str) -> bytes:
    return EXAMPLE.joinpath(name).read_bytes()


def _kept(service) -> list[str]:
    directory = service.app.state.settings.uploads_directory
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def _first_example() -> str:
    return sorted(p.name for p in EXAMPLE.iterdir() if p.name.endswith(".toml"))[0]


def test_an_engineer_uploads_and_everyone_reads_the_report(service):
    csrf = log_in(service, "engineer")
    response = service.post(
        "/api/carbon/uploads",
        headers={"X-CSRF-Token": csrf},
        files={"file": ("../../etc/passwd.toml", _example(_first_example()))},
    )
    assert response.status_code == 200, response.text
    upload = response.json()["upload"]
    assert _kept(service) == [upload]  # named by its SHA-256, wherever the client wanted it
    audit = service.app.state.records.query(
        "SELECT actor, object_id FROM audit_log WHERE action = 'carbon.upload'"
    )
    assert audit.to_dict(orient="records") == [{"actor": "engineer", "object_id": upload}]
    service.cookies.clear()
    log_in(service, "viewer")
    pdf = service.get(f"/api/carbon/uploads/{upload}/report?format=pdf&language=zh")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = service.get(f"/api/carbon/uploads/{upload}/report?format=xlsx")
    assert xlsx.content[:2] == b"PK"
    page = service.get(f"/carbon/{upload}")
    assert page.status_code == 200 and "download-pdf" in page.text


def test_bad_uploads_are_refused_and_leave_nothing(service):
    csrf = log_in(service, "engineer")
    headers = {"X-CSRF-Token": csrf}
    too_big = service.post("/api/carbon/uploads", headers=headers, files={"file": ("a.toml", b"#" * 200_001)})
    assert too_big.status_code == 413
    wrong_type = service.post("/api/carbon/uploads", headers=headers, files={"file": ("a.exe", b"MZ")})
    assert wrong_type.status_code == 415
    fake_excel = service.post(
        "/api/carbon/uploads", headers=headers, files={"file": ("a.xlsx", b"not a zip")}
    )
    assert fake_excel.status_code == 422 and fake_excel.json()["fix"]
    empty = service.post("/api/carbon/uploads", headers=headers, files={"file": ("a.toml", b"")})
    assert empty.status_code == 422
    assert _kept(service) == []


def test_a_viewer_cannot_upload_and_ids_cannot_walk_paths(service):
    csrf = log_in(service, "viewer")
    refused = service.post(
        "/api/carbon/uploads",
        headers={"X-CSRF-Token": csrf},
        files={"file": ("a.toml", _example(_first_example()))},
    )
    assert refused.status_code == 403 and _kept(service) == []
    for upload in ("..%2F..%2Frecords.duckdb", "records.duckdb", "0" * 64 + ".toml"):
        assert service.get(f"/api/carbon/uploads/{upload}/report").status_code == 404
