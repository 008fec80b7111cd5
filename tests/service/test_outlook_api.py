"""The outlook over the API and its page: a preset's projection and lever wedges as chart JSON."""

from __future__ import annotations

from tests.service.conftest import log_in


def test_a_viewer_gets_the_projection_and_the_levers_of_a_preset(service):
    log_in(service, "viewer")
    presets = service.get("/api/outlook/presets").json()
    assert "china_baseline" in presets["items"] and presets["total"] == len(presets["items"])
    body = service.get("/api/outlook/projection", params={"preset": "china_policy"}).json()
    assert body["scenario"] == "china_policy" and body["years"][0] == 2000 and body["years"][-1] == 2060
    assert set(body["series"]) >= {"crude_steel_production_mt", "steel_co2_mt"}
    assert all(len(values) == len(body["years"]) for values in body["series"].values())
    assert body["provisional"] is True and body["provisional_inputs"]  # the presets' unverified inputs
    assert body["pathway"] and {"start_year", "end_year", "name_zh"} <= set(body["pathway"][0])
    levers = service.get(
        "/api/outlook/levers", params={"reference": "china_baseline", "scenario": "china_policy"}
    ).json()
    assert levers["wedges"] and all(len(w["values_mt_co2"]) == len(levers["years"]) for w in levers["wedges"])
    # The policy preset cuts CO2 against the baseline by 2060: the wedges sum to a negative number.
    assert sum(w["values_mt_co2"][-1] for w in levers["wedges"]) < 0


def test_an_unknown_preset_is_a_404_naming_the_presets(service):
    log_in(service, "viewer")
    response = service.get("/api/outlook/projection", params={"preset": "mars"})
    assert response.status_code == 404
    assert response.json()["field"] == "preset" and "china_baseline" in response.json()["fix"]
    levers = service.get("/api/outlook/levers", params={"reference": "mars"})
    assert levers.status_code == 404 and levers.json()["field"] == "reference"


def test_the_outlook_page_in_both_languages_points_its_charts_at_the_api(service):
    log_in(service, "viewer")
    english = service.get("/outlook", params={"preset": "high_circularity"})
    assert english.status_code == 200
    assert 'data-projection="/api/outlook/projection?preset=high_circularity"' in english.text
    assert "scenario=high_circularity" in english.text and "/static/outlook.js" in english.text
    service.cookies.set("greenmet_language", "zh")
    chinese = service.get("/outlook")
    assert "2060年展望" in chinese.text and "情景预设" in chinese.text
    assert service.get("/outlook", params={"preset": "mars"}).status_code == 404
