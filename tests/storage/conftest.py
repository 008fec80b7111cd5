"""Fixtures of the storage tests."""

from __future__ import annotations

import shutil

import pytest
from storage_helpers import make_points


@pytest.fixture
def points():
    return make_points


@pytest.fixture(scope="session")
def spark_session():
    """One local Spark for the whole run: one core, one shuffle partition, no UI, UTC.

    Code generation, adaptive execution and the JIT's top tier are turned off: on test-sized
    data they cost seconds of compiling per query and save nothing.
    """
    if shutil.which("java") is None:
        pytest.skip("Spark needs a Java runtime (Java 17 in CI)")
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[1]").appName("greenmet-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "1")
               .config("spark.default.parallelism", "1")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.driver.memory", "1g")
               .config("spark.sql.codegen.wholeStage", "false")
               .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
               .config("spark.sql.adaptive.enabled", "false")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.driver.extraJavaOptions", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
