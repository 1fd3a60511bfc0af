use std::path::PathBuf;

use super::*;

struct Files {
    _dir: tempfile::TempDir,
    reference: PathBuf,
    current: PathBuf,
}

fn files(reference: &str, current: &str) -> Files {
    let dir = tempfile::tempdir().unwrap();
    let (r, c) = (dir.path().join("ref.csv"), dir.path().join("cur.csv"));
    std::fs::write(&r, reference).unwrap();
    std::fs::write(&c, current).unwrap();
    Files {
        _dir: dir,
        reference: r,
        current: c,
    }
}

fn run(f: &Files, params: &DriftParams) -> Result<DriftReport, DriftError> {
    evaluate_drift_observed(&f.reference, &f.current, params, 2, &Progress::default())
}

fn column<'a>(report: &'a DriftReport, name: &str) -> &'a ColumnDrift {
    report.columns.iter().find(|c| c.name == name).unwrap()
}

#[test]
fn numeric_and_categorical_columns_side_by_side() {
    let f = files(
        "x,colour\n1,red\n2,red\n3,blue\n4,\n",
        "x,colour\n1,red\n2,blue\n3,blue\n5,green\n",
    );
    let report = run(&f, &DriftParams::default()).unwrap();
    assert_eq!((report.reference_rows, report.current_rows), (4, 4));
    let x = column(&report, "x");
    assert_eq!(x.kind, Kind::Numeric);
    // {1,2,3,4} against {1,2,3,5}: the CDFs differ by 1/4 on [4, 5).
    assert_eq!(x.ks_statistic, Some(0.25));
    assert_eq!(x.wasserstein, Some(0.25));
    let colour = column(&report, "colour");
    assert_eq!(colour.kind, Kind::Categorical);
    assert_eq!((colour.reference_missing, colour.current_missing), (1, 0));
    assert_eq!((colour.reference_count, colour.current_count), (3, 4));
    let histogram = colour.histogram.as_ref().unwrap();
    assert_eq!(
        histogram.categories.as_deref().unwrap(),
        ["blue", "green", "red"]
    );
    assert_eq!(histogram.reference, [1.0 / 3.0, 0.0, 2.0 / 3.0]);
    assert_eq!(colour.chi2_dof, Some(2));
    assert!(colour.ks_statistic.is_none() && colour.wasserstein.is_none());
}

#[test]
fn verdicts_follow_the_thresholds_and_the_share_counts_alarms() {
    let reference: String = "a,b\n".to_owned()
        + &(0..100)
            .map(|i| format!("{i},{}\n", i % 10))
            .collect::<String>();
    let current: String = "a,b\n".to_owned()
        + &(0..100)
            .map(|i| format!("{},{}\n", i + 60, i % 10))
            .collect::<String>();
    let f = files(&reference, &current);
    let report = run(&f, &DriftParams::default()).unwrap();
    assert_eq!(column(&report, "a").verdict, Verdict::Alarm);
    assert_eq!(column(&report, "b").verdict, Verdict::Ok);
    assert_eq!(column(&report, "b").psi, Some(0.0));
    assert_eq!((report.drifted_columns, report.drifted_share), (1, 0.5));
    let lenient = DriftParams {
        psi_warn: 100.0,
        psi_alarm: 200.0,
        ..DriftParams::default()
    };
    assert_eq!(
        column(&run(&f, &lenient).unwrap(), "a").verdict,
        Verdict::Ok
    );
}

#[test]
fn one_row_files_and_constant_columns() {
    let f = files("x,k\n3.5,7\n", "x,k\n4.5,7\n");
    let report = run(&f, &DriftParams::default()).unwrap();
    let x = column(&report, "x");
    assert_eq!(x.ks_statistic, Some(1.0));
    assert_eq!(x.ks_pvalue, Some(1.0));
    assert_eq!(x.wasserstein, Some(1.0));
    assert_eq!(x.wasserstein_normed, None, "the reference has no spread");
    let k = column(&report, "k");
    assert_eq!(
        (k.psi, k.ks_statistic, k.wasserstein),
        (Some(0.0), Some(0.0), Some(0.0))
    );
}

