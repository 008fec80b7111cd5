"""The vectorised batch gives, installation by installation, what the single path gives."""

from __future__ import annotations

import copy
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greenmet.carbon import compute
from greenmet.carbon.activity import ActivityData
from greenmet.carbon.batch import BATCH_METHODS, compute_batch, default_method
from greenmet.errors import InputError, UnknownKeyError
from greenmet.io.activity_files import activity_to_dict, read_example

EXAMPLES = ("bf-bof", "scrap-eaf", "aluminium")
_BASES = {name: activity_to_dict(read_example(name)) for name in EXAMPLES}


def _variant(name: str, index: int, scale: float, energy_scale: float) -> ActivityData:
    data = copy.deepcopy(_BASES[name])
    data["installation"]["id"] = f"{name}-{index}"
    for item in data.get("materials", []):
        item["quantity"] = item["quantity"] * scale
    for item in data.get("energy", []):
        # relative to the output, so that the electricity per tonne stays physically possible
        item["quantity"] = item["quantity"] * scale * energy_scale
    for item in data.get("production", []):
        item["quantity"] = item["quantity"] * scale
    return ActivityData.model_validate(data)


def _assert_row_equals_result(row: pd.Series, result) -> None:
    # Same arithmetic in a different order (group-by sums): equal to rounding, rel 1e-9.
    for scope, value in result.totals_t_co2e.items():
        assert row[f"{scope}_t_co2e"] == pytest.approx(value, rel=1e-9, abs=1e-6), scope
    present = {column.removesuffix("_t_co2e") for column in row.index if column.endswith("_t_co2e")}
    for scope in present - set(result.totals_t_co2e):
        assert row[f"{scope}_t_co2e"] == 0.0
    for product, value in result.intensity_t_co2e_per_t.items():
        assert row[f"intensity_{product}_t_co2e_per_t"] == pytest.approx(value, rel=1e-9), product
    if result.carbon_balance is None:
        assert math.isnan(row["residual_t_c"])
    else:
        assert row["residual_t_c"] == pytest.approx(result.carbon_balance.residual_t, abs=1e-6)
    assert row["warnings_count"] == len(result.warnings)
    assert row["method_edition"] == result.method_edition
    assert row["installation_name"] == result.installation_name


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(EXAMPLES), st.floats(0.05, 20.0), st.floats(0.0, 2.0)),
        min_size=1,
        max_size=6,
    )
)
def test_batch_equals_single_path_for_default_methods(plants):
    activities = [_variant(name, i, scale, energy) for i, (name, scale, energy) in enumerate(plants)]
    table = compute_batch(activities)
    assert table["installation_id"].tolist() == [a.installation.id for a in activities]
    for activity, (_, row) in zip(activities, table.iterrows(), strict=True):
        method = default_method(activity)
        assert row["method"] == method
        _assert_row_equals_result(row, compute(activity, method))


# The worldsteel steel-plate anchors (cradle-to-gate 2.38 kg CO2e/kg, value of scrap 1.5) with a
# recovery rate of 0.85 and a net scrap input of 0.12 — plausible inputs; the test compares paths.
_LCI = {
    "products": [
        {
            "product": "crude_steel",
            "cradle_to_gate": 2.38,
            "recovery_rate": 0.85,
            "scrap_input": 0.12,
            "value_of_scrap": 1.5,
        },
        {
            "product": "hot_rolled_coil",
            "cradle_to_gate": 2.5,
            "recovery_rate": 0.85,
            "scrap_input": 0.1,
            "value_of_scrap": 1.5,
        },
    ]
}


@pytest.mark.parametrize(
    ("method", "names", "section"),
    [("iso14404", ("bf-bof", "scrap-eaf"), None), ("lci", ("bf-bof", "scrap-eaf"), _LCI)],
)
def test_batch_equals_single_path_for_the_other_methods(method, names, section):
    activities = []
    for i, name in enumerate(names * 2):
        variant = _variant(name, i, 0.5 + i, 1.0 + i)
        if section is not None:
            variant = ActivityData.model_validate({**activity_to_dict(variant), method: section})
        activities.append(variant)
    table = compute_batch(activities, method)
    assert (table["method"] == method).all()
    for activity, (_, row) in zip(activities, table.iterrows(), strict=True):
        _assert_row_equals_result(row, compute(activity, method))


def test_every_method_has_a_batch():
    from greenmet.carbon import METHODS

    assert set(BATCH_METHODS) == set(METHODS)


def test_cbam_batch_equals_single_path():
    # The CBAM example works (docs/examples/cbam_steel_works.toml) three times under other ids:
    # one sparse solve over all their processes must give each installation's SEE per CN code.
    from pathlib import Path

    from greenmet.io.activity_files import read_activity

    example = read_activity(Path(__file__).parents[2] / "docs" / "examples" / "cbam_steel_works.toml")
    activities = []
    for i in range(3):
        data = activity_to_dict(example)
        data["installation"] = {**data["installation"], "id": f"{example.installation.id}-{i}"}
        activities.append(ActivityData.model_validate(data))
    table = compute_batch(activities, "cbam")
    assert (table["method"] == "cbam").all()
    for activity, (_, row) in zip(activities, table.iterrows(), strict=True):
        _assert_row_equals_result(row, compute(activity, "cbam"))


def test_batch_of_many_gives_one_row_each_with_unit_suffixed_columns():
    activities = [_variant(name, i, 1.0 + i / 10, 1.0) for i, name in enumerate(EXAMPLES * 4)]
    table = compute_batch(activities)
    assert len(table) == 12
    assert table["installation_id"].is_unique
    assert {"scope_1_t_co2e", "scope_2_t_co2e", "total_t_co2e", "residual_t_c", "warnings_count"} <= set(
        table.columns
    )
    assert "intensity_crude_steel_t_co2e_per_t" in table.columns
    assert "intensity_primary_aluminium_t_co2e_per_t" in table.columns
    steel = table[table["method"] == "cn-steel"]
    assert steel["intensity_primary_aluminium_t_co2e_per_t"].isna().all()


def test_batch_refuses_duplicate_ids_unknown_methods_and_nothing():
    activity = read_example("bf-bof")
    with pytest.raises(InputError, match=r"installation id used twice"):
        compute_batch([activity, activity])
    with pytest.raises(UnknownKeyError, match=r"no batch computation for that method.*cn-steel"):
        compute_batch([activity], "gb-2015")
    with pytest.raises(InputError, match=r"no installations to compute"):
        compute_batch([])


def test_batch_does_not_change_its_inputs():
    activities = [_variant("bf-bof", 0, 1.0, 1.0), _variant("aluminium", 1, 1.0, 1.0)]
    before = [a.model_dump() for a in activities]
    compute_batch(activities)
    assert [a.model_dump() for a in activities] == before
