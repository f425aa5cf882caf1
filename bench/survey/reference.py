"""An independent implementation of `orewatch survey compare`'s definitions, with rasterio, numpy and
scipy, written from the definitions (crates/spatial/src/compare.rs module docs), not from the Rust code.

Optional tooling (pip install rasterio numpy scipy). It holds both rasters in memory: it is the
yardstick for correctness and for the speed comparison, not a production path.

    python3 bench/survey/reference.py --licence L.json --before B.tif --after A.tif --period S..E [thresholds]

Prints the report JSON (the figures only: no findings text, no hashes).
"""
import argparse
import datetime
import json
import re

import numpy as np
import rasterio
from rasterio import features
from scipy import ndimage

EPSG_3DEG_PREFIXED = range(4513, 4534)  # zones 25-45
EPSG_3DEG_PLAIN = range(4534, 4555)


def false_easting(epsg):
    """False easting of a CGCS2000 3-degree Gauss-Kruger EPSG code (zone prefix or not)."""
    if epsg in EPSG_3DEG_PREFIXED:
        return (epsg - 4513 + 25) * 1e6 + 500_000.0
    if epsg in EPSG_3DEG_PLAIN:
        return 500_000.0
    raise SystemExit(f"reference: unsupported EPSG {epsg}")


def central_meridian(epsg):
    zone = epsg - 4513 + 25 if epsg in EPSG_3DEG_PREFIXED else epsg - 4534 + 25
    return zone * 3


def read(path):
    with rasterio.open(path) as ds:
        values = ds.read(1).astype(np.float64)
        if ds.nodata is not None:
            if np.isnan(ds.nodata):
                pass
            else:
                values[values == ds.nodata] = np.nan
        return values, ds.transform, ds.crs.to_epsg()


def parse_boundary(text):
    """Corner points `name, X(northing), Y(easting)` per line; returns one ring of (easting, northing)."""
    ring = []
    for line in text.splitlines():
        numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", line.split(",", 1)[-1])]
        if len(numbers) >= 2:
            x_north, y_east = numbers[-2], numbers[-1]
            if x_north > y_east:  # swapped columns
                x_north, y_east = y_east, x_north
            ring.append((y_east, x_north))
    return ring


def axis_samples(f, n):
    """Bilinear sampling of positions f (source cell units, 0 = centre of cell 0) on n cells.
    Returns (i0, t, ok): weight t on i0 + 1; a zero weight does not use i0 + 1."""
    f = np.where(np.abs(f - np.round(f)) < 1e-9, np.round(f), f)
    i0 = np.floor(f)
    t = f - i0
    i0 = i0.astype(np.int64)
    ok = (i0 >= 0) & np.where(t == 0, i0 < n, i0 + 1 < n)
    return np.clip(i0, 0, n - 1), t, ok


ALIGN_TOLERANCE_CELLS = 1e-4


def aligned_samples(before_cell, after_cell, shift, n_before, n_after):
    """On an aligned axis (the same cell size, origins a whole number of cells apart to within 1e-4 of
    a cell) cells are matched by index, with no interpolation; otherwise None."""
    if abs(before_cell / after_cell - 1.0) >= 1e-9 or abs(shift - round(shift)) >= ALIGN_TOLERANCE_CELLS:
        return None
    i = np.arange(n_before) + int(round(shift))
    ok = (i >= 0) & (i < n_after)
    return np.clip(i, 0, n_after - 1), np.zeros(n_before), ok


