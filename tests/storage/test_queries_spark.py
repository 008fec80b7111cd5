"""The same query functions on Apache Spark (Ibis's PySpark backend) and on DuckDB, same files."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest
from storage_helpers import make_points

from greenmet.storage import QUALITY_BAD, Historian, queries

pytestmark = pytest.mark.spark

START, END = "2025-03-01T23:55:00Z", "2025-03-02T00:05:00Z"  # across a partition boundary
TAGS = ["blast_volume", "top_pressure"]


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("historian")
    frame = make_points(start=START, seconds=600, step_s=1.0)
    frame = frame[~((frame["tag"] == "top_pressure")
                    & frame["ts"].between(pd.Timestamp("2025-03-01T23:58:00Z"),
                                          pd.Timestamp("2025-03-01T23:58:30Z")))].reset_index(drop=True)
    frame.loc[[4, 5, 300], "quality"] = QUALITY_BAD
    with Historian(root, "plant1", "bf1") as historian:
        historian.write(frame.iloc[:500])
        historian.flush()
        historian.write(frame.iloc[500:])
    return root


QUERIES = {
    "raw_range": lambda p: queries.raw_range(p, TAGS, START, END),
    "bucketed": lambda p: queries.bucketed(p, TAGS, START, END, bucket_s=45),
    "bucketed_points": lambda p: queries.bucketed(p, TAGS, START, END, points_per_tag=13),
    "last_values": lambda p: queries.last_values(p),
    "last_values_good": lambda p: queries.last_values(p, TAGS, before="2025-03-01T23:55:03Z", good_only=True),
    "gaps": lambda p: queries.gaps(p, [*TAGS, "tuyere_velocity"], START, END, threshold_s=10),
    "join_bucketed": lambda p: queries.join_bucketed(p, TAGS, START, END, bucket_s=60),
    "join_asof": lambda p: queries.join_asof(p, "blast_volume", ["top_pressure"], START, END, tolerance_s=4),
    "tag_summary": lambda p: queries.tag_summary(p),
}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_spark_and_duckdb_agree(root, spark_session, name):
    spark = ibis.pyspark.connect(spark_session)
    on_duckdb = queries.run(QUERIES[name](queries.open_points(root, "plant1", "bf1", start=START, end=END)))
    on_spark = queries.run(QUERIES[name](queries.open_points(root, "plant1", "bf1", start=START, end=END,
                                                              backend=spark)))
    assert len(on_duckdb) > 0
    pd.testing.assert_frame_equal(on_duckdb, on_spark, check_dtype=False, check_exact=False, rtol=1e-12)


def test_spark_query_survives_a_compaction_between_binding_and_running(tmp_path, spark_session):
    spark = ibis.pyspark.connect(spark_session)
    with Historian(tmp_path, "plant1", "bf1", retired_grace_s=0.0) as historian:
        for minute in range(3):
            historian.write(make_points(start=f"2025-03-01T00:0{minute}:00Z", seconds=60))
            historian.flush()
        expression = queries.raw_range(queries.open_points(tmp_path, "plant1", "bf1", backend=spark),
                                       TAGS, "2025-03-01T00:00:00Z", "2025-03-02T00:00:00Z")
        old = set(tmp_path.glob("site=plant1/furnace=bf1/date=*/part-*.parquet"))
        historian.compact()  # no query runs: the old files are deleted at once
        assert not any(path.exists() for path in old)
    result = queries.run(expression)
    assert len(result) == 360
    assert not result.duplicated(["tag", "ts"]).any()
    np.testing.assert_array_equal(result["ts"].to_numpy()[:180], np.sort(result["ts"].to_numpy()[:180]))


def test_rollup_chart_query_on_spark_equals_raw_on_duckdb(root, spark_session):
    spark = ibis.pyspark.connect(spark_session)
    # the roll-ups are plain Parquet files named in the manifest: Spark reads them as DuckDB does
    rollups = queries.open_rollups(root, "plant1", "bf1", start=START, end=END, backend=spark)
    assert rollups is not None
    assert len(queries.run(rollups)) > 0
    on_spark = queries.run(queries.bucketed(
        queries.open_points(root, "plant1", "bf1", start=START, end=END, backend=spark), TAGS, START, END,
        bucket_s=120, rollups=rollups))
    on_duckdb = queries.run(queries.bucketed(
        queries.open_points(root, "plant1", "bf1", start=START, end=END), TAGS, START, END, bucket_s=120))
    pd.testing.assert_frame_equal(on_duckdb, on_spark, check_dtype=False, check_exact=False, rtol=1e-12)
