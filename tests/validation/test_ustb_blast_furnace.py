"""Published numbers of the USTB ironmaking course (Kejiang Li, USTB), reproduced by greenmet.

Every expected number below is a printed output or a cell value of a public repository at a
commit; the inputs are that source's own inputs. Numbers only: the GPL code is not used.

- USTB-NB: ``Blast Theoretical Fuel Rate Calculation.ipynb`` in
  USTBifrt/Blast_Furnace_Calculation_Models @0e94b7aaf5aae4213f8e9ed6c6059d18fbf843ce
  (1800 m3 furnaces, 2012 data): the notebook's printed cell outputs.
- USTB-RDC: ``The Rd-C Diagram for Blast Furnace.ipynb``, same repository and commit: printed q_b,
  A and B of the heat line.
- USTB-XLSX: ``Blast_Furnace_Mass_Energy_Balance-Cd_C_Diagram-Rist_Diagram.xlsx``, same repository
  @ce08cb9e5146a38f8598cabcf2dbfd49d09f2be2, Sheet1: cell values as saved in the workbook (cell
  references given with each test; the workbook's formulas are in the same cells).

Checks that compare a constant with its own transcription are in tests/refdata; plausibility
checks against rules of thumb and unpublished computations are in
tests/blast_furnace/test_plausibility.py.
"""

import pytest

from greenmet.blast_furnace import gas, heat_balance, indices, mass_balance, operating_line

# --- USTB-NB, No. 1 BF August 2012 / No. 2 BF April 2012 -------------------------------------------
# Notebook inputs: blast 1222.4681 / 1172.8896 Nm3/tHM, O2 21.14043 / 0 Nm3/tHM, moisture 1.5 % / 0.5 %
# (0.21 + 0.29 f), oxygen counted as pure. Outputs printed to 6 decimals: tolerance 1e-6 relative.


@pytest.mark.parametrize(("blast", "oxygen", "moisture", "expected"), [
    (1222.4681, 21.14043, 0.015, 303.466527),
    (1172.8896, 0.0, 0.005, 265.777652),
])
def test_carbon_burnt_at_tuyeres_matches_ustb_notebook(blast, oxygen, moisture, expected):
    value = mass_balance.carbon_burnt_at_tuyeres(blast, oxygen, moisture, oxygen_purity=1.0)
    # The notebook divides by 0.9331390507910077 (12.01 g/mol); the table holds 0.9331: 1e-4 relative.
    assert value == pytest.approx(expected, rel=1e-4)


def test_hot_metal_carbon_and_iron_match_ustb_notebook():
    # Section 1.4: 1490 °C, Si 0.49, Mn 0.22, P 0.106, S 0.018 -> [C] 4.80548 %, Fe 94.36052 %.
    carbon = mass_balance.hot_metal_carbon(1490, 0.49, 0.22, 0.106, 0.018)
    assert carbon == pytest.approx(4.80548, abs=1e-5)
    assert mass_balance.hot_metal_iron(carbon, 0.49, 0.22, 0.106, 0.018) == pytest.approx(94.36052, abs=1e-5)
    # Year average: Ti 0.021, V 0.021, Si 0.551, Mn 0.221, P 0.106, S 0.02 -> 4.78971 %, Fe 94.27029 %.
    carbon_year = mass_balance.hot_metal_carbon(1490, 0.551, 0.221, 0.106, 0.02, 0.021)
    assert carbon_year == pytest.approx(4.78971, abs=1e-5)
    assert mass_balance.hot_metal_iron(carbon_year, 0.551, 0.221, 0.106, 0.02, 0.021, 0.021) == pytest.approx(
        94.27029, abs=1e-5)


