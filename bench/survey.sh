#!/usr/bin/env bash
# Survey-engine benchmark (issue "Monitoring engine"): a 10,000 x 10,000 float32 DEM pair (Deflate,
# floating-point predictor, 512 x 512 tiles) with a licence. Prints, measured in one run: wall time and
# peak RSS of `orewatch survey compare`, of the numpy implementation, and of decoding both files only;
# and the engine's time at 2,500², 5,000² and 10,000² cells.
#
#   bash bench/survey.sh                 # everything (the numpy run takes minutes and ~11 GB of RAM)
#   SKIP_NUMPY=1 bash bench/survey.sh    # the engine and the decode floor only
#   SIZES="2500 5000" bash bench/survey.sh
#
# Needs Python with rasterio, numpy and scipy (pip install rasterio numpy scipy) to generate the
# scenarios; they are kept in bench/out/survey/ and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"2500 5000 10000"}
OUT=bench/out/survey
PERIOD=2025-01-01..2025-04-01
mkdir -p "$OUT"
cargo build --release -q -p orewatch -p orewatch-bench-survey
ENGINE=$PWD/target/release/orewatch
DECODE=$PWD/target/release/orewatch-bench-survey

measure() { # label, command...: prints wall seconds and peak RSS
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" > "$OUT/last.out"
  read -r seconds kib < "$OUT/time.txt"
  printf "  %-28s %8.2f s   peak RSS %7.1f MiB\n" "$label" "$seconds" "$(awk "BEGIN{print $kib/1024}")"
}

for n in $SIZES; do
  dir=$OUT/s$n
  if [ ! -f "$dir/after.tif" ]; then
    echo "generating the ${n}² scenario in $dir"
    python3 bench/survey/scenario.py "$dir" --size "$n" --cell 0.5
  fi
  echo "== ${n} x ${n} cells ($(du -ch "$dir"/before.tif "$dir"/after.tif | tail -1 | cut -f1) on disk)"
  measure "decode both files only" "$DECODE" "$dir/before.tif" "$dir/after.tif"
  measure "orewatch survey compare" "$ENGINE" survey compare --licence "$dir/licence.json" \
    --before "$dir/before.tif" --after "$dir/after.tif" --period "$PERIOD" --format json
  cp "$OUT/last.out" "$OUT/engine-$n.json"
  if [ "$n" = 10000 ] && [ -z "${SKIP_NUMPY:-}" ]; then
    measure "numpy implementation" python3 bench/survey/reference.py --licence "$dir/licence.json" \
      --before "$dir/before.tif" --after "$dir/after.tif" --period "$PERIOD"
    cp "$OUT/last.out" "$OUT/numpy-$n.json"
  fi
done
