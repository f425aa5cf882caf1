"""Generates realistic survey-comparison scenarios for `orewatch survey compare`.

Optional tooling (pip install rasterio numpy scipy); the Rust build and tests do not need it.

A scenario is a folder with licence.json, before.tif and after.tif (float32, Deflate, floating-point
predictor, tiled) holding: rolling karst terrain, a licensed quarry with benches already cut, this
period's benched extension (10 m benches), an out-of-bounds dig, a dig below the licensed floor, one
single high wall (25 m, the "一面墙" the benching rule forbids), survey noise, nodata holes, and
optionally an after survey on a misaligned grid (other cell size and origin, and the other zone-prefix
convention: EPSG:4546 instead of EPSG:4525).

    python3 bench/survey/scenario.py OUT_DIR [--size N] [--cell 0.5] [--misaligned] [--seed 1]
"""
import argparse
import json
import os

import numpy as np
import rasterio
from rasterio.transform import from_origin

ZONE_PREFIX = 37_000_000.0
LEFT, TOP = 373_000.0, 2_708_800.0  # without the zone prefix


def terrain(x, y, extent):
    """Rolling karst hills, metres (x, y relative to the scene's south-west corner)."""
    s = extent / 500.0
    z = 260.0 + 30.0 * np.sin(x / (95.0 * s)) * np.cos(y / (70.0 * s))
    z += 45.0 * np.exp(-(((x - 0.55 * extent) ** 2 + (y - 0.5 * extent) ** 2) / (2 * (0.18 * extent) ** 2)))
    z += 6.0 * np.sin(x / (13.0 * s) + y / (17.0 * s))
    return z


def licence_polygon(extent):
    """An irregular hexagon around the scene's centre, as (x, y) relative coordinates."""
    e = extent
    return [(0.22 * e, 0.25 * e), (0.70 * e, 0.20 * e), (0.82 * e, 0.45 * e),
            (0.75 * e, 0.78 * e), (0.40 * e, 0.82 * e), (0.18 * e, 0.55 * e)]


def benches(u, base, step_len, face_deg=70.0, height=10.0):
    """Bench profile along u >= 0: each bench rises `height` m at `face_deg`, then a flat berm."""
    u = np.clip(u, 0, None)
    k = np.floor(u / step_len)
    f = u - k * step_len
    return base + height * k + np.minimum(height, f * np.tan(np.radians(face_deg)))


def surfaces(x, y, extent, floor):
    """The before and after surfaces (without noise) at relative coordinates x, y."""
    natural = terrain(x, y, extent)
    cx, cy = 0.5 * extent, 0.5 * extent
    r = np.hypot(x - cx, y - cy)
    # The old quarry: 70° benches, 10 m high, stepping down to 275 m at its centre.
    before = np.minimum(natural, benches(r - 0.06 * extent, 275.0, 0.025 * extent))
    after = before.copy()
    # This period: the benches extended east, two benches deeper.
    east = (x > cx) & (r < 0.2 * extent)
    after = np.where(east, np.minimum(after, benches(r - 0.08 * extent, 255.0, 0.03 * extent)), after)
    # Below the floor: a sump in the pit bottom dug to floor - 6 m.
    sump = (np.abs(x - (cx + 0.03 * extent)) < 0.025 * extent) & (np.abs(y - (cy - 0.02 * extent)) < 0.02 * extent)
    after = np.where(sump, np.minimum(after, floor - 6.0), after)
    # One single high wall: a level cut into the western hillside leaving one 75° face of about 25 m.
    x_wall, y_wall = 0.30 * extent, 0.62 * extent
    level = terrain(np.float64(x_wall), np.float64(y_wall), extent) - 25.0
    band = (np.abs(y - y_wall) < 0.04 * extent) & (x > 0.24 * extent) & (x < 0.40 * extent)
    face = level + np.clip(x_wall - x, 0, None) * np.tan(np.radians(75.0))
    after = np.where(band, np.minimum(after, face), after)
    # Out of bounds: a 3 m dig south of the licence.
    oob = (np.abs(x - 0.45 * extent) < 0.04 * extent) & (np.abs(y - 0.10 * extent) < 0.03 * extent)
    after = np.where(oob, after - 3.0, after)
    return before, after


