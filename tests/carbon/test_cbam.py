"""CBAM method: formulas, default values, the SEE recursion, editions, bad input, invariants."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenmet.carbon import compute
from greenmet.carbon.activity import ActivityData
from greenmet.carbon.batch import compute_batch
from greenmet.carbon.cbam import (
    attributed_direct_emissions,
    communication,
    compute_cbam,
    default_value,
    default_values,
    heat_emission_factor_default,
    mass_balance_emissions,
    pfc_overvoltage,
    pfc_slope,
    specific_embedded_emissions,
)
from greenmet.errors import CompositionError, InputError, SuspectUnitError, UnknownKeyError

STEEL = {
    "installation": {"id": "s1", "name": "Steel works", "country": "CN", "sector": "steel"},
    "period": {"start": "2026-01-01", "end": "2026-12-31"},
    "cbam": {
        "processes": [
            {
                "name": "sinter",
                "category": "sintered_ore",
                "direct_emissions": 200.0,
                "electricity_consumed": 50.0,
                "electricity_factor": 0.58,
                "goods": [{"cn_code": "2601 12 00", "quantity": 1000.0}],
            },
            {
                "name": "bf",
                "category": "pig_iron",
                "route": "blast_furnace",
                "source_streams": [
                    {"name": "coke", "direction": "in", "quantity": 350.0, "carbon_content": 0.86},
                    {"name": "hot metal", "direction": "out", "quantity": 900.0, "carbon_content": 0.045},
                ],
                "electricity_consumed": 20.0,
                "electricity_factor": 0.58,
                "goods": [{"cn_code": "7201", "quantity": 900.0}],
                "precursors": [{"precursor": "sinter", "mass": 1000.0}],
            },
            {
                "name": "bof",
                "category": "crude_steel",
                "route": "BOF",
                "direct_emissions": 100.0,
                "goods": [{"cn_code": "7207 11 14", "quantity": 1000.0}],
                "precursors": [
                    {"precursor": "bf", "mass": 900.0},
                    {"precursor": "pig", "mass": 100.0},
                    {"precursor": "scrap", "mass": 120.0},
                ],
                "scrap_used": 120.0,
                "pre_consumer_scrap_fraction": 0.3,
                "reducing_agent": "coke",
                "alloy_content": {"Mn": 0.008},
            },
        ],
        "purchased_precursors": [
            {"name": "pig", "category": "pig_iron", "cn_code": "7201", "country": "CN", "use_default": True},
            {"name": "scrap", "category": "scrap", "country": "CN"},
        ],
        "carbon_price": {"kind": "ets", "price": 90.0, "currency": "CNY", "covered_share": 0.0},
    },
}


def _activity(data=None) -> ActivityData:
    return ActivityData.model_validate(copy.deepcopy(data or STEEL))


def _goods(result):
    return result.goods.set_index("process")


# ------------------------------------------------------------------------------- formulas
def test_mass_balance_counts_outgoing_carbon_negative():
    # f = 3.664 t CO2/t C (IR 2025/2547 Annex II B.3.2)
    assert mass_balance_emissions(100.0, 0.5) == pytest.approx(183.2)
    assert mass_balance_emissions(100.0, 0.5, outgoing=True) == pytest.approx(-183.2)
    series = mass_balance_emissions(pd.Series([1.0, 2.0], index=["a", "b"]), 0.1, [False, True])
    assert list(series.index) == ["a", "b"]
    assert series.tolist() == pytest.approx([0.3664, -0.7328])


def test_attributed_emissions_add_heat_and_subtract_exports():
    assert heat_emission_factor_default() == pytest.approx(56.1 / 0.9)
    value = attributed_direct_emissions(
        1000.0,
        heat_imported=2.0,
        heat_exported=1.0,
        heat_exported_factor=50.0,
        waste_gas_exported=3.0,
        electricity_production_emissions=10.0,
    )
    expected = 1000 + 2 * 56.1 / 0.9 - 1 * 50 - 3 * 56.1 * 0.667 - 10
    assert value == pytest.approx(expected)


def test_pfc_overvoltage_and_unknown_technology():
    cf4, c2f6 = pfc_overvoltage(10.0, 0.95, 1000.0, "CWPB")
    assert cf4 == pytest.approx(1.16 * 10 / 95 * 1000 * 0.001)  # CE in percent inside the formula
    assert c2f6 == pytest.approx(cf4 * 0.121)
    with pytest.raises(SuspectUnitError, match="current efficiency above 1"):
        pfc_overvoltage(10.0, 95.0, 1000.0, "CWPB")
    with pytest.raises(UnknownKeyError, match="no overvoltage-method PFC factor.*CWPB, SWPB"):
        pfc_overvoltage(10.0, 0.95, 1000.0, "VSS")
    cf4_duct, _ = pfc_slope(0.1, 1000.0, "CWPB", collection_efficiency=0.5)
    assert cf4_duct == pytest.approx(2 * pfc_slope(0.1, 1000.0, "CWPB")[0])


# -------------------------------------------------------------------------- default values
def test_default_value_lookup_by_longest_prefix_and_fallback():
    assert default_value("7208 51 20", "CN")["cn_code"] == "7208"
    dri = default_value("7203 10 00", "CN")
    assert dri["country_table"] == "other" and dri["direct"] == 1.325  # China's cell is empty
    assert default_value("7208", "CA", fallback=True)["direct"] == 4.049
    ore = default_value("26011200", "CN")
    assert (ore["direct"], ore["indirect"], ore["indirect_reported"]) == (0.2, 0.06, True)
    many = default_values(pd.DataFrame({"cn_code": ["7208", "7601"], "country": ["CN", "CN"]}), 2027)
    assert many["total_with_markup"].tolist() == pytest.approx([3.187 * 1.2, 3.0 * 1.2])


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (("2523 29 00", "CN"), {}, UnknownKeyError, "CN code not in the shipped"),
        (("7208", "CA"), {}, UnknownKeyError, "default values of this country are not shipped"),
        (("7208", "DE"), {}, InputError, "EU or from CBAM-exempt"),
        (("7219", "CN"), {}, InputError, "sub-headings have different default values"),
        (("7208", "CN", 2031), {}, UnknownKeyError, "no CBAM mark-up published"),
        (("72x8", "CN"), {}, InputError, "CN code is not 4 to 10 digits"),
    ],
)
def test_default_value_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        default_value(*args, **kwargs)


def test_no_markup_before_the_definitive_period():
    assert default_value("7208", "CN", 2025)["total_with_markup"] == 3.187


# ------------------------------------------------------------------------------- recursion
def test_see_of_a_three_step_chain():
    result = compute_cbam(_activity())
    goods = _goods(result)
    f = 3.664
    sinter_direct = 200.0 / 1000
    sinter_indirect = 50 * 0.58 / 1000  # sintered ore: indirect counted (asymmetric rule)
    bf_direct = (f * (350 * 0.86 - 900 * 0.045) + 1000 * sinter_direct) / 900
    bf_indirect = 1000 * sinter_indirect / 900  # the pig iron's own electricity is not counted
    # purchased pig iron: China default 1.66 t CO2e/t with the +10 % mark-up of the 2026 reporting year
    bof_direct = (100 + 900 * bf_direct + 100 * 1.66 * 1.1 + 120 * 0.0) / 1000
    bof_indirect = 900 * bf_indirect / 1000
    assert goods.loc["sinter", "see_direct_t_co2e_per_t"] == pytest.approx(sinter_direct)
    assert goods.loc["sinter", "see_indirect_t_co2e_per_t"] == pytest.approx(sinter_indirect)
    assert goods.loc["bf", "see_direct_t_co2e_per_t"] == pytest.approx(bf_direct)
    assert goods.loc["bf", "see_indirect_t_co2e_per_t"] == pytest.approx(bf_indirect)
    assert goods.loc["bof", "see_direct_t_co2e_per_t"] == pytest.approx(bof_direct)
    assert goods.loc["bof", "see_indirect_t_co2e_per_t"] == pytest.approx(bof_indirect)
    assert goods.loc["bof", "default_value_share"] == pytest.approx(
        100 * 1.66 * 1.1 / 1000 / (bof_direct + bof_indirect)
    )
    assert result.intensity_t_co2e_per_t["72071114"] == pytest.approx(bof_direct + bof_indirect)


def test_transitional_edition_counts_indirect_emissions_of_every_good():
    definitive = _goods(compute_cbam(_activity()))
    data = copy.deepcopy(STEEL)
    for p in data["cbam"]["purchased_precursors"]:
        if p["name"] == "pig":
            p.update(use_default=False, see_direct=1.66, see_indirect=0.0)
    transitional = _goods(compute_cbam(_activity(data), edition="IR2023/1773"))
    extra = 20 * 0.58 / 900  # the blast furnace's own electricity, counted only in IR 2023/1773
    assert transitional.loc["bf", "see_indirect_t_co2e_per_t"] == pytest.approx(
        definitive.loc["bf", "see_indirect_t_co2e_per_t"] + extra
    )


def test_defaults_are_refused_under_the_transitional_edition():
    with pytest.raises(InputError, match="IR 2023/1773 default values are not shipped"):
        compute_cbam(_activity(), edition="IR2023/1773")


def test_markup_year_applies_to_precursor_defaults():
    base = _goods(compute_cbam(_activity(), markup_year=None))
    marked = _goods(compute_cbam(_activity(), markup_year=2027))
    assert marked.loc["bof", "see_direct_t_co2e_per_t"] - base.loc["bof", "see_direct_t_co2e_per_t"] == (
        pytest.approx(100 * 1.66 * 0.20 / 1000)
    )


def test_without_markup_year_the_reporting_year_rule_applies_and_value_source_says_so():
    # The CLI passes no markup_year: the 2026 reporting year's +10 % applies (IR 2025/2621), and
    # the precursor's value_source states the value, the mark-up and the rule with its sources.
    result = compute_cbam(_activity())
    pig = result.precursors.set_index("precursor").loc["pig"]
    assert pig["see_direct_t_co2e_per_t"] == pytest.approx(1.66 * 1.1)
    source = pig["value_source"]
    assert "default value CN 7201 (CN table): direct 1.66 + indirect 0 t CO2e/t" in source
    assert "+10 % mark-up of 2026 (reporting year 2026; rule:" in source
    assert "IR 2025/2621 recitals 3-4" in source and "IR 2025/2547 Art. 15" in source
    assert result.options["markup_year"] == 2026
    line = result.lines[result.lines["source_stream"] == "pig:direct"].iloc[0]
    assert line["factor_source"] == source
    # before the definitive period no mark-up, and the record says why
    earlier = copy.deepcopy(STEEL)
    earlier["period"] = {"start": "2025-01-01", "end": "2025-12-31"}
    old = compute_cbam(_activity(earlier)).precursors.set_index("precursor").loc["pig"]
    assert old["see_direct_t_co2e_per_t"] == pytest.approx(1.66)
    assert "no mark-up (no mark-up: reporting year 2025 is before 2026" in old["value_source"]
    explicit = compute_cbam(_activity(), markup_year=None).precursors.set_index("precursor").loc["pig"]
    assert "base value without mark-up (markup_year=None given)" in explicit["value_source"]
    from_file = copy.deepcopy(STEEL) | {"options": {"markup_year": "base"}}
    compute(_activity(from_file), "cbam")  # the [options] section can ask for base values
    pig = compute(_activity(from_file), "cbam").precursors.set_index("precursor").loc["pig"]
    assert pig["see_direct_t_co2e_per_t"] == pytest.approx(1.66)


def _two_routes(first_see: float, second_see: float, first_t: float, second_t: float) -> dict:
    process = {"category": "iron_steel_products", "route": "rolling"}
    return {
        "installation": {"id": "two", "name": "Two mills", "sector": "steel"},
        "period": {"start": "2026-01-01", "end": "2026-12-31"},
        "cbam": {"processes": [
            {**process, "name": "mill-a", "direct_emissions": first_see * first_t,
             "goods": [{"cn_code": "7208", "quantity": first_t}]},
            {**process, "name": "mill-b", "direct_emissions": second_see * second_t,
             "goods": [{"cn_code": "7208", "quantity": second_t}]},
        ]},
    }


def test_one_cn_code_from_two_processes_reports_each_and_the_weighted_see():
    # SEE 1.0 on 100 t and 3.0 on 300 t: each process keeps its SEE, the CN code gets
    # (100 x 1.0 + 300 x 3.0) / 400 = 2.5 in the headline, the batch column and the communication.
    activity = _activity(_two_routes(1.0, 3.0, 100.0, 300.0))
    result = compute_cbam(activity)
    goods = _goods(result)
    assert goods.loc["mill-a", "see_total_t_co2e_per_t"] == pytest.approx(1.0)
    assert goods.loc["mill-b", "see_total_t_co2e_per_t"] == pytest.approx(3.0)
    assert result.intensity_t_co2e_per_t == {"7208": pytest.approx(2.5)}
    by_cn = result.cn_codes.set_index("cn_code").loc["7208"]
    assert by_cn["quantity_t"] == pytest.approx(400.0)
    assert by_cn["processes"] == "mill-a, mill-b"
    warning = [w for w in result.warnings if w.startswith("CN 7208 is made by 2 processes")]
    assert len(warning) == 1 and "production-weighted mean 2.5" in warning[0]
    row = compute_batch([activity], "cbam").iloc[0]
    assert row["intensity_7208_t_co2e_per_t"] == pytest.approx(2.5)
    assert row["warnings_count"] == len(result.warnings)
    records = communication(result)
    assert [r["process"] for r in records] == ["mill-a", "mill-b"]
    assert [r["cn_code_see_total_t_co2e_per_t"] for r in records] == pytest.approx([2.5, 2.5])
    assert records[0]["see_total_t_co2e_per_t"] == pytest.approx(1.0)


def test_one_cn_code_from_two_processes_with_equal_see_gives_no_warning():
    result = compute_cbam(_activity(_two_routes(2.0, 2.0, 100.0, 300.0)))
    assert result.intensity_t_co2e_per_t == {"7208": pytest.approx(2.0)}
    assert not [w for w in result.warnings if "processes" in w]


def test_overvoltage_current_efficiency_as_fraction_or_percent_gives_the_same_pfc():
    def smelter(current_efficiency):
        return ActivityData.model_validate({
            "installation": {"id": "al", "name": "Smelter", "sector": "aluminium"},
            "period": {"start": "2026-01-01", "end": "2026-12-31"},
            "cbam": {"processes": [{
                "name": "potline", "category": "unwrought_aluminium", "route": "primary",
                "pfc": {"method": "overvoltage", "technology": "CWPB", "anode_effect_overvoltage": 10.0,
                        "current_efficiency": current_efficiency, "collection_efficiency": "98 %"},
                "goods": [{"cn_code": "7601 10 00", "quantity": 1000.0}]}]},
        })

    fraction = compute_cbam(smelter(0.94)).lines
    percent = compute_cbam(smelter("94 %")).lines
    cf4 = fraction.set_index("gas").loc["CF4", "emissions_t"]
    assert cf4 == pytest.approx(1.16 * 10 / 94 * 1000 * 0.001 / 0.98)  # CE in percent in the formula
    assert percent.set_index("gas").loc["CF4", "emissions_t"] == pytest.approx(cf4)
    with pytest.raises(SuspectUnitError, match=r'current_efficiency: share 94 is above 1.*"94 %"'):
        smelter(94)


def test_communication_carries_the_importer_fields():
    records = communication(compute(_activity(), "cbam"))
    steel = next(r for r in records if r["process"] == "bof")
    assert steel["cn_code"] == "72071114"
    assert steel["production_route"] == "BOF"
    assert steel["scrap_t_per_t"] == pytest.approx(0.12)
    assert steel["pre_consumer_scrap_percent"] == pytest.approx(30.0)
    assert steel["alloy_content_percent"] == {"Mn": pytest.approx(0.8)}
    assert steel["reducing_agent"] == "coke"
    assert steel["carbon_price_kind"] == "ets" and steel["carbon_price_currency"] == "CNY"
    names = {p["precursor"]: p for p in steel["precursors"]}
    assert names["bf"]["mass_t_per_t"] == pytest.approx(0.9)
    assert names["bf"]["see_direct_t_co2e_per_t"] is not None
    assert names["scrap"]["see_direct_t_co2e_per_t"] == 0.0
    assert names["pig"]["value_source"].startswith("default")
    assert 0 < steel["default_value_share"] < 1
    assert compute(_activity(), "cbam").to_dict()["goods"][0]["cn_code"] == "26011200"


def test_pfc_lines_use_ar5_gwps():
    data = {
        "installation": {"id": "al", "name": "Smelter", "sector": "aluminium"},
        "period": {"start": "2026-01-01", "end": "2026-12-31"},
        "cbam": {
            "processes": [
                {
                    "name": "potline",
                    "category": "unwrought_aluminium",
                    "route": "primary",
                    "pfc": {"technology": "CWPB", "anode_effect_minutes": 0.1},
                    "goods": [{"cn_code": "7601 10 00", "quantity": 1000.0}],
                }
            ]
        },
    }
    result = compute_cbam(ActivityData.model_validate(data))
    pfc = result.lines[result.lines["category"] == "pfc"].set_index("gas")
    assert pfc.loc["CF4", "emissions_t"] == pytest.approx(0.1 * 0.143)
    assert pfc.loc["C2F6", "emissions_t_co2e"] == pytest.approx(0.1 * 0.143 * 0.121 * 11100)


# ------------------------------------------------------------------------------- bad input
def _with(change) -> dict:
    data = copy.deepcopy(STEEL)
    change(data["cbam"])
    return data


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (
            lambda c: c["processes"][2]["precursors"].append({"precursor": "pig", "mass": -1.0}),
            InputError,
            "negative",
        ),
        (
            lambda c: c["processes"][2]["precursors"].append({"precursor": "ghost", "mass": 1.0}),
            InputError,
            "neither a process nor a purchased precursor",
        ),
        (
            lambda c: c["processes"][2]["precursors"].append({"precursor": "bof", "mass": 1.0}),
            InputError,
            "consumes its own good",
        ),
        (
            lambda c: c["processes"][0]["goods"].__setitem__(0, {"cn_code": "26011200", "quantity": -5.0}),
            InputError,
            "negative",
        ),
        (
            lambda c: c["purchased_precursors"].append({"name": "dri", "category": "dri", "country": "CN"}),
            InputError,
            "no embedded emissions",
        ),
        (
            lambda c: c["purchased_precursors"].append(
                {"name": "dri", "category": "dri", "country": "CN", "use_default": True}
            ),
            InputError,
            "needs the CN code",
        ),
        (lambda c: c["processes"].append(copy.deepcopy(c["processes"][0])), InputError, "used twice"),
        (lambda c: c["processes"][0].pop("electricity_factor"), InputError, "without its emission factor"),
        (lambda c: c["processes"][2].update(pre_consumer_scrap_fraction=30.0), SuspectUnitError,
         r'share 30 is above 1.*give 0.3 or write the percent sign: "30 %"'),
        (lambda c: c["processes"][2].update(pre_consumer_scrap_fraction=300.0), CompositionError,
         "share outside 0-100 %"),
        (lambda c: c["processes"][2].update(direct_emissions=1e300), InputError,
         "direct_emissions = 1e.300 is beyond any installation"),
        (
            lambda c: c["processes"][2].update(pfc={"technology": "CWPB", "anode_effect_minutes": 0.1}),
            InputError,
            "not primary aluminium",
        ),
    ],
)
def test_bad_cbam_sections_are_refused(change, error, match):
    with pytest.raises(error, match=match):
        ActivityData.model_validate(_with(change))


def test_precursor_cycle_is_an_error():
    data = _with(lambda c: c["processes"][0].update(precursors=[{"precursor": "bf", "mass": 10.0}]))
    with pytest.raises(InputError, match="precursor cycle.*sinter"):
        compute_cbam(ActivityData.model_validate(data))


def test_zero_activity_level_and_missing_section_and_edition():
    data = _with(
        lambda c: c["processes"][0]["goods"].__setitem__(0, {"cn_code": "26011200", "quantity": 0.0})
    )
    with pytest.raises(InputError, match="zero activity level"):
        compute_cbam(ActivityData.model_validate(data))
    bare = copy.deepcopy(STEEL)
    bare.pop("cbam")
    with pytest.raises(InputError, match="no 'cbam' section"):
        compute_cbam(ActivityData.model_validate(bare))
    with pytest.raises(InputError, match="unknown CBAM edition"):
        compute_cbam(_activity(), edition="IR2099/1")


def test_unshipped_origin_is_an_error_unless_fallback_is_asked():
    data = _with(lambda c: c["purchased_precursors"][0].update(country="IN"))
    with pytest.raises(UnknownKeyError, match="not shipped"):
        compute_cbam(ActivityData.model_validate(data))
    result = compute_cbam(ActivityData.model_validate(data), fallback_defaults=True, markup_year=None)
    pig = result.precursors.set_index("precursor").loc["pig"]
    assert pig["see_direct_t_co2e_per_t"] == 3.48  # 'Other countries and territories', CN 7201


# ------------------------------------------------------------------------------ properties
@settings(max_examples=40, deadline=None)
@given(
    own_a=st.floats(0.0, 1e4),
    own_b=st.floats(0.0, 1e4),
    al_a=st.floats(1.0, 1e4),
    al_b=st.floats(1.0, 1e4),
    bought=st.floats(0.0, 1e3),
    see_bought=st.floats(0.0, 10.0),
)
def test_a_chain_collapsed_into_one_process_gives_the_same_see(own_a, own_b, al_a, al_b, bought, see_bought):
    # A makes an intermediate wholly consumed by B (M = AL_A): SEE_B must equal that of one process
    # B' with the emissions of both and B's output (IR 2025/2547 Annex III B applied recursively).
    processes = pd.DataFrame(
        {
            "key": ["A", "B"],
            "activity_level": [al_a, al_b],
            "attributed_direct": [own_a + bought * see_bought, own_b],
        }
    )
    uses = pd.DataFrame({"consumer": ["B"], "precursor": ["A"], "mass": [al_a]})
    chain = specific_embedded_emissions(processes, uses).loc["B", "see_direct"]
    one = specific_embedded_emissions(
        pd.DataFrame(
            {
                "key": ["B'"],
                "activity_level": [al_b],
                "attributed_direct": [own_a + own_b + bought * see_bought],
            }
        ),
        pd.DataFrame(columns=["consumer", "precursor", "mass"]),
    ).loc["B'", "see_direct"]
    assert chain == pytest.approx(one, rel=1e-9, abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(scrap=st.floats(0.0, 1e4), eu=st.floats(0.0, 1e4))
def test_scrap_and_eu_precursors_add_nothing(scrap, eu):
    base = _goods(compute_cbam(_activity())).loc["bof", "see_total_t_co2e_per_t"]

    def change(c):
        c["purchased_precursors"].append(
            {"name": "eu_pig", "category": "pig_iron", "cn_code": "7201", "country": "DE", "see_direct": 1.9}
        )
        c["processes"][2]["precursors"][2]["mass"] = scrap
        c["processes"][2]["precursors"].append({"precursor": "eu_pig", "mass": eu})

    more = _goods(compute_cbam(ActivityData.model_validate(_with(change)))).loc[
        "bof", "see_total_t_co2e_per_t"
    ]
    assert more == pytest.approx(base, rel=1e-12)


def test_many_installations_in_one_solve_equal_one_by_one():
    from greenmet.carbon.cbam import cbam_tables

    second = copy.deepcopy(STEEL)
    second["installation"]["id"] = "s2"
    second["cbam"]["processes"][2]["direct_emissions"] = 500.0
    activities = [_activity(), _activity(second)]
    tables = cbam_tables(activities)
    for activity in activities:
        alone = compute_cbam(activity).goods.set_index("process")["see_total_t_co2e_per_t"]
        together = tables.goods[tables.goods["installation_id"] == activity.installation.id]
        assert together.set_index("process")["see_total_t_co2e_per_t"].to_dict() == pytest.approx(
            alone.to_dict()
        )
    with pytest.raises(InputError, match="installation id used twice"):
        cbam_tables([activities[0], activities[0]])


def test_communication_is_strict_json():
    import json

    data = copy.deepcopy(STEEL)
    data["cbam"]["processes"][0].pop("route", None)
    text = json.dumps(communication(compute_cbam(_activity(data))), allow_nan=False)
    assert '"production_route": null' in text
