"""aims eval fairness against Fairlearn and scikit-learn on generated data.

Every group metric and every disparity must equal the reference implementation to 1e-9
relative. AIMS_BIN names the aims binary; the reference computations are in reference.py.
"""

import pandas as pd
import pytest

from reference import (
    check_attributes_and_overall,
    check_disparities,
    check_intersectional_groups,
    check_roc_auc,
    close,
    fairness_fixture,
    run_fairness,
)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    df = fairness_fixture(20_000, seed=7)
    path = tmp_path_factory.mktemp("fairness") / "detector.csv"
    df.to_csv(path, index=False)
    return df, run_fairness(path, "--score", "score")


def test_every_intersectional_group_metric(data):
    check_intersectional_groups(*data)


def test_per_attribute_groups_and_overall(data):
    check_attributes_and_overall(*data)


def test_disparities_between_groups(data):
    check_disparities(*data)


def test_roc_auc_per_group(data):
    check_roc_auc(*data)


def test_golden_vector_of_the_reference(tmp_path):
    y = [1, 1, 0, 0, 1, 0, 1, 0] * 2
    p = [1, 1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0]
    df = pd.DataFrame({"label": y, "prediction": p, "skin_tone": ["a"] * 8 + ["b"] * 8, "clothing": ["x"] * 16})
    path = tmp_path / "golden.csv"
    df.to_csv(path, index=False)
    report = run_fairness(path, "--min-group-size", "1")
    d = report["disparities"]
    close(d["demographic_parity_difference"], 0.25, "DPD")
    close(d["demographic_parity_ratio"], 0.5, "DPR")
    close(d["equalized_odds_difference"], 0.5, "EOD")
    close(d["equalized_odds_ratio"], 1 / 3, "EOR")
    close(d["equal_opportunity_ratio"], 1 / 3, "EOpR")
