"""Evaluate one enterprise: per indicator the level after corrections, the verdict, the gap, the measures.

Indicators and how each is judged (sources in the reference tables and the module docstrings of
:mod:`~greenmet.evaluation.standards`, :mod:`~greenmet.evaluation.cems` and
:mod:`~greenmet.evaluation.labels`):

- energy per process against the mandatory standard's levels 1/2/3 (GB 21256, GB 21342,
  GB 21346, GB 25323) and against the NDRC benchmark/baseline; value = (energy + electricity ×
  factor of the standard's basis) / production;
- stack emissions: per stack and pollutant the lowest monthly share of compliant valid hours
  against the share the rule requires (95 % for the steel ultra-low-emission rule);
- clean transport: the share of bulk tonnage moved by rail, waterway, pipeline, tubular belt or
  closed gallery against 80 % (环大气〔2019〕35号);
- resources: each figure against the reference figures of ``resource_benchmarks`` (definition and
  population named in the row);
- carbon labels: the grade under each scheme that applies to the sector.

Gaps: gap = value − next threshold in the indicator's unit (positive: the reduction needed; for
"higher is better" indicators the increase needed), gap_percent = gap / |value| × 100 (the share of
today's value to close; NaN at zero), annual_gap = gap × production in tce (energy), kWh
(electricity) or t CO2e (carbon). A result that uses any unconfirmed row is provisional.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from greenmet.carbon.activity import ActivityData
from greenmet.carbon.process_energy import electricity_factor, process_energy, scrap_share
from greenmet.errors import InputError, UnknownKeyError
from greenmet.evaluation.cems import monthly_compliance
from greenmet.evaluation.enterprise import CLEAN_TRANSPORT_MODES, Enterprise, ProcessRecord
from greenmet.evaluation.green_factory import GreenFactoryScore, green_factory_score
from greenmet.evaluation.labels import grade_labels, label_thresholds
from greenmet.evaluation.standards import (
    LevelSet,
    energy_levels,
    gb_verdicts,
    policy_levels,
    policy_verdicts,
)
from greenmet.refdata import factor, load_table
from greenmet.units import convert

__all__ = ["INDICATOR_COLUMNS", "EvaluationResult", "evaluate", "next_threshold"]

INDICATOR_COLUMNS: tuple[str, ...] = (
    "enterprise_id",
    "area",
    "indicator",
    "process",
    "variant",
    "standard",
    "edition",
    "value",
    "unit",
    "level_1",
    "level_2",
    "level_3",
    "verdict",
    "next_level",
    "next_threshold",
    "gap",
    "gap_percent",
    "annual_gap",
    "annual_gap_unit",
    "production_t",
    "scrap_share",
    "corrections",
    "needs_verification",
    "source",
    "measures",
    "note",
)
"""Columns of :attr:`EvaluationResult.indicators`."""

# Labels per sector: (scheme, edition); GSCC needs the product form.
_SECTOR_LABELS: dict[str, tuple[tuple[str, str], ...]] = {
    "steel": (("IEA", "2022"), ("ResponsibleSteel", "2025"), ("CISA C2F", "2024")),
    "aluminium": (("ASI", "v2"), ("ASI", "v3-draft")),
}


@dataclass
class EvaluationResult:
    """The evaluation of one enterprise and year.

    Attributes
    ----------
    enterprise_id, enterprise_name, reporting_year
        Who and when.
    indicators
        One row per indicator (:data:`INDICATOR_COLUMNS`).
    emissions
        Monthly CEMS compliance per stack and pollutant (:data:`~greenmet.evaluation.cems.MONTHLY_COLUMNS`).
    notes
        What the evaluation could not do, and why.
    """

    enterprise_id: str
    enterprise_name: str
    reporting_year: int
    indicators: pd.DataFrame
    emissions: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    green_factory: GreenFactoryScore | None = None
    sector: str = ""

    @property
    def provisional(self) -> bool:
        """True if any indicator used an unconfirmed reference value."""
        return bool(self.indicators["needs_verification"].any()) if len(self.indicators) else False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with unit-suffixed keys where values leave Python."""

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            clean = frame.astype(object).where(frame.notna(), None)
            return [{str(key): value for key, value in row.items()} for row in clean.to_dict("records")]

        return {
            "enterprise_id": self.enterprise_id,
            "enterprise_name": self.enterprise_name,
            "reporting_year": self.reporting_year,
            "provisional": self.provisional,
            "indicators": records(self.indicators),
            "emissions_monthly": records(self.emissions),
            "notes": list(self.notes),
            "green_factory": None
            if self.green_factory is None
            else {
                "quantitative_score": self.green_factory.quantitative_score,
                "overall_score": self.green_factory.overall_score,
                "grade": self.green_factory.grade,
                "missing": list(self.green_factory.missing),
                "failed_gates": list(self.green_factory.failed_gates),
                "indicators": records(self.green_factory.indicators),
            },
        }


