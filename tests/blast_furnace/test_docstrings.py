"""The constants and worked figures a docstring states are the ones the code uses (issue 12 §2).

Each case names a number as written in a docstring and the value the code computes or holds; the
test fails when either side changes alone.
"""

import re

import pytest

from greenmet.blast_furnace import _guards, flame_temperature, gas, heat_balance, indices, mass_balance
from greenmet.blast_furnace import operating_line as ol
from greenmet.blast_furnace._common import MOLAR_VOLUME_NM3_PER_KMOL, constant

hb, mb, raft, VM = heat_balance, mass_balance, flame_temperature.raceway_adiabatic_flame_temperature, \
    MOLAR_VOLUME_NM3_PER_KMOL
CASES = [
    # (object whose docstring states it, text in the docstring, value in the code, tolerance)
    (gas.top_gas_volume, "22.414", VM, 0),
    # 22.414 kg of carbon in a gas of only CO and CO2 make 22.414**2 / M_C Nm3: M_C as the code has it.
    (gas.top_gas_volume, "12.011", VM**2 / gas.top_gas_volume(VM, 60.0, 40.0), 1e-9),
    (gas.moisture_volume_fraction, "1.244", gas.moisture_volume_fraction(1000.0), 0),
    (gas.blast_humidity_from_moisture_fraction, "12.06", gas.blast_humidity_from_moisture_fraction(0.015),
     0.005),
    (mb.carbon_burnt_at_tuyeres, "0.9331", 1.0 / mb.carbon_burnt_at_tuyeres(0.0, 1.0, 0.0, oxygen_purity=1.0),
     1e-12),
    (mb.carbon_burnt_at_tuyeres, "0.29", constant("humid_blast_oxygen_coefficient"), 0),
    (mb.hot_metal_carbon, "4.805", mb.hot_metal_carbon(1490, 0.49, 0.22, 0.106, 0.018), 5e-4),
    (mb.direct_reduction_carbon, "12/56", mb.direct_reduction_carbon(1.0, 94.5) / 945.0, 1e-12),
    (hb.carbon_to_co_heat, "9800", hb.carbon_to_co_heat(1.0), 0),
    (hb.co_to_co2_heat, "12650", hb.co_to_co2_heat(1.0), 0),
    (hb.h2_to_h2o_heat, "10800", hb.h2_to_h2o_heat(1.0), 0),
    (hb.moisture_decomposition_heat, "10800", hb.moisture_decomposition_heat(1.0), 0),
    (hb.hot_metal_heat, "1250 MJ/t", hb.hot_metal_heat(1.0) / 1000.0, 0),
    (hb.slag_heat, "1750 MJ/t", hb.slag_heat(1000.0) / 1000.0, 0),
    (hb.iron_oxide_dissociation_heat, "7370", hb.iron_oxide_dissociation_heat(1.0), 0),
    (hb.iron_oxide_dissociation_heat, "6680", hb.iron_oxide_dissociation_heat(0.0, 1.0), 0),
    (hb.iron_oxide_dissociation_heat, "4770", hb.iron_oxide_dissociation_heat(0.0, 0.0, 1.0), 0),
    (hb.minor_element_reduction_heat, "31102", hb.minor_element_reduction_heat(0.1, 0, 0), 0),
    (hb.minor_element_reduction_heat, "7366", hb.minor_element_reduction_heat(0, 0.1, 0), 0),
    (hb.minor_element_reduction_heat, "35782", hb.minor_element_reduction_heat(0, 0, 0.1), 0),
    (raft, "1.51 kJ/(kg K)", constant("coke_mean_specific_heat"), 0),
    (raft, "1000 kJ/kg", constant("coal_devolatilisation_heat"), 0),
    (raft, "1500 °C", constant("coke_raceway_temperature"), 0),
    (ol.rd_c_blast_heat_per_carbon, "1.436", constant("air_mean_heat_capacity_1250"), 0),
    (ol.rd_c_blast_heat_per_carbon, "7977.8", ol.rd_c_blast_heat_per_carbon(1250.0), 0.05),
    (ol.rd_c_blast_heat_per_carbon, "4.444", 22.4 / (2 * 12.0 * 0.21), 5e-4),
    (ol.rd_c_diagram, "5076", constant("rd_c_heat_constant"), 0),
    (ol.rd_c_diagram, "5073", constant("rd_c_heat_constant_notebook"), 0),
    (ol.rd_c_diagram, "9791", constant("heat_carbon_to_co_notebook"), 0),
    (indices.stave_heat_load, "17.3 kW", indices.stave_heat_load(30.0, 0.5), 0.05),
    (indices, "994.0", indices.WATER_DENSITY, 0),
    (indices, "4.178", indices.WATER_SPECIFIC_HEAT, 0),
    (indices.tuyere_kinetic_energy, "1.293", indices.AIR_NORMAL_DENSITY, 0),
    (_guards, "1300 °C", _guards.BLAST_TEMPERATURE_MAX_DEGC, 0),
    (_guards, "15 points", _guards.ENRICHMENT_LIMIT_POINTS, 0),
]