def write(path, values, left, top, cell, epsg, nodata=-9999.0):
    h, w = values.shape
    block = 512 if min(w, h) >= 1024 else 256
    profile = dict(driver="GTiff", width=w, height=h, count=1, dtype="float32", nodata=nodata,
                   crs=f"EPSG:{epsg}", transform=from_origin(left, top, cell, cell), compress="deflate",
                   predictor=3, tiled=True, blockxsize=block, blockysize=block, BIGTIFF="IF_SAFER")
    with rasterio.open(path, "w", **profile) as out:
        out.write(np.where(np.isnan(values), nodata, values).astype("float32"), 1)


def grid(size, cell, shift=0.0):
    """Relative cell-centre coordinates of a size x size grid (y up), row-major like a raster."""
    centres = (np.arange(size) + 0.5) * cell + shift
    x = centres[np.newaxis, :]
    y = (size * cell - centres)[:, np.newaxis]
    return np.broadcast_to(x, (size, size)), np.broadcast_to(y, (size, size))


def holes(values, rng, count, extent, cell, shift=0.0):
    size = values.shape[0]
    x, y = grid(size, cell, shift)
    for _ in range(count):
        hx, hy, hr = rng.uniform(0, extent), rng.uniform(0, extent), rng.uniform(0.005, 0.015) * extent
        values[np.hypot(x - hx, y - hy) < hr] = np.nan


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--cell", type=float, default=0.5)
    parser.add_argument("--misaligned", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-noise", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    size, cell = args.size, args.cell
    extent = size * cell
    floor = 250.0
    noise = 0.0 if args.no_noise else 0.04

    x, y = grid(size, cell)
    before, after = surfaces(x, y, extent, floor)
    before = before + rng.normal(0, noise, before.shape)
    holes(before, rng, 3, extent, cell)
    write(os.path.join(args.out, "before.tif"), before, ZONE_PREFIX + LEFT, TOP, cell, 4525)

    if args.misaligned:
        # The after survey: 20 % coarser cells, shifted origin, published without the zone prefix.
        a_cell = cell * 1.2
        a_size = int(np.ceil(extent / a_cell)) + 2
        west, north = -0.37 * a_cell, 0.23 * a_cell  # the after grid starts west and north of the before
        centres = (np.arange(a_size) + 0.5) * a_cell
        ax = np.broadcast_to((west + centres)[np.newaxis, :], (a_size, a_size))
        ay = np.broadcast_to((extent + north - centres)[:, np.newaxis], (a_size, a_size))
        _, a_values = surfaces(ax, ay, extent, floor)
        a_values = a_values + rng.normal(0, noise, a_values.shape)
        for _ in range(3):
            hx, hy, hr = rng.uniform(0, extent), rng.uniform(0, extent), rng.uniform(0.005, 0.015) * extent
            a_values[np.hypot(ax - hx, ay - hy) < hr] = np.nan
        write(os.path.join(args.out, "after.tif"), a_values, LEFT + west, TOP + north, a_cell, 4546)
    else:
        after = after + rng.normal(0, noise, after.shape)
        holes(after, rng, 3, extent, cell)
        write(os.path.join(args.out, "after.tif"), after, ZONE_PREFIX + LEFT, TOP, cell, 4525)

    bottom = TOP - extent
    points = [(bottom + py, ZONE_PREFIX + LEFT + px) for px, py in licence_polygon(extent)]
    boundary = "\n".join(f"J{i + 1}, {n:.2f}, {e:.2f}" for i, (n, e) in enumerate(points))
    licence = {
        "licence_no": "C4502232009127130012001", "mine_name": "鹿寨县示例建筑石料用灰岩矿",
        "mineral": "建筑石料用灰岩", "method": "open_pit", "crs": "EPSG:4525", "boundary": boundary,
        "elevation_top_m": 330.0, "elevation_floor_m": floor, "annual_output_10kt": 300.0,
        "density_t_m3": 2.68, "valid_from": "2021-03-01", "valid_to": "2027-02-28",
    }
    with open(os.path.join(args.out, "licence.json"), "w", encoding="utf-8") as f:
        json.dump(licence, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
