"""China's methods with their options, and the ETS allowance position (executed by pytest).

Shows what the explicit options change for the shipped example plants: the grid factor (region,
year, basis), the edition and GWP metric of the aluminium method, the captive power plant's own
factor against the national grid factor, and the allowance position for 2024 (allowance =
verified emissions) and 2025 (pre-allocation 70 % of 2024) at a price.

Run it as a script to see the figures: ``python docs/examples/example_cn_options_and_allowances.py``.
"""

from __future__ import annotations

from greenmet.carbon import ActivityData, compute
from greenmet.carbon.allowances import allowance, covered_emissions
from greenmet.io.activity_files import read_example

steel = read_example("bf-bof")
smelter = read_example("aluminium")

# Grid factor: national average (default), the plant's province, and the basis for buyers of no
# green power; a 2024 report uses the 2022 factors, the latest published.
grid_options = {
    "national average": {},
    "province (Hebei)": {"grid_region": "province"},
    "no green power bought": {"grid_basis": "average_excl_market_nonfossil"},
}
steel_intensity = {label: compute(steel, "cn-steel", **options).intensity_t_co2e_per_t["crude_steel"]
                   for label, options in grid_options.items()}

# Aluminium: edition and GWP metric are explicit; the captive plant's factor against the grid.
editions = {edition: compute(smelter, "cn-aluminium", edition=edition)
            for edition in ("cets-ag-04.01-2024", "ndrc-2013")}
on_grid = smelter.model_dump()
for flow in on_grid["energy"]:
    flow["emission_factor"] = flow["emission_factor_unit"] = None
national_grid = compute(ActivityData.model_validate(on_grid), "cn-aluminium")

# Allowances: 2024 equals verified emissions; 2025 pre-allocation is 70 % of 2024's.
result_2024 = editions["cets-ag-04.01-2024"]
verified_2024 = covered_emissions(result_2024)
position_2024 = allowance(result_2024, 2024, price_cny_per_t=80.0)
position_2025 = allowance(result_2024, 2025, previous_verified_t_co2e=verified_2024, price_cny_per_t=80.0)

if __name__ == "__main__":
    for label, value in steel_intensity.items():
        print(f"BF-BOF, {label:25s} {value:6.3f} t CO2/t crude steel")
    for edition, result in editions.items():
        print(f"smelter, {edition:20s} {result.intensity_t_co2e_per_t['primary_aluminium']:6.2f} t CO2e/t "
              f"({result.gwp_metric})")
    grid_value = national_grid.intensity_t_co2e_per_t["primary_aluminium"]
    print(f"smelter on the national grid     {grid_value:6.2f}")
    for position in (position_2024, position_2025):
        print(f"{position.year}: allowance {position.allowance_t_co2e:,.0f} t, surplus "
              f"{position.surplus_t_co2e:+,.0f} t, cost {position.cost_cny:,.0f} CNY")


def test_grid_choice_moves_the_steel_plant_as_expected():
    # Hebei's 2022 factor (0.7252) is above the national average (0.5366), the factor without
    # market-traded non-fossil power (0.5856) in between.
    assert (steel_intensity["national average"] < steel_intensity["no green power bought"]
            < steel_intensity["province (Hebei)"])
    assert 1.7 <= steel_intensity["national average"] <= 2.2


def test_aluminium_editions_and_power_source():
    assert editions["ndrc-2013"].gwp_metric == "SARGWP100"
    assert editions["cets-ag-04.01-2024"].gwp_metric == "AR5GWP100"
    assert 14.0 <= editions["cets-ag-04.01-2024"].intensity_t_co2e_per_t["primary_aluminium"] <= 16.0
    assert 8.5 <= national_grid.intensity_t_co2e_per_t["primary_aluminium"] <= 10.0


def test_allowance_positions():
    assert position_2024.surplus_t_co2e == 0.0 and position_2024.cost_cny == 0.0
    assert position_2025.allowance_t_co2e == 0.7 * verified_2024
    assert abs(position_2025.cost_cny - 0.3 * verified_2024 * 80.0) < 1e-6 * position_2025.cost_cny
