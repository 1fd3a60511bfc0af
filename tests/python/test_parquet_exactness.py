"""aims eval on Parquet written by pyarrow, against the same references as for CSV.

The fairness fixture of test_fairness_exactness.py, written as Parquet with Snappy and with
zstd, must give every metric equal to Fairlearn and scikit-learn to 1e-9 relative; and a
drift report on Parquet files (typed columns, nulls, several row groups) must equal numpy and
SciPy the same way. AIMS_BIN names the aims binary; the references are in reference.py.
"""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from reference import (
    check_categorical,
    check_fairness,
    check_numeric,
    fairness_fixture,
    run_drift,
    run_fairness,
    with_missing,
)


def write_parquet(df, path, compression, row_group_size=None):
    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, path, compression=compression, row_group_size=row_group_size)
    assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == compression.upper()
    return path


@pytest.mark.parametrize("compression", ["snappy", "zstd"])
def test_fairness_on_parquet_equals_fairlearn(tmp_path, compression):
    df = fairness_fixture(20_000, seed=7)
    path = write_parquet(df, tmp_path / f"detector.{compression}.parquet", compression, row_group_size=6_000)
    assert pq.ParquetFile(path).metadata.num_row_groups == 4
    schema = pq.read_schema(path)
    assert schema.field("label").type == pa.int64() and schema.field("score").type == pa.float64()
    report = run_fairness(path, "--score", "score")
    assert report["rows"] == len(df)
    check_fairness(df, report)


def test_drift_on_parquet_equals_scipy(tmp_path):
    rng = np.random.default_rng(19)
    # Over 16,384 values in all: the bucketed path, not the one that sorts both samples.
    n, m = 12_000, 9_000
    ref = pd.DataFrame({
        "income": rng.normal(50, 10, n).round(3),
        "age": rng.integers(18, 70, n),
        "score": with_missing(rng, rng.gamma(2.0, 1.0, n).round(4), 0.05),
        "channel": rng.choice(["web", "app", "branch", None], n, p=[0.5, 0.3, 0.15, 0.05]),
    })
    cur = pd.DataFrame({
        "income": rng.normal(53, 12, m).round(3),
        "age": rng.integers(20, 75, m),
        "score": with_missing(rng, rng.gamma(2.2, 1.0, m).round(4), 0.1),
        "channel": rng.choice(["web", "app", "chat", None], m, p=[0.4, 0.4, 0.1, 0.1]),
    })
    report = run_drift(write_parquet(ref, tmp_path / "ref.parquet", "zstd", row_group_size=4_000),
                       write_parquet(cur, tmp_path / "cur.parquet", "snappy", row_group_size=2_500))
    assert report["reference_rows"] == n and report["current_rows"] == m
    columns = {c["name"]: c for c in report["columns"]}
    for name in ["income", "age", "score"]:
        check_numeric(columns[name], ref[name].to_numpy(float), cur[name].to_numpy(float))
    assert columns["score"]["reference_missing"] == int(ref.score.isna().sum())
    check_categorical(columns["channel"], ref.channel.to_numpy(object), cur.channel.to_numpy(object))
    assert columns["channel"]["current_missing"] == int(cur.channel.isna().sum())
