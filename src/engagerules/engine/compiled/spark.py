"""Spark in local mode for the compiled engine (`check --engine ibis --backend spark`): the
ingested Parquet file read into one Spark session through Ibis's pyspark backend.

Spark's TIMESTAMP is an instant shown in the session's time zone: the session is pinned to
UTC (Ibis's backend pins it too), so an instant read from the file, compared with a
window's edge and handed back comes back as the same UTC instant, to the microsecond. The
session is small on purpose (two local threads, two shuffle partitions, no web UI, errors
only in the log): the compiled engine's queries are selections and joins of one force's
records, and a local JVM is what the tests and a laptop can afford.

One session per process: `getOrCreate` hands back the running one, so repeated checks
(the differential harness) share it, and only whoever started it stops it (`Records.close`
leaves a shared one running).
"""

from __future__ import annotations

import functools
import warnings
from importlib import resources
from typing import Any

from engagerules.errors import UsageError

__all__ = ["SETTINGS", "spark_connection"]

#: The session's settings: local, small, quiet, UTC.
SETTINGS: dict[str, str] = {
    "spark.master": "local[2]",
    "spark.app.name": "engagerules",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.sql.session.timeZone": "UTC",
    # Files written by pyarrow carry no Spark calendar marker: read their dates as written
    # (proleptic Gregorian, as Python's), never rebased from the Julian calendar.
    "spark.sql.parquet.datetimeRebaseModeInRead": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInRead": "CORRECTED",
    # Results come back to Python through Arrow, not row by row.
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}

_NEEDS = (
    "--backend spark needs PySpark and a Java 17 runtime: pip install 'engagerules[spark]' "
    "(Java: tools/setup-java.sh, or the Debian package openjdk-17-jre-headless)"
)


def _java_options() -> str:
    """The driver JVM's options (in local mode it is the executor too): a quiet log4j, its
    clock in UTC, and a JVM for many small queries rather than one long job: the quick
    compiler alone and one garbage collector thread (measured on the harness's gwent part:
    half the CPU time and less than half the wall time of the JVM's defaults)."""
    config = resources.files("engagerules.engine.compiled") / "spark-log4j2.properties"
    return (
        f"-Dlog4j2.configurationFile=file:{config} -Duser.timezone=UTC"
        " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
    )


@functools.cache
def _backend() -> Any:
    """Ibis's pyspark backend, its results collected without PySpark's unclosed sockets
    reported: PySpark reads each result from a local socket it leaves to the garbage
    collector ("closed when garbage-collected", `pyspark.util._load_from_socket`), which
    Python reports as a `ResourceWarning` (an error under `-W error`) once per query."""
    from ibis.backends.pyspark import Backend

    class Quiet(Backend):  # type: ignore[misc]  # Ibis is untyped here
        def to_pyarrow(self, expr: Any, /, **kwargs: Any) -> Any:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ResourceWarning)
                return super().to_pyarrow(expr, **kwargs)

    return Quiet()


def spark_connection() -> tuple[Any, bool]:
    """An Ibis connection to the local Spark session (started if none runs) and whether it
    was running already, or a `UsageError` saying what is missing (PySpark, or Java)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UsageError(_NEEDS) from None
    running = SparkSession.getActiveSession() is not None
    builder = SparkSession.builder
    for key, value in SETTINGS.items():
        builder = builder.config(key, value)
    builder = builder.config("spark.driver.extraJavaOptions", _java_options())
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # no Java: PySpark's own error, one line for all
        first = (str(exc).strip() or type(exc).__name__).splitlines()[0]
        raise UsageError(f"{_NEEDS}; Spark did not start: {first}") from None
    session.sparkContext.setLogLevel("ERROR")
    return _backend().connect(session), running
