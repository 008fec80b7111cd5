"""Calibration checks: the shipped example plants land in the ranges they were built to hit.

These are not validation. The example activity files (src/greenmet/carbon/examples/) were put
together from typical figures so that each plant comes out in a range stated in the project's
issues (a BF-BOF plant at 1.7-2.2 t CO2/t crude steel by the China method, a scrap EAF at
0.4-0.6, a coal-powered smelter at 14-16 t CO2e/t Al). A change of a default factor or of the
method's wiring that moves a plant out of its range shows up here; agreement does not show that
the method is right.
"""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from greenmet.carbon import ActivityData, compute
from greenmet.carbon.iso14404 import compute_iso14404


def example(name: str) -> ActivityData:
    text = resources.files("greenmet.carbon").joinpath("examples", f"{name}.toml").read_text("utf-8")
    return ActivityData.model_validate(tomllib.loads(text))


def test_bf_bof_reference_plant():
    # Calibration target: a typical Chinese BF-BOF plant comes out at 1.7-2.2 t CO2/t crude steel by the
    # China method (the 2015 "Y steel mill" case gives 1.940 by the same input-output method; team
    # reference note, not public). Issue 2 said 2.0-2.2 for a plant making 1 t hot metal per t crude
    # steel; issue 12 made the example's plant plausible (0.88 t hot metal and 0.20 t scrap per t
    # crude steel, sources in the file), which brings it to about 1.85. Range, not a point.
    result = compute(example("bf_bof_plant"), "cn-steel")
    assert 1.7 <= result.intensity_t_co2e_per_t["crude_steel"] <= 2.2
    assert abs(result.carbon_balance.residual_fraction) < 1e-9


def test_scrap_eaf_reference_plant():
    # Calibration target of issue 2: scrap EAF about 0.4-0.6 t CO2/t on China's grid (2022 national 0.5366
    # t/MWh).
    result = compute(example("scrap_eaf_plant"), "cn-steel")
    assert 0.4 <= result.intensity_t_co2e_per_t["crude_steel"] <= 0.6
    assert result.totals_t_co2e["scope_2"] > result.totals_t_co2e["scope_1"]


def test_aluminium_reference_smelter_with_captive_coal_power():
    # Calibration target of issue 2: a Chinese coal-powered smelter 14-16 t CO2e/t scope 1+2; the captive
    # plant's factor (0.943 t/MWh from 340 gce/kWh and 94.6 t CO2/TJ) is documented in the example file.
    result = compute(example("aluminium_smelter"), "cn-aluminium")
    intensity = result.intensity_t_co2e_per_t["primary_aluminium"]
    assert 14.0 <= intensity <= 16.0
    # Direct (ETS-controlled) part: anode ≈ 1.47 + PFC ≈ 0.09 + fuel ≈ 0.06 t/t.
    assert 1.5 <= result.totals_t_co2e["scope_1"] / 500000 <= 1.8


def test_aluminium_reference_smelter_on_the_national_grid():
    # Calibration target: with the national grid factor 0.5366 t/MWh the same smelter lands
    # near 9-10 t CO2e/t (13,500 kWh × 0.5366 = 7.24 plus about 1.6 direct). Lower bound 8.5:
    # the example's AC consumption is at the low end of the 13,300-13,700 kWh/t range.
    data = example("aluminium_smelter").model_dump()
    for flow in data["energy"]:
        flow["emission_factor"] = flow["emission_factor_unit"] = None
    result = compute(ActivityData.model_validate(data), "cn-aluminium")
    assert 8.5 <= result.intensity_t_co2e_per_t["primary_aluminium"] <= 10.0


def test_hand_checked_scrap_eaf_against_the_iea_bat_value():
    # Hand-checked scrap-EAF site per tonne of crude steel (illustrative BAT-like inputs, not a
    # published plant): 436.5 kWh electricity (= 220 kg / 0.504, the IEA BAT electricity share),
    # 1.5 kg electrodes, 40 kg burnt lime, 50 kg oxygen, 10 Nm3 natural gas, 1.1 t scrap.
    # By hand: electricity 0.4365 x 0.504 = 0.21999; electrodes 0.0015 x (3.004 + 0.650) = 0.00548;
    # lime 0.040 x 0.950 = 0.038; oxygen 0.050 x 0.2487 = 0.01244; natural gas 0.001 (1e4 Nm3) x
    # 389.31 GJ x 0.0561 = 0.02184; scrap 0. Total 0.29775 t CO2/t.
    data = {
        "installation": {"id": "eaf", "name": "scrap EAF", "sector": "steel"},
        "period": {"start": "2024-01-01", "end": "2024-12-31"},
        "materials": [
            {"material": "scrap", "direction": "in", "quantity": 1100.0, "unit": "kg", "process": "eaf"},
            {"material": "electrode", "direction": "in", "quantity": 1.5, "unit": "kg", "process": "eaf"},
            {"material": "lime", "direction": "in", "quantity": 40.0, "unit": "kg", "process": "eaf"},
            {"material": "oxygen", "direction": "in", "quantity": 50.0, "unit": "kg", "process": "eaf"},
            {"material": "natural_gas", "direction": "in", "quantity": 10.0, "unit": "Nm3", "process": "eaf"},
        ],
        "energy": [{"carrier": "electricity", "direction": "purchased", "quantity": 436.5, "unit": "kWh"}],
        "production": [{"product": "crude_steel", "quantity": 1.0}],
    }
    result = compute_iso14404(ActivityData.model_validate(data))
    intensity = result.intensity_t_co2e_per_t["crude_steel"]
    by_hand = (
        0.4365 * 0.504 + 0.0015 * (3.004 + 0.650) + 0.040 * 0.950 + 0.050 * 0.2487 + 0.001 * 389.31 * 0.0561
    )
    assert intensity == pytest.approx(by_hand, rel=1e-9)
    # IEA reference value for a BAT scrap EAF: 285 kg CO2/t, of which 220 kg electricity (research
    # as quoted in the team reference note, not checked against the IEA report). The IEA inputs are not
    # published, so only the order is compared: within 10 %.
    assert intensity == pytest.approx(0.285, rel=0.10)
    electricity = result.lines.loc[result.lines["source_stream"] == "electricity", "emissions_t"].sum()
    assert electricity == pytest.approx(0.220, abs=5e-4)
