"""Checks that `orewatch survey compare` and the independent numpy implementation agree on generated
scenarios: within 0.1 % on aligned grids and 2 % on misaligned ones (figures smaller than a few cells are
compared with an absolute tolerance of two cells' worth instead); and that both find no change and every
valid cell when a DEM is compared with itself at 0.02, 0.1 and 0.3 m cells.

    python3 bench/survey/agree.py [--size 1000] [--keep DIR]

Exit 0 when every figure agrees. Optional tooling: needs rasterio, numpy, scipy, and a release build
(`cargo build --release -p orewatch`).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ENGINE = os.path.join(ROOT, "target", "release", "orewatch")
PERIOD = "2025-01-01..2025-04-01"


def figures(report):
    """The compared figures, by name."""
    out = {}
    for region in ("inside", "outside"):
        for key in ("cut_m3", "fill_m3", "cut_area_m2", "fill_area_m2", "valid_area_m2"):
            out[f"{region}.{key}"] = report[region][key]
    out["nodata_area_m2"] = report["nodata_area_m2"]
    for key in ("area_m2", "volume_m3", "lowest_elevation_m"):
        out[f"below_floor.{key}"] = report["below_floor"][key]
    out["production.extracted_t"] = report["production"]["extracted_t"]
    out["production.ratio"] = report["production"]["ratio"]
    out["outside_patches.count"] = len(report["outside_patches"])
    for i, p in enumerate(report["outside_patches"]):
        out[f"outside_patches[{i}].area_m2"] = p["area_m2"]
        out[f"outside_patches[{i}].cut_m3"] = p["cut_m3"]
    out["faces.count"] = len(report["faces"])
    out["faces.exceeding"] = sum(1 for f in report["faces"] if f["exceeds"])
    for i, f in enumerate(report["faces"]):
        out[f"faces[{i}].height_m"] = f["height_m"]
        out[f"faces[{i}].area_m2"] = f["area_m2"]
    return out


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{result.stderr}")
    return json.loads(result.stdout)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, default=1000)
    p.add_argument("--keep")
    args = p.parse_args()
    work = args.keep or tempfile.mkdtemp(prefix="orewatch-agree-")
    failures = 0
    for name, misaligned, tolerance in (("aligned", False, 0.001), ("misaligned", True, 0.02)):
        folder = os.path.join(work, name)
        gen = [sys.executable, os.path.join(HERE, "scenario.py"), folder, "--size", str(args.size)]
        subprocess.run(gen + (["--misaligned"] if misaligned else []), check=True)
        files = ["--licence", f"{folder}/licence.json", "--before", f"{folder}/before.tif",
                 "--after", f"{folder}/after.tif", "--period", PERIOD]
        engine = figures(run([ENGINE, "survey", "compare", "--format", "json"] + files))
        reference = figures(run([sys.executable, os.path.join(HERE, "reference.py")] + files))
        cell_area = (0.5 ** 2)
        print(f"== {name} ({args.size}²): tolerance {tolerance:.1%}")
        for key in sorted(set(engine) | set(reference)):
            a, b = engine.get(key), reference.get(key)
            if a is None or b is None:
                ok = a == b
            else:
                slack = 2 * cell_area * (10 if "m3" in key else 1) if ("m2" in key or "m3" in key) else 0
                ok = abs(a - b) <= max(tolerance * abs(b), slack, 1e-9)
            failures += not ok
            print(f"  {'ok ' if ok else 'BAD'} {key:32} engine {a!s:>22}  numpy {b!s:>22}")
    # A DEM compared with itself at cell sizes that are not binary fractions: both implementations must
    # find no change and keep every valid cell (grids aligned to within 1e-4 of a cell are matched by
    # index, not resampled).
    import numpy as np
    import rasterio
    for cell in (0.02, 0.1, 0.3):
        folder = os.path.join(work, f"itself-{cell}")
        size = min(args.size, 600)
        subprocess.run([sys.executable, os.path.join(HERE, "scenario.py"), folder, "--size", str(size),
                        "--cell", str(cell)], check=True)
        files = ["--licence", f"{folder}/licence.json", "--before", f"{folder}/before.tif",
                 "--after", f"{folder}/before.tif", "--period", PERIOD]
        with rasterio.open(f"{folder}/before.tif") as ds:
            valid = int(np.count_nonzero(~ds.read(1, masked=True).mask)) * cell * cell
        engine = figures(run([ENGINE, "survey", "compare", "--format", "json"] + files))
        reference = figures(run([sys.executable, os.path.join(HERE, "reference.py")] + files))
        print(f"== a DEM compared with itself, {cell} m cells ({size}²): {valid:.4f} m² valid")
        for label, f in (("engine", engine), ("numpy", reference)):
            got = f["inside.valid_area_m2"] + f["outside.valid_area_m2"]
            moved = f["inside.cut_m3"] + f["inside.fill_m3"] + f["outside.cut_m3"] + f["outside.fill_m3"]
            ok = abs(got - valid) <= 1e-9 * valid and moved == 0
            failures += not ok
            print(f"  {'ok ' if ok else 'BAD'} {label:6} valid {got:.4f} m², cut + fill {moved} m³")
    print("agree" if failures == 0 else f"{failures} figure(s) disagree")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