def next_threshold(verdict: str, levels: dict[str, float]) -> tuple[str | None, float]:
    """The next better level after ``verdict`` and its value (None, NaN at the best).

    fails_limit → level 3; meets_limit → level 2 (level 1 where the standard sets no level 2);
    new_plant_level → level 1; the policy layer: worse_than_baseline → baseline,
    between_baseline_and_benchmark → benchmark.
    """
    order = {
        "fails_limit": ["3"],
        "meets_limit": ["2", "1"],
        "new_plant_level": ["1"],
        "worse_than_baseline": ["baseline"],
        "between_baseline_and_benchmark": ["benchmark"],
    }
    for level in order.get(verdict, []):
        if level in levels:
            return level, levels[level]
    return None, float("nan")


def _row(enterprise: Enterprise, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(INDICATOR_COLUMNS)
    row.update(enterprise_id=enterprise.id, needs_verification=False, corrections="", note="", measures="")
    row.update(values)
    return row


def _gap(value: float, threshold: float) -> tuple[float, float]:
    gap = value - threshold
    percent = gap / abs(value) * 100.0 if value != 0 and np.isfinite(gap) else float("nan")
    return gap, percent


def _process_value(
    record: ProcessRecord, unit: str, basis: str, derived: pd.DataFrame | None, notes: list[str], index: int
) -> tuple[float, float, bool, str]:
    """(value per tonne in ``unit``, production t, provisional, note) of one process."""
    production_t = float(convert(record.production, record.production_unit, "t"))
    energy, electricity = record.energy, record.electricity
    note = ""
    provisional = False
    if energy is None and electricity is None:
        if derived is None or record.process not in set(derived["process"].dropna()):
            raise InputError(
                "process has no energy",
                field=f"processes[{index}].energy",
                value=None,
                fix="give energy (tce, GJ) and/or electricity (kWh), or a carbon activity file whose "
                "flows name this process",
            )
        row = derived[derived["process"] == record.process].iloc[0]
        energy_kgce = float(row["energy_kgce"]) - float(row["electricity_kgce"])
        electricity_kwh = float(row["electricity_net_kwh"])
        note = "energy derived from the carbon activity data (flows that name the process only)"
    else:
        energy_kgce = 0.0 if energy is None else float(convert(energy, str(record.energy_unit), "kgce"))
        electricity_kwh = (
            0.0 if electricity is None else float(convert(electricity, record.electricity_unit, "kWh"))
        )
    if unit == "kWh/t":
        if electricity is None and note == "":
            raise InputError(
                f"{record.process} {record.variant} is judged in kWh/t: give electricity",
                field=f"processes[{index}].electricity",
                value=None,
                fix="give the AC power in kWh",
            )
        return electricity_kwh / production_t, production_t, provisional, note
    kgce_per_kwh, _, unconfirmed = electricity_factor(basis)
    provisional |= unconfirmed and electricity_kwh != 0
    total = energy_kgce + electricity_kwh * kgce_per_kwh
    return float(convert(total / production_t, "kgce/t", unit)), production_t, provisional, note


def _energy_rows(
    enterprise: Enterprise, derived: pd.DataFrame | None, notes: list[str], scrap: float | None
) -> list[dict[str, Any]]:
    rows = []
    for index, record in enumerate(enterprise.processes):
        conditions = dict(record.conditions)
        if record.process == "bof" and "scrap_ratio_percent" not in conditions and scrap is not None:
            conditions["scrap_ratio_percent"] = scrap * 100.0
            notes.append(f"bof: scrap ratio {scrap * 100:.1f} % derived from the carbon activity data")
        try:
            levels = energy_levels(
                record.process,
                enterprise.reporting_year,
                variant=record.variant,
                conditions=conditions,
                edition=record.edition,
            )
        except (InputError, UnknownKeyError) as exc:
            raise type(exc)(
                exc.problem,
                field=f"processes[{index}].{exc.field or 'process'}",
                value=exc.value,
                fix=exc.fix,
            ) from None
        value, production_t, provisional, note = _process_value(
            record, levels.unit, levels.electricity_basis, derived, notes, index
        )
        l1, l2, l3 = (levels.levels.get(k, np.nan) for k in ("1", "2", "3"))
        verdict = str(gb_verdicts(value, l1, l2, l3)[()])
        if levels.corrections_missing:
            missing = "corrections not applied for want of a condition: " + ", ".join(
                levels.corrections_missing
            )
            note = f"{note}; {missing}" if note else missing
        rows.append(
            _level_row(
                enterprise,
                record,
                "energy",
                levels,
                value,
                production_t,
                verdict,
                (l1, l2, l3),
                provisional,
                corrections=", ".join(levels.corrections_applied),
                note=note,
            )
        )
        variant = record.policy_variant or record.variant
        policy = policy_levels(record.process, enterprise.reporting_year, variant=variant)
        if policy is None:
            notes.append(
                f"{record.process}: no NDRC benchmark/baseline for {enterprise.reporting_year} "
                f"and variant {variant}"
            )
            continue
        bench, base = policy.levels["benchmark"], policy.levels["baseline"]
        verdict = str(policy_verdicts(value, bench, base)[()])
        rows.append(
            _level_row(
                enterprise,
                record,
                "energy_policy",
                policy,
                value,
                production_t,
                verdict,
                (bench, np.nan, base),
                provisional,
            )
        )
    return rows


def _level_row(
    enterprise: Enterprise,
    record: ProcessRecord,
    area: str,
    levels: LevelSet,
    value: float,
    production_t: float,
    verdict: str,
    shown: tuple[float, float, float],
    provisional: bool,
    **extra: Any,
) -> dict[str, Any]:
    """One energy indicator row: the verdict against ``levels``, the next level, the gaps."""
    next_level, threshold = next_threshold(verdict, levels.levels)
    gap, percent = _gap(value, threshold)
    annual, annual_unit = _annual(gap, production_t, levels.unit)
    best = verdict in ("advanced", "at_or_better_than_benchmark")
    return _row(
        enterprise,
        area=area,
        indicator="energy_per_tonne",
        process=record.process,
        variant=levels.variant,
        standard=levels.standard,
        edition=levels.edition,
        value=value,
        unit=levels.unit,
        level_1=shown[0],
        level_2=shown[1],
        level_3=shown[2],
        verdict=verdict,
        next_level=next_level,
        next_threshold=threshold,
        gap=gap,
        gap_percent=percent,
        annual_gap=annual,
        annual_gap_unit=annual_unit,
        production_t=production_t,
        needs_verification=levels.needs_verification or provisional,
        source=" | ".join(levels.sources),
        measures="" if best else _measures(record.process),
        **extra,
    )


def _measures(process: str) -> str:
    """The i18n key of the measures of a process (non-ferrous smelting shares one list)."""
    from greenmet.i18n import labels

    key = f"measures_{process}"
    return key if key in labels("greenmet.evaluation") else "measures_nonferrous"


def _annual(gap: float, production_t: float, unit: str) -> tuple[float, str]:
    if not np.isfinite(gap):
        return float("nan"), ""
    if unit == "kWh/t":
        return gap * production_t, "kWh"
    if unit == "kgce/t":
        return gap * production_t / 1000.0, "tce"
    return gap * production_t, "t"


def _emission_rows(enterprise: Enterprise, monthly: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for (stack_id, pollutant), group in monthly.groupby(["stack_id", "pollutant"], sort=True):
        judged = group[group["verdict"] != "no_valid_hours"]
        required = float(group["required_share"].iloc[0])
        if judged.empty:
            value, verdict = float("nan"), "no_valid_hours"
        else:
            value = float(judged["compliant_share"].min())
            verdict = "fails" if (judged["verdict"] == "fails").any() else "meets"
        gap = required - value if verdict == "fails" else float("nan")  # the share to win back
        rows.append(
            _row(
                enterprise,
                area="emissions",
                indicator=f"compliant_hour_share:{pollutant}",
                process=str(stack_id),
                variant=str(group["source_kind"].iloc[0]),
                standard="ULE steel" if required < 1 else "limit",
                value=value,
                unit="dimensionless",
                level_3=required,
                verdict=verdict,
                next_level="required_share" if verdict == "fails" else None,
                next_threshold=required if verdict == "fails" else np.nan,
                gap=gap,
                gap_percent=gap / value * 100 if np.isfinite(gap) and value > 0 else np.nan,
                needs_verification=bool(group["needs_verification"].any()),
                source=str(group["source"].iloc[0]),
                measures="measures_emissions" if verdict == "fails" else "",
                note=f"{int(group['hours_missing'].sum())} missing and "
                f"{int(group['hours_invalid'].sum())} flagged hours excluded; "
                f"{int((group['verdict'] == 'no_valid_hours').sum())} months without a valid hour",
            )
        )
    return rows


def _transport_row(enterprise: Enterprise) -> dict[str, Any] | None:
    if not enterprise.transport:
        return None
    total = sum(t.mass_t for t in enterprise.transport)
    if total <= 0:
        raise InputError(
            "transport volumes sum to zero",
            field="transport",
            value=0.0,
            fix="give the tonnes moved by each mode, or leave transport out",
        )
    clean = sum(t.mass_t for t in enterprise.transport if t.mode in CLEAN_TRANSPORT_MODES)
    share = clean / total
    rule = factor("evaluation_rules", rule="clean_transport_min_share", edition="2019")
    verdict = "meets" if share >= rule.value else "fails"
    return _row(
        enterprise,
        area="transport",
        indicator="clean_transport_share",
        value=share,
        unit="dimensionless",
        standard="ULE steel",
        edition="2019",
        level_3=rule.value,
        verdict=verdict,
        next_level="required_share" if verdict == "fails" else None,
        next_threshold=rule.value if verdict == "fails" else np.nan,
        gap=rule.value - share if verdict == "fails" else np.nan,
        gap_percent=(rule.value - share) / share * 100 if verdict == "fails" and share > 0 else np.nan,
        annual_gap=(rule.value - share) * total if verdict == "fails" else np.nan,
        annual_gap_unit="t" if verdict == "fails" else "",
        needs_verification=rule.needs_verification,
        source=rule.source,
        measures="measures_transport" if verdict == "fails" else "",
    )


def _resource_rows(enterprise: Enterprise) -> list[dict[str, Any]]:
    table = load_table("resource_benchmarks")
    rows = []
    for index, figure in enumerate(enterprise.resources):
        refs = table[table["indicator"] == figure.indicator]
        if refs.empty:
            raise UnknownKeyError(
                "resource indicator not in table resource_benchmarks",
                field=f"resources[{index}].indicator",
                value=figure.indicator,
                fix=f"use one of {', '.join(sorted(table['indicator'].unique()))}",
            )
        for ref in refs.to_dict("records"):
            value = float(convert(figure.value, figure.unit, ref["unit"], field=f"resources[{index}].unit"))
            higher = ref["direction"] == "higher_is_better"
            meets = value >= ref["value"] if higher else value <= ref["value"]
            gap = (ref["value"] - value if higher else value - ref["value"]) if not meets else np.nan
            rows.append(
                _row(
                    enterprise,
                    area="resources",
                    indicator=figure.indicator,
                    variant=ref["reference"],
                    standard=ref["reference"],
                    value=value,
                    unit=ref["unit"],
                    level_1=ref["value"],
                    verdict="at_or_better_than_reference" if meets else "worse_than_reference",
                    next_level=None if meets else "reference",
                    next_threshold=np.nan if meets else ref["value"],
                    gap=gap,
                    gap_percent=abs(gap) / abs(value) * 100 if not meets and value else np.nan,
                    needs_verification=bool(ref["needs_verification"]),
                    source=ref["source"],
                    measures="" if meets else f"measures_{figure.indicator}",
                    note=ref["definition"],
                )
            )
    return rows


def _label_rows(enterprise: Enterprise, scrap: float | None, notes: list[str]) -> list[dict[str, Any]]:
    carbon = enterprise.carbon
    if carbon is None:
        return []
    intensity = float(convert(carbon.intensity, carbon.intensity_unit, "t/t", field="carbon.intensity_unit"))
    share = carbon.scrap_share if carbon.scrap_share is not None else scrap
    if enterprise.sector == "steel" and share is None:
        notes.append(
            "scrap share unknown: the sliding-scale labels use s = 0 (the IEA rule when the share is unknown)"
        )
    s = 0.0 if share is None else float(share)
    rows = []
    for scheme, edition in _SECTOR_LABELS.get(enterprise.sector, ()):
        graded = grade_labels(intensity, s, scheme, edition).iloc[0]
        if pd.isna(graded["grade"]):  # below every grade: the gap is to the entry grade
            verdict, next_grade = "below_all_grades", str(label_thresholds(scheme, edition, s).index[-1])
            threshold = float(label_thresholds(scheme, edition, s).to_numpy()[-1, 0])
        else:
            verdict, next_grade = str(graded["grade"]), graded["next_grade"]
            threshold = float(graded["next_threshold_t_co2e_per_t"])
        rows.append(
            _label_row(
                enterprise,
                carbon.production_t,
                scheme,
                edition,
                f"scrap share {s:.3f}",
                s,
                intensity,
                verdict,
                next_grade,
                threshold,
                bool(graded["needs_verification"]),
                str(graded["source"]),
            )
        )
    if enterprise.sector == "steel" and carbon.product_form is not None:
        scheme, edition, form = "GSCC", "2030", carbon.product_form
        bars = label_thresholds(scheme, edition, 0.0)
        bar = float(bars.to_numpy()[list(bars.index).index(form), 0])
        met = intensity <= bar
        graded = grade_labels(intensity, 0.0, scheme, edition).iloc[0]
        rows.append(
            _label_row(
                enterprise,
                carbon.production_t,
                scheme,
                edition,
                form,
                s,
                intensity,
                f"meets_{form}_target" if met else f"above_{form}_target",
                None if met else form,
                float("nan") if met else bar,
                bool(graded["needs_verification"]),
                str(graded["source"]),
            )
        )
    return rows


def _label_row(
    enterprise: Enterprise,
    production_t: float | None,
    scheme: str,
    edition: str,
    variant: str,
    scrap: float,
    intensity: float,
    verdict: str,
    next_grade: Any,
    threshold: float,
    provisional: bool,
    source: str,
) -> dict[str, Any]:
    gap = intensity - threshold if np.isfinite(threshold) else float("nan")
    annual = gap * production_t if production_t and np.isfinite(gap) else float("nan")
    return _row(
        enterprise,
        area="carbon_label",
        indicator="carbon_intensity",
        variant=variant,
        standard=scheme,
        edition=edition,
        value=intensity,
        unit="t/t",
        production_t=production_t,
        scrap_share=scrap,
        verdict=verdict,
        next_level=next_grade,
        next_threshold=threshold,
        gap=gap,
        gap_percent=gap / intensity * 100 if intensity and np.isfinite(gap) else np.nan,
        annual_gap=annual,
        annual_gap_unit="t" if np.isfinite(annual) else "",
        needs_verification=provisional,
        source=source,
        measures="measures_carbon" if np.isfinite(gap) else "",
    )


def evaluate(
    enterprise: Enterprise,
    *,
    cems: pd.DataFrame | None = None,
    activity: ActivityData | None = None,
    weights: dict[str, Any] | None = None,
) -> EvaluationResult:
    """The green evaluation of one enterprise and year (module docstring).

    Parameters
    ----------
    enterprise
        The enterprise file.
    cems
        Raw CEMS hours of its stacks (:data:`~greenmet.evaluation.cems.CEMS_COLUMNS`), or None.
    activity
        Its carbon activity data, for the scrap share and the energies of processes given
        without energy, or None.
    weights
        Green-factory weights (:func:`~greenmet.evaluation.green_factory.default_weights` when None).

    Returns
    -------
    EvaluationResult
        Indicators with verdicts, gaps and measures; monthly emissions; notes.
    """
    notes: list[str] = []
    scrap: float | None = None
    derived: pd.DataFrame | None = None
    if activity is not None:
        derived = process_energy(activity)
        if enterprise.sector == "steel":
            try:
                scrap = scrap_share(activity).value
            except InputError as exc:
                notes.append(f"scrap share not derived: {exc.problem}")
    rows = _energy_rows(enterprise, derived, notes, scrap)
    monthly = pd.DataFrame()
    if cems is not None and len(cems):
        if not enterprise.stacks:
            raise InputError(
                "CEMS hours given but no stacks declared",
                field="stacks",
                value=None,
                fix="declare each stack with its source_kind under [[stacks]]",
            )
        stacks = pd.DataFrame([s.model_dump() for s in enterprise.stacks])
        monthly = monthly_compliance(cems, stacks)
        rows += _emission_rows(enterprise, monthly)
    elif enterprise.stacks:
        notes.append("stacks declared but no CEMS hours given: emissions not evaluated")
    transport = _transport_row(enterprise)
    if transport is not None:
        rows.append(transport)
    rows += _resource_rows(enterprise)
    rows += _label_rows(enterprise, scrap, notes)
    indicators = pd.DataFrame(rows, columns=list(INDICATOR_COLUMNS))
    score = green_factory_score(indicators, enterprise.green_factory, weights)
    return EvaluationResult(
        enterprise.id,
        enterprise.name,
        enterprise.reporting_year,
        indicators,
        monthly,
        notes,
        score,
        enterprise.sector,
    )
