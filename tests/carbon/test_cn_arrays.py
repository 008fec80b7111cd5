"""The numpy steel path (greenmet.carbon.cn_arrays) against the pandas frame functions of cn_common.

Two independent implementations of the same equations (GB/T 32151.5-2015 §6): the frame
functions still serve ``cn-aluminium``; here they are run on steel plants and must give the same
lines, grid factors and carbon balance as the arrays.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from greenmet.carbon import ActivityData
from greenmet.carbon.activity import activity_columns, activity_frames
from greenmet.carbon.cn_arrays import positions, shared_positions, steel_arrays
from greenmet.carbon.cn_common import carbon_balance, energy_lines, material_lines, prepare_flows
from greenmet.carbon.options import CnSteelOptions
from greenmet.io.activity_files import activity_to_dict, read_example


def _plants() -> list[ActivityData]:
    plants = []
    for index, name in enumerate(("bf-bof", "scrap-eaf", "bf-bof")):
        data = activity_to_dict(read_example(name))
        data["installation"]["id"] = f"plant-{index}"
        if index == 2:  # measured values, an export and a supplier factor exercise the other branches
            data["materials"][0]["carbon_content"] = 0.8
            data["materials"][1]["ncv"] = 30.0
            data["materials"][1]["ncv_unit"] = "GJ/t"
            data["materials"].append({"material": "natural_gas", "direction": "out", "quantity": 10.0,
                                      "unit": "10^4 Nm3"})
            data["energy"].append({"carrier": "electricity", "direction": "sold", "quantity": 50.0,
                                   "unit": "MWh", "emission_factor": 0.4, "emission_factor_unit": "t/MWh"})
            data["energy"].append({"carrier": "heat", "direction": "purchased", "quantity": 1000.0,
                                   "unit": "GJ"})
        plants.append(ActivityData.model_validate(copy.deepcopy(data)))
    return plants


def _by_key(lines: pd.DataFrame) -> pd.DataFrame:
    keys = ["installation_id", "source_stream", "category", "factor_source"]
    return lines.groupby(keys, dropna=False)[["activity_ref", "emissions_t"]].sum().sort_index()


@pytest.mark.parametrize("edition", ["gbt-32151.5-2015", "ndrc-2013"])
def test_arrays_equal_the_frame_functions(edition):
    plants = _plants()
    options = CnSteelOptions(edition=edition, fixed_carbon_from_production=False)
    arrays = steel_arrays(activity_columns(plants), options)
    frames = activity_frames(plants)
    prepared = prepare_flows(frames.flows, edition=edition)
    energy, grid = energy_lines(frames.energy, frames.installations, method="cn-steel", edition=edition)
    expected = pd.concat([material_lines(prepared, method="cn-steel"), energy], ignore_index=True)
    pd.testing.assert_frame_equal(_by_key(arrays.lines_frame()), _by_key(expected), rtol=1e-12)
    balance = carbon_balance(prepared, expected).set_index("installation_id")
    got = arrays.balance_frame().set_index("installation_id").loc[balance.index]
    np.testing.assert_allclose(got["carbon_out_t"], balance["carbon_out_t"], rtol=1e-12)
    np.testing.assert_allclose(got["carbon_emitted_t"], balance["carbon_emitted_t"], rtol=1e-12)
    assert arrays.grid["factor_year"].tolist() == grid["factor_year"].tolist()
    assert arrays.lines_frame()["needs_verification"].sum() == expected["needs_verification"].sum()


def test_frames_and_columns_give_the_same_lines():
    plants = _plants()
    options = CnSteelOptions()
    from_frames = steel_arrays(activity_frames(plants), options).lines_frame()
    from_columns = steel_arrays(activity_columns(plants), options).lines_frame()
    pd.testing.assert_frame_equal(from_frames, from_columns)


def test_columns_read_right_when_a_model_keeps_its_fields_in_another_order():
    # activity_columns reads the flows' values in field order in one pass; a model whose
    # instance dict is ordered otherwise (fields deleted and set again) must not shift columns.
    activity = read_example("bf-bof")
    expected = activity_columns(activity)
    shuffled = activity.model_copy(deep=True)
    first = shuffled.materials[0]
    reordered = dict(reversed(list(first.__dict__.items())))
    first.__dict__.clear()
    first.__dict__.update(reordered)
    got = activity_columns(shuffled)
    for name, values in expected.flows.items():
        assert pd.Series(got.flows[name]).equals(pd.Series(values)), name


def test_shared_positions_locates_an_id_array_once_and_only_for_the_same_ids():
    ids = np.array(["a", "b", "c"], dtype=object)
    rows = np.array(["b", "b", "c", "a"], dtype=object)
    with shared_positions():
        first = positions(rows, pd.Index(ids, dtype=object))
        again = positions(rows, pd.Index(ids.copy(), dtype=object))
        other = positions(rows, pd.Index(ids[::-1].copy(), dtype=object))
        copied = positions(rows.copy(), pd.Index(ids, dtype=object))
    assert again is first  # the same ids: reused
    assert first.tolist() == [1, 1, 2, 0] == copied.tolist()
    assert other.tolist() == [1, 1, 0, 2]  # other ids: located afresh
    with pytest.raises(ValueError):
        first[0] = 2  # shared between callers: read-only
    assert positions(rows, pd.Index(ids, dtype=object)) is not first  # outside the block: not kept


def test_batch_with_shared_positions_equals_the_batch_without(monkeypatch):
    import contextlib

    from greenmet.carbon import cn_arrays
    from greenmet.carbon.batch import compute_batch

    tables = activity_columns(_plants())
    shared = compute_batch(tables, "cn-steel")
    monkeypatch.setattr(cn_arrays, "shared_positions", contextlib.nullcontext)
    pd.testing.assert_frame_equal(shared, compute_batch(tables, "cn-steel"))


def test_codes_put_every_missing_value_in_one_group_that_keeps_the_first_missing_value():
    from greenmet.carbon.cn_arrays import _codes

    codes, values = _codes(np.array(["bof", None, "coking", np.nan, "bof", None], dtype=object))
    assert codes[1] == codes[3] == codes[5] != codes[0] == codes[4] != codes[2]
    assert values[codes].tolist()[:3] == ["bof", None, "coking"]
    assert len(values) == 3
