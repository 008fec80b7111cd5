"""The carbon report: Excel workbook, PDF summary, JSON and terminal table, in English and Chinese."""

from __future__ import annotations

import io
import json
from datetime import date

import openpyxl
import pandas as pd
import pytest
from rich.console import Console

from greenmet.carbon.allowances import allowance
from greenmet.carbon.results import build_result
from greenmet.i18n import labels
from greenmet.io.carbon_report import (
    factors_table,
    render_table,
    report_sheets,
    result_to_json,
    summary_table,
    write_report_pdf,
    write_report_xlsx,
)


def _line(stream, category, scope, gas, activity, factor, unit, source, provisional, emissions_t, co2e):
    return {
        "installation_id": "p1",
        "method": "cn-steel",
        "process": "blast_furnace",
        "source_stream": stream,
        "category": category,
        "scope": scope,
        "gas": gas,
        "activity_ref": activity,
        "activity_unit": unit,
        "factor": factor,
        "factor_unit": f"t/{unit}",
        "factor_source": source,
        "needs_verification": provisional,
        "emissions_t": emissions_t,
        "emissions_t_co2e": co2e,
    }


@pytest.fixture(scope="module")
def result():
    # Hand-built lines: 1000 t coke × 3.0 t CO2/t, 100 MWh × 0.5366 t/MWh, −800 t steel × 0.0154.
    lines = pd.DataFrame(
        [
            _line(
                "coke",
                "combustion",
                "scope_1",
                "CO2",
                1000.0,
                3.0,
                "t",
                "GB/T 32151.5-2015 Table B.1",
                True,
                3000.0,
                3000.0,
            ),
            _line(
                "electricity",
                "purchased_electricity",
                "scope_2",
                "CO2",
                100.0,
                0.5366,
                "MWh",
                "MEE 2024 announcement, 2022 national grid factor",
                False,
                53.66,
                53.66,
            ),
            _line(
                "crude_steel",
                "fixed_carbon",
                "scope_1",
                "CO2",
                800.0,
                0.0154,
                "t",
                "NDRC 2013 steel guideline Appendix 2",
                True,
                -12.32,
                -12.32,
            ),
        ]
    )
    installation = {
        "installation_id": "p1",
        "installation_name": "示例钢厂 Example steel",
        "period_start": date(2024, 1, 1),
        "period_end": date(2024, 12, 31),
    }
    production = pd.DataFrame({"product": ["crude_steel"], "quantity_t": [800.0]})
    balance = {
        "carbon_in_t": 900.0,
        "carbon_out_t": 50.0,
        "carbon_emitted_t": 818.2,
        "residual_t": 31.8,
        "residual_fraction": 31.8 / 900.0,
    }
    return build_result(
        method="cn-steel",
        method_edition="GB/T 32151.5-2015",
        installation=installation,
        lines=lines,
        production=production,
        gwp_metric="AR5GWP100",
        balance=balance,
    )


@pytest.fixture(scope="module")
def position(result):
    # 2025 rule: 70 % of the previous year's verified emissions (4000 t) → 2800 t; covered
    # emissions are scope 1 = 3000 − 12.32 = 2987.68 t; deficit 187.68 t at 80 CNY/t.
    return allowance(result, 2025, previous_verified_t_co2e=4000.0, price_cny_per_t=80.0)


@pytest.mark.parametrize(
    ("language", "sheets", "summary_header", "line_headers"),
    [
        (
            "en",
            ["summary", "emission lines", "carbon balance", "factors used", "warnings", "allowance"],
            ["Item", "Value", "Unit"],
            ["Process", "Source stream", "Category", "Scope"],
        ),
        (
            "zh",
            ["汇总", "排放明细", "碳平衡", "排放因子", "警告", "配额"],
            ["项目", "数值", "单位"],
            ["工序", "排放源", "排放类别", "范围"],
        ),
    ],
)
def test_xlsx_report_has_the_sheets_headers_and_values(
    tmp_path, result, position, language, sheets, summary_header, line_headers
):
    path = write_report_xlsx(tmp_path / "report.xlsx", result, language, allowance=position)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == sheets
    summary = book[sheets[0]]
    rows = [[cell.value for cell in row] for row in summary.iter_rows()]
    header_row = next(i for i, row in enumerate(rows) if row[:3] == summary_header)
    body = {row[0]: row[1] for row in rows[header_row + 1 :] if row[0] is not None}
    total_label = "Total" if language == "en" else "合计"
    assert body[total_label] == pytest.approx(3041.34)
    intensity_label = "吨粗钢排放强度" if language == "zh" else "Intensity per tonne of crude_steel"
    intensity = body[intensity_label]
    assert intensity == pytest.approx(3041.34 / 800.0)
    assert rows[1][:2] == (
        ["设施", "示例钢厂 Example steel (p1)"]
        if language == "zh"
        else ["Installation", "示例钢厂 Example steel (p1)"]
    )
    surplus = {
        "zh": "盈余（+）或缺口（−）[吨二氧化碳当量]",
        "en": "Surplus (+) or deficit (−) [t CO2e]",
    }[language]
    assert body[surplus] == pytest.approx(-187.68)
    assert summary.cell(header_row + 2, 2).number_format == "#,##0.000"
    assert rows[0][0].startswith(
        "温室气体排放报告" if language == "zh" else "Greenhouse-gas emissions report"
    )
    lines = [[cell.value for cell in row] for row in book[sheets[1]].iter_rows()]
    line_header = next(i for i, row in enumerate(lines) if row[:4] == line_headers)
    assert len([row for row in lines[line_header + 1 :] if row[0]]) == 3
    assert lines[line_header + 1][2] == ("fuel combustion" if language == "en" else "燃料燃烧")


