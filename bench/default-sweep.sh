#!/usr/bin/env bash
# Times the default sweep end to end, as a user runs it, RUNS times (default 3), and prints
# min/median/max of: the whole command (JVM start, Spark start, model load, evaluation, table writes)
# and the Spark evaluation stage alone (from the summary line). The first, extra run trains the base
# model when it is not cached yet and is reported separately.
#   bench/default-sweep.sh [RUNS]
# Results: bench/results/default-sweep.json
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${1:-3}"
CONFIG="$ROOT/conf/sweeps/mnist-mlp.yaml"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
cd "$ROOT"

run_once() { # run_once NAME → prints "wall eval trials trials_per_s"
  local out="$TMP/$1" t0 t1 line
  t0=$(date +%s.%N)
  bin/modelpress sweep --config "$CONFIG" --out "$out" --run-id "$1" >"$TMP/$1.log" 2>"$TMP/$1.err"
  t1=$(date +%s.%N)
  line="$(grep -E '^  trials ' "$TMP/$1.log")"
  # "  trials    75 ok, 0 failed, evaluated in 5.4 s (14.0 trials/s) on local[*]"
  echo "$(echo "$t1 - $t0" | bc) $(echo "$line" | sed -E 's/.*evaluated in ([0-9.]+) s \(([0-9.]+) trials\/s\).*/\1 \2/') \
$(echo "$line" | sed -E 's/ *trials +([0-9]+) ok.*/\1/')"
}

stats() { # stats COLUMN FILE → min median max
  cut -d' ' -f"$1" "$2" | sort -n | awk '{a[NR]=$1} END {printf "%.2f %.2f %.2f", a[1], a[int((NR+1)/2)], a[NR]}'
}

first="$(run_once warmup)"
: > "$TMP/runs.txt"
for i in $(seq 1 "$RUNS"); do run_once "run$i" >> "$TMP/runs.txt"; done
read -r wmin wmed wmax <<<"$(stats 1 "$TMP/runs.txt")"
read -r emin emed emax <<<"$(stats 2 "$TMP/runs.txt")"
read -r tmin tmed tmax <<<"$(stats 3 "$TMP/runs.txt")"
trials="$(cut -d' ' -f4 "$TMP/runs.txt" | head -1)"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
cat > bench/results/default-sweep.json <<JSON
{
  "command": "bin/modelpress sweep --config conf/sweeps/mnist-mlp.yaml",
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "machine": {"cpus": $(nproc), "cpu": "$cpu", "memory_gib": $(free -g | awk '/Mem:/ {print $2}'), "java": "$(java -version 2>&1 | head -1 | sed 's/"/\\"/g')"},
  "commit": "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)",
  "trials": $trials,
  "runs": $RUNS,
  "first_run": {"wall_s": $(echo "$first" | cut -d' ' -f1), "eval_s": $(echo "$first" | cut -d' ' -f2)},
  "wall_s": {"min": $wmin, "median": $wmed, "max": $wmax},
  "eval_s": {"min": $emin, "median": $emed, "max": $emax},
  "eval_trials_per_s": {"min": $tmin, "median": $tmed, "max": $tmax},
  "end_to_end_trials_per_s_median": $(echo "scale=2; $trials / $wmed" | bc)
}
JSON
cat bench/results/default-sweep.json
