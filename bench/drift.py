#!/usr/bin/env python3
"""Drift benchmark: `aims eval drift` against the same measures in numpy + SciPy.

Writes a reference and a drifted current file with the fairness benchmark's generator
(20 columns; the ten numeric features f0-f9 are compared: four shifted, three widened,
three unchanged), then times, in the same run and on the same files:
  - reading both files' bytes (the floor),
  - aims eval drift --columns f0,...,f9 (release build; peak memory and CPU time too),
  - polars reading the ten columns of both files, then per column numpy.quantile PSI,
    scipy.stats.ks_2samp, scipy.stats.wasserstein_distance and
    scipy.spatial.distance.jensenshannon (the SciPy route; its compute time alone is shown
    too),
and checks that both routes give the same figures to 1e-9. With --formats csv,parquet the
same rows are measured again as Parquet (written by polars: zstd, its default row groups),
where aims reads the typed columns and polars reads Parquet.

Each timing is the best of --repeat runs (default 3), as the machine may be shared.

Usage: bench/drift.py [--rows 1000000,10000000] [--repeat 3] [--formats csv,parquet]
Needs numpy, scipy and polars (pip install -r scripts/requirements-test.txt polars).
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import polars as pl
from scipy.spatial.distance import jensenshannon
from scipy.stats import ks_2samp, wasserstein_distance

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fairness import ROOT, best, frame, read_bytes  # noqa: E402

COLUMNS = [f"f{i}" for i in range(10)]
BINS = 10
FLOOR = 1e-4


def run_aims(aims, reference, current):
    command = ["/usr/bin/time", "-f", "%M %U %S", aims, "eval", "drift", "--reference", reference, "--current", current,
               "--columns", ",".join(COLUMNS), "--format", "json"]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    peak, user, system = out.stderr.strip().splitlines()[-1].split()
    return json.loads(out.stdout), int(peak), float(user) + float(system)  # peak RSS in KB, CPU s


def read_columns(reference, current):
    read = pl.read_parquet if reference.endswith(".parquet") else pl.read_csv
    return (read(reference, columns=COLUMNS), read(current, columns=COLUMNS))


def write(data, path):
    if path.endswith(".parquet"):
        data.write_parquet(path)
    else:
        data.write_csv(path)


def scipy_drift(ref_df, cur_df):
    results = {}
    for name in COLUMNS:
        ref, cur = ref_df[name].to_numpy(), cur_df[name].to_numpy()
        edges = np.quantile(ref, np.arange(BINS + 1) / BINS)
        rc = np.bincount(np.searchsorted(edges[1:-1], ref, side="right"), minlength=BINS)
        cc = np.bincount(np.searchsorted(edges[1:-1], cur, side="right"), minlength=BINS)
        p, q = np.maximum(rc / rc.sum(), FLOOR), np.maximum(cc / cc.sum(), FLOOR)
        ks = ks_2samp(ref, cur)
        results[name] = {
            "psi": float(np.sum((q - p) * np.log(q / p))),
            "ks_statistic": float(ks.statistic),
            "ks_pvalue": float(ks.pvalue),
            "wasserstein": float(wasserstein_distance(ref, cur)),
            "js_distance": float(jensenshannon(rc, cc, base=2)),
        }
    return results


def same_figures(report, reference):
    for column in report["columns"]:
        for key, theirs in reference[column["name"]].items():
            ours = column[key]
            if not math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12):
                raise SystemExit(f"{column['name']} {key}: aims {ours!r}, SciPy {theirs!r}")


def measure(aims, repeat, rows, fmt, reference, current):
    size = (os.path.getsize(reference) + os.path.getsize(current)) / 1e6
    t_read, _ = best(repeat, lambda: (read_bytes(reference), read_bytes(current)))
    t_aims, (report, peak, cpu) = best(repeat, lambda: run_aims(aims, reference, current))
    t_load, (ref_df, cur_df) = best(repeat, lambda: read_columns(reference, current))
    t_scipy, figures = best(repeat, lambda: scipy_drift(ref_df, cur_df))
    same_figures(report, figures)
    total = t_load + t_scipy
    print(f"| {rows:,} | {fmt} | {size:,.0f} MB | {t_read:.2f} s | {t_aims:.2f} s | {cpu:.2f} s | {t_load:.2f} s | "
          f"{t_scipy:.2f} s | {total:.2f} s | {t_scipy / t_aims:.1f}x | {total / t_aims:.1f}x | {peak / 1024:.0f} MB |")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", default="csv", help="csv, parquet or both, comma-separated")
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "aims"], cwd=ROOT, check=True)
    aims = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "aims")
    work = tempfile.mkdtemp(prefix="aims-drift-bench-")
    print(f"# Drift benchmark on {os.cpu_count()} cores: 10 numeric columns, reference vs current of the same size\n")
    print("| rows per file | format | files | read bytes | aims | aims CPU | polars read | SciPy compute | polars + SciPy | "
          "aims vs SciPy | aims vs polars + SciPy | aims peak memory |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for rows in [int(r) for r in args.rows.split(",")]:
        for fmt in args.formats.split(","):
            reference = os.path.join(work, f"reference-{rows}.{fmt}")
            current = os.path.join(work, f"current-{rows}.{fmt}")
            write(frame(rows), reference)
            write(frame(rows, seed=12, drift=0.2), current)
            measure(aims, args.repeat, rows, fmt, reference, current)
            os.remove(reference)
            os.remove(current)
    os.rmdir(work)


if __name__ == "__main__":
    main()
