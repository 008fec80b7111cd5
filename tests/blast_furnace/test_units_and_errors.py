"""Issue 12 §2: one meaning per name, wrong units caught by the functions, designed errors."""

import inspect
import re

import numpy as np
import pandas as pd
import pytest

from greenmet.blast_furnace import (
    flame_temperature,
    gas,
    heat_balance,
    indices,
    mass_balance,
    operating_line,
    thermal_state,
    what_if,
)
from greenmet.errors import InputError, SuspectUnitError, UnknownKeyError

MODULES = (
    flame_temperature,
    gas,
    heat_balance,
    indices,
    mass_balance,
    operating_line,
    thermal_state,
    what_if,
)
RAFT = {
    "blast_temperature": 1200.0,
    "blast_volume": 1050.0,
    "oxygen_enrichment": 3.0,
    "blast_humidity": 15.0,
    "coal_rate": 160.0,
}


def _parameter_docs():
    """(function, parameter, description) of every public function's numpy-style Parameters section."""
    for module in MODULES:
        for name in module.__all__:
            function = getattr(module, name)
            if not inspect.isfunction(function) or not function.__doc__:
                continue
            doc = inspect.cleandoc(function.__doc__)
            section = re.search(r"Parameters\n-+\n(.*?)(?:\n\n[A-Z][a-z]+\n-+|\Z)", doc, re.S)
            if not section:
                continue
            for block in re.split(r"\n(?=\S)", section.group(1)):
                head, _, body = block.partition("\n")
                for parameter in head.split(","):
                    yield f"{module.__name__}.{name}", parameter.strip(), body


def test_one_meaning_per_name():
    seen = {}
    for function, parameter, body in _parameter_docs():
        if parameter == "cold_blast_volume":
            assert "without" in body and "oxygen" in body, function
        if parameter == "blast_volume":
            assert "without" not in body, function
        unit = re.findall(r"\[([^\]]+)\]\s*$", body.strip())
        if (
            parameter
            in (
                "blast_humidity",
                "moisture_fraction",
                "oxygen_enrichment",
                "blast_temperature",
                "hot_metal_iron",
                "oxygen_purity",
            )
            and unit
        ):
            seen.setdefault(parameter, set()).add(unit[0])
    assert seen["blast_humidity"] == {"g/Nm3"}
    assert seen["moisture_fraction"] == {"dimensionless"}
    assert seen["oxygen_enrichment"] == {"%"}
    assert seen["blast_temperature"] == {"degC"}
    assert seen["hot_metal_iron"] == {"%"}
    assert seen["oxygen_purity"] == {"dimensionless"}
    assert (
        next(iter(inspect.signature(mass_balance.carbon_burnt_at_tuyeres).parameters))
        == "cold_blast_volume"
    )
    assert next(iter(inspect.signature(indices.permeability_index).parameters)) == "cold_blast_volume"


