"""Expert consultation (专家咨询): a rule base kept as data, diagnosis with its chain of reasoning.

- :mod:`~greenmet.monitoring.expert.rulebase`: the rule format, validation against the tag
  catalogue, listing and search; greenmet's rules are ``greenmet/monitoring/rules/*.toml``.
- :mod:`~greenmet.monitoring.expert.inference`: :func:`diagnose` (forward chaining over a window of
  minute values and the active alerts).
- :mod:`~greenmet.monitoring.expert.thermal`: the thermal-state rule model evaluated at each cast
  (trend of the last casts × hot-metal band → level and actions).
"""

from greenmet.monitoring.expert.inference import ConditionResult, Diagnosis, RuleEvaluation, diagnose
from greenmet.monitoring.expert.rulebase import (
    Action,
    Condition,
    Rule,
    RuleBase,
    check_tags,
    parse_rule_base,
    search_rules,
    shipped_rule_base,
)
from greenmet.monitoring.expert.thermal import (
    THERMAL_RULES,
    ThermalAssessment,
    assess_thermal_state,
    thermal_model_settings,
)

__all__ = [
    "THERMAL_RULES",
    "Action",
    "Condition",
    "ConditionResult",
    "Diagnosis",
    "Rule",
    "RuleBase",
    "RuleEvaluation",
    "ThermalAssessment",
    "assess_thermal_state",
    "check_tags",
    "diagnose",
    "parse_rule_base",
    "search_rules",
    "shipped_rule_base",
    "thermal_model_settings",
]
