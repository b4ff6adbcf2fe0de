# Shared by deploy/submit/*: the spark-submit command line of a modelpress job. Sourced, not run.
# Environment (all optional):
#   MODELPRESS_JAR      the cluster jar (default: jobs/target/modelpress-jobs-0.1.0-SNAPSHOT-cluster.jar of
#                       this checkout; on Kubernetes a path inside the image, local:///opt/modelpress/...)
#   SPARK_SUBMIT        the spark-submit to run (default: $SPARK_HOME/bin/spark-submit, else spark-submit)
#   MODELPRESS_CONF     extra "--conf k=v" arguments, e.g. "--conf spark.executor.memory=4g"
#   MODELPRESS_DRY_RUN  1: print the command instead of running it
# Every job runs io.modelpress.cli.Cli with one ND4J/OpenMP thread per Spark task (the tasks are the
# parallelism) and S3A with the magic committer set by modelpress itself.
MODELPRESS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODELPRESS_CLASS="io.modelpress.cli.Cli"
MODELPRESS_JAR="${MODELPRESS_JAR:-$MODELPRESS_ROOT/jobs/target/modelpress-jobs-0.1.0-SNAPSHOT-cluster.jar}"
if [[ -n "${SPARK_SUBMIT:-}" ]]; then :
elif [[ -n "${SPARK_HOME:-}" ]]; then SPARK_SUBMIT="$SPARK_HOME/bin/spark-submit"
else SPARK_SUBMIT="spark-submit"; fi
# Java 17: the executors need Spark's usual --add-opens (spark-submit adds them for the driver)
MODELPRESS_OPENS="-XX:+IgnoreUnrecognizedVMOptions"
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
         java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  MODELPRESS_OPENS="$MODELPRESS_OPENS --add-opens=java.base/$p=ALL-UNNAMED"
done

# modelpress_submit MASTER DEPLOY_MODE [spark-submit options...] -- JOB ARGS...
modelpress_submit() {
  local master="$1" mode="$2"; shift 2
  local opts=()
  while [[ $# -gt 0 && "$1" != "--" ]]; do opts+=("$1"); shift; done
  [[ "${1:-}" == "--" ]] && shift
  if [[ $# -eq 0 ]]; then
    echo "usage: $(basename "$0") [spark-submit options] -- <modelpress command> [args], e.g. -- nightly --config conf/nightly/mnist.yaml" >&2
    return 2
  fi
  local cmd=("$SPARK_SUBMIT" --master "$master" --deploy-mode "$mode" --class "$MODELPRESS_CLASS"
    --conf "spark.executorEnv.OMP_NUM_THREADS=1"
    --conf "spark.executor.extraJavaOptions=$MODELPRESS_OPENS"
    --conf "spark.driver.extraJavaOptions=$MODELPRESS_OPENS")
  # shellcheck disable=SC2206
  cmd+=(${MODELPRESS_CONF:-} "${opts[@]}" "$MODELPRESS_JAR" "$@")
  if [[ "${MODELPRESS_DRY_RUN:-0}" == 1 ]]; then
    printf '%q ' "${cmd[@]}"; echo
    return 0
  fi
  if [[ "$MODELPRESS_JAR" != local://* && "$MODELPRESS_JAR" != *://* && ! -f "$MODELPRESS_JAR" ]]; then
    echo "modelpress: error: the cluster jar $MODELPRESS_JAR does not exist; build it with mvn -B package -DskipTests or set MODELPRESS_JAR" >&2
    return 2
  fi
  OMP_NUM_THREADS=1 exec "${cmd[@]}"
}