def _number(text: str) -> float:
    if "/" in text and re.fullmatch(r"[\d.]+/[\d.]+", text):
        numerator, denominator = text.split("/")
        return float(numerator) / float(denominator)
    return float(re.match(r"[\d.]+", text).group(0))


@pytest.mark.parametrize(
    ("owner", "text", "value", "tolerance"),
    CASES,
    ids=[f"{getattr(case[0], '__name__', case[0])}:{case[1]}" for case in CASES],
)
def test_docstring_constant_matches_code(owner, text, value, tolerance):
    assert text in owner.__doc__, f"{text!r} is no longer in the docstring of {owner!r}"
    assert float(value) == pytest.approx(_number(text), abs=tolerance or 1e-9 * _number(text))


def test_flame_temperature_sensitivities_are_those_of_the_formula():
    doc = " ".join(flame_temperature.raceway_adiabatic_flame_temperature.__doc__.split())
    basis = re.search(
        r"at (\d+) Nm3/tHM, (\d+) °C, (\d+) % enrichment, (\d+) g/Nm3 and (\d+) kg/tHM coal "
        r"gives (\d+) °C",
        doc,
    )
    assert basis, "the docstring no longer states its basis"
    volume, blast, enrichment, humidity, coal, base = map(float, basis.groups())
    inputs = {
        "blast_temperature": blast,
        "blast_volume": volume,
        "oxygen_enrichment": enrichment,
        "blast_humidity": humidity,
        "coal_rate": coal,
    }

    def raft(**changes):
        return flame_temperature.raceway_adiabatic_flame_temperature(**{**inputs, **changes}).temperature

    reference = raft()
    assert reference == pytest.approx(base, abs=0.5)
    stated = re.search(
        r"([+−]\d+) °C per \+100 °C blast, ([+−]\d+) °C per \+1 point O2, ([+−]\d+) °C per "
        r"\+10 g/Nm3 and ([+−]\d+) °C per \+10 kg/tHM coal",
        doc,
    )
    assert stated, "the docstring no longer states the sensitivities"
    expected = [float(value.replace("−", "-")) for value in stated.groups()]
    computed = [
        raft(blast_temperature=blast + 100) - reference,
        raft(oxygen_enrichment=enrichment + 1) - reference,
        raft(blast_humidity=humidity + 10) - reference,
        raft(coal_rate=coal + 10) - reference,
    ]
    assert computed == pytest.approx(expected, abs=0.5)


def test_graphite_heat_capacity_is_the_integral_of_the_quoted_fit():
    # Butland and Maddison (1973) fit, cal/(g K), 250-3000 K, as quoted in the NIST WebBook.
    def cp(t):
        return 4.184 * (
            0.538657
            + 9.11129e-6 * t
            - 90.2725 / t
            - 43449.3 / t**2
            + 1.59309e7 / t**3
            - 1.43688e9 / t**4
        )

    steps = 20000
    low, high = 298.15, 1773.15
    width = (high - low) / steps
    integral = sum(cp(low + (i + 0.5) * width) for i in range(steps)) * width
    assert pytest.approx(
        integral / (high - low), abs=5e-4
    ) == flame_temperature.GRAPHITE_MEAN_HEAT_CAPACITY
    assert "1.69" in flame_temperature.raceway_adiabatic_flame_temperature.__doc__
