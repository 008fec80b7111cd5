"""Product LCI with closed-loop recycling: formula, Module D kept apart, bad input, credit sign."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenmet.carbon import compute
from greenmet.carbon.activity import ActivityData
from greenmet.carbon.lci import (
    LciProduct,
    compute_lci,
    end_of_life_credit,
    implied_scrap_input,
    implied_value_of_scrap,
    lci_frame,
    lci_with_end_of_life,
    value_of_scrap,
)
from greenmet.errors import CompositionError, InputError, SuspectUnitError

BASE = {
    "installation": {"id": "mill", "name": "Plate mill", "sector": "steel"},
    "period": {"start": "2024-01-01", "end": "2024-12-31"},
    "production": [{"product": "plate", "quantity": 200.0, "unit": "t"}],
    "lci": {
        "products": [
            {
                "product": "plate",
                "cradle_to_gate": 2.38,
                "recovery_rate": 0.85,
                "scrap_input": 0.1,
                "metallic_yield": 0.92,
                "primary": 2.2,
                "recycled": 0.6,
            },
            {
                "product": "coil",
                "cradle_to_gate": 2.2,
                "recovery_rate": 0.9,
                "scrap_input": 0.05,
                "value_of_scrap": 1.5,
            },
        ]
    },
}


def test_formula_on_numbers_and_arrays():
    vos = value_of_scrap(2.2, 0.6, 0.92)
    assert vos == pytest.approx(0.92 * 1.6)
    assert end_of_life_credit(0.85, 0.1, vos) == pytest.approx(-0.75 * vos)
    assert lci_with_end_of_life(2.38, 0.85, 0.1, vos) == pytest.approx(2.38 - 0.75 * vos)
    rr = np.array([0.5, 0.9])
    assert lci_with_end_of_life(2.0, rr, 0.1, 1.5) == pytest.approx([2.0 - 0.4 * 1.5, 2.0 - 0.8 * 1.5])
    s = pd.Series([0.1, 0.2], index=["a", "b"])
    assert list(end_of_life_credit(0.9, s, 1.5).index) == ["a", "b"]


def test_implied_parameters_invert_the_formula():
    assert implied_scrap_input(end_of_life_credit(0.85, 0.12, 1.5), 0.85, 1.5) == pytest.approx(0.12)
    assert implied_value_of_scrap(end_of_life_credit(0.85, 0.12, 1.4), 0.85, 0.12) == pytest.approx(1.4)


def test_compute_keeps_module_d_apart_from_cradle_to_gate():
    result = compute(ActivityData.model_validate(BASE), "lci")
    lines = result.lines.set_index("source_stream")
    vos = 0.92 * 1.6
    assert lines.loc["plate", "emissions_t_co2e"] == pytest.approx(200 * 2.38)
    assert lines.loc["plate:module_d", "emissions_t_co2e"] == pytest.approx(-200 * 0.75 * vos)
    assert lines.loc["plate:module_d", "scope"] == "credit"
    assert result.intensity_t_co2e_per_t["plate"] == pytest.approx(2.38 - 0.75 * vos)
    assert result.intensity_t_co2e_per_t["coil"] == pytest.approx(2.2 - 0.85 * 1.5)
    assert result.options["plate_module_d_kg_co2e_per_kg"] == pytest.approx(-0.75 * vos)
    # coil has no production row: per 1 t declared unit, with a warning
    assert lines.loc["coil", "activity_ref"] == 1.0
    assert any("coil" in w for w in result.warnings)


def _product(**changes):
    data = copy.deepcopy(BASE["lci"]["products"][1])
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"scrap_input_basis": "recycled_content_label"}, InputError, "recycled content"),
        ({"recovery_rate": 1.2}, SuspectUnitError, "share 1.2 is above 1"),
        ({"recovery_rate": "120 %"}, CompositionError, "share outside 0-100 %"),
        ({"scrap_input": -0.1}, InputError, "negative"),
        ({"cradle_to_gate": float("nan")}, InputError, "not finite"),
        ({"value_of_scrap": None}, InputError, "value of scrap not given"),
        ({"metallic_yield": 0.9}, InputError, "given twice"),
        (
            {"value_of_scrap": None, "metallic_yield": 1.3, "primary": 2.0, "recycled": 0.5},
            InputError,
            "metallic yield outside",
        ),
    ],
)
def test_bad_products_are_refused(changes, error, match):
    with pytest.raises(error, match=match):
        LciProduct(**_product(**changes))


def test_missing_section_is_an_error():
    data = copy.deepcopy(BASE)
    data.pop("lci")
    with pytest.raises(InputError, match="no 'lci' section"):
        compute_lci(ActivityData.model_validate(data))
    with pytest.raises(InputError, match="value of scrap missing"):
        lci_frame(pd.DataFrame({"cradle_to_gate": [1.0], "recovery_rate": [0.5], "scrap_input": [0.1]}))


@settings(max_examples=60, deadline=None)
@given(
    x=st.floats(0.0, 30.0),
    rr=st.floats(0.0, 1.0),
    s=st.floats(0.0, 1.5),
    primary=st.floats(0.0, 30.0),
    recycled=st.floats(0.0, 30.0),
    y=st.floats(0.5, 1.0),
)
def test_credit_sign_follows_recovery_minus_scrap_input(x, rr, s, primary, recycled, y):
    # with a positive value of scrap, Module D is a credit (<= 0) exactly when RR >= S
    vos = value_of_scrap(primary, recycled, y)
    d = end_of_life_credit(rr, s, vos)
    if vos >= 0:
        assert (d <= 0) == (rr >= s) or d == 0
    assert lci_with_end_of_life(x, rr, s, vos) == pytest.approx(x + d)


def test_aluminium_product_with_the_iai_primary_intensity():
    from greenmet.refdata import factor

    primary = factor("lci_parameters", dataset="iai_primary_aluminium_2022", parameter="cradle_to_gate").value
    assert primary == 15.1
    data = copy.deepcopy(BASE)
    data["lci"] = {
        "products": [
            {
                "product": "sheet",
                "metal": "aluminium",
                "cradle_to_gate": 12.0,
                "recovery_rate": 0.9,
                "scrap_input": 0.3,
                "metallic_yield": 0.95,
                "primary": primary,
                "recycled": 0.8,
            }
        ]
    }
    result = compute_lci(ActivityData.model_validate(data))
    assert result.intensity_t_co2e_per_t["sheet"] == pytest.approx(12.0 - 0.6 * 0.95 * (15.1 - 0.8))
