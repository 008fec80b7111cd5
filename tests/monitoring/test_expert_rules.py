"""Expert rule base: validation, search and diagnosis with its chain (greenmet.monitoring.expert)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from greenmet.blast_furnace.simulator import preset, tag_catalogue
from greenmet.errors import FileFormatError, InputError, UnknownKeyError
from greenmet.monitoring.expert import check_tags, diagnose, parse_rule_base, search_rules, shipped_rule_base
from greenmet.monitoring.expert.inference import tag_feature

PROCESS_FAULTS = ("hanging", "slip", "channelling", "scaffolding", "cold_hearth", "hot_furnace",
                  "tuyere_leak", "hearth_wall_temperature_rise")
LEVELS = {"pressure_differential": 150.0, "permeability_index": 27.0, "blast_pressure": 380.0,
          "top_pressure": 220.0,
          "blast_volume": 4200.0, "top_gas_utilisation": 0.48, "blast_temperature": 1200.0,
          "coal_injection_rate": 40.0, "oxygen_enrichment": 3.5, "top_gas_h2": 3.0,
          "hot_metal_temperature": 1500.0, "hot_metal_silicon": 0.45, "shaft_pressure_upper": 250.0,
          "top_temperature_u1": 150.0, "top_temperature_u2": 152.0, "stockrod_level_1": 1.5,
          "stockrod_level_2": 1.5}


def _window(minutes: int = 120, seed: int = 1, **changes: tuple[float, str]) -> pd.DataFrame:
    """Minute values with 1 % noise (0.3 m sawtooth on stockrods); ``changes`` maps a tag to
    (amount, how) applied to the last 10 minutes: how = 'step' adds the amount, 'flat' freezes."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2026-01-01T00:00Z", periods=minutes, freq="1min")
    frame = pd.DataFrame(index=index)
    for tag, level in LEVELS.items():
        noise = rng.normal(0.0, 0.01 * abs(level), minutes)
        if tag.startswith("stockrod"):
            noise = 0.3 * ((np.arange(minutes) % 7) / 7.0) + rng.normal(0, 0.01, minutes)
        frame[tag] = level + noise
    for tag, (amount, how) in changes.items():
        if how == "step":
            frame.iloc[-10:, frame.columns.get_loc(tag)] += amount
        elif how == "flat":
            frame.iloc[-10:, frame.columns.get_loc(tag)] = frame[tag].iloc[-11]
    return frame


def test_shipped_rules_validate_against_both_presets_and_cover_every_process_fault():
    rules = shipped_rule_base()
    for name in ("2500m3", "5000m3"):
        check_tags(rules, tag_catalogue(preset(name))["tag"])
    covered = {kind for rule in rules.rules for kind in rule.applies_to}
    assert set(PROCESS_FAULTS) <= covered
    for rule in rules.rules:
        assert rule.source and rule.title_en and rule.title_zh
        assert all(a.en and a.zh for a in rule.actions)


def test_unknown_tag_names_the_rule_and_the_tag():
    text = """
name = "t"
version = "1"
[[rule]]
id = "x"
kind = "finding"
conclusion = "x"
title_en = "x"
title_zh = "x"
source = "s"
needs_verification = false
when = [{ tag = "blast_volum", feature = "zscore", op = ">=", value = 1.0 }]
"""
    rules = parse_rule_base(text)
    with pytest.raises(UnknownKeyError, match="rule 'x'.*blast_volum"):
        check_tags(rules, tag_catalogue(preset("2500m3"))["tag"])


@pytest.mark.parametrize(("condition", "match"), [
    ('{ tag = "blast_volume", feature = "zscore", value = 1.0 }', "needs feature, op and value"),
    ('{ tag = "blast_volume", feature = "median", op = ">=", value = 1.0 }', "feature"),
    ('{ fact = "nobody_concludes_this" }', "no rule concludes"),
    ('{ fact = "x", op = ">=" }', "takes no feature"),
    ('{ tag = "blast_volume", alert = "hanging", feature = "latest", op = ">", value = 1 }', "exactly one"),
])
def test_malformed_conditions_are_refused_naming_the_rule(condition, match):
    text = f"""
name = "t"
version = "1"
[[rule]]
id = "broken.rule"
kind = "finding"
conclusion = "x"
title_en = "x"
title_zh = "x"
source = "s"
needs_verification = false
when = [{condition}]
"""
    with pytest.raises(FileFormatError, match=match) as caught:
        parse_rule_base(text, origin="plant.toml")
    assert caught.value.field.startswith("plant.toml")
    assert "broken.rule" in str(caught.value)