def resample(after, a_transform, b_shape, b_transform, easting_offset):
    """After values at before-grid cell centres; x_before = x_after + easting_offset."""
    h, w = b_shape
    xs = b_transform.c + (np.arange(w) + 0.5) * b_transform.a - easting_offset
    ys = b_transform.f + (np.arange(h) + 0.5) * b_transform.e
    fx = (xs - a_transform.c) / a_transform.a - 0.5
    fy = (ys - a_transform.f) / a_transform.e - 0.5
    ah, aw = after.shape
    ix, tx, okx = aligned_samples(b_transform.a, a_transform.a, (b_transform.c - easting_offset - a_transform.c)
                                  / a_transform.a, w, aw) or axis_samples(fx, aw)
    iy, ty, oky = aligned_samples(b_transform.e, a_transform.e, (b_transform.f - a_transform.f) / a_transform.e,
                                  h, ah) or axis_samples(fy, ah)
    ix1 = np.clip(ix + 1, 0, aw - 1)
    iy1 = np.clip(iy + 1, 0, ah - 1)
    tx2, ty2 = tx[np.newaxis, :], ty[:, np.newaxis]
    a = after[np.ix_(iy, ix)]
    b = np.where(tx2 == 0, 0.0, after[np.ix_(iy, ix1)])
    c = np.where(ty2 == 0, 0.0, after[np.ix_(iy1, ix)])
    d = np.where((tx2 == 0) | (ty2 == 0), 0.0, after[np.ix_(iy1, ix1)])
    top = np.where(tx2 == 0, a, a + (b - a) * tx2)
    bottom = np.where(tx2 == 0, c, c + (d - c) * tx2)
    out = np.where(ty2 == 0, top, top + (bottom - top) * ty2)
    out[~(oky[:, np.newaxis] & okx[np.newaxis, :])] = np.nan
    return out


def horn_slope_deg(z, cx, cy):
    s = np.full(z.shape, np.nan)
    a, b, c = z[:-2, :-2], z[:-2, 1:-1], z[:-2, 2:]
    d, e, f = z[1:-1, :-2], z[1:-1, 1:-1], z[1:-1, 2:]
    g, h, i = z[2:, :-2], z[2:, 1:-1], z[2:, 2:]
    dzdx = ((c + 2 * f + i) - (a + 2 * d + g)) / (8 * cx)
    dzdy = ((g + 2 * h + i) - (a + 2 * b + c)) / (8 * cy)
    slope = np.degrees(np.arctan(np.hypot(dzdx, dzdy)))
    slope[np.isnan(e)] = np.nan
    s[1:-1, 1:-1] = slope
    return s