def test_carbon_balance_and_fuel_rate_match_ustb_notebook():
    # Sections 1.5-1.7, No. 1 BF Aug: minor 5.705806, S 1.485 (slag 396 kg/t, (S) 1 %), rd 0.5 ->
    # 101.100557, total 459.812691 kg C/tHM; fuels coke 378.2 / nut 30.7 / coal 151.7 kg/tHM with
    # 87 / 83 / 75 % C -> 83.533714 %, fuel 550.451632 kg/tHM. Printed to 6 decimals; the tuyere
    # carbon carries the 1e-4 of the O2 constant, hence rel 1e-4 on the totals.
    carbon = mass_balance.hot_metal_carbon(1490, 0.49, 0.22, 0.106, 0.018)
    iron = mass_balance.hot_metal_iron(carbon, 0.49, 0.22, 0.106, 0.018)
    result = mass_balance.carbon_balance(
        303.466527, carbon, 0.5, iron, 0.49, 0.22, 0.106, 396.0, 1.0,
        fuel_rates={"coke": 378.2, "nut": 30.7, "coal": 151.7},
        fuel_carbon={"coke": 87.0, "nut": 83.0, "coal": 75.0})
    assert result.carbon_direct_reduction_minor == pytest.approx(5.705806, abs=1e-6)
    assert result.carbon_desulphurisation == pytest.approx(1.485, abs=1e-9)
    assert result.carbon_direct_reduction_iron == pytest.approx(101.100557, abs=1e-6)
    assert result.total_carbon == pytest.approx(459.812691, abs=1e-5)
    assert result.fuel_carbon_fraction == pytest.approx(83.533714, abs=1e-6)
    assert result.fuel_rate == pytest.approx(550.451632, abs=1e-5)
    assert indices.fuel_rate(378.2, 151.7, 30.7) == pytest.approx(560.6)



def test_rd_c_heat_line_matches_ustb_notebook():
    # USTB-RDC prints q_b = 7977.78 (4.444 Nm3 air/kg C x 1.436 kJ/(Nm3 K) x 1250 °C) and A, B for
    # Q = 8, 10, 12, 14 GJ/t: A 0.16472714, 0.27728413, 0.38984111, 0.50239809; B 0.38203090.
    q_b = operating_line.rd_c_blast_heat_per_carbon(1250)
    assert q_b == pytest.approx(7977.777777, rel=1e-9)
    expected_a = [0.16472714311620262, 0.277284125088326, 0.38984110706044944, 0.5023980890325729]
    for heat, a in zip([8000, 10000, 12000, 14000], expected_a, strict=True):
        diagram = operating_line.rd_c_diagram(heat, q_b, 3.17, edition="ustb_rd_c_notebook")
        assert diagram.coefficient_a == pytest.approx(a, rel=1e-12)
        assert diagram.coefficient_b == pytest.approx(0.38203090314471705, rel=1e-12)



# --- USTB-XLSX, Sheet1 ------------------------------------------------------------------------------
# The sheet's furnace: blast 1222.46 Nm3/t (G267), 1167 degC (F32), enrichment 1.7 % (C32), blast
# moisture 0.01488 volume fraction (C33), so O2 in the blast 0.2313152 (C35); top gas CO2 16.4 %
# (C29), CO 26.8375 % (D29), CH4 0.3 % (F29).


def test_rist_abscissa_of_the_top_gas_matches_ustb_workbook():
    # C341 = (CO + 2 CO2)/(CO + CO2) = 1.3793 from D29 and C29. Float arithmetic only: 1e-12.
    utilisation = gas.top_gas_utilisation(26.83754284207751, 16.4)
    assert gas.top_gas_rist_abscissa(utilisation) == pytest.approx(1.3793, rel=1e-12)


def test_top_gas_volume_matches_ustb_workbook():
    # D96 = 1654.7593 Nm3/t from carbon gasified D94 = 385.9508 kg/t and C29, D29, F29. The workbook
    # uses 22.4/12 Nm3 per kg C, greenmet 22.414/12.011 (0.03 % apart): tolerance 0.1 %.
    volume = gas.top_gas_volume(385.9508250478983, 26.83754284207751, 16.4, 0.3)
    assert volume == pytest.approx(1654.759302110014, rel=1e-3)


def test_slag_rate_from_cao_balance_matches_ustb_workbook():
    # C52 = 415.8106 kg/t: CaO charged F61 = 167.2415 kg/t less CaO in dust F65 = 2.04 kg/t, over
    # slag CaO E21 = 39.73 %. Same arithmetic: 1e-12.
    assert mass_balance.slag_rate_from_cao(167.24153925027312 - 2.04, 39.73) == pytest.approx(
        415.8105694696026, rel=1e-12)


