"""aims eval drift against numpy and SciPy on generated data.

Every measure must equal the reference computation to 1e-9 relative: bin edges
(numpy.quantile), PSI, scipy.stats.ks_2samp (statistic and p-value, on both the exact
and the asymptotic path), scipy.stats.wasserstein_distance, scipy.spatial.distance.
jensenshannon (base 2) and scipy.stats.chi2_contingency (no correction). AIMS_BIN names
the aims binary; the reference computations are in reference.py.
"""

import numpy as np
import pandas as pd
import pytest

from reference import (
    check_categorical,
    check_numeric,
    close,
    psi,
    run_drift as run_aims,
    with_missing,
    write_csv as write,
)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Samples of a few hundred values: ks_2samp takes its exact path."""
    rng = np.random.default_rng(42)
    n, m = 300, 240
    ref = pd.DataFrame({
        "income": rng.normal(50, 10, n).round(3),
        "age": rng.integers(18, 70, n),  # many ties
        "score": with_missing(rng, rng.gamma(2.0, 1.0, n).round(4), 0.05),
        "same_size": rng.normal(0, 1, n).round(4),
        "constant": np.full(n, 7.0),
    })
    cur = pd.DataFrame({
        "income": rng.normal(53, 12, m).round(3),
        "age": rng.integers(20, 75, m),
        "score": with_missing(rng, rng.gamma(2.2, 1.0, m).round(4), 0.1),
        "same_size": rng.normal(0.3, 1, m).round(4),
        "constant": np.where(rng.random(m) < 0.9, 7.0, 8.0),
    })
    directory = tmp_path_factory.mktemp("drift-small")
    # The equal-size column needs equal sample sizes: compare it on its own files.
    eq_ref = pd.DataFrame({"same_size": ref.same_size})
    eq_cur = pd.DataFrame({"same_size": rng.normal(0.3, 1, n).round(4)})
    return (ref, cur, run_aims(write(ref, directory / "ref.csv"), write(cur, directory / "cur.csv")),
            eq_ref, eq_cur, run_aims(write(eq_ref, directory / "eq_ref.csv"), write(eq_cur, directory / "eq_cur.csv")))


def test_exact_path_numeric_columns(small):
    ref, cur, report, eq_ref, eq_cur, eq_report = small
    assert report["reference_rows"] == len(ref) and report["current_rows"] == len(cur)
    columns = {c["name"]: c for c in report["columns"]}
    for name in ["income", "age", "score", "same_size", "constant"]:
        check_numeric(columns[name], ref[name].to_numpy(float), cur[name].to_numpy(float))
        assert columns[name]["ks_method"] == "exact"
    assert columns["score"]["reference_missing"] == int(ref.score.isna().sum())
    assert columns["score"]["current_missing"] == int(cur.score.isna().sum())
    assert columns["constant"]["wasserstein_normed"] is None
    check_numeric(eq_report["columns"][0], eq_ref.same_size.to_numpy(float), eq_cur.same_size.to_numpy(float))


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """Tens of thousands of values: ks_2samp takes its asymptotic path, whose p-value
    comes from a different algorithm depending on n and the statistic."""
    rng = np.random.default_rng(7)
    n, m = 20_000, 15_000
    ref = pd.DataFrame({
        "stable": rng.normal(0, 1, n).round(5),
        "slight": rng.normal(0, 1, n).round(5),
        "moderate": rng.normal(0, 1, n).round(5),
        "shifted": rng.normal(0, 1, n).round(5),
        "ties": rng.integers(0, 20, n),
        "sparse": with_missing(rng, rng.exponential(1.0, n).round(4), 0.3),
    })
    cur = pd.DataFrame({
        "stable": rng.normal(0, 1, m).round(5),
        "slight": rng.normal(0.03, 1, m).round(5),
        "moderate": rng.normal(0.06, 1, m).round(5),
        "shifted": rng.normal(0.8, 1.3, m).round(5),
        "ties": rng.integers(1, 21, m),
        "sparse": with_missing(rng, rng.exponential(1.1, m).round(4), 0.1),
    })
    directory = tmp_path_factory.mktemp("drift-large")
    return ref, cur, run_aims(write(ref, directory / "ref.csv"), write(cur, directory / "cur.csv"))


def test_asymptotic_path_numeric_columns(large):
    ref, cur, report = large
    columns = {c["name"]: c for c in report["columns"]}
    for name in ref.columns:
        check_numeric(columns[name], ref[name].to_numpy(float), cur[name].to_numpy(float))
        assert columns[name]["ks_method"] == "asymptotic"
    assert columns["shifted"]["verdict"] == "alarm"
    assert columns["stable"]["verdict"] == "ok"


def test_asymptotic_path_with_a_small_effective_sample(tmp_path):
    """12,000 against 60 values: n = round(12000·60/12060) = 60, where SciPy uses the
    Durbin matrix, Pomeranz's recursion or the one-sided sum depending on the statistic."""
    rng = np.random.default_rng(3)
    ref = pd.DataFrame({f"x{i}": rng.normal(0, 1, 12_000).round(4) for i in range(4)})
    cur = pd.DataFrame({f"x{i}": rng.normal(shift, 1, 60).round(4) for i, shift in enumerate([0.0, 0.2, 0.5, 1.5])})
    report = run_aims(write(ref, tmp_path / "ref.csv"), write(cur, tmp_path / "cur.csv"))
    for column in report["columns"]:
        check_numeric(column, ref[column["name"]].to_numpy(float), cur[column["name"]].to_numpy(float))