#[test]
fn a_column_empty_on_one_side_is_an_alarm_without_measures() {
    let f = files("x,y\n1,\n2,\n", "x,y\n1,NA\n2,3\n");
    let report = run(&f, &DriftParams::default()).unwrap();
    let y = column(&report, "y");
    assert_eq!(y.kind, Kind::Numeric);
    assert_eq!((y.reference_count, y.current_count), (0, 1));
    assert_eq!((y.reference_missing, y.current_missing), (2, 1));
    assert_eq!((y.psi, y.ks_statistic), (None, None));
    assert_eq!(y.verdict, Verdict::Alarm);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("`y` has no values in the reference"))
    );
    let f = files("x,y\n1,\n", "x,y\n1,\n");
    let y = run(&f, &DriftParams::default()).unwrap().columns[1].clone();
    assert_eq!(y.verdict, Verdict::Ok);
}

#[test]
fn a_column_of_numbers_then_text_is_counted_whole_as_categories() {
    let reference: String = "code\n".to_owned() + &"1\n2\n".repeat(50_000) + "x\n";
    let f = files(&reference, "code\n1\nx\n");
    let report = run(&f, &DriftParams::default()).unwrap();
    let code = column(&report, "code");
    assert_eq!(code.kind, Kind::Categorical);
    assert_eq!(code.reference_count, 100_001);
    let histogram = code.histogram.as_ref().unwrap();
    assert_eq!(histogram.categories.as_deref().unwrap(), ["1", "2", "x"]);
    assert_eq!(histogram.reference[0], 50_000.0 / 100_001.0);
}

#[test]
fn a_column_numeric_in_one_file_only_is_refused_with_the_value() {
    let f = files("x\n1\n2\n", "x\n1\ntwo\n");
    let err = run(&f, &DriftParams::default()).unwrap_err().to_string();
    assert!(
        err.contains("column `x` is numeric in") && err.contains("which holds `two` on line 3"),
        "{err}"
    );
    let f = files("x\n1\nmany\n", "x\n1\n2\n");
    let err = run(&f, &DriftParams::default()).unwrap_err().to_string();
    assert!(
        err.contains("cur.csv but not in") && err.contains("`many` on line 3"),
        "{err}"
    );
}

#[test]
fn columns_are_named_when_they_differ_or_are_missing() {
    let f = files("a,b,c\n1,2,3\n", "a,d\n1,2\n");
    let err = run(&f, &DriftParams::default()).unwrap_err().to_string();
    assert!(
        err.contains("has b, c") && err.contains("has d") && err.contains("--columns"),
        "{err}"
    );
    let only_a = DriftParams {
        columns: vec!["a".into()],
        ..DriftParams::default()
    };
    assert_eq!(run(&f, &only_a).unwrap().columns.len(), 1);
    let wrong = DriftParams {
        columns: vec!["b".into()],
        ..DriftParams::default()
    };
    let err = run(&f, &wrong).unwrap_err().to_string();
    assert!(
        err.contains("no column named `b`; the columns are: a, d"),
        "{err}"
    );
}

#[test]
fn empty_files_and_bad_parameters_are_refused() {
    let f = files("", "x\n1\n");
    assert!(matches!(
        run(&f, &DriftParams::default()),
        Err(DriftError::Input(InputError::Empty { .. }))
    ));
    let f = files("x\n1\n", "x\n");
    let err = run(&f, &DriftParams::default()).unwrap_err().to_string();
    assert!(err.contains("no data rows"), "{err}");
    let f = files("x\n1\n", "x\n1\n");
    let one_bin = DriftParams {
        bins: 1,
        ..DriftParams::default()
    };
    assert!(matches!(run(&f, &one_bin), Err(DriftError::Params(_))));
    let inverted = DriftParams {
        psi_warn: 0.5,
        psi_alarm: 0.2,
        ..DriftParams::default()
    };
    assert!(matches!(run(&f, &inverted), Err(DriftError::Params(_))));
}

#[test]
fn compressed_and_plain_inputs_give_the_same_report() {
    use std::io::Write;
    let text: String = "v\n".to_owned()
        + &(0..5000)
            .map(|i| format!("{}\n", (i * 37) % 1000))
            .collect::<String>();
    let f = files(&text, "v\n1\n2\n3\n");
    let gz = f.reference.with_extension("gz");
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap();
    let plain = run(&f, &DriftParams::default()).unwrap();
    let compressed = evaluate_drift_observed(
        &gz,
        &f.current,
        &DriftParams::default(),
        2,
        &Progress::default(),
    )
    .unwrap();
    assert_eq!(plain.columns[0].psi, compressed.columns[0].psi);
    assert_eq!(plain.columns[0].ks_pvalue, compressed.columns[0].ks_pvalue);
}
