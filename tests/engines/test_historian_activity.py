"""Carbon activity data of the ironmaking boundary from the historian and the plant records."""

import json

import pandas as pd
import pytest
from tests.engines.online_historian import FURNACE, HOURS, SITE, seconds_frame, write_furnace
from tests.monitoring.online_fixtures import COKE, START
from typer.testing import CliRunner

from greenmet.carbon import compute
from greenmet.carbon.activity import normalise
from greenmet.cli import app
from greenmet.engines.historian_activity import (
    DEFAULT_MAPPING,
    activity_from_historian,
    read_flow_mapping,
)
from greenmet.errors import FileFormatError, InputError, StorageError

END = START + pd.Timedelta(hours=HOURS)


@pytest.fixture(scope="module")
def historian_root(tmp_path_factory):
    return write_furnace(tmp_path_factory.mktemp("carbon") / "lake")


def _expected_integral(tag: str) -> float:
    """Minute means of the samples × 1 min, in the tag's unit × h."""
    minutes = seconds_frame()[tag].resample("1min").mean()
    return float(minutes.sum()) / 60.0


def test_flows_aggregate_the_measurements(historian_root):
    result = activity_from_historian(historian_root, SITE, FURNACE, START, END)
    flows = result.flows.set_index("name")
    assert flows.loc["coke", "quantity"] == pytest.approx(HOURS * 6 * 15.0)  # a 15 t coke batch every 10 min
    assert flows.loc["pulverised_coal", "quantity"] == pytest.approx(
        _expected_integral("coal_injection_rate")
    )
    assert flows.loc["oxygen", "quantity"] == pytest.approx(_expected_integral("oxygen_flow"))
    assert flows.loc["hot_metal", "quantity"] == pytest.approx(1000.0)  # casts at 1:59 and 3:59
    assert flows.loc["cold_blast", "status"] == "shown"
    activity = result.activity
    assert [p.quantity for p in activity.production] == [pytest.approx(1000.0)]
    table = normalise(activity).set_index("material")
    assert table.loc["coke", "carbon_content"] == pytest.approx(COKE["C"] / 100)  # measured, not the default
    assert activity.period.start == activity.period.end == START.date()


def test_missing_flows_make_the_result_say_incomplete(historian_root):
    result = activity_from_historian(historian_root, SITE, FURNACE, START, END)
    assert set(result.lacking) == {"blast_furnace_gas", "electricity"}  # the furnace records no such tags
    assert not result.complete
    # a material not charged while others were is a true zero, not missing data
    assert result.flows.set_index("name").loc["limestone", "status"] == "none charged"
    assert "incomplete" in result.activity.installation.name
    assert result.flows.set_index("name").loc["electricity", "status"] == "missing"


def test_the_activity_goes_through_the_carbon_methods(historian_root):
    result = activity_from_historian(historian_root, SITE, FURNACE, START, END)
    carbon = compute(result.activity, "cn-steel")
    lines = carbon.lines
    assert {"coke", "anthracite"} <= set(lines["source_stream"])
    assert carbon.total_t_co2e > 0


def test_a_user_mapping_and_its_coverage(historian_root, tmp_path):
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        '[[flows]]\nname = "sparse"\nsource = "tag"\ntag = "hot_metal_temperature"\ntag_unit = "t/h"\n'
        'aggregate = "integral"\nquantity_unit = "t"\ntarget = "none"\n',
        encoding="utf-8",
    )
    result = activity_from_historian(
        historian_root, SITE, FURNACE, START, END, mapping=read_flow_mapping(mapping)
    )
    assert result.flows["coverage"].iloc[0] < 0.01
    assert "sparse" in result.lacking and "minutes" in result.lacking["sparse"]


def test_bad_mappings_and_periods(historian_root, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[flows]]\nname = "x"\nsource = "tag"\nquantity_unit = "t"\ntarget = "none"\n', encoding="utf-8"
    )
    with pytest.raises(FileFormatError, match="lacks tag, tag_unit, aggregate"):
        read_flow_mapping(bad)
    assert len(read_flow_mapping(DEFAULT_MAPPING)) > 5
    with pytest.raises(InputError, match="empty"):
        activity_from_historian(historian_root, SITE, FURNACE, END, START)
    with pytest.raises(StorageError, match="no such furnace"):
        activity_from_historian(historian_root, SITE, "BF9", START, END)


def test_cli_carbon_report_from_historian(historian_root):
    arguments = [
        "carbon",
        "report",
        "--from-historian",
        str(historian_root),
        "--site",
        SITE,
        "--furnace",
        FURNACE,
        "--start",
        START.isoformat(),
        "--end",
        END.isoformat(),
        "--format",
        "json",
    ]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert "warning: incomplete: electricity" in result.stderr
    report = json.loads(result.stdout)
    assert report["installation_id"] == f"{SITE}-{FURNACE}"
    assert "incomplete" in report["installation_name"]
    assert {"coke", "anthracite", "hot_metal"} <= {line["source_stream"] for line in report["lines"]}
    missing = CliRunner().invoke(app, [*arguments[:4], "--format", "json"])
    assert missing.exit_code == 2
    assert "--furnace" in missing.stdout or "--site" in missing.stdout
