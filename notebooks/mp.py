"""Query the modelpress results tables from a notebook, anywhere.

``query(sql)`` returns a pandas DataFrame. With PySpark importable (as on a cluster) the tables under
the results root are registered as ``modelpress.<table>`` in a local Spark session and queried there;
otherwise each query runs through ``bin/modelpress results sql QUERY --format csv``, which needs only the
repository and Java. Both read the same Parquet tables; the SQL is the same.

Settings (environment): MODELPRESS_RESULTS (the sweep's --out, default ./modelpress-out from the
repository root), MODELPRESS_HOME (the repository, default the parent of this folder).
"""
import io
import os
import subprocess

import pandas as pd

HOME = os.environ.get("MODELPRESS_HOME", os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
RESULTS = os.environ.get("MODELPRESS_RESULTS", os.path.join(HOME, "modelpress-out"))
TABLES = ["runs", "trials", "trial_ranks", "frontier", "device_estimates", "sensitivity", "sensitivity_summary", "soft_targets",
          "nightly_diff"]

try:  # PySpark when it is there, as on a cluster
    from pyspark.sql import SparkSession  # noqa: F401
    HAVE_SPARK = os.environ.get("MODELPRESS_NO_PYSPARK") is None
except ImportError:
    HAVE_SPARK = False

_spark = None


def _session():
    global _spark
    if _spark is None:
        from pyspark.sql import SparkSession
        # global temporary views in a database named modelpress: queried as modelpress.<table>, and nothing
        # is created in, or dropped from, the session's catalog (a metastore's tables are never touched)
        _spark = (SparkSession.builder.appName("modelpress notebook")
                  .config("spark.sql.globalTempDatabase", "modelpress").getOrCreate())
        frames = {}
        for t in TABLES:
            path = os.path.join(RESULTS, t)
            if os.path.isdir(path) or "://" in RESULTS:
                try:
                    # mergeSchema: partitions written by older versions lack the newer columns
                    frames[t] = _spark.read.option("mergeSchema", "true").parquet(path)
                except Exception as e:  # a table a results root does not have yet
                    print(f"skipping table {t}: {e}")
        if "trials" in frames and "trial_ranks" in frames:  # trials as users query it: with its ranks
            ranks = frames["trial_ranks"]
            trials = frames["trials"].drop(*[c for c in ranks.columns if c not in ("run_id", "trial_id")])
            frames["trials"] = trials.join(ranks, ["run_id", "trial_id"], "left")
        for t, df in frames.items():
            df.createOrReplaceGlobalTempView(t)
    return _spark


def query(sql):
    """The rows of a Spark SQL query over modelpress.<table>, as a DataFrame."""
    if HAVE_SPARK:
        return _session().sql(sql).toPandas()
    cmd = [os.path.join(HOME, "bin", "modelpress"), "results", "sql", sql, "--results", RESULTS, "--format", "csv",
           "--limit", str(2**31 - 1)]  # every row: the default limit would cut long histories silently
    run = subprocess.run(cmd, capture_output=True, text=True, cwd=HOME)
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed ({run.returncode}): {run.stderr.strip().splitlines()[-1:]}")
    return pd.read_csv(io.StringIO(run.stdout))


def modelpress(*args):
    """Runs bin/modelpress with arguments and returns its stdout (for select, export)."""
    run = subprocess.run([os.path.join(HOME, "bin", "modelpress"), *args], capture_output=True, text=True, cwd=HOME)
    return run.returncode, run.stdout
