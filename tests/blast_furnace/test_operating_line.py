import pandas as pd
import pytest

from greenmet.blast_furnace import operating_line as ol
from greenmet.errors import InputError, UnknownKeyError


def test_line_passes_through_a_and_e():
    line = ol.rist_operating_line(0.48, 260.0, 94.5, 8.0)
    # E: the line reaches y_A = 1.5 at x = 1 + eta.
    assert line.point_a_y + line.slope * line.point_e_x == pytest.approx(1.5)
    assert 0 < line.direct_reduction_degree < 1
    assert line.minimum_carbon_rate < line.carbon_rate or line.shaft_efficiency > 1


def test_better_utilisation_lowers_carbon_and_direct_reduction():
    low = ol.rist_operating_line(0.44, 260.0, 94.5)
    high = ol.rist_operating_line(0.50, 260.0, 94.5)
    assert high.carbon_rate < low.carbon_rate
    assert high.direct_reduction_degree < low.direct_reduction_degree
    assert high.shaft_efficiency > low.shaft_efficiency


def test_series_input():
    eta = pd.Series([0.45, 0.5], index=["d1", "d2"])
    line = ol.rist_operating_line(eta, 260.0, 94.5)
    assert list(line.slope.index) == ["d1", "d2"]


def test_n_table_limits():
    with pytest.raises(InputError, match="temperature outside the n"):
        ol.co_excess_coefficient(1300.0)
    assert ol.co_excess_coefficient(950.0) == pytest.approx((3.17 + 3.52) / 2)


def test_rd_c_minimum_on_both_lines():
    diagram = ol.rd_c_diagram(10721.0, 7977.8, 3.17, edition="ustb_workbook")
    rd = diagram.optimum_direct_reduction_degree
    unit = 12 / 56
    heat_side = unit * rd + diagram.coefficient_a + diagram.coefficient_b * rd
    assert heat_side == pytest.approx(diagram.minimum_carbon)
    with pytest.raises(UnknownKeyError, match="edition"):
        ol.rd_c_diagram(10721.0, 7977.8, 3.17, edition="other")