def test_categorical_columns_with_absent_categories_and_missing_values(tmp_path):
    rng = np.random.default_rng(11)
    ref = pd.DataFrame({
        "channel": rng.choice(["web", "app", "branch", "phone"], 5000, p=[0.5, 0.3, 0.15, 0.05]),
        "region": rng.choice(["north", "south", "east", "west", None], 5000),
        "flag": rng.choice(["yes", "no"], 5000),
    })
    cur = pd.DataFrame({
        # "phone" is gone, "chat" is new.
        "channel": rng.choice(["web", "app", "branch", "chat"], 4000, p=[0.4, 0.4, 0.1, 0.1]),
        "region": rng.choice(["north", "south", "east", "west", None], 4000, p=[0.3, 0.2, 0.2, 0.2, 0.1]),
        "flag": rng.choice(["yes", "no"], 4000),
    })
    report = run_aims(write(ref, tmp_path / "ref.csv"), write(cur, tmp_path / "cur.csv"))
    columns = {c["name"]: c for c in report["columns"]}
    for name in ref.columns:
        check_categorical(columns[name], ref[name].to_numpy(object), cur[name].to_numpy(object))
    assert columns["region"]["reference_missing"] == int(ref.region.isna().sum())
    assert columns["region"]["current_missing"] == int(cur.region.isna().sum())
    assert columns["channel"]["verdict"] in {"warn", "alarm"}
    alarms = sum(c["verdict"] == "alarm" for c in report["columns"])
    assert report["drifted_share"] == alarms / len(report["columns"])


def test_bins_and_floor_are_configurable(tmp_path):
    rng = np.random.default_rng(5)
    ref = pd.DataFrame({"x": rng.normal(0, 1, 3000).round(4)})
    cur = pd.DataFrame({"x": rng.normal(0.4, 1, 2000).round(4)})
    report = run_aims(write(ref, tmp_path / "ref.csv"), write(cur, tmp_path / "cur.csv"),
                      "--bins", "20", "--psi-floor", "0.001")
    column = report["columns"][0]
    check_numeric_bins = np.quantile(ref.x, np.arange(21) / 20)
    assert len(column["histogram"]["edges"]) == 21
    for ours, theirs in zip(column["histogram"]["edges"], check_numeric_bins):
        close(ours, theirs, "edge")
    r = np.bincount(np.searchsorted(check_numeric_bins[1:-1], ref.x, side="right"), minlength=20)
    c = np.bincount(np.searchsorted(check_numeric_bins[1:-1], cur.x, side="right"), minlength=20)
    close(column["psi"], psi(r / r.sum(), c / c.sum(), floor=0.001), "psi with floor 0.001")
    assert report["conventions"]["psi_share_floor"] == 0.001


def kolmogorov_algorithm(n, x):
    """Which algorithm SciPy 1.15 uses for Pr(D_n ≥ x) (scipy.stats._ksstats._kolmogn)."""
    t = n * x
    if t <= 1:
        return "ruben-gambino low"
    if t >= n - 1:
        return "ruben-gambino high"
    if x >= 0.5:
        return "one-sided sum, x >= 1/2"
    nx2 = t * x
    if n <= 140:
        return "durbin" if nx2 <= 0.754693 else "pomeranz" if nx2 <= 4 else "one-sided sum"
    if nx2 >= 370:
        return "underflow"
    if nx2 >= 2.2:
        return "one-sided sum"
    return "durbin" if n <= 100_000 and n * x ** 1.5 <= 1.4 else "pelz-good"


def test_every_algorithm_of_the_asymptotic_p_value(tmp_path):
    """The asymptotic p-value comes from one of several algorithms depending on the
    effective sample size n and the statistic; this fixture reaches each of them."""
    rng = np.random.default_rng(2024)
    base = rng.normal(0, 1, 20_000).round(5)
    ref = pd.DataFrame({"x": base})
    samples = {
        # A subset of the reference itself: a tiny statistic, n ≈ 9,744.
        "subset": base[:19_000],
        "same_law": rng.normal(0, 1, 15_000).round(5),
        "shifted": rng.normal(0.05, 1, 15_000).round(5),
        "far": rng.normal(0.6, 1, 15_000).round(5),
    }
    # Effective n of 60 or 100 against 12,000 reference values.
    small_ref = rng.normal(0, 1, 12_000).round(5)
    small = {f"n{size}_shift{shift}": rng.normal(shift, 1, size).round(5)
             for size in (60, 100) for shift in (0.0, 0.05, 0.3, 0.6, 2.5)}
    seen = set()
    for name, sample in samples.items():
        write(ref, tmp_path / "ref.csv")
        write(pd.DataFrame({"x": sample}), tmp_path / f"{name}.csv")
        column = run_aims(tmp_path / "ref.csv", tmp_path / f"{name}.csv")["columns"][0]
        ks = check_numeric(column, base, sample)
        seen.add(kolmogorov_algorithm(round(len(base) * len(sample) / (len(base) + len(sample))), ks.statistic))
    write(pd.DataFrame({"x": small_ref}), tmp_path / "small_ref.csv")
    for name, sample in small.items():
        write(pd.DataFrame({"x": sample}), tmp_path / f"{name}.csv")
        column = run_aims(tmp_path / "small_ref.csv", tmp_path / f"{name}.csv")["columns"][0]
        ks = check_numeric(column, small_ref, sample)
        en = round(len(small_ref) * len(sample) / (len(small_ref) + len(sample)))
        seen.add(kolmogorov_algorithm(en, ks.statistic))
    assert {"durbin", "pomeranz", "one-sided sum", "one-sided sum, x >= 1/2", "pelz-good", "underflow"} <= seen, seen
