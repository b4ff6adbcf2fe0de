"""Airflow DAG: the nightly modelpress run with apache-airflow-providers-apache-spark.

The run date is Airflow's logical date ({{ ds }}), so a retried or backfilled night writes the run of
that night, once (modelpress nightly is idempotent per date). Exit code 3 (a regression beyond the
config's nightly: limits) fails the task; everything is written before it exits. A retry of a regressed
night evaluates nothing again: it finds the finished run, rewrites the same diff and exits 3 again.

Needs a Spark connection 'spark_modelpress' (host spark://..., yarn or k8s://...) and the cluster jar
at MODELPRESS_JAR on the Airflow worker.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

MODELPRESS_JAR = "/opt/modelpress/modelpress-jobs-0.1.0-SNAPSHOT-cluster.jar"
MODELPRESS_CLASS = "io.modelpress.cli.Cli"
CONFIG = "/opt/modelpress/conf/nightly/mnist.yaml"
RESULTS = "s3a://modelpress/results"

with DAG(
    dag_id="modelpress_nightly",
    schedule="30 2 * * *",
    start_date=datetime(2026, 12, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["modelpress"],
) as dag:
    SparkSubmitOperator(
        task_id="nightly",
        conn_id="spark_modelpress",
        application=MODELPRESS_JAR,
        java_class=MODELPRESS_CLASS,
        application_args=["nightly", "--config", CONFIG, "--out", RESULTS, "--date", "{{ ds }}"],
        conf={"spark.executorEnv.OMP_NUM_THREADS": "1"},
        env_vars={"OMP_NUM_THREADS": "1"},
        name="modelpress-nightly-{{ ds_nodash }}",
    )