def test_factors_used_flags_provisional_values(result):
    table = factors_table(result, "en")
    status = dict(zip(table["Source stream"], table["Status of factor"], strict=True))
    assert status == {
        "coke": "provisional (needs verification)",
        "electricity": "confirmed",
        "crude_steel": "provisional (needs verification)",
    }
    assert "Source of factor" in table.columns
    assert set(factors_table(result, "zh")["因子状态"]) == {"暂定值（待核实）", "已核实"}


def test_warnings_sheet_lists_residual_and_provisional_factors(result):
    warnings = report_sheets(result, "en")["warnings"]["Warning"].tolist()
    assert any("carbon balance residual +3.5%" in text for text in warnings)
    assert any("provisional factors" in text for text in warnings)


def test_summary_lists_every_scope(result):
    summary = summary_table(result, "en")
    items = summary["Item"].tolist()
    assert "Direct emissions (scope 1)" in items
    assert "Indirect emissions from purchased energy (scope 2)" in items
    scope_1 = summary.loc[summary["Item"] == "Direct emissions (scope 1)", "Value"].item()
    assert scope_1 == pytest.approx(3000.0 - 12.32)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_pdf_summary_is_a_pdf_with_pages(tmp_path, result, position, language):
    path = write_report_pdf(tmp_path / "report.pdf", result, language, allowance=position)
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    assert b"/Type /Page" in data


def test_zh_pdf_embeds_its_cjk_font_and_its_text_extracts_as_chinese(tmp_path, result, position):
    # reportlab's STSong-Light is a CID font that is never embedded: viewers without Adobe's
    # Asian font packs (poppler) show boxes. The Chinese must be in an embedded TrueType subset.
    pypdf = pytest.importorskip("pypdf")
    path = write_report_pdf(tmp_path / "report.pdf", result, "zh", allowance=position)
    reader = pypdf.PdfReader(path)
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            fonts.append(described.get("/FontDescriptor", {}))
    embedded = [descriptor for descriptor in fonts if "/FontFile2" in descriptor]
    assert embedded, "no embedded TrueType font"
    standard = [descriptor for descriptor in fonts if not descriptor]  # reportlab's unused Helvetica
    assert len(embedded) + len(standard) == len(fonts)
    assert b"STSong" not in path.read_bytes()
    text = "".join(page.extract_text() for page in reader.pages)
    for expected in ("温室气体排放报告", "合计", "吨二氧化碳当量", "碳平衡残差占输入碳的", "示例钢厂"):
        assert expected in text


def test_pdf_without_a_cjk_font_names_the_package_to_install(tmp_path, result, monkeypatch):
    from greenmet.errors import InputError
    from greenmet.io import pdf_fonts

    monkeypatch.setattr(pdf_fonts, "_DEBIAN_FONTS", (("/nonexistent/wqy-microhei.ttc", 0, "x"),))
    monkeypatch.delenv(pdf_fonts.CJK_FONT_ENVIRONMENT, raising=False)
    with pytest.raises(InputError, match="apt-get install fonts-wqy-microhei"):
        write_report_pdf(tmp_path / "report.pdf", result, "zh")
    assert not (tmp_path / "report.pdf").exists()
    monkeypatch.setenv(pdf_fonts.CJK_FONT_ENVIRONMENT, str(tmp_path / "missing.ttf"))
    with pytest.raises(InputError, match="GREENMET_CJK_FONT.*does not exist"):
        write_report_pdf(tmp_path / "report.pdf", result, "zh")


def test_json_is_the_result_dict_plus_allowance(result, position):
    document = result_to_json(result, position)
    json.dumps(document)  # JSON-ready
    assert document["totals_t_co2e"]["total"] == pytest.approx(3041.34)
    assert document["allowance"]["surplus_t_co2e"] == pytest.approx(-187.68)
    assert document["allowance"]["cost_cny"] == pytest.approx(187.68 * 80.0)
    assert "allowance" not in result_to_json(result)


@pytest.mark.parametrize(("language", "expected"), [("en", "Emissions by scope"), ("zh", "按范围汇总排放")])
def test_terminal_table(result, position, language, expected):
    buffer = io.StringIO()
    render_table(result, language, console=Console(file=buffer, width=160), allowance=position)
    text = buffer.getvalue()
    assert expected in text
    assert "3,041.3" in text
    assert "3.802" in text  # intensity 3041.34 / 800


def test_every_label_has_english_and_chinese():
    for key, entry in labels("greenmet.carbon").items():
        assert set(entry) == {"en", "zh"}, key
        assert entry["en"].strip() and entry["zh"].strip(), key


def test_report_of_a_shipped_example_names_every_factor_source(tmp_path):
    from greenmet.carbon import compute
    from greenmet.io.activity_files import read_example

    result = compute(read_example("bf-bof"), "cn-steel")
    book = openpyxl.load_workbook(write_report_xlsx(tmp_path / "bf.xlsx", result, "zh"))
    factors = [[cell.value for cell in row] for row in book["排放因子"].iter_rows()]
    header = next(i for i, row in enumerate(factors) if row[0] == "排放源")
    source_column = factors[header].index("因子来源")
    rows = [row for row in factors[header + 1 :] if row[0]]
    assert rows
    assert all(row[source_column] for row in rows)
    assert {row[0] for row in rows} >= {"炼焦煤", "电力"}