def test_conversions_between_the_names():
    assert gas.blast_humidity_from_moisture_fraction(
        gas.moisture_volume_fraction(15.0)
    ) == pytest.approx(15.0)
    assert gas.moisture_volume_fraction(
        gas.blast_humidity_from_moisture_fraction(0.015)
    ) == pytest.approx(0.015)
    blast = gas.blast_volume_from_cold_blast(4300.0, 171.0)
    assert blast == pytest.approx(4471.0)
    assert gas.cold_blast_volume_from_blast(blast, 171.0) == pytest.approx(4300.0)
    with pytest.raises(InputError, match="moisture_fraction.*0.015 for 1.5 %"):
        gas.blast_humidity_from_moisture_fraction(1.5)
    with pytest.raises(InputError, match="oxygen_volume: technical oxygen larger"):
        gas.cold_blast_volume_from_blast(100.0, 171.0)


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (
            lambda: flame_temperature.raceway_adiabatic_flame_temperature(
                **{**RAFT, "blast_temperature": 1373.15}
            ),
            r"blast_temperature.*K.*1100 degC",
        ),
        (
            lambda: flame_temperature.raceway_adiabatic_flame_temperature(
                **{**RAFT, "oxygen_enrichment": 24.0}
            ),
            r"oxygen_enrichment: .*O2 content.*3 points",
        ),
        (
            lambda: flame_temperature.raceway_adiabatic_flame_temperature(
                **RAFT, coal_carbon=0.78, coal_hydrogen=0.04
            ),
            r"coal_carbon: .*fraction.*78",
        ),
        (
            lambda: mass_balance.hot_metal_carbon(1490, 49, 0.22, 0.106, 0.018),
            r"silicon: .*0.49 if in hundredths",
        ),
        (
            lambda: mass_balance.minor_element_reduction_carbon(49, 0.22, 0.106),
            r"silicon: .*4.9 if the value is in kg",
        ),
        (lambda: thermal_state.thermal_state_index(1500, 49), r"hot_metal_silicon"),
        (
            lambda: gas.oxygen_enrichment(4000.0, 170.0, oxygen_purity=99.5),
            r"oxygen_purity: .*percentage.*0.995",
        ),
        (
            lambda: mass_balance.carbon_burnt_at_tuyeres(1222.0, 21.0, 0.015, oxygen_purity=99.5),
            r"oxygen_purity",
        ),
        (lambda: operating_line.co_excess_coefficient(1173.15), r"temperature: .*K.*900 degC"),
        (
            lambda: mass_balance.direct_reduction_carbon(0.5, 943.6),
            r"hot_metal_iron: .*kg/tHM.*94.36",
        ),
        (
            lambda: operating_line.rist_operating_line(0.45, 300.0, 943.6),
            r"hot_metal_iron: .*94.36",
        ),
        (
            lambda: mass_balance.direct_reduction_carbon(45.0, 94.5),
            r"direct_reduction_degree: .*0.45",
        ),
        (
            lambda: mass_balance.carbon_burnt_at_tuyeres(1222.0, 21.0, 15.0, oxygen_purity=1.0),
            r"moisture_fraction: .*0.15 if the value is in %.*0.01866 if in g/Nm3",
        ),
        (
            lambda: heat_balance.blast_sensible_heat(1222.0, 1440.15, 1.7, 15.0),
            r"blast_temperature",
        ),
        (
            lambda: what_if.coke_rate_from_balances(what_if.OperatingPoint(hot_metal_iron=945.0)),
            r"hot_metal_iron",
        ),
    ],
)
def test_wrong_units_raise_suspect_unit_error(call, pattern):
    with pytest.raises(SuspectUnitError, match=pattern):
        call()


def test_arrays_are_guarded_element_by_element_and_nan_passes():
    with pytest.raises(SuspectUnitError):
        flame_temperature.raceway_adiabatic_flame_temperature(
            np.array([1200.0, 1473.15]), 1050.0, 3.0, 15.0
        )
    result = flame_temperature.raceway_adiabatic_flame_temperature(
        pd.Series([1200.0, np.nan]), 1050.0, 3.0, 15.0
    )
    assert np.isnan(result.temperature.iloc[1]) and result.temperature.iloc[0] > 1800


def test_measured_streams_are_not_judged_by_decimals_or_spikes():
    # A simulator or plant stream: 2-decimal readings and a sensor spike of 10 % of 0-1400 °C.
    stream = np.array([1222.15, 1223.15, 1200.0 + 140.0, 1205.37])
    result = flame_temperature.raceway_adiabatic_flame_temperature(stream, 1050.0, 3.0, 15.0)
    assert np.all(np.isfinite(result.temperature))
    # One value read from a state: 1222.15 is not a round Celsius value in K (949 °C), 1223.15 is.
    single = flame_temperature.raceway_adiabatic_flame_temperature(1222.15, 1050.0, 3.0, 15.0)
    assert single.temperature > 2000
    with pytest.raises(SuspectUnitError, match="950 degC"):
        flame_temperature.raceway_adiabatic_flame_temperature(1223.15, 1050.0, 3.0, 15.0)
    with pytest.raises(SuspectUnitError, match="above 1450"):
        flame_temperature.raceway_adiabatic_flame_temperature(np.array([1200.0, 1646.15]), 1050.0, 3.0, 15.0)


def test_oxygen_blast_furnace_raises_the_enrichment_limit():
    value = flame_temperature.raceway_adiabatic_flame_temperature(
        **{**RAFT, "oxygen_enrichment": 24.0}, enrichment_limit=79.0
    ).temperature
    assert value > flame_temperature.raceway_adiabatic_flame_temperature(**RAFT).temperature


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: indices.productivity(4557.3, 0), "working_volume"),
        (
            lambda: indices.productivity(np.array([4557.3, 4000.0]), np.array([1800.0, 0.0])),
            "working_volume",
        ),
        (lambda: indices.smelting_intensity(2500.0, 0.0), "working_volume"),
        (lambda: indices.specific_rate(1500.0, 0.0), "production"),
        (lambda: indices.burden_descent_rate(1.5, 0.0), "elapsed_time"),
        (lambda: indices.heat_flux(17.3, 0.0), "area"),
        (
            lambda: indices.permeability_index(4300.0, 200.0, 200.0),
            "hot_blast_pressure - top_pressure",
        ),
        (lambda: indices.tuyere_velocity(4300.0, 0, 0.13, 1200.0, 380.0), "tuyeres"),
    ],
)
def test_zero_divisors_are_input_errors(call, field):
    with pytest.raises(InputError, match=f"{re.escape(field)}: must be above 0"):
        call()


