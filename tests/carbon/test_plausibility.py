"""Magnitudes and specific uses no installation can have are refused; unusual ones are warned about."""

from __future__ import annotations

import pytest

from greenmet.carbon import compute
from greenmet.carbon.activity import ActivityData, AluminiumSmelting
from greenmet.carbon.batch import compute_batch
from greenmet.carbon.plausibility import plausibility_range, specific_use_warnings
from greenmet.errors import InputError, SuspectUnitError

PERIOD = {"start": "2024-01-01", "end": "2024-12-31"}


def smelter(electricity_mwh: float, unit: str = "MWh", ident: str = "smelter") -> ActivityData:
    return ActivityData(
        installation={"id": ident, "name": "Smelter", "sector": "aluminium"},
        period=PERIOD,
        aluminium={"technology": "CWPB", "anode_effect_frequency": 0.03, "anode_effect_duration": 2.5,
                   "net_anode_consumption": 0.41},
        energy=[{"carrier": "electricity", "direction": "purchased", "quantity": electricity_mwh,
                 "unit": unit}],
        production=[{"product": "primary_aluminium", "quantity": 1000.0, "unit": "t"}],
    )


def steel(**sections) -> ActivityData:
    return ActivityData(installation={"id": "plant", "name": "Plant", "sector": "steel"}, period=PERIOD,
                        **sections)


def test_kwh_typed_as_mwh_for_a_smelter_is_refused_with_range_and_source():
    # 13,500,000 kWh/t: the figure of 13.5 MWh/t typed with the wrong unit.
    expected = (r"energy: purchased electricity \(net\) per t primary_aluminium is 13500 MWh/t, physically "
                r"impossible \(about 1000 times typical")
    with pytest.raises(SuspectUnitError, match=expected) as caught:
        smelter(13_500_000.0)
    assert "typical 13-15 MWh/t" in caught.value.fix
    assert "theoretical minimum 6.3 MWh/t" in caught.value.fix
    assert "energy.gov" in caught.value.fix


def test_typical_smelter_passes_without_warning():
    activity = smelter(13_500_000.0, unit="kWh")
    assert specific_use_warnings(activity) == []


def test_below_the_theoretical_minimum_is_a_warning_in_the_result_and_the_batch_count():
    activity = smelter(4000.0)  # 4 MWh/t: below Hall-Heroult's ~6.3 MWh/t
    result = compute(activity, "cn-aluminium")
    below = [w for w in result.warnings if "below the theoretical minimum 6.3 MWh/t" in w]
    assert len(below) == 1
    row = compute_batch([activity], "cn-aluminium").iloc[0]
    assert row["warnings_count"] == len(result.warnings)


def test_outside_the_typical_range_is_a_warning():
    warnings = specific_use_warnings(smelter(20_000.0))  # 20 MWh/t
    assert len(warnings) == 1
    assert "outside the typical 13-15 MWh/t" in warnings[0]


def test_blast_furnace_reductant_per_hot_metal_is_checked():
    def plant(coke_t: float) -> ActivityData:
        return steel(
            materials=[{"material": "coke", "direction": "in", "quantity": coke_t, "unit": "t",
                        "process": "blast_furnace", "role": "reductant"}],
            production=[{"product": "hot_metal", "quantity": 1000.0},
                        {"product": "crude_steel", "quantity": 1000.0}])

    assert specific_use_warnings(plant(500.0)) == []  # 0.5 t/tHM
    assert specific_use_warnings(plant(150.0)) == []  # PCI only: the coke is made on site
    expected = r"materials: solid fuel and reductant .* per t hot_metal is 500 t/t"
    with pytest.raises(SuspectUnitError, match=expected):
        plant(500_000.0)  # kg entered as t


