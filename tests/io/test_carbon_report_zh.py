"""A Chinese report is Chinese: warnings, factor status, units, names and options, in the
terminal table, the Excel sheets and the PDF.

Each case is a shipped example (or the CBAM and LCI examples of the docs) under one method, or
a variant that triggers one of the warnings the methods give. The check collects every Latin
word a zh report shows and allows only what is not English prose: chemical formulas, standard
and regulation numbers, GWP set names, method and edition identifiers, the product name, and
whatever the plant itself typed into its activity file (its names stay as written). Cited
sources (the factor-source column) stay in the language of the source.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console

from greenmet.carbon import compute
from greenmet.carbon.activity import ActivityData
from greenmet.carbon.allowances import allowance
from greenmet.i18n import labels
from greenmet.io.activity_files import read_activity, read_example
from greenmet.io.carbon_report import render_table, report_sheets, write_report_pdf

DOCS_EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"

# Not English words: formulas, acronyms of standards and bodies, identifiers, the tool's name.
ALLOWED = {
    "CO2", "CO2e", "CF4", "C2F6", "GWP", "PFC", "ISO", "GB", "T", "IPCC", "CETS", "AG", "V01",
    "IR", "CFR", "EU", "CBAM", "SEE", "LCI", "A", "B.7", "F-2", "D", "v5.1", "greenmet", "Python", "nan",
    # a reference table and its rows, named where a warning points to its source
    "plausibility_ranges", "electricity_per_primary_aluminium", "electricity_per_crude_steel",
    "reductant_per_hot_metal",
}
IDENTIFIER = re.compile(
    r"^(AR[456]GWP100|SARGWP100|cn-steel|cn-aluminium|iso14404|cbam|lci|gbt-[\d.]+-\d+|ndrc-2013|"
    r"cets-ag-[\d.]+-\d+|ir-2025-2547|IR20\d\d/\d+|CETS-AG-[\dA-Z.\-]+|e-\d+)$"
)
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-/]*")


def _typed_by_the_plant(activity: ActivityData) -> set[str]:
    words: set[str] = set()

    def walk(value):
        if isinstance(value, str):
            words.update(WORD.findall(value))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(activity.model_dump())
    return words


def _zh_texts(result, tmp_path, position=None) -> list[str]:
    texts = []
    for name, sheet in report_sheets(result, "zh", position).items():
        texts.append(name)
        for column in sheet.columns:
            texts.append(str(column))
            if column != labels("greenmet.carbon")["factor_source"]["zh"]:
                texts.extend(str(value) for value in sheet[column].tolist())
    buffer = io.StringIO()
    render_table(result, "zh", console=Console(file=buffer, width=400), allowance=position)
    texts.append(buffer.getvalue())
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(write_report_pdf(tmp_path / "report.pdf", result, "zh", position))
    texts.extend(page.extract_text() for page in reader.pages)
    return texts


def _variant(name: str, change) -> ActivityData:
    data = read_example(name).model_dump()
    change(data)
    return ActivityData.model_validate(data)


def _not_steel(data):
    data["installation"]["sector"] = "aluminium"


def _no_electrolysis(data):
    data["aluminium"] = None


def _uncovered_material(data):
    data["materials"].append(
        {"material": "methanol", "direction": "in", "quantity": 1000.0, "unit": "t", "process": "site"}
    )


def _lci_plate() -> ActivityData:
    entry = {"cradle_to_gate": 2.38, "recovery_rate": 0.85, "scrap_input": 0.0367, "value_of_scrap": 1.5}
    return ActivityData.model_validate(
        {
            "installation": {"id": "plate", "name": "plate mill", "sector": "steel"},
            "period": {"start": "2023-01-01", "end": "2023-12-31"},
            "production": [{"product": "plate", "quantity": 1000.0}],
            "lci": {"products": [{"product": "plate", **entry}, {"product": "coil", **entry}]},
        }
    )


def _two_mills() -> ActivityData:
    process = {"category": "iron_steel_products", "route": "rolling"}
    return ActivityData.model_validate(
        {
            "installation": {"id": "two", "name": "Two mills", "sector": "steel"},
            "period": {"start": "2026-01-01", "end": "2026-12-31"},
            "cbam": {
                "processes": [
                    {**process, "name": "mill-a", "direct_emissions": 100.0,
                     "goods": [{"cn_code": "7208", "quantity": 100.0}]},
                    {**process, "name": "mill-b", "direct_emissions": 900.0,
                     "goods": [{"cn_code": "7208", "quantity": 300.0}]},
                ]
            },
        }
    )


def _electricity(megawatt_hours: float):
    def change(data):
        data["energy"][0]["quantity"] = megawatt_hours

    return change


def _foreign_option(data):
    data["options"] = {"pfc_method": "default_factor"}


WARNED = {  # the message each variant is there to show
    "sector warning": "warn_sector_not_steel",
    "no electrolysis warning": "warn_no_electrolysis",
    "iso14404 not counted warning": "warn_iso14404_not_counted",
    "lci with an unlisted product": "warn_lci_no_production",
    "cbam one CN code from two processes": "warn_cbam_multi_process",
    "smelter below the theoretical minimum": "warn_below_theoretical_minimum",
    "smelter above the typical range": "warn_outside_typical_range",
    "file option of another method": "warn_option_ignored",
    "aluminium cn-aluminium": "warn_edition_cets_2024_unconfirmed",
    "bf-bof cn-steel": "warn_grid_factor_year",
}

CASES = {
    "bf-bof cn-steel": (lambda: read_example("bf-bof"), "cn-steel", {}),
    "bf-bof cn-steel ndrc-2013": (lambda: read_example("bf-bof"), "cn-steel", {"edition": "ndrc-2013"}),
    "bf-bof iso14404": (lambda: read_example("bf-bof"), "iso14404", {}),
    "scrap-eaf cn-steel": (lambda: read_example("scrap-eaf"), "cn-steel", {}),
    "scrap-eaf iso14404": (lambda: read_example("scrap-eaf"), "iso14404", {}),
    "aluminium cn-aluminium": (lambda: read_example("aluminium"), "cn-aluminium", {}),
    "aluminium AR4": (lambda: read_example("aluminium"), "cn-aluminium", {"gwp_metric": "AR4GWP100"}),
    "aluminium default-factor PFC": (
        lambda: read_example("aluminium"), "cn-aluminium", {"pfc_method": "default_factor"}
    ),
    "sector warning": (lambda: _variant("aluminium", _not_steel), "cn-steel", {}),
    "no electrolysis warning": (lambda: _variant("aluminium", _no_electrolysis), "cn-aluminium", {}),
    "iso14404 not counted warning": (lambda: _variant("bf-bof", _uncovered_material), "iso14404", {}),
    "cbam": (lambda: read_activity(DOCS_EXAMPLES / "cbam_steel_works.toml"), "cbam", {}),
    "lci with an unlisted product": (_lci_plate, "lci", {}),
    "cbam one CN code from two processes": (_two_mills, "cbam", {}),
    "smelter below the theoretical minimum": (
        lambda: _variant("aluminium", _electricity(2_500_000.0)), "cn-aluminium", {}
    ),
    "smelter above the typical range": (
        lambda: _variant("aluminium", _electricity(8_000_000.0)), "cn-aluminium", {}
    ),
    "file option of another method": (lambda: _variant("bf-bof", _foreign_option), "cn-steel", {}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_zh_report_has_no_untranslated_english(case, tmp_path):
    make, method, options = CASES[case]
    activity = make()
    result = compute(activity, method, **options)
    position = None
    if method in ("cn-steel", "cn-aluminium") and result.installation_id.startswith("example"):
        position = allowance(result, 2025, previous_verified_t_co2e=1e6, price_cny_per_t=80.0)
    keys = {getattr(warning, "key", None) for warning in result.warnings}
    assert WARNED.get(case, "warn_provisional_factors") in keys, (case, result.warnings)
    allowed = ALLOWED | _typed_by_the_plant(activity)
    if position is not None:  # the allowance rule's source is a citation, like the factor sources
        allowed |= set(WORD.findall(position.source))
    english = sorted(
        {
            word
            for text in _zh_texts(result, tmp_path, position)
            for word in WORD.findall(text)
            if word not in allowed and not IDENTIFIER.match(word)
            and not all(part in allowed for part in re.split(r"[:/]", word) if part)
        }
    )
    assert english == [], f"{case}: untranslated in the zh report: {english}"


def test_the_check_finds_english_when_there_is_some(tmp_path, monkeypatch):
    # The check itself can fail: a warning outside the message catalogue is plain English.
    result = compute(read_example("scrap-eaf"), "cn-steel")
    result.warnings.append("electrode factor taken from the supplier")
    words = {word for text in _zh_texts(result, tmp_path) for word in WORD.findall(text)}
    assert {"electrode", "supplier"} <= words
