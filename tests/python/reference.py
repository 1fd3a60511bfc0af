"""What the exactness suites share: running aims, the reference computations of Fairlearn,
scikit-learn, numpy and SciPy, and the comparisons to 1e-9 relative.

The suites run `aims eval` on files in every input format aims reads (CSV, and Parquet
written by pyarrow) and check each report with the functions here. AIMS_BIN names the aims
binary.
"""

import json
import math
import os
import subprocess

import numpy as np
import pandas as pd
from fairlearn.metrics import (
    MetricFrame,
    count,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equal_opportunity_ratio,
    equalized_odds_difference,
    equalized_odds_ratio,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_negative_rate,
    true_positive_rate,
)
from scipy.spatial.distance import jensenshannon
from scipy.stats import chi2_contingency, ks_2samp, wasserstein_distance
from sklearn.metrics import accuracy_score, precision_score, roc_auc_score

AIMS = os.path.abspath(os.environ.get("AIMS_BIN", "target/debug/aims"))


def close(ours, theirs, what):
    assert ours is not None, what
    assert math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12), f"{what}: aims {ours!r}, reference {theirs!r}"


# ---- fairness ---------------------------------------------------------------------------

SENSITIVE = ["skin_tone", "clothing"]

METRICS = {
    "count": count,
    "selection_rate": selection_rate,
    "accuracy": accuracy_score,
    "precision": lambda y, p: precision_score(y, p, zero_division=0),
    "tpr": true_positive_rate,
    "fpr": false_positive_rate,
    "fnr": false_negative_rate,
    "tnr": true_negative_rate,
}


def fairness_fixture(rows: int, seed: int) -> pd.DataFrame:
    """A person detector's evaluation: detection is worse for dark skin in dark clothing."""
    rng = np.random.default_rng(seed)
    skin = rng.choice(["light", "medium", "dark"], size=rows, p=[0.5, 0.3, 0.2])
    clothing = rng.choice(["red", "blue", "black", "hi-vis"], size=rows)
    label = rng.random(rows) < 0.6
    bias = np.where((skin == "dark") & (clothing == "black"), 0.35, 0.0)
    score = np.clip(label * 0.55 + rng.normal(0.25, 0.2, rows) - bias * label, 0, 1).round(4)
    prediction = score >= 0.5
    return pd.DataFrame({
        "id": np.arange(rows),
        "label": label.astype(int),
        "prediction": prediction.astype(int),
        "score": score,
        "skin_tone": skin,
        "clothing": clothing,
    })


