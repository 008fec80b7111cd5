import math

import numpy as np
import pytest

from greenmet.errors import UnitError, UnknownKeyError
from greenmet.units import Q_, co2_equivalent, convert, parse_unit, ureg


def test_coal_equivalent_is_29_3076_megajoule_per_kg():
    # GB/T 2589-2020: 1 kgce = 29.3076 MJ (7000 kcal_IT).
    assert Q_(1, "kgce").to("MJ").magnitude == pytest.approx(29.3076, rel=1e-12)
    assert Q_(1, "tce").to("GJ").magnitude == pytest.approx(29.3076, rel=1e-12)
    assert Q_(7000 * 4.1868, "kJ").to("kgce").magnitude == pytest.approx(1.0, rel=1e-12)


def test_normal_cubic_metre_is_an_amount_of_gas():
    # 1000 L / 22.41396954 L/mol (CODATA 2018) = 44.6150 mol.
    assert Q_(1, "Nm3").to("mol").magnitude == pytest.approx(44.61503, rel=1e-6)
    # CO2 at 44.0095 g/mol: 1 Nm3 of CO2 weighs 1.9635 kg.
    assert (Q_(1, "Nm3").to("mol").magnitude * 44.0095 / 1000) == pytest.approx(1.9635, rel=1e-4)
    with pytest.raises(UnitError, match="cannot convert 'm\\^3' to 'Nm3'"):
        convert(1.0, "m^3", "Nm3", field="blast_volume")


def test_ten_thousand_prefix_used_by_chinese_statistics():
    # 万Nm3 and "1e4 Nm3" are the units of natural gas in China's guidelines.
    assert convert(2.0, "万Nm3", "Nm3") == pytest.approx(2e4)
    assert convert(2.0, "1e4 Nm3", "Nm3") == pytest.approx(2e4)
    assert convert(1.0, "ten_thousand_normal_cubic_meter", "Nm3") == pytest.approx(1e4)


def test_product_tonnes_are_masses():
    assert convert(350.0, "kg/tHM", "kg/t") == pytest.approx(350.0)
    assert convert(1.0, "tcs", "kg") == pytest.approx(1000.0)


def test_convert_keeps_arrays():
    result = convert(np.array([1.0, 2.0]), "MWh", "GJ")
    np.testing.assert_allclose(result, [3.6, 7.2])


def test_parse_unit_rejects_nonsense_with_a_fix():
    with pytest.raises(UnitError, match="ncv_unit: unit does not parse .*Fix"):
        parse_unit("gigaparsnips", field="ncv_unit")


def test_temperature_offsets_convert():
    assert convert(1200.0, "degC", "K") == pytest.approx(1473.15)
    assert convert(2192.0, "degF", "degC") == pytest.approx(1200.0)


@pytest.mark.parametrize(
    ("metric", "gas", "expected"),
    [
        ("AR5GWP100", "CF4", 6630.0),  # IR 2025/2547 Annex II G Table 6
        ("AR5GWP100", "C2F6", 11100.0),
        ("AR6GWP100", "CF4", 7380.0),  # AR6 WG1 Table 7.SM.7
        ("AR6GWP100", "C2F6", 12400.0),
        ("SARGWP100", "CF4", 6500.0),
        ("AR4GWP100", "C2F6", 12200.0),
    ],
)
def test_co2_equivalent_uses_the_named_metric(metric, gas, expected):
    assert co2_equivalent(2.0, gas, gwp_metric=metric) == pytest.approx(2 * expected)


def test_co2_equivalent_names_an_unknown_metric():
    with pytest.raises(UnknownKeyError, match="metric not in reference table .gwp.*AR5GWP100"):
        co2_equivalent(1.0, "CF4", gwp_metric="AR7")


def test_co2_equivalent_nan_passes_through():
    assert math.isnan(co2_equivalent(float("nan"), "CF4", gwp_metric="AR5GWP100"))


def test_one_registry():
    assert Q_(1, "t")._REGISTRY is ureg


@pytest.mark.parametrize("unit", ["GJ/万Nm3", "GJ/1e4 Nm3", "GJ/10^4 Nm3", "GJ/(1e4 Nm3)"])
def test_scale_binds_to_the_unit_after_it(unit):
    # China's guidelines give NCV of gases in GJ per 10^4 Nm3 (e.g. natural gas 389.31 GJ/10^4 Nm3).
    assert convert(389.31, unit, "GJ/Nm3") == pytest.approx(0.038931)


def test_plant_spellings_of_volume_and_the_middle_dot():
    assert convert(2.4, "t/(m3·d)", "t/(m^3*d)") == pytest.approx(2.4)
