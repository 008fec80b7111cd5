"""The vectorised fleet functions give what the one-enterprise evaluation gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from greenmet.errors import InputError, UnknownKeyError
from greenmet.evaluation import Enterprise, evaluate
from greenmet.evaluation.batch import fleet_cems_compliance, fleet_energy
from greenmet.evaluation.cems import monthly_compliance


def _records(seed: int = 3, n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    process = rng.choice(["blast_furnace", "bof", "eaf"], n)
    return pd.DataFrame(
        {
            "enterprise_id": [f"e{i}" for i in range(n)],
            "process": process,
            "variant": np.where(process == "eaf", "70t_and_above", "all"),
            "reporting_year": np.where(
                process == "eaf", 2026, rng.choice([2024, 2026], n)
            ),  # no EAF table in 2013
            "value": np.select(
                [process == "blast_furnace", process == "bof"],
                [rng.uniform(350, 450, n), rng.uniform(-32, -5, n)],
                rng.uniform(55, 80, n),
            ),
            "production_t": 1e6,
            "iron_ore_grade_percent": np.where(process == "blast_furnace", rng.uniform(55, 64, n), np.nan),
            "scrap_ratio_percent": np.where(process == "bof", rng.uniform(5, 25, n), np.nan),
            "hot_metal_ratio_percent": np.where(process == "eaf", rng.uniform(0, 40, n), np.nan),
            "steel_grade": np.where(process == "eaf", rng.choice(["ordinary", "stainless"], n), None),
        }
    )


def test_fleet_energy_matches_the_single_evaluation():
    records = _records()
    fleet = fleet_energy(records)
    for row in records.to_dict("records"):
        conditions = {
            k: row[k]
            for k in ("iron_ore_grade_percent", "scrap_ratio_percent", "hot_metal_ratio_percent")
            if not pd.isna(row[k])
        }
        if row["process"] == "eaf":
            conditions["steel_grade"] = row["steel_grade"]
        enterprise = Enterprise(
            id="x",
            name="x",
            sector="steel",
            reporting_year=int(row["reporting_year"]),
            processes=[
                {
                    "process": row["process"],
                    "variant": row["variant"],
                    "production": 1e6,
                    "energy": row["value"] * 1e6,
                    "energy_unit": "kgce",
                    "conditions": conditions,
                }
            ],
        )
        single = evaluate(enterprise).indicators.query("area == 'energy'").iloc[0]
        batch = fleet.loc[fleet["enterprise_id"] == row["enterprise_id"]].iloc[0]
        assert batch["verdict"] == single["verdict"]
        assert batch["level_3"] == pytest.approx(single["level_3"])
        assert batch["gap"] == pytest.approx(single["gap"], nan_ok=True)


def test_fleet_energy_names_the_bad_row():
    records = _records()
    with pytest.raises(InputError, match="no edition"):
        fleet_energy(records.assign(reporting_year=2012))
    bad = _records().assign(
        process="eaf", variant="70t_and_above", reporting_year=2026, steel_grade="pipeline"
    )
    with pytest.raises(UnknownKeyError, match="row 0: steel_grade"):
        fleet_energy(bad)


def test_fleet_cems_matches_monthly_compliance():
    rng = np.random.default_rng(5)
    hours = pd.date_range("2026-01-01", periods=59 * 24, freq="h")
    month_starts = [0, 31 * 24]
    kinds = [("sinter_head", "nitrogen_oxides"), ("other_main_source", "sulphur_dioxide")]
    series = pd.DataFrame(
        [
            {
                "enterprise_id": f"e{e}",
                "stack_id": f"s{k}",
                "source_kind": kind,
                "pollutant": pol,
                "regulation": "ULE steel",
                "edition": "2019",
            }
            for e in range(3)
            for k, (kind, pol) in enumerate(kinds)
        ]
    )
    conc = rng.uniform(20, 55, (len(series), len(hours))).astype(np.float32)
    o2 = rng.uniform(14, 18, conc.shape).astype(np.float32)
    valid = rng.random(conc.shape) > 0.02
    fleet = fleet_cems_compliance(conc, o2, valid, series, month_starts, chunk_series=4).set_index(
        "enterprise_id"
    )
    for enterprise, group in series.groupby("enterprise_id"):
        rows = []
        for i in group.index:
            rows.append(
                pd.DataFrame(
                    {
                        "stack_id": series.at[i, "stack_id"],
                        "hour": hours,
                        "pollutant": series.at[i, "pollutant"],
                        "concentration_mg_per_nm3": conc[i].astype(float),
                        "oxygen_percent": o2[i].astype(float),
                        "status": np.where(valid[i], "N", "C"),
                    }
                )
            )
        stacks = group.rename(columns={})[["stack_id", "source_kind", "regulation", "edition"]]
        monthly = monthly_compliance(pd.concat(rows), stacks)
        assert fleet.at[enterprise, "lowest_compliant_share"] == pytest.approx(
            monthly["compliant_share"].min()
        )
        assert fleet.at[enterprise, "months_failing"] == int((monthly["verdict"] == "fails").sum())