def run_fairness(path, *extra):
    out = subprocess.run(
        [AIMS, "eval", "fairness", "--input", str(path), "--label", "label", "--prediction", "prediction",
         "--sensitive", ",".join(SENSITIVE), "--format", "json", *extra],
        capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def check_intersectional_groups(df, report):
    frame = MetricFrame(metrics=METRICS, y_true=df.label, y_pred=df.prediction, sensitive_features=df[SENSITIVE])
    ours = {tuple(g["group"][c] for c in SENSITIVE): g for g in report["groups"]}
    assert len(ours) == len(frame.by_group) == 12
    for key, row in frame.by_group.iterrows():
        for metric in METRICS:
            close(ours[key][metric], row[metric], f"{key} {metric}")


def check_attributes_and_overall(df, report):
    for column in SENSITIVE:
        frame = MetricFrame(metrics=METRICS, y_true=df.label, y_pred=df.prediction, sensitive_features=df[column])
        ours = {g["group"][column]: g for g in report["by_attribute"][column]}
        for value, row in frame.by_group.iterrows():
            for metric in METRICS:
                close(ours[value][metric], row[metric], f"{column}={value} {metric}")
    for metric in METRICS:
        close(report["overall"][metric], frame.overall[metric], f"overall {metric}")


def check_disparities(df, report):
    args = dict(y_true=df.label, y_pred=df.prediction, sensitive_features=df[SENSITIVE])
    expected = {
        "demographic_parity_difference": demographic_parity_difference(**args),
        "demographic_parity_ratio": demographic_parity_ratio(**args),
        "equalized_odds_difference": equalized_odds_difference(**args),
        "equalized_odds_ratio": equalized_odds_ratio(**args),
        "equal_opportunity_difference": equal_opportunity_difference(**args),
        "equal_opportunity_ratio": equal_opportunity_ratio(**args),
    }
    for name, value in expected.items():
        close(report["disparities"][name], value, name)
    assert report["four_fifths"]["verdict"] == ("pass" if expected["demographic_parity_ratio"] >= 0.8 else "fail")


def check_roc_auc(df, report):
    ours = {tuple(g["group"][c] for c in SENSITIVE): g for g in report["groups"]}
    for key, part in df.groupby(SENSITIVE):
        close(ours[key]["roc_auc"], roc_auc_score(part.label, part.score), f"{key} roc_auc")
    close(report["overall"]["roc_auc"], roc_auc_score(df.label, df.score), "overall roc_auc")


def check_fairness(df, report):
    """Every metric of a report run with `--score score` on `df`."""
    check_intersectional_groups(df, report)
    check_attributes_and_overall(df, report)
    check_disparities(df, report)
    check_roc_auc(df, report)


# ---- drift ------------------------------------------------------------------------------

BINS = 10
FLOOR = 1e-4


def run_drift(reference, current, *extra):
    out = subprocess.run(
        [AIMS, "eval", "drift", "--reference", str(reference), "--current", str(current), "--format", "json", *extra],
        capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def write_csv(df, path):
    # Floats are written with their shortest round-trip form, so aims reads the same doubles.
    df.to_csv(path, index=False, na_rep="")
    return path


def psi(p, q, floor=FLOOR):
    p, q = np.maximum(p, floor), np.maximum(q, floor)
    return float(np.sum((q - p) * np.log(q / p)))


def check_numeric(column, ref, cur, bins=BINS):
    ref = ref[~np.isnan(ref)]
    cur = cur[~np.isnan(cur)]
    name = column["name"]
    assert column["kind"] == "numeric", name
    assert column["reference_count"] == len(ref) and column["current_count"] == len(cur), name
    edges = np.quantile(ref, np.arange(bins + 1) / bins)
    for i, (ours, theirs) in enumerate(zip(column["histogram"]["edges"], edges)):
        close(ours, theirs, f"{name} edge {i}")
    ref_counts = np.bincount(np.searchsorted(edges[1:-1], ref, side="right"), minlength=bins)
    cur_counts = np.bincount(np.searchsorted(edges[1:-1], cur, side="right"), minlength=bins)
    ref_shares, cur_shares = ref_counts / ref_counts.sum(), cur_counts / cur_counts.sum()
    for i in range(bins):
        close(column["histogram"]["reference"][i], ref_shares[i], f"{name} reference share {i}")
        close(column["histogram"]["current"][i], cur_shares[i], f"{name} current share {i}")
    close(column["psi"], psi(ref_shares, cur_shares), f"{name} psi")
    ks = ks_2samp(ref, cur)
    close(column["ks_statistic"], ks.statistic, f"{name} ks statistic")
    close(column["ks_pvalue"], ks.pvalue, f"{name} ks p-value")
    w = wasserstein_distance(ref, cur)
    close(column["wasserstein"], w, f"{name} wasserstein")
    if np.std(ref) > 0:
        close(column["wasserstein_normed"], w / np.std(ref), f"{name} wasserstein normed")
    close(column["js_distance"], jensenshannon(ref_counts, cur_counts, base=2), f"{name} js")
    return ks


def check_categorical(column, ref, cur):
    ref = ref[~pd.isna(ref)]
    cur = cur[~pd.isna(cur)]
    name = column["name"]
    assert column["kind"] == "categorical", name
    categories = sorted(set(ref) | set(cur))
    assert column["histogram"]["categories"] == categories, name
    rc = np.array([np.sum(ref == c) for c in categories])
    cc = np.array([np.sum(cur == c) for c in categories])
    close(column["psi"], psi(rc / rc.sum(), cc / cc.sum()), f"{name} psi")
    close(column["js_distance"], jensenshannon(rc, cc, base=2), f"{name} js")
    statistic, pvalue, dof, _ = chi2_contingency(np.array([rc, cc]), correction=False)
    close(column["chi2_statistic"], statistic, f"{name} chi2")
    close(column["chi2_pvalue"], pvalue, f"{name} chi2 p-value")
    assert column["chi2_dof"] == dof, name


def with_missing(rng, values, share):
    values = values.astype(float)
    values[rng.random(len(values)) < share] = np.nan
    return values
