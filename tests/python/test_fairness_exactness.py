"""aims eval fairness against Fairlearn and scikit-learn on generated data.

Every group metric and every disparity must equal the reference implementation to 1e-9
relative. AIMS_BIN names the aims binary.
"""

import json
import math
import os
import subprocess

import numpy as np
import pandas as pd
import pytest
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
from sklearn.metrics import accuracy_score, precision_score, roc_auc_score

AIMS = os.environ.get("AIMS_BIN", "target/debug/aims")
SENSITIVE = ["skin_tone", "clothing"]


def fixture(rows: int, seed: int) -> pd.DataFrame:
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


def run_aims(path, *extra):
    out = subprocess.run(
        [AIMS, "eval", "fairness", "--input", str(path), "--label", "label", "--prediction", "prediction",
         "--sensitive", ",".join(SENSITIVE), "--format", "json", *extra],
        capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def close(ours, theirs, what):
    assert ours is not None, what
    assert math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12), f"{what}: aims {ours!r}, reference {theirs!r}"


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


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    df = fixture(20_000, seed=7)
    path = tmp_path_factory.mktemp("fairness") / "detector.csv"
    df.to_csv(path, index=False)
    return df, run_aims(path, "--score", "score")


def test_every_intersectional_group_metric(data):
    df, report = data
    frame = MetricFrame(metrics=METRICS, y_true=df.label, y_pred=df.prediction, sensitive_features=df[SENSITIVE])
    ours = {tuple(g["group"][c] for c in SENSITIVE): g for g in report["groups"]}
    assert len(ours) == len(frame.by_group) == 12
    for key, row in frame.by_group.iterrows():
        for metric in METRICS:
            close(ours[key][metric], row[metric], f"{key} {metric}")


def test_per_attribute_groups_and_overall(data):
    df, report = data
    for column in SENSITIVE:
        frame = MetricFrame(metrics=METRICS, y_true=df.label, y_pred=df.prediction, sensitive_features=df[column])
        ours = {g["group"][column]: g for g in report["by_attribute"][column]}
        for value, row in frame.by_group.iterrows():
            for metric in METRICS:
                close(ours[value][metric], row[metric], f"{column}={value} {metric}")
    for metric in METRICS:
        close(report["overall"][metric], frame.overall[metric], f"overall {metric}")


def test_disparities_between_groups(data):
    df, report = data
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


def test_roc_auc_per_group(data):
    df, report = data
    ours = {tuple(g["group"][c] for c in SENSITIVE): g for g in report["groups"]}
    for key, part in df.groupby(SENSITIVE):
        close(ours[key]["roc_auc"], roc_auc_score(part.label, part.score), f"{key} roc_auc")
    close(report["overall"]["roc_auc"], roc_auc_score(df.label, df.score), "overall roc_auc")


def test_golden_vector_of_the_reference(tmp_path):
    y = [1, 1, 0, 0, 1, 0, 1, 0] * 2
    p = [1, 1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0]
    df = pd.DataFrame({"label": y, "prediction": p, "skin_tone": ["a"] * 8 + ["b"] * 8, "clothing": ["x"] * 16})
    path = tmp_path / "golden.csv"
    df.to_csv(path, index=False)
    report = run_aims(path, "--min-group-size", "1")
    d = report["disparities"]
    close(d["demographic_parity_difference"], 0.25, "DPD")
    close(d["demographic_parity_ratio"], 0.5, "DPR")
    close(d["equalized_odds_difference"], 0.5, "EOD")
    close(d["equalized_odds_ratio"], 1 / 3, "EOR")
    close(d["equal_opportunity_ratio"], 1 / 3, "EOpR")