def test_not_toml_and_a_diagnosis_without_action_are_refused():
    with pytest.raises(FileFormatError, match="not valid TOML"):
        parse_rule_base("[[rule]\nid=", origin="bad.toml")
    text = shipped_rule_base().model_dump_json()  # a JSON text is no TOML either
    with pytest.raises(FileFormatError):
        parse_rule_base(text)
    broken = """
name = "t"
version = "1"
[[rule]]
id = "d"
kind = "diagnosis"
conclusion = "d"
title_en = "d"
title_zh = "d"
source = "s"
needs_verification = false
when = [{ alert = "hanging" }]
"""
    with pytest.raises(FileFormatError, match="at least one action"):
        parse_rule_base(broken)


def test_rules_are_searchable_in_both_languages():
    rules = shipped_rule_base()
    assert [r.id for r in search_rules(rules, "悬料")] == ["hanging"]
    assert "tuyere_leak" in [r.id for r in search_rules(rules, "TUYERE")]
    assert "hanging" in [r.id for r in search_rules(rules, "坐料")]
    assert len(search_rules(rules, "")) == len(rules.rules)
    assert search_rules(rules, "no such words at all") == []


def test_features():
    index = pd.date_range("2026-01-01T00:00Z", periods=40, freq="1min")
    base = np.tile([9.0, 11.0], 20)
    series = pd.Series(base, index=index)
    series.iloc[-10:] = 14.0
    # baseline 30 values alternating 9/11: mean 10, sample std sqrt(30/29)
    assert tag_feature(series, "latest", 10) == 14.0
    assert tag_feature(series, "change", 10) == pytest.approx(4.0)
    assert tag_feature(series, "zscore", 10) == pytest.approx(4.0 / math.sqrt(30 / 29))
    assert tag_feature(series, "volatility", 10) == 0.0
    sparse = pd.Series(np.nan, index=index)
    sparse.iloc[5] = 1495.0  # a per-cast tag: one value, long before the recent minutes
    assert tag_feature(sparse, "last", 10) == 1495.0
    assert math.isnan(tag_feature(sparse, "latest", 10))
    ramp = pd.Series(np.arange(40.0), index=index)  # 1 per minute
    assert tag_feature(ramp, "slope_per_hour", 10) == pytest.approx(60.0)
    assert math.isnan(tag_feature(series.iloc[:12], "zscore", 10))  # two baseline minutes only
    with pytest.raises(InputError, match="feature"):
        tag_feature(series, "median", 10)


def test_hanging_is_diagnosed_through_the_permeability_finding():
    window = _window(pressure_differential=(40.0, "step"), permeability_index=(-5.0, "step"),
                     blast_pressure=(40.0, "step"), stockrod_level_1=(0, "flat"),
                     stockrod_level_2=(0, "flat"))
    result = diagnose(shipped_rule_base(), window)
    chain = [e.rule.id for e in result.chain]
    assert chain.index("permeability.deteriorating") < chain.index("hanging")
    assert [e.rule.id for e in result.diagnoses] == ["hanging"]
    hanging = next(e for e in result.chain if e.rule.id == "hanging")
    assert hanging.score == pytest.approx(85.0)  # fact 35 + blast pressure 15 + stall 35
    stall = next(c for c in hanging.conditions if "stockrod" in c.description)
    assert stall.satisfied and set(stall.tags) == {"stockrod_level_1", "stockrod_level_2"}
    assert any("坐料" in action.zh for _, action in result.actions)
    assert result.provisional


def test_normal_operation_gives_no_diagnosis():
    result = diagnose(shipped_rule_base(), _window(seed=7))
    assert result.diagnoses == ()
    assert result.actions == ()


def test_missing_tags_make_a_reduced_result_that_names_them():
    window = _window()[["blast_pressure", "blast_volume"]]
    result = diagnose(shipped_rule_base(), window)
    undecided = {e.rule.id: e for e in result.not_evaluated}
    assert "hanging" in undecided
    assert any("pressure_differential" in reason for reason in undecided["hanging"].missing)
    assert result.diagnoses == ()
    with pytest.raises(InputError, match="window"):
        diagnose(shipped_rule_base(), window.iloc[0:0])


def test_an_alert_is_explained_by_its_rules_and_confirmed_by_the_data():
    cold = _window(hot_metal_temperature=(-40.0, "step"), hot_metal_silicon=(-0.2, "step"))
    result = diagnose(shipped_rule_base(), cold, alert="cold_hearth")
    assert [e.rule.id for e in result.alert_rules] == ["thermal.cooling"]
    assert [e.rule.id for e in result.diagnoses] == ["thermal.cooling"]  # alert 30 + HM 15 + Si 15
    assert any("喷煤" in action.zh for _, action in result.actions)
    # the alert alone (normal data) is not enough: the rule is listed but does not fire
    alone = diagnose(shipped_rule_base(), _window(seed=3), alert="cold_hearth")
    assert alone.alert_rules[0].status == "not_fired" and alone.diagnoses == ()


def test_instrument_alerts_are_told_apart_from_furnace_faults():
    result = diagnose(shipped_rule_base(), _window(seed=5), active_alerts=["sensor_stuck"])
    assert [e.rule.id for e in result.diagnoses] == ["instrument_fault"]
    assert not result.provisional
