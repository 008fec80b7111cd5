"""Method options declared once (greenmet.carbon.options): the [options] section, provenance, warnings."""

from __future__ import annotations

import copy
from typing import get_args

import pytest

from greenmet.carbon import ActivityData, cn_aluminium, cn_steel, compute
from greenmet.carbon.batch import compute_batch
from greenmet.carbon.options import (
    OPTION_MODELS,
    ActivityOptions,
    CnSteelOptions,
    option_keys,
    parse_option_text,
    resolve_options,
)
from greenmet.errors import InputError, UnknownKeyError
from greenmet.io.activity_files import activity_to_dict, read_activity, read_example, write_template

STEEL = {
    "installation": {"id": "opt-1", "name": "Options plant", "sector": "steel"},
    "period": {"start": "2024-01-01", "end": "2024-12-31"},
    "materials": [{"material": "coke", "direction": "in", "quantity": 400.0, "unit": "t"}],
    "production": [{"product": "crude_steel", "quantity": 1000.0, "unit": "t"}],
}


def _steel(**changes) -> ActivityData:
    data = copy.deepcopy(STEEL) | changes
    return ActivityData.model_validate(data)


def _smelter(**changes) -> ActivityData:
    data = activity_to_dict(read_example("aluminium")) | changes
    return ActivityData.model_validate(data)


# ------------------------------------------------------------------------ declared once, derived
def test_editions_of_the_option_models_are_the_editions_the_methods_know():
    assert set(get_args(CnSteelOptions.model_fields["edition"].annotation)) == set(cn_steel.EDITIONS)
    aluminium = OPTION_MODELS["cn-aluminium"].model_fields["edition"].annotation
    assert set(get_args(aluminium)) == set(cn_aluminium.EDITIONS)


def test_the_file_section_has_every_option_of_every_method():
    fields = set(ActivityOptions.model_fields)
    for model in OPTION_MODELS.values():
        assert set(model.model_fields) <= fields
    assert fields == set(option_keys())
    schema = ActivityData.model_json_schema()
    section = schema["$defs"]["ActivityOptions"]["properties"]
    editions = section["edition"]["anyOf"][0]["enum"]
    assert {"gbt-32151.5-2015", "ndrc-2013", "cets-ag-04.01-2024", "IR2025/2547"} <= set(editions)


def test_frame_functions_take_the_model_or_keywords_alike():
    activity = _steel()
    from greenmet.carbon.activity import activity_frames

    frames = activity_frames(activity)
    by_model = cn_steel.cn_steel_lines(frames, CnSteelOptions(edition="ndrc-2013"))[0]
    by_keyword = cn_steel.cn_steel_lines(frames, edition="ndrc-2013")[0]
    assert by_model["emissions_t"].sum() == by_keyword["emissions_t"].sum()


# ------------------------------------------------------------------------------- provenance
def test_file_options_apply_and_arguments_override_them():
    activity = _steel(options={"edition": "ndrc-2013", "grid_basis": "fossil"})
    result = compute(activity, "cn-steel")
    assert result.method_edition == "ndrc-2013"
    assert result.options_source["edition"] == "file"
    assert result.options_source["grid_basis"] == "file"
    assert result.options_source["grid_region"] == "default"
    overridden = compute(activity, "cn-steel", edition="gbt-32151.5-2015")
    assert overridden.method_edition == "gbt-32151.5-2015"
    assert overridden.options_source["edition"] == "argument"


def test_a_file_option_of_another_method_is_ignored_with_a_warning():
    result = compute(_steel(options={"pfc_method": "default_factor"}), "cn-steel")
    assert any("pfc_method" in note and "ignored" in note for note in result.warnings)
    assert "pfc_method" not in result.options


def test_an_argument_the_method_does_not_have_is_refused():
    with pytest.raises(UnknownKeyError, match=r"pfc_method.*does not apply to method cn-steel"):
        compute(_steel(), "cn-steel", pfc_method="slope")


def test_bad_option_values_name_the_field_and_the_choices():
    with pytest.raises(UnknownKeyError, match=r"edition.*'gbt-2099'.*use one of"):
        compute(_steel(), "cn-steel", edition="gbt-2099")
    with pytest.raises(InputError, match=r"options"):
        _steel(options={"gwp_metric": "AR9"})
    with pytest.raises(InputError, match=r"grid_factor_year"):
        resolve_options("cn-steel", {}, {"grid_factor_year": 1800})


def test_gwp_metric_short_names_are_accepted():
    options = resolve_options("cn-aluminium", None, {"gwp_metric": "AR4"}).options
    assert options.gwp_metric == "AR4GWP100"
    assert _smelter(options={"gwp_metric": "ar6"}).options.gwp_metric == "AR6GWP100"


