#!/usr/bin/env bash
# Point-cloud benchmark (issue 14): POINTS synthetic LAS points (default 100 million, 70 % ground) gridded
# into a DEM at CELL m, in one run, by
#
#  1. `orewatch survey grid` (PDAL writers.gdal's mean rule: radius cell × √2, ground points), and
#  2. PDAL itself: readers.las → filters.range Classification[2:2] → writers.gdal output_type=mean,
#     data_type=float, on exactly the grid Orewatch chose (origin_x, origin_y, width, height), streaming
#     (`pdal pipeline --stream`, PDAL's bounded-memory mode);
#
# then prints each one's time and peak RSS (/usr/bin/time) and the two DEMs' difference cell by cell.
#
# PDAL is not in Debian 12 (bookworm); build it from its source (PDAL 2.8.4: cmake with libgdal-dev,
# libproj-dev, libgeotiff-dev, libcurl4-openssl-dev, libxml2-dev; `make pdal`) and point PDAL at the binary:
#
#   PDAL=/path/to/pdal bash bench/pointcloud.sh
#   POINTS=10000000 PDAL=... bash bench/pointcloud.sh
set -euo pipefail
cd "$(dirname "$0")/.."
POINTS=${POINTS:-100000000}
CELL=${CELL:-0.5}
SIDE=${SIDE:-1000}
PDAL=${PDAL:-pdal}
command -v "$PDAL" >/dev/null || { echo "PDAL not found (set PDAL=/path/to/pdal; see the top of $0)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release -q -p orewatch -p orewatch-bench-load
BIN=$PWD/target/release/orewatch
LOAD=$PWD/target/release/orewatch-bench-load
"$PDAL" --version | grep -m1 -i "pdal" || true

echo "== writing $POINTS points over ${SIDE} m × ${SIDE} m"
"$LOAD" cloud-write --points "$POINTS" --side "$SIDE" --out "$work/cloud.las"
ls -l "$work/cloud.las" | awk '{printf "cloud.las: %.2f GB\n", $5 / 1e9}'
sync

echo "== Orewatch"
/usr/bin/time -f "orewatch: %e s, peak RSS %M KiB" -o "$work/ours.time" \
  "$BIN" survey grid "$work/cloud.las" --cell "$CELL" --out "$work/ours.tif" --format json >"$work/ours.json"
cat "$work/ours.time"
jq -c '{points, points_used, used, width, height, empty_cells}' "$work/ours.json"

echo "== PDAL"
jq -n --arg las "$work/cloud.las" --arg tif "$work/pdal.tif" --argjson cell "$CELL" --slurpfile o "$work/ours.json" \
  '{pipeline: [
     {type: "readers.las", filename: $las},
     {type: "filters.range", limits: "Classification[2:2]"},
     {type: "writers.gdal", filename: $tif, resolution: $cell, output_type: "mean", data_type: "float",
      origin_x: $o[0].origin_x, origin_y: $o[0].origin_y, width: $o[0].width, height: $o[0].height}
   ]}' >"$work/pipeline.json"
/usr/bin/time -f "pdal: %e s, peak RSS %M KiB" -o "$work/pdal.time" \
  "$PDAL" pipeline --stream "$work/pipeline.json"
cat "$work/pdal.time"

echo "== difference"
"$LOAD" dem-diff "$work/ours.tif" "$work/pdal.tif"
