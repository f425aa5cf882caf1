#!/usr/bin/env bash
# The fuzz targets (proptest) of the readers that take uploads — the workbook reader, the layer
# readers (GeoJSON, zipped Shapefile), the GeoTIFF DEM reader and the corner-point parser — run CASES (10,000) mangled inputs each, under a 4 GiB
# address-space limit (`ulimit -v 4194304`): an allocation the size of a bomb fails the run instead of
# passing unnoticed. A panic or an abort fails it too. The test profile keeps overflow checks on: a
# release build wraps an overflowing cell position silently (that is how one was missed). Prints each
# target's case count and time.
#
#   bash scripts/fuzz.sh
#   CASES=100000 bash scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${CASES:-10000}

# Build the test binaries first, without the limit (the compiler needs more address space).
binary() { # $1 package → the path of its library test binary
  cargo test -q -p "$1" --lib --no-run --message-format=json 2>/dev/null |
    grep '"executable":"' | sed 's/.*"executable":"\([^"]*\)".*/\1/' | tail -1
}
app=$(binary orewatch-app)
spatial=$(binary orewatch-spatial)

run() { # $1 binary $2 test name
  local start end
  start=$(date +%s.%N)
  local out
  out=$(ulimit -v 4194304; PROPTEST_CASES=$CASES "$1" --exact "$2" --test-threads 1 2>&1) || { echo "$out"; exit 1; }
  end=$(date +%s.%N)
  grep -q "1 passed" <<<"$out" || { echo "$2 did not run: $out"; exit 1; }
  printf '%-90s %6d cases  %6.1f s  ok\n' "$2" "$CASES" "$(echo "$end - $start" | bc)"
}

echo "fuzz: $CASES cases per target, ulimit -v 4194304 (4 GiB)"
run "$app" registry::workbook::read::fuzz::a_mangled_workbook_is_read_or_refused_never_a_panic
run "$spatial" layers::fuzz::a_mangled_geojson_layer_is_read_or_refused_never_a_panic
run "$spatial" layers::fuzz::a_mangled_shapefile_is_read_or_refused_never_a_panic
run "$spatial" geotiff::fuzz::a_mangled_dem_is_decoded_or_refused_by_name_never_a_panic
run "$spatial" corners::tests::a_mangled_corner_text_is_read_or_refused_by_line_never_a_panic
