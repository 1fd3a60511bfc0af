#!/usr/bin/env python3
"""Fairness benchmark: `aims eval fairness` against the tools a user would otherwise run.

Generates a deterministic evaluation file (20 columns: id, label, prediction, score, four
sensitive attributes, ten numeric and two categorical features, with a built-in bias),
as CSV and as Parquet (zstd, polars' defaults), then times, in the same run and on the
same data:
  - reading the file's bytes (the floor),
  - aims eval fairness (release build; peak memory too),
  - a hand-written polars group-by computing the same confusion counts,
  - pandas + Fairlearn's MetricFrame (skipped above --fairlearn-max-rows; it is slow),
  - on the Parquet file: aims eval fairness and the polars group-by reading Parquet.

Each time but Fairlearn's is the best of --repeat runs (default 1): polars' times vary
from run to run.

Usage: bench/fairness.py [--rows 1000000,10000000] [--fairlearn-max-rows 1000000] [--repeat 3]
Needs in the Python used to run it: numpy, polars, pandas, fairlearn, scikit-learn
(pip install -r scripts/requirements-test.txt polars).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import polars as pl

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SENSITIVE = ["skin_tone", "clothing", "age_band", "region"]


def generate(path, rows, seed=11, drift=0.0):
    """Writes the evaluation file as CSV (see `frame`)."""
    frame(rows, seed, drift).write_csv(path)


def frame(rows, seed=11, drift=0.0):
    """The evaluation data. With `drift`, the numeric features move: f0-f3 shift
    their mean by drift standard deviations, f4-f6 widen by that share, f7-f9 stay put
    (the drift benchmark's "current" file; drift=0 keeps the reference distribution)."""
    rng = np.random.default_rng(seed)
    skin = rng.choice(["light", "medium", "dark"], size=rows, p=[0.5, 0.3, 0.2])
    clothing = rng.choice(["red", "blue", "black", "hi-vis"], size=rows)
    age = rng.choice(["<25", "25-44", "45-64", "65+"], size=rows)
    region = rng.choice(["north", "south", "east", "west", "centre"], size=rows)
    label = rng.random(rows) < 0.6
    bias = np.where((skin == "dark") & (clothing == "black"), 0.35, 0.0)
    score = np.clip(label * 0.55 + rng.normal(0.25, 0.2, rows) - bias * label, 0, 1).round(4)
    columns = {
        "id": np.arange(rows),
        "label": label.astype(np.int8),
        "prediction": (score >= 0.5).astype(np.int8),
        "score": score,
        "skin_tone": skin, "clothing": clothing, "age_band": age, "region": region,
    }
    for i in range(10):
        mean, sd = i, 1 + i / 10
        if i < 4:
            mean += drift * (i + 1) / 4 * sd
        elif i < 7:
            sd *= 1 + drift
        columns[f"f{i}"] = rng.normal(mean, sd, rows).round(5)
    columns["c0"] = rng.choice(["alpha", "beta", "gamma"], size=rows)
    columns["c1"] = rng.choice(["x", "y"], size=rows)
    return pl.DataFrame(columns)


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def best(repeat, fn):
    """The fastest of `repeat` runs and the last result."""
    times, result = [], None
    for _ in range(repeat):
        elapsed, result = timed(fn)
        times.append(elapsed)
    return min(times), result


def read_bytes(path):
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def run_aims(aims, path):
    command = ["/usr/bin/time", "-f", "%M", aims, "eval", "fairness", "--input", path, "--label", "label",
               "--prediction", "prediction", "--sensitive", ",".join(SENSITIVE), "--format", "json"]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    return int(out.stderr.strip().splitlines()[-1])  # peak RSS in KB


def run_polars(path, parquet=False):
    df = pl.read_parquet(path) if parquet else pl.read_csv(path)
    return (df.group_by(SENSITIVE).agg(
        tp=((pl.col("label") == 1) & (pl.col("prediction") == 1)).sum(),
        fp=((pl.col("label") == 0) & (pl.col("prediction") == 1)).sum(),
        tn=((pl.col("label") == 0) & (pl.col("prediction") == 0)).sum(),
        fn=((pl.col("label") == 1) & (pl.col("prediction") == 0)).sum(),
    ).height)


def run_fairlearn(path):
    import pandas as pd
    from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate
    from sklearn.metrics import accuracy_score, precision_score
    df = pd.read_csv(path)
    frame = MetricFrame(
        metrics={"selection_rate": selection_rate, "accuracy": accuracy_score,
                 "precision": lambda y, p: precision_score(y, p, zero_division=0),
                 "tpr": true_positive_rate, "fpr": false_positive_rate},
        y_true=df.label, y_pred=df.prediction, sensitive_features=df[SENSITIVE])
    return frame.difference()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000000")
    parser.add_argument("--fairlearn-max-rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "aims"], cwd=ROOT, check=True)
    aims = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "aims")
    work = tempfile.mkdtemp(prefix="aims-fairness-bench-")
    print(f"# Fairness benchmark on {os.cpu_count()} cores: 20 columns, 4 sensitive attributes (240 intersectional groups)\n")
    print("| rows | file | read bytes | aims | polars group-by | pandas + Fairlearn | aims vs polars | aims vs Fairlearn | aims peak memory |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    parquet_rows = []
    for rows in [int(r) for r in args.rows.split(",")]:
        path = os.path.join(work, f"eval-{rows}.csv")
        data = frame(rows)
        data.write_csv(path)
        size = os.path.getsize(path) / 1e6
        t_read, _ = best(args.repeat, lambda: read_bytes(path))
        t_aims, peak = best(args.repeat, lambda: run_aims(aims, path))
        t_polars, _ = best(args.repeat, lambda: run_polars(path))
        if rows <= args.fairlearn_max_rows:
            t_fl, _ = timed(lambda: run_fairlearn(path))
            fl, ratio_fl = f"{t_fl:.2f} s", f"{t_fl / t_aims:.0f}x"
        else:
            fl, ratio_fl = "skipped", "—"
        print(f"| {rows:,} | {size:,.0f} MB | {t_read:.2f} s | {t_aims:.2f} s | {t_polars:.2f} s | {fl} | "
              f"{t_polars / t_aims:.1f}x | {ratio_fl} | {peak / 1024:.0f} MB |")
        sys.stdout.flush()
        os.remove(path)
        parquet = os.path.join(work, f"eval-{rows}.parquet")
        data.write_parquet(parquet)
        del data
        t_read, _ = best(args.repeat, lambda: read_bytes(parquet))
        t_aims, peak = best(args.repeat, lambda: run_aims(aims, parquet))
        t_polars, _ = best(args.repeat, lambda: run_polars(parquet, parquet=True))
        parquet_rows.append(f"| {rows:,} | {os.path.getsize(parquet) / 1e6:,.0f} MB | {t_read:.2f} s | {t_aims:.2f} s | "
                            f"{t_polars:.2f} s | {t_polars / t_aims:.1f}x | {peak / 1024:.0f} MB |")
        os.remove(parquet)
    print("\nParquet (zstd):\n")
    print("| rows | file | read bytes | aims | polars group-by | aims vs polars | aims peak memory |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(parquet_rows))
    os.rmdir(work)

if __name__ == "__main__":
    main()