def test_heat_income_terms_match_ustb_workbook():
    # Income terms C275, C277, C278 from the quantities C267 (tuyere carbon 302.97 kg/t), C270 (CO
    # oxidised by indirect reduction 271.38 Nm3/t) and C271 (H2 oxidised 84.32 Nm3/t) with the
    # sheet's heats 9800 kJ/kg C, 12650 and 10800 kJ/Nm3 (C263:C265). The workbook's total income
    # C280 adds the blast heat C279. Same constants: 1e-12.
    tuyere = heat_balance.carbon_to_co_heat(302.9716922057143)
    indirect = heat_balance.co_to_co2_heat(271.38052554604224)
    hydrogen = heat_balance.h2_to_h2o_heat(84.32298104255585)
    assert tuyere == pytest.approx(2969122.583616, rel=1e-12)
    assert indirect == pytest.approx(3432963.648157434, rel=1e-12)
    assert hydrogen == pytest.approx(910688.1952596032, rel=1e-12)
    total = heat_balance.heat_balance(
        {"tuyere": tuyere, "direct": 813195.5018534034, "indirect": indirect, "h2": hydrogen,
         "blast": 2004811.211194518},
        {"all": 10130781.140080959})
    assert total.income == pytest.approx(10130781.140080959, rel=1e-12)


def test_blast_sensible_heat_matches_ustb_workbook():
    # C279 = 2,004,811 kJ/t for the sheet's blast (G267, F32, C32, C33). The workbook integrates
    # Cp = a + bT of N2, O2 and H2O from 298 K (L274:N278); greenmet uses NIST Shomate enthalpies,
    # which give 0.46 % more at 1440 K: tolerance 1 %. Moisture 0.01488 by volume is
    # 0.01488 x 18.015/22.414 x 1000 = 11.96 g/Nm3.
    humidity_g_per_nm3 = 0.01488 * 18.015 / 22.414 * 1000
    value = heat_balance.blast_sensible_heat(1222.46, 1167.0, 1.7, humidity_g_per_nm3)
    assert value == pytest.approx(2004811.211194518, rel=0.01)


def test_rd_c_heat_line_matches_ustb_workbook():
    # E285 A = 0.343850 and E286 B = 0.395847 from the heat requirement C282 = 10,721.04 kJ/kg Fe
    # and the blast heat per kg tuyere carbon C283 = 6617.16 kJ/kg, with the workbook's heat line
    # A = (Q - 5076)/(9800 + q), B = (5076 + 0.215 q)/(9800 + q) (B285, B286). Same arithmetic: 1e-12.
    diagram = operating_line.rd_c_diagram(10721.036013331224, 6617.156859107728, 4.12,
                                          edition="ustb_workbook")
    assert diagram.coefficient_a == pytest.approx(0.34384979456412595, rel=1e-12)
    assert diagram.coefficient_b == pytest.approx(0.3958473918766811, rel=1e-12)


def test_rist_operating_line_matches_ustb_workbook():
    # Part 5 of Sheet1 (Rist operating line): burden O/Fe yA = 1.45363 (C327), point A at
    # -(yb + yf) = -1.54266 (C346, with yb 1.49624 from tuyere carbon C336 and yf 0.04641 from the
    # minor-element carbon C332), xA = 1.3793 (C341), slope 2.17232 C/Fe (C348), carbon 439.870 kg/t
    # (C351) for [Fe] 94.4944 % (C17). greenmet takes the blast oxygen 1222.46 Nm3/t x 0.2313152
    # (G267, C35) and the minor-element oxygen 9.398 kg C/12 kmol O = 8.772 Nm3 O2 (C268, at the
    # workbook's 22.4 Nm3/kmol), with the workbook's molar masses 12/56. The workbook converts
    # carbon to oxygen with 22.4 Nm3/kmol, greenmet with 22.414: 0.06 % apart, tolerance 0.1 %.
    line = operating_line.rist_operating_line(
        0.3793, 1222.46 * 0.2313152, 94.494423183391, 9.3981290252775 / 12 / 2 * 22.4,
        1.4536296378350373, molar_masses="ustb_workbook")
    assert line.point_e_x == pytest.approx(1.3793, rel=1e-12)
    assert line.point_a_y == pytest.approx(-1.542658056742882, rel=1e-3)
    assert line.slope == pytest.approx(2.1723248710055243, rel=1e-3)
    assert line.carbon_rate == pytest.approx(439.8698263984313, rel=1e-3)