def test_carbon_balance_with_an_unknown_fuel_names_it():
    args = (303.5, 4.8, 0.5, 94.4, 0.49, 0.22, 0.106, 396.0, 1.0)
    with pytest.raises(
        UnknownKeyError, match=r"fuel_carbon: no carbon content.*'coke'.*add 'coke'"
    ):
        mass_balance.carbon_balance(*args, fuel_rates={"coke": 378.2}, fuel_carbon={"coal": 75.0})
    with pytest.raises(InputError, match="fuel_rates: no fuel given"):
        mass_balance.carbon_balance(*args, fuel_rates={}, fuel_carbon={})
    with pytest.raises(InputError, match="fuel_rates: the fuel rates sum to 0"):
        mass_balance.carbon_balance(*args, fuel_rates={"coke": 0.0}, fuel_carbon={"coke": 87.0})
    with pytest.raises(SuspectUnitError, match=r"fuel_carbon\['coke'\].*87"):
        mass_balance.carbon_balance(*args, fuel_rates={"coke": 378.2}, fuel_carbon={"coke": 0.87})


def test_blast_reduction_events_accepts_lists_and_arrays():
    samples = [4500.0] * 30 + [3500.0] * 12 + [4500.0] * 30
    for values in (samples, np.array(samples)):
        events = indices.blast_reduction_events(values, window=40, min_duration=5)
        assert len(events) == 1 and events["samples"].iloc[0] == 12
        assert events["start"].iloc[0] == 30
    with pytest.raises(InputError, match="window: window is a time span.*number of samples"):
        indices.blast_reduction_events(samples)


def test_rd_c_edition_renamed_honestly():
    q_b = operating_line.rd_c_blast_heat_per_carbon(1250)
    assert "ustb_rd_c_notebook" in operating_line.RD_C_EDITIONS
    with pytest.raises(UnknownKeyError, match="edition: edition renamed.*ustb_rd_c_notebook"):
        operating_line.rd_c_diagram(10000, q_b, 3.17, edition="ustb_notebook")


def test_constants_a_metallurgist_can_set():
    base = flame_temperature.raceway_adiabatic_flame_temperature(**RAFT).temperature
    graphite = flame_temperature.raceway_adiabatic_flame_temperature(
        **RAFT, coke_heat_capacity=flame_temperature.GRAPHITE_MEAN_HEAT_CAPACITY
    ).temperature
    assert 10.0 < graphite - base < 30.0  # about 20 °C (issue 12)
    assert flame_temperature.raceway_adiabatic_flame_temperature(
        **RAFT, coke_heat_capacity=1.51
    ).temperature == pytest.approx(base)
    with pytest.raises(InputError, match="coke_heat_capacity"):
        flame_temperature.raceway_adiabatic_flame_temperature(**RAFT, coke_heat_capacity=1510.0)

    default = mass_balance.carbon_burnt_at_tuyeres(1222.4681, 21.14043, 0.015, oxygen_purity=1.0)
    exact = mass_balance.carbon_burnt_at_tuyeres(
        1222.4681, 21.14043, 0.015, oxygen_purity=1.0, oxygen_per_carbon=22.414 / 2 / 12.011
    )
    assert exact / default == pytest.approx(0.9331 / (22.414 / 2 / 12.011))

    # Rist: carbon = (1.5 * 10[Fe] * M_C/M_Fe + 2 V_O2 * M_C / 22.414) / (1 + eta), written out.
    def rist_carbon(m_c, m_fe):
        return (1.5 * 945.0 * m_c / m_fe + 2 * 300.0 * m_c / 22.414) / 1.45

    iupac = operating_line.rist_operating_line(
        0.45, 300.0, 94.5, molar_masses="iupac_2013"
    ).carbon_rate
    workbook = operating_line.rist_operating_line(
        0.45, 300.0, 94.5, molar_masses="ustb_workbook"
    ).carbon_rate
    assert iupac == pytest.approx(rist_carbon(12.011, 55.845), rel=1e-12)
    assert workbook == pytest.approx(rist_carbon(12.0, 56.0), rel=1e-12)
    assert 0.5 < iupac - workbook < 2.0
    assert mass_balance.direct_reduction_carbon(
        0.5, 94.5, molar_masses="iupac_2013"
    ) == pytest.approx(0.5 * 945 * 12.011 / 55.845)
    with pytest.raises(UnknownKeyError, match="molar_masses"):
        mass_balance.direct_reduction_carbon(0.5, 94.5, molar_masses="iupac")
