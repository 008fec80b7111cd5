"""``greenmet bf expert …``: expert consultation (专家咨询).

- ``greenmet bf expert rules [--search TEXT]`` lists (and searches) the rules and the
  thermal-state model's rules, with their sources;
- ``greenmet bf expert check FILE`` validates a plant's rule file against the tag catalogue;
- ``greenmet bf expert diagnose ROOT`` consults the rules on the furnace's last two hours (or
  ``--at``) and the active alerts (``--records``; ``--alert KIND`` to explain one), and the
  thermal-state model at the last cast: diagnosis, chain of reasoning, recommended actions.

Logic in :mod:`greenmet.monitoring.expert`; reading in :mod:`greenmet.storage.traceability`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from greenmet.cli._common import Language, echo_json, guarded

__all__ = ["app"]

_LABELS = "greenmet.monitoring"

app = typer.Typer(
    help="Expert consultation: rules, diagnosis with its reasoning, recommended actions. 专家咨询。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class ExpertFormat(StrEnum):
    """Output formats of ``greenmet bf expert``."""

    table = "table"
    json = "json"


_RULES = Annotated[
    Path | None, typer.Option("--rules", help="A plant's rule file (TOML) instead of greenmet's.")
]
_LANGUAGE = Annotated[Language, typer.Option("--language", "-l", help="Language of the text.")]
_FORMAT = Annotated[ExpertFormat, typer.Option("--format", help="Output format.")]


def _catalogue(extra: list[str] | None = None) -> set[str]:
    from greenmet.blast_furnace.simulator import preset, tag_catalogue

    tags = {str(t) for name in ("2500m3", "5000m3") for t in tag_catalogue(preset(name))["tag"]}
    return tags | set(extra or [])


def _rule_base(path: Path | None, extra_tags: list[str] | None = None) -> Any:
    from greenmet.errors import FileFormatError
    from greenmet.monitoring.expert import check_tags, parse_rule_base, shipped_rule_base

    if path is None:
        base = shipped_rule_base()
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise FileFormatError(
                "cannot read the rule file",
                field="--rules",
                value=str(path),
                fix="give the path of a TOML rule file",
            ) from error
        base = parse_rule_base(text, origin=str(path))
    check_tags(base, _catalogue(extra_tags))
    return base


@app.command("rules")
@guarded
def rules(
    search: Annotated[
        str | None, typer.Option("--search", "-s", help="Only rules containing this text.")
    ] = None,
    rules_file: _RULES = None,
    language: _LANGUAGE = Language.en,
    output_format: _FORMAT = ExpertFormat.table,
) -> None:
    """List or search the rules (id, kind, title, alerts explained, source). 规则列表与检索。"""
    from greenmet.monitoring.expert import THERMAL_RULES, search_rules, thermal_model_settings

    lang = language.value
    base = _rule_base(rules_file)
    found = search_rules(base, search)
    thermal = thermal_model_settings()
    model_rows: list[dict[str, Any]] = [
        {
            "id": rule_id,
            "kind": "thermal_model",
            "title": zh if lang == "zh" else en,
            "condition": condition,
            "applies_to": [],
            "source": thermal.source,
            "needs_verification": thermal.needs_verification,
        }
        for rule_id, (en, zh, condition) in THERMAL_RULES.items()
        if not search
        or any(
            search.casefold() in part.casefold() for part in (rule_id, en, zh, condition, "thermal", "炉温")
        )
    ]
    rows: list[dict[str, Any]] = [
        {
            "id": r.id,
            "kind": r.kind,
            "title": r.text(lang),
            "condition": f" {r.mode} ".join(c.describe() for c in r.when)
            if r.mode != "score"
            else f"score ≥ {r.min_score:g}: " + "; ".join(f"{c.describe()} ({c.weight:g})" for c in r.when),
            "applies_to": list(r.applies_to),
            "source": r.source,
            "needs_verification": r.needs_verification,
        }
        for r in found
    ] + model_rows
    if output_format is ExpertFormat.json:
        echo_json(rows)
        return
    for row in rows:
        flag = " [needs verification]" if row["needs_verification"] else ""
        alerts = f" ← {', '.join(row['applies_to'])}" if row["applies_to"] else ""
        typer.echo(f"{row['id']} ({row['kind']}){alerts}: {row['title']}{flag}")
        typer.echo(f"    {row['condition']}")
        typer.echo(f"    source: {row['source']}")
    typer.echo(f"{len(rows)} rules")


@app.command("check")
@guarded
def check(
    rules_file: Annotated[Path, typer.Argument(help="Rule file (TOML) to validate.")],
    root: Annotated[
        Path | None, typer.Option("--root", help="Historian root: its tags count as known too.")
    ] = None,
    site: Annotated[str, typer.Option("--site", help="Site of the furnace.")] = "demo",
    furnace: Annotated[str, typer.Option("--furnace", help="Furnace id.")] = "BF2500",
) -> None:
    """Validate a rule file: format, references, tags against the catalogue. 规则文件校验。"""
    extra: list[str] = []
    if root is not None:
        from greenmet.storage.queries import known_tags

        extra = known_tags(root, site, furnace)
    base = _rule_base(rules_file, extra)
    typer.echo(f"{rules_file}: {len(base.rules)} rules, valid")


@app.command("diagnose")
@guarded
def diagnose(
    root: Annotated[Path, typer.Argument(help="Historian root (holds site=…/furnace=…).")],
    site: Annotated[str, typer.Option("--site", help="Site of the furnace.")] = "demo",
    furnace: Annotated[str, typer.Option("--furnace", help="Furnace id.")] = "BF2500",
    at: Annotated[
        str | None, typer.Option("--at", help="Moment to consult (UTC, ISO 8601); default: latest data.")
    ] = None,
    records: Annotated[
        Path | None, typer.Option("--records", help="Records store whose active alerts count.")
    ] = None,
    alert: Annotated[
        str | None, typer.Option("--alert", help="Fault kind of an alert to explain (e.g. hanging).")
    ] = None,
    alert_id: Annotated[
        int | None,
        typer.Option("--alert-id", help="Id of an alert in --records: explain it at the time it was raised."),
    ] = None,
    rules_file: _RULES = None,
    language: _LANGUAGE = Language.en,
    output_format: _FORMAT = ExpertFormat.table,
) -> None:
    """Diagnose the current state or an alert: findings, chain of reasoning, actions. 诊断与建议。"""
    from greenmet.storage import queries
    from greenmet.storage.consultation import diagnosis_payload, furnace_alerts

    lang = language.value
    if alert_id is not None:
        alert, at = _stored_alert(records, site, furnace, alert_id)
    base = _rule_base(rules_file, queries.known_tags(root, site, furnace))
    payload = diagnosis_payload(
        root, site, furnace, base, furnace_alerts(records, site, furnace), at=at, alert=alert, language=lang
    )
    if output_format is ExpertFormat.json:
        echo_json(payload)
        return
    _print(payload, lang)


def _stored_alert(records: Path | None, site: str, furnace: str, alert_id: int) -> tuple[str, str]:
    """Fault kind and raising time of alert ``alert_id`` of the records store."""
    from greenmet.errors import InputError, UnknownKeyError
    from greenmet.storage.consultation import furnace_alerts

    if records is None:
        raise InputError(
            "--alert-id needs the records store",
            field="--records",
            fix="give --records FILE (the DuckDB file of greenmet bf monitor)",
        )
    frame = furnace_alerts(records, site, furnace)
    row = None if frame is None else frame[frame["id"] == alert_id]
    if row is None or row.empty:
        raise UnknownKeyError(
            "no alert of that id for this furnace",
            field="--alert-id",
            value=alert_id,
            fix="list the alerts with greenmet bf alerts list",
        )
    first = row.iloc[0]
    if not isinstance(first["fault_kind"], str):
        raise InputError(
            "the alert has no fault kind (written before migration 0002)",
            field="--alert-id",
            value=alert_id,
            fix="give --alert KIND and --at TIME instead",
        )
    return first["fault_kind"], pd.Timestamp(first["raised_at"]).isoformat()


def _print(payload: dict[str, Any], language: str) -> None:
    from greenmet.i18n import label

    def heading(key: str) -> None:
        typer.echo(f"\n{label(key, language, _LABELS)}")

    typer.echo(
        f"{label('expert_at', language, _LABELS)} {payload['at']}; "
        f"{label('expert_active_alerts', language, _LABELS)}: {', '.join(payload['active_alerts']) or '–'}"
    )
    heading("expert_diagnoses")
    for item in payload["diagnoses"] or [
        {"rule": "–", "title": label("expert_none", language, _LABELS), "severity": ""}
    ]:
        typer.echo(f"  {item['title']} ({item['rule']}{', ' + item['severity'] if item['severity'] else ''})")
    heading("expert_chain")
    for step in payload["chain"]:
        needed = step["min_score"]
        score = f"  [score {step['score']:g} ≥ {needed:g}]" if needed is not None else ""
        typer.echo(f"  {step['rule']}: {step['title']}{score}")
        for c in step["conditions"]:
            mark = {True: "✓", False: "✗", None: "?"}[c["satisfied"]]
            value = "" if c["value"] is None else f" = {c['value']:g}"
            typer.echo(f"      {mark} {c['condition']}{value}")
    if payload["alert"]:
        heading("expert_alert_rules")
        for step in payload["alert_rules"]:
            typer.echo(f"  {step['rule']} ({step['status']}): {step['title']}")
    heading("expert_actions")
    for item in payload["actions"] or [{"rule": "", "action": "–"}]:
        typer.echo(f"  - {item['action']}")
    thermal = payload["thermal_state"]
    heading("expert_thermal")
    if thermal["level"] is None:
        typer.echo(f"  {label('expert_thermal_missing', language, _LABELS)}: {', '.join(thermal['missing'])}")
    else:
        typer.echo(f"  {thermal['label']} ({thermal['level']:+d})")
        for line in thermal["reasoning"]:
            typer.echo(f"    {line}")
        for action in thermal["actions"]:
            typer.echo(f"  - {action}")
    if payload["not_evaluated"]:
        heading("expert_not_evaluated")
        for item in payload["not_evaluated"]:
            typer.echo(f"  {item['rule']}: {'; '.join(item['missing'])}")
    if payload["provisional"] or thermal["provisional"]:
        typer.echo(f"\n{label('expert_provisional', language, _LABELS)}")
