"""Lever potential: LMDI parts add up to the total, and the four-stage pathway."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from greenmet.errors import InputError
from greenmet.mfa.potential import PATHWAY_STAGES, lever_decomposition, lmdi_additive, pathway_stages
from greenmet.mfa.projection import project
from greenmet.outlook import load_outlook_scenario

positive = st.floats(0.0, 1e4, allow_nan=False)


@given(
    st.lists(st.tuples(positive, positive, positive, positive, positive, positive), min_size=1, max_size=6),
    st.lists(st.sampled_from([1.0, -1.0]), min_size=6, max_size=6),
)
def test_lmdi_effects_add_up_to_the_change_exactly(rows, signs):
    terms_a = [
        {"activity": np.array(a), "structure": np.array(b), "intensity": np.array(c)} for a, b, c, *_ in rows
    ]
    terms_b = [
        {"activity": np.array(d), "structure": np.array(e), "intensity": np.array(f)} for *_, d, e, f in rows
    ]
    signs = signs[: len(rows)]
    effects = lmdi_additive(terms_a, terms_b, signs)
    change = sum(s * d * e * f for s, (*_, d, e, f) in zip(signs, rows, strict=True)) - sum(
        s * a * b * c for s, (a, b, c, *_) in zip(signs, rows, strict=True)
    )
    scale = sum(a * b * c + d * e * f for a, b, c, d, e, f in rows)
    assert sum(effects.values()) == pytest.approx(change, rel=1e-9, abs=1e-12 * scale + 1e-9)


def test_lmdi_single_factor_change_goes_to_that_factor():
    effects = lmdi_additive(
        [{"x": np.array(2.0), "y": np.array(3.0)}], [{"x": np.array(4.0), "y": np.array(3.0)}]
    )
    assert effects["x"] == pytest.approx(6.0) and effects["y"] == pytest.approx(0.0)


def test_lmdi_refuses_negative_factors():
    with pytest.raises(InputError, match="signs"):
        lmdi_additive([{"x": np.array(-1.0)}], [{"x": np.array(1.0)}])


@pytest.fixture(scope="module")
def pair():
    a, b = load_outlook_scenario("china_baseline"), load_outlook_scenario("deep_decarbonisation")
    return a, project(a), b, project(b)


def test_levers_add_up_to_the_co2_difference_every_year(pair):
    table = lever_decomposition(*pair)
    levers = [c for c in table.columns if c.endswith("_mt_co2") and c != "total_difference_mt_co2"]
    np.testing.assert_allclose(table[levers].sum(axis=1), table["total_difference_mt_co2"], rtol=0, atol=1e-6)
    assert table.index[0] == 2025 and table.index[-1] == 2060
    # the deep-decarbonisation levers the scenario pulls all cut CO2 by 2060
    for lever in ("scrap_eaf_mt_co2", "hydrogen_mt_co2", "ccus_mt_co2"):
        assert table.loc[2060, lever] < 0, lever


def test_pathway_stages_follow_the_scenario(pair):
    _, _, scenario, result = pair
    stages = pathway_stages(scenario, result)
    assert list(stages["stage"]) == [1, 2, 3, 4]
    assert stages["name_zh"].iloc[0] == PATHWAY_STAGES[0]["zh"]
    starts = stages["start_year"].dropna().astype(int).tolist()
    assert starts == sorted(starts) and len(starts) == 4
    stage_3 = stages.set_index("stage").loc[3]
    assert stage_3["low_carbon_route_share_at_start"] >= 0.5
    baseline = pathway_stages(pair[0], pair[1])
    assert baseline["start_year"].isna().sum() >= 1  # the baseline never reaches deep decarbonisation