EIGHT = np.ones((3, 3), dtype=bool)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--licence", required=True)
    p.add_argument("--before", required=True)
    p.add_argument("--after", required=True)
    p.add_argument("--period", required=True)
    p.add_argument("--min-change", type=float, default=0.5)
    p.add_argument("--min-patch-area", type=float, default=100.0)
    p.add_argument("--face-slope", type=float, default=60.0)
    p.add_argument("--max-face-height", type=float, default=15.0)
    p.add_argument("--min-face-area", type=float, default=20.0)
    args = p.parse_args()
    with open(args.licence, encoding="utf-8") as f:
        lic = json.load(f)
    start, end = (datetime.date.fromisoformat(s) for s in args.period.split(".."))
    days = (end - start).days

    before, bt, b_epsg = read(args.before)
    after, at, a_epsg = read(args.after)
    if central_meridian(a_epsg) != central_meridian(b_epsg):
        raise SystemExit("reference: surveys in different zones")
    after_offset = false_easting(b_epsg) - false_easting(a_epsg)
    l_epsg = int(lic["crs"].split(":")[1])
    a_res = resample(after, at, before.shape, bt, after_offset)
    cell_area = bt.a * -bt.e

    # Licence polygon in before coordinates; eastings >= 1e7 carry the zone prefix.
    ring = parse_boundary(lic["boundary"])
    ring = [((e - (e // 1e6) * 1e6 if e >= 1e7 else e) + false_easting(b_epsg) - 500_000.0, n) for e, n in ring]
    inside = features.rasterize([({"type": "Polygon", "coordinates": [ring + [ring[0]]]}, 1)],
                                out_shape=before.shape, transform=bt, fill=0, all_touched=False).astype(bool)
    del l_epsg

    valid = ~np.isnan(before) & ~np.isnan(a_res)
    d = np.where(valid, a_res - before, 0.0)
    cut = valid & (d <= -args.min_change)
    fill = valid & (d >= args.min_change)

    def region(mask):
        return {
            "cut_m3": float(-d[cut & mask].sum() * cell_area),
            "fill_m3": float(d[fill & mask].sum() * cell_area),
            "cut_area_m2": float((cut & mask).sum() * cell_area),
            "fill_area_m2": float((fill & mask).sum() * cell_area),
            "valid_area_m2": float((valid & mask).sum() * cell_area),
        }

    floor = lic["elevation_floor_m"]
    below = inside & cut & (a_res < floor - args.min_change)
    inside_valid = inside & valid
    below_floor = {
        "floor_m": floor,
        "area_m2": float(below.sum() * cell_area),
        "volume_m3": float(((np.minimum(before, floor) - a_res)[below]).sum() * cell_area),
        "lowest_elevation_m": float(a_res[inside_valid].min()) if inside_valid.any() else None,
    }
    inside_r, outside_r = region(inside), region(~inside)
    extracted = inside_r["cut_m3"] * lic["density_t_m3"]
    permitted = lic["annual_output_10kt"] * 1e4 * days / 365.0

    rows, cols = np.indices(before.shape)
    x_c = bt.c + (cols + 0.5) * bt.a
    y_c = bt.f + (rows + 0.5) * bt.e

    out_cut = cut & ~inside
    labels, n = ndimage.label(out_cut, structure=EIGHT)
    patches = []
    if n:
        idx = np.arange(1, n + 1)
        counts = ndimage.sum(np.ones_like(d), labels, idx)
        cut_sum = ndimage.sum(-d, labels, idx)
        depth = ndimage.maximum(-d, labels, idx)
        cx_mean = ndimage.mean(x_c, labels, idx)
        cy_mean = ndimage.mean(y_c, labels, idx)
        for k in range(n):
            if counts[k] * cell_area >= args.min_patch_area - 1e-9 * cell_area:
                patches.append({"area_m2": float(counts[k] * cell_area), "cut_m3": float(cut_sum[k] * cell_area),
                                "max_depth_m": float(depth[k]), "centroid": [float(cx_mean[k]), float(cy_mean[k])]})
    patches.sort(key=lambda p: -p["cut_m3"])

    slope = horn_slope_deg(a_res, bt.a, -bt.e)
    face_cells = np.nan_to_num(slope, nan=-1.0) >= args.face_slope
    labels, n = ndimage.label(face_cells, structure=EIGHT)
    faces = []
    if n:
        idx = np.arange(1, n + 1)
        counts = ndimage.sum(np.ones_like(d), labels, idx)
        cut_counts = ndimage.sum(cut.astype(float), labels, idx)
        zmax = ndimage.maximum(a_res, labels, idx)
        zmin = ndimage.minimum(a_res, labels, idx)
        mean_slope = ndimage.mean(slope, labels, idx)
        cx_mean = ndimage.mean(x_c, labels, idx)
        cy_mean = ndimage.mean(y_c, labels, idx)
        for k in range(n):
            area = counts[k] * cell_area
            if area >= args.min_face_area - 1e-9 * cell_area and 2 * cut_counts[k] >= counts[k]:
                height = float(zmax[k] - zmin[k])
                faces.append({"height_m": height, "area_m2": float(area), "mean_slope_deg": float(mean_slope[k]),
                              "cut_share": float(cut_counts[k] / counts[k]),
                              "centroid": [float(cx_mean[k]), float(cy_mean[k])],
                              "exceeds": height > args.max_face_height})
    faces.sort(key=lambda f: -f["height_m"])

    print(json.dumps({
        "schema": "orewatch.survey-compare/1",
        "period": {"start": str(start), "end": str(end), "days": days},
        "inside": inside_r, "outside": outside_r,
        "nodata_area_m2": float((~valid).sum() * cell_area),
        "below_floor": below_floor,
        "production": {"density_t_m3": lic["density_t_m3"], "extracted_t": extracted, "permitted_t": permitted,
                       "ratio": extracted / permitted},
        "outside_patches": patches, "faces": faces,
    }, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
