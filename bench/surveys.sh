#!/usr/bin/env bash
# Survey scale run (issue 14): PostgreSQL, an S3-compatible server (moto), two `orewatch serve` and up
# to two `orewatch worker` processes, 200 analysis jobs on small generated rasters.
#
#  1. Seeds a registry, writes three flights for each of 100 mines (bench/load surveys-prepare).
#  2. For each run: a fresh database and bucket; two servers on the same database and bucket; the 300
#     flights uploaded through the office's form, alternating between the servers (200 jobs queued);
#     then the workers, timed from their start until every job is finished.
#       run 1: one worker                        → jobs per minute, and the reference results
#       run 2: two workers                       → jobs per minute
#       run 3: two workers, one killed with -9 a third of the way through → every job done exactly once
#              (one analysis.finish per analysis), results identical to run 1 (report.json SHA-256 per
#              mine and date)
#
#   bash bench/surveys.sh
#   MINES=50 bash bench/surveys.sh
set -euo pipefail
cd "$(dirname "$0")/.."
MINES=${MINES:-100}
PG=${OREWATCH_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
S3_PORT=${S3_PORT:-19000}
PORTS=(18091 18092)
OUT=bench/out
mkdir -p "$OUT"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

cargo build --release -q -p orewatch -p orewatch-bench-load
BIN=$PWD/target/release/orewatch
LOAD=$PWD/target/release/orewatch-bench-load
python3 -c "import moto" 2>/dev/null || pip install --quiet --break-system-packages "moto[server]"

# The S3-compatible server, as the storage tests start it.
python3 -m moto.server -p "$S3_PORT" >"$OUT/moto.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -s "http://127.0.0.1:$S3_PORT" >/dev/null && break; sleep 0.1; done

# The price table the servers use for density ([minerals]), the demo's.
cat >"$work/orewatch.toml" <<'EOF'
[minerals."建筑用灰岩"]
density_t_m3 = 2.70
price_yuan_t = 45
[minerals."水泥用灰岩"]
density_t_m3 = 2.70
price_yuan_t = 38
[minerals."建筑用白云岩"]
density_t_m3 = 2.80
price_yuan_t = 42
[minerals."砖瓦用页岩"]
density_t_m3 = 2.40
price_yuan_t = 25
[minerals."高岭土"]
density_t_m3 = 2.20
price_yuan_t = 180
EOF

fresh_db() {
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS orewatch_surveys" -c "CREATE DATABASE orewatch_surveys" >/dev/null
  "$LOAD" seed --database-url "$PG/orewatch_surveys" --accounts 2 --audit-rows 0 \
    --registry-mines $((MINES * 3)) --permits-per-mine 0 >/dev/null
}
sql() { psql "$PG/orewatch_surveys" -Atc "$1"; }

# The flights, once: the same files for every run.
fresh_db
"$LOAD" surveys-prepare --database-url "$PG/orewatch_surveys" --mines "$MINES" --out "$work/dems"

env_for() { # bucket
  echo OREWATCH_CONFIG="$work/orewatch.toml" OREWATCH_DATABASE_URL="$PG/orewatch_surveys" \
    OREWATCH_S3_BUCKET="$1" OREWATCH_S3_ENDPOINT="http://127.0.0.1:$S3_PORT" OREWATCH_S3_REGION=us-east-1 \
    OREWATCH_S3_ACCESS_KEY_ID=bench OREWATCH_S3_SECRET_ACCESS_KEY=bench OREWATCH_S3_ALLOW_HTTP=true \
    OREWATCH_JOB_LEASE_SECONDS=10 OREWATCH_LOGIN_ATTEMPTS_PER_MINUTE=100000 RUST_LOG=warn
}

run() { # name workers kill(0/1)
  local name=$1 workers=$2 kill_one=$3 bucket="surveys-$1"
  fresh_db
  python3 - "$S3_PORT" "$bucket" <<'EOF'
import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/{sys.argv[2]}", method="PUT")).read()
EOF
  local servers=() urls=()
  for port in "${PORTS[@]}"; do
    mkdir -p "$work/$name-$port"
    env $(env_for "$bucket") OREWATCH_DATA_DIR="$work/$name-$port" OREWATCH_BIND="127.0.0.1:$port" \
      "$BIN" serve >"$OUT/surveys-$name-serve-$port.log" 2>&1 &
    servers+=($!); pids+=($!)
    urls+=("http://127.0.0.1:$port")
  done
  for port in "${PORTS[@]}"; do
    for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  done
  "$LOAD" surveys-upload --servers "$(IFS=,; echo "${urls[*]}")" --manifest "$work/dems/manifest.tsv"
  local jobs
  jobs=$(sql "SELECT COUNT(*) FROM job")
  local ws=()
  local t0
  t0=$(date +%s.%N)
  for w in $(seq 1 "$workers"); do
    mkdir -p "$work/$name-w$w"
    env $(env_for "$bucket") OREWATCH_DATA_DIR="$work/$name-w$w" "$BIN" worker >"$OUT/surveys-$name-worker-$w.log" 2>&1 &
    ws+=($!); pids+=($!)
  done
  local killed=""
  while :; do
    local left
    left=$(sql "SELECT COUNT(*) FROM job WHERE state IN ('queued', 'running')")
    if [ "$kill_one" = 1 ] && [ -z "$killed" ] && [ "$left" -le $((jobs * 2 / 3)) ]; then
      kill -9 "${ws[0]}"; killed=yes
      echo "   killed worker ${ws[0]} with -9 ($left of $jobs jobs left)"
    fi
    [ "$left" -eq 0 ] && break
    sleep 0.2
  done
  local t1
  t1=$(date +%s.%N)
  for p in "${ws[@]}" "${servers[@]}"; do kill "$p" 2>/dev/null || true; done
  wait "${ws[@]}" "${servers[@]}" 2>/dev/null || true
  local secs
  secs=$(python3 -c "print(f'{$t1 - $t0:.1f}')")
  echo "== $name: $jobs jobs, $workers worker(s)${killed:+, one killed}: ${secs} s, $(python3 -c "print(f'{$jobs / ($t1 - $t0) * 60:.0f}')") jobs/min"
  echo "   states: $(sql "SELECT string_agg(state || ' ' || n, ', ') FROM (SELECT state, COUNT(*) n FROM job GROUP BY state) s")"
  echo "   claims: $(sql "SELECT string_agg(attempts || ' claim(s): ' || n, ', ') FROM (SELECT attempts, COUNT(*) n FROM job GROUP BY attempts ORDER BY attempts) s")"
  echo "   analyses finished more than once: $(sql "SELECT COUNT(*) FROM (SELECT record_id FROM audit_entry WHERE action = 'analysis.finish' GROUP BY record_id HAVING COUNT(*) > 1) x")"
  echo "   proposals: $(sql "SELECT COUNT(*) FROM survey_proposal"), duplicates: $(sql "SELECT COUNT(*) FROM (SELECT analysis_id, kind FROM survey_proposal GROUP BY analysis_id, kind HAVING COUNT(*) > 1) x")"
  sql "SELECT s.mine_id, s.flown_on, a.state, a.report_sha256 FROM survey_analysis a JOIN survey s ON s.survey_id = a.survey_id ORDER BY 1, 2" >"$OUT/surveys-$name.results"
}

run one 1 0
run two 2 0
run crash 2 1
for name in two crash; do
  if cmp -s "$OUT/surveys-one.results" "$OUT/surveys-$name.results"; then
    echo "results of run $name: identical to the single-worker run ($(wc -l <"$OUT/surveys-one.results") analyses)"
  else
    echo "results of run $name DIFFER from the single-worker run:"; diff "$OUT/surveys-one.results" "$OUT/surveys-$name.results" | head
    exit 1
  fi
done
