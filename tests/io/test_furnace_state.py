import json
import tomllib
from importlib import resources

import pandas as pd
import pytest

from greenmet.errors import CompositionError, FileFormatError, InputError
from greenmet.io.furnace_state import read_furnace_state, read_state_frame

EXAMPLE = resources.files("greenmet.blast_furnace").joinpath("examples", "state_2500m3.toml")


def _rows(data: dict) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = []
    for key, value in data.items():
        if key == "burden":
            for material in value:
                rows.append((f"burden.{material['name']}.mass_kg_per_thm", material["mass_kg_per_thm"]))
                rows += [(f"burden.{material['name']}.{k}", v) for k, v in material["analysis"].items()]
        elif isinstance(value, dict):
            rows += [(f"{key}.{k}", v) for k, v in value.items()]
        else:
            rows.append((key, value))
    return rows


def test_toml_json_and_excel_give_the_same_state(tmp_path):
    with resources.as_file(EXAMPLE) as path:
        from_toml = read_furnace_state(path)
        data = tomllib.loads(path.read_text("utf-8"))
    (tmp_path / "s.json").write_text(json.dumps(data))
    assert read_furnace_state(tmp_path / "s.json") == from_toml
    pd.DataFrame(_rows(data), columns=["quantity", "value"]).to_excel(
        tmp_path / "s.xlsx", sheet_name="state", index=False
    )
    assert read_furnace_state(tmp_path / "s.xlsx") == from_toml


def test_excel_error_names_file_sheet_row_and_field(tmp_path):
    with resources.as_file(EXAMPLE) as path:
        data = tomllib.loads(path.read_text("utf-8"))
    rows = _rows(data)
    position = next(i for i, (k, _) in enumerate(rows) if k == "blast_temperature_degC")
    rows[position] = ("blast_temperature_degC", 2192)
    pd.DataFrame(rows, columns=["quantity", "value"]).to_excel(
        tmp_path / "bad.xlsx", sheet_name="state", index=False
    )
    where = rf"bad.xlsx, sheet 'state', row {position + 2}: blast_temperature_degC"
    with pytest.raises(InputError, match=where):
        read_furnace_state(tmp_path / "bad.xlsx")


def test_toml_composition_error_names_file(tmp_path):
    with resources.as_file(EXAMPLE) as path:
        text = path.read_text("utf-8").replace("CaO = 41.2", "CaO = 31.2")
    (tmp_path / "bad.toml").write_text(text)
    with pytest.raises(CompositionError, match=r"bad.toml: slag: slag analysis sums to"):
        read_furnace_state(tmp_path / "bad.toml")


def test_file_errors(tmp_path):
    with pytest.raises(FileFormatError, match="no such file"):
        read_furnace_state(tmp_path / "missing.toml")
    (tmp_path / "broken.toml").write_text("name = ")
    with pytest.raises(FileFormatError, match="broken.toml: file does not parse"):
        read_furnace_state(tmp_path / "broken.toml")
    (tmp_path / "state.yaml").write_text("a: 1")
    with pytest.raises(FileFormatError, match="unknown file type"):
        read_furnace_state(tmp_path / "state.yaml")
    pd.DataFrame({"a": [1]}).to_excel(tmp_path / "nocols.xlsx", index=False)
    with pytest.raises(FileFormatError, match="lacks the columns 'quantity' and 'value'"):
        read_furnace_state(tmp_path / "nocols.xlsx")


def test_state_frame_csv(tmp_path):
    pd.DataFrame({"x": [1.0, 2.0]}).to_csv(tmp_path / "f.csv", index=False)
    assert read_state_frame(tmp_path / "f.csv")["x"].tolist() == [1.0, 2.0]
    with pytest.raises(FileFormatError, match="unknown file type"):
        (tmp_path / "f.txt").write_text("x")
        read_state_frame(tmp_path / "f.txt")