@pytest.mark.parametrize(
    ("sections", "field"),
    [
        ({"materials": [{"material": "coke", "direction": "in", "quantity": 1e300, "unit": "t"}]},
         "materials[0].quantity"),
        ({"materials": [{"material": "natural_gas", "direction": "in", "quantity": 1e12, "unit": "1e4 Nm3"}]},
         "materials[0].quantity"),
        ({"energy": [{"carrier": "heat", "direction": "purchased", "quantity": 1e15, "unit": "GJ"}]},
         "energy[0].quantity"),
        ({"production": [{"product": "crude_steel", "quantity": 1e300}]}, "production[0].quantity"),
        ({"energy": [{"carrier": "electricity", "direction": "purchased", "quantity": 100.0, "unit": "MWh",
                      "emission_factor": 20.0, "emission_factor_unit": "t/MWh"}],
          "production": [{"product": "crude_steel", "quantity": 1000.0}]},
         "energy[0].emission_factor"),
    ],
)
def test_magnitudes_beyond_any_installation_are_refused(sections, field):
    with pytest.raises(InputError, match=r"more than any installation can have") as caught:
        steel(**sections)
    assert caught.value.field == field
    assert "check the number and its unit" in caught.value.fix


def test_the_world_limit_scales_with_the_period():
    limit = plausibility_range("annual_mass_flow").refuse_above
    ten_years = {"start": "2015-01-01", "end": "2024-12-31"}
    flows = [{"material": "iron_ore", "direction": "in", "quantity": 3 * limit, "unit": "t"}]
    ActivityData(installation={"id": "p", "name": "P", "sector": "steel"}, period=ten_years, materials=flows)
    with pytest.raises(InputError, match="more than any installation"):
        steel(materials=flows)


def test_anode_effect_minutes_above_a_day_are_refused():
    expected = r"anode-effect minutes per cell-day 3000 exceed the 1440 minutes of a day"
    with pytest.raises(InputError, match=expected):
        AluminiumSmelting(technology="CWPB", anode_effect_frequency=30.0, anode_effect_duration=100.0,
                          net_anode_consumption=0.41)


def test_reporting_year_must_lie_in_the_period():
    with pytest.raises(InputError, match=r"reporting_year: reporting year 2031 is outside the period"):
        steel(reporting_year=2031)
    crossing = {"start": "2023-07-01", "end": "2024-06-30"}
    activity = ActivityData(installation={"id": "p", "name": "P", "sector": "steel"}, period=crossing,
                            reporting_year=2024)
    assert activity.year == 2024


def _mixed_batch() -> list[ActivityData]:
    """Smelters below the minimum, outside and inside the typical range, one selling power, and
    a steel plant (no warning): every branch of the specific uses."""
    sold = smelter(20_000.0, ident="sells").model_copy(deep=True)
    sold.energy.append(sold.energy[0].model_copy(update={"direction": "sold", "quantity": 15_000.0}))
    plain = steel(materials=[{"material": "coke", "direction": "in", "quantity": 500.0, "unit": "t",
                              "process": "blast_furnace", "role": "reductant"}],
                  production=[{"product": "hot_metal", "quantity": 1000.0},
                              {"product": "crude_steel", "quantity": 1000.0}])
    return [smelter(4000.0, ident="low"), smelter(20_000.0, ident="high"), smelter(14_000.0, ident="ok"),
            sold, plain]


def test_warning_counts_from_the_tables_equal_the_warnings_of_each_installation():
    from greenmet.carbon.activity import activity_columns
    from greenmet.carbon.plausibility import specific_use_warning_counts

    items = _mixed_batch()
    expected = [len(specific_use_warnings(a)) for a in items]
    assert expected == [1, 1, 0, 1, 0]
    assert specific_use_warning_counts(activity_columns(items)).tolist() == expected


def test_cn_steel_batch_from_tables_counts_the_specific_use_warnings_as_from_objects():
    from greenmet.carbon.activity import activity_columns

    items = _mixed_batch()
    from_objects = compute_batch(items, "cn-steel")["warnings_count"].tolist()
    from_tables = compute_batch(activity_columns(items), "cn-steel")["warnings_count"].tolist()
    assert from_tables == from_objects
    assert from_objects == [len(compute(a, "cn-steel").warnings) for a in items]
