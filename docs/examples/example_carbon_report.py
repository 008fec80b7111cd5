"""Carbon reports of the three shipped example plants (executed by pytest).

Reads the example activity files, computes each plant with the method of its national reporting
(``cn-steel`` for the steel plants, ``cn-aluminium`` for the smelter), writes the Excel and PDF
reports a verifier receives, computes all three at once with the vectorised batch, and checks
that the plants land in their calibration ranges: a BF-BOF plant at about 1.7–2.2 t CO2/t crude
steel, a scrap-EAF plant at about 0.4–0.6 t CO2/t on China's grid, a coal-powered aluminium
smelter at about 14–16 t CO2e/t aluminium (scope 1 + 2).

Run it as a script to see the reports' paths and the batch table:
``python docs/examples/example_carbon_report.py``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from greenmet.carbon import compute
from greenmet.carbon.batch import compute_batch, default_method
from greenmet.io.activity_files import read_example
from greenmet.io.carbon_report import write_report_pdf, write_report_xlsx

PLANTS = {"bf-bof": "crude_steel", "scrap-eaf": "crude_steel", "aluminium": "primary_aluminium"}

activities = {name: read_example(name) for name in PLANTS}
results = {name: compute(activity, default_method(activity)) for name, activity in activities.items()}

output = Path(tempfile.mkdtemp(prefix="greenmet-example-"))
reports = []
for name, result in results.items():
    reports.append(write_report_xlsx(output / f"{name}.xlsx", result, language="zh"))
    reports.append(write_report_pdf(output / f"{name}.pdf", result, language="en"))

batch = compute_batch(list(activities.values()))
intensity = {name: results[name].intensity_t_co2e_per_t[product] for name, product in PLANTS.items()}
aluminium_totals = results["aluminium"].totals_t_co2e
aluminium_scope_1_2 = (aluminium_totals.get("scope_1", 0.0) + aluminium_totals.get("scope_2", 0.0)) / next(
    p.quantity for p in activities["aluminium"].production if p.product == "primary_aluminium"
)

if __name__ == "__main__":
    for name, value in intensity.items():
        print(f"{name:10s} {value:7.3f} t CO2e per t {PLANTS[name]}  ({results[name].method})")
    print(batch[["installation_id", "method", "total_t_co2e", "warnings_count"]].to_string(index=False))
    print("reports:", *map(str, reports), sep="\n  ")


def test_bf_bof_plant_is_about_1_7_to_2_2_t_per_t_crude_steel():
    assert 1.7 <= intensity["bf-bof"] <= 2.2


def test_scrap_eaf_plant_is_about_0_4_to_0_6_t_per_t_on_chinas_grid():
    assert 0.4 <= intensity["scrap-eaf"] <= 0.6


def test_coal_powered_smelter_is_about_14_to_16_t_co2e_per_t_scope_1_and_2():
    assert 14.0 <= aluminium_scope_1_2 <= 16.0


def test_reports_were_written_and_batch_agrees():
    assert all(path.stat().st_size > 1000 for path in reports)
    totals = dict(zip(batch["installation_id"], batch["total_t_co2e"], strict=True))
    for name, result in results.items():
        assert abs(totals[activities[name].installation.id] - result.totals_t_co2e["total"]) < 1e-6