def test_option_text_parses_numbers_booleans_and_refuses_unknown_keys():
    assert parse_option_text("grid_factor_year=2022") == ("grid_factor_year", 2022)
    assert parse_option_text("fixed-carbon-from-production=false") == ("fixed_carbon_from_production", False)
    assert parse_option_text("electricity_factor=0.6") == ("electricity_factor", 0.6)
    with pytest.raises(InputError, match="KEY=VALUE"):
        parse_option_text("edition")
    with pytest.raises(UnknownKeyError, match="no such option"):
        parse_option_text("colour=blue")


# ------------------------------------------------------------------------------ file formats
def test_options_survive_the_excel_template_and_toml(tmp_path):
    activity = _steel(options={"edition": "ndrc-2013", "grid_factor_year": 2022,
                               "fixed_carbon_from_production": False})
    path = write_template(tmp_path / "plant.xlsx", "zh", activity=activity)
    back = read_activity(path)
    assert back.options is not None
    assert back.options.model_dump(exclude_none=True) == {
        "edition": "ndrc-2013", "grid_factor_year": 2022, "fixed_carbon_from_production": False}


def test_a_bad_option_in_an_excel_file_names_its_row(tmp_path):
    import openpyxl

    path = write_template(tmp_path / "plant.xlsx", "en", activity=_steel())
    book = openpyxl.load_workbook(path)
    sheet = book["options"]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "grid_basis")
    sheet.cell(row, 3).value = "cheapest"
    book.save(path)
    with pytest.raises(InputError, match=rf"options.*row {row}.*grid_basis|grid_basis.*row {row}") as error:
        read_activity(path)
    assert "cheapest" in str(error.value)


# ---------------------------------------------------------------------------------- batch
def test_batch_uses_each_files_options_and_lists_them():
    a = _steel(options={"edition": "ndrc-2013"})
    b = _steel(installation={"id": "opt-2", "name": "Other", "sector": "steel"})
    table = compute_batch([a, b]).set_index("installation_id")
    assert table.loc["opt-1", "method_edition"] == "ndrc-2013"
    assert table.loc["opt-2", "method_edition"] == "gbt-32151.5-2015"
    assert "edition=ndrc-2013" in table.loc["opt-1", "options"]
    forced = compute_batch([a, b], edition="gbt-32151.5-2015").set_index("installation_id")
    assert set(forced["method_edition"]) == {"gbt-32151.5-2015"}


# ------------------------------------------------------------ warnings agree with what was used
def test_ar4_run_names_ar4_not_ar5():
    result = compute(_smelter(), "cn-aluminium", gwp_metric="AR4")
    assert result.gwp_metric == "AR4GWP100"
    assert not any("AR5" in note for note in result.warnings)
    assert any("AR4GWP100" in note for note in result.warnings)
    pfc = result.lines[result.lines["gas"] == "CF4"]
    # CF4 under AR4 (IPCC AR4 WG1 Table 2.14: 7390)
    assert (pfc["emissions_t_co2e"] / pfc["emissions_t"]).iloc[0] == pytest.approx(7390)


def test_pfc_lines_of_the_provisional_edition_are_not_confirmed():
    lines = compute(_smelter(), "cn-aluminium", edition="cets-ag-04.01-2024").lines
    assert lines.loc[lines["category"] == "pfc", "needs_verification"].all()
    confirmed_edition = compute(_smelter(), "cn-aluminium", edition="ir-2025-2547").lines
    pfc = confirmed_edition[confirmed_edition["category"] == "pfc"]
    assert not pfc["needs_verification"].any()


def test_no_grid_warning_without_grid_electricity():
    old_year = {"reporting_year": 2024}
    no_power = _smelter(energy=[], **old_year)
    assert not any("grid factor" in note for note in compute(no_power, "cn-aluminium").warnings)
    supplier = [{"carrier": "electricity", "direction": "purchased", "quantity": 5.0, "unit": "MWh",
                 "emission_factor": 0.3, "emission_factor_unit": "t/MWh"}]
    assert not any("grid factor" in n for n in compute(_steel(energy=supplier), "cn-steel").warnings)
    grid = [{"carrier": "electricity", "direction": "purchased", "quantity": 5.0, "unit": "MWh"}]
    assert any("grid factor of" in n for n in compute(_steel(energy=grid), "cn-steel").warnings)
    table = compute_batch([no_power], "cn-aluminium")
    single = compute(no_power, "cn-aluminium")
    assert table["warnings_count"].iloc[0] == len(single.warnings)
