"""Labels, messages with parameters and unit spellings in English and Chinese."""

from __future__ import annotations

import json
import pickle

import pytest

from greenmet.errors import InputError
from greenmet.i18n import Message, labels, name_label, render, unit_label


def test_message_is_its_english_text_and_renders_in_chinese():
    message = Message("warn_grid_factor_year", "greenmet.carbon", factor_year=2022, reporting_year=2024)
    assert message == "grid factor of 2022 used for reporting year 2024 (latest published in the table)"
    assert message.render("zh") == "2024报告年度采用2022年电网排放因子（表中已发布的最新年份）"
    assert render(message, "zh") == message.render("zh")
    assert render("plain text", "zh") == "plain text"
    assert json.loads(json.dumps([message])) == [str(message)]


def test_message_lists_are_machine_names_shown_in_each_language():
    message = Message("warn_provisional_factors", "greenmet.carbon", streams=["coking_coal", "my_gas"])
    assert message.endswith("used for: coking_coal, my_gas")
    assert message.render("zh").endswith("：炼焦煤、my_gas")  # a plant's own name stays as written


def test_message_survives_pickling_for_worker_processes():
    message = Message("warn_balance_residual", "greenmet.carbon", fraction=0.035, limit=0.02, residual_t=31.8)
    again = pickle.loads(pickle.dumps(message))
    assert again == message
    assert again.render("zh") == message.render("zh")
    assert "+3.5%" in again.render("zh")


def test_unknown_message_key_is_refused_with_the_fix():
    with pytest.raises(InputError, match="add \\[warn_nothing\\] with en and zh"):
        Message("warn_nothing", "greenmet.carbon")


@pytest.mark.parametrize(
    ("unit", "english", "chinese"),
    [
        ("degC", "°C", "℃"),
        ("dimensionless", "dimensionless", "无量纲"),
        ("tCO2e/t", "t CO2e/t", "吨二氧化碳当量/吨"),
        ("t/(1e4 Nm3)", "t/(10^4 Nm3)", "吨/(万标准立方米)"),
        ("t/(m3*d)", "t/(m3*d)", "吨/(立方米·天)"),
        ("t CO2e/t crude_steel", "t CO2e/t crude_steel", "吨二氧化碳当量/吨粗钢"),
    ],
)
def test_unit_spelling_in_both_languages(unit, english, chinese):
    assert unit_label(unit, "en", "greenmet.carbon") == english
    assert unit_label(unit, "zh", "greenmet.carbon") == chinese


def test_unit_labels_have_both_languages():
    entries = labels("greenmet")
    assert entries
    for key, entry in entries.items():
        assert key.startswith("unit:"), key
        assert set(entry) == {"en", "zh"} and entry["en"] and entry["zh"], key


def test_english_keeps_machine_names():
    assert name_label("crude_steel", "en", "greenmet.carbon") == "crude_steel"
    assert name_label("crude_steel", "zh", "greenmet.carbon") == "粗钢"
