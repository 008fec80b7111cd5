"""Outlook runs: scenario files and presets, Monte Carlo and sensitivity, outputs (drives greenmet.mfa)."""

from greenmet.outlook.scenario_files import (
    PRESETS,
    load_outlook_scenario,
    merged_mapping,
    preset_names,
    preset_text,
)

__all__ = ["PRESETS", "load_outlook_scenario", "merged_mapping", "preset_names", "preset_text"]
