"""worldsteel LCI / ISO 20915: the published steel-plate numbers and the value of scrap."""

from __future__ import annotations

import pytest

from greenmet.carbon.activity import ActivityData
from greenmet.carbon.lci import (
    compute_lci,
    end_of_life_credit,
    implied_scrap_input,
    lci_with_end_of_life,
    published_steel_value_of_scrap,
)
from greenmet.refdata import factor


def _plate(name: str) -> float:
    return factor("lci_parameters", dataset="worldsteel_plate_2023", parameter=name).value


def test_plate_numbers_are_consistent():
    # worldsteel 2023 plate via ICE v4 / Climatiq (research note §2): cradle-to-gate 2.38, Module D
    # -1.22, net 1.16 kg CO2e/kg at RR 0.85. Published to two decimals: tolerance 0.005.
    assert _plate("cradle_to_gate") + _plate("module_d") == pytest.approx(
        _plate("net_with_end_of_life"), abs=0.005
    )


def test_formula_reproduces_plate_module_d_with_the_implied_scrap_input():
    # With the value of scrap 1.5 kg CO2e/kg (Broadbent 2016), Module D -1.22 at RR 0.85 implies
    # S = 0.85 - 1.22/1.5 = 0.0367 kg/kg; the formula then returns -1.22 and net 1.16. Tolerance
    # 0.005: the published values are rounded to two decimals.
    vos = published_steel_value_of_scrap()
    assert vos == 1.5
    rr = _plate("recovery_rate")
    s = implied_scrap_input(_plate("module_d"), rr, vos)
    assert s == pytest.approx(0.0367, abs=5e-4)
    assert end_of_life_credit(rr, s, vos) == pytest.approx(-1.22, abs=0.005)
    assert lci_with_end_of_life(2.38, rr, s, vos) == pytest.approx(1.16, abs=0.005)


def test_recycled_content_label_would_overstate_the_credit():
    # The pitfall of the note (§2): using a dataset's 2 % pre-consumer "recycled content" as S
    # gives a larger credit than the implied net scrap input does.
    vos = published_steel_value_of_scrap()
    assert end_of_life_credit(0.85, 0.02, vos) < end_of_life_credit(0.85, 0.0367, vos)


def test_broadbent_saving_implies_a_primary_lci_near_2_kg():
    # Broadbent 2016: 1.5 kg CO2e saved per kg scrap is a 73 % saving against 100 % primary
    # production, so the primary route is about 1.5/0.73 = 2.05 kg CO2e/kg [C]; consistent with the
    # plate's cradle-to-gate 2.38 (a rolled product above a slab). Tolerance: two-figure inputs.
    saving = factor(
        "lci_parameters", dataset="worldsteel_steel", parameter="value_of_scrap_saving_fraction"
    ).value
    primary = published_steel_value_of_scrap() / saving
    assert primary == pytest.approx(2.05, abs=0.01)
    assert primary < _plate("cradle_to_gate")


def test_plate_through_the_method():
    # The plate dataset through compute_lci gives the published net value (tolerance as above).
    data = {
        "installation": {"id": "plate", "name": "worldsteel plate", "sector": "steel"},
        "period": {"start": "2023-01-01", "end": "2023-12-31"},
        "production": [{"product": "plate", "quantity": 1.0}],
        "lci": {
            "products": [
                {
                    "product": "plate",
                    "cradle_to_gate": 2.38,
                    "recovery_rate": 0.85,
                    "scrap_input": 0.0367,
                    "value_of_scrap": 1.5,
                }
            ]
        },
    }
    result = compute_lci(ActivityData.model_validate(data))
    assert result.intensity_t_co2e_per_t["plate"] == pytest.approx(1.16, abs=0.005)
    assert result.options["plate_module_d_kg_co2e_per_kg"] == pytest.approx(-1.22, abs=0.005)
