"""The evaluation page: an engineer uploads an enterprise file and everyone sees verdicts and gaps."""

from __future__ import annotations

from importlib import resources

from tests.service.conftest import log_in

EXAMPLE = resources.files("greenmet.evaluation").joinpath("examples", "steel_works.toml").read_bytes()


def test_an_engineer_uploads_an_enterprise_and_a_viewer_reads_verdicts_and_gaps(service):
    csrf = log_in(service, "engineer")
    response = service.post(
        "/evaluation",
        data={"csrf_token": csrf},
        files={"file": ("steel_works.toml", EXAMPLE)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    target = response.headers["location"]
    upload = target.rsplit("/", 1)[1]
    audit = service.app.state.records.query(
        "SELECT actor, object_id FROM audit_log WHERE action = 'evaluation.upload'"
    )
    assert audit.to_dict(orient="records") == [{"actor": "engineer", "object_id": upload}]
    service.cookies.clear()
    log_in(service, "viewer")
    page = service.get(target)
    assert page.status_code == 200
    # The example's sintering energy (53.2 kgce/t) fails the 52 kgce/t level-3 limit of GB 21256.
    assert 'data-verdict="fails_limit"' in page.text and "GB 21256" in page.text
    assert "carbon_activity_file" in page.text  # the companion file it names is said to be left out
    listing = service.get("/evaluation")
    assert f'href="/evaluation/{upload}"' in listing.text and 'id="enterprise-file"' not in listing.text
    service.cookies.set("greenmet_language", "zh")
    assert "距下一等级的差距" in service.get(target).text


def test_a_bad_enterprise_file_is_refused_naming_the_field_and_nothing_is_kept(service):
    csrf = log_in(service, "engineer")
    bad = EXAMPLE.replace(b"reporting_year = 2026", b"reporting_year = -5")
    assert bad != EXAMPLE
    response = service.post("/evaluation", data={"csrf_token": csrf}, files={"file": ("e.toml", bad)})
    assert response.status_code == 422 and "reporting_year" in response.text
    directory = service.app.state.settings.uploads_directory
    assert not directory.exists() or not any(directory.iterdir())
    viewer_csrf = (service.cookies.clear(), log_in(service, "viewer"))[1]
    refused = service.post(
        "/evaluation", data={"csrf_token": viewer_csrf}, files={"file": ("e.toml", EXAMPLE)}
    )
    assert refused.status_code == 403
