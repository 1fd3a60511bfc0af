//! Tests of the fairness evaluation against hand-computed and published values.

use std::io::Write;

use super::*;

fn csv(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file
}

fn params(sensitive: &[&str]) -> FairnessParams {
    FairnessParams {
        label: "y".into(),
        prediction: "y_hat".into(),
        score: None,
        sensitive: sensitive.iter().map(|s| s.to_string()).collect(),
        positive_label: None,
        min_group_size: 1,
        delimiter: b',',
    }
}

/// The golden vector of the reference: Fairlearn 0.15 gives SR .50/.25, TPR .75/.25,
/// FPR .25/.25, DPD .25, DPR .5, EOD .5, EOR 1/3, EOpD .5, EOpR 1/3.
fn golden() -> tempfile::NamedTempFile {
    let y = [1, 1, 0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 0];
    let y_hat = [1, 1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0];
    let mut text = String::from("y,y_hat,group\n");
    for i in 0..16 {
        text.push_str(&format!(
            "{},{},{}\n",
            y[i],
            y_hat[i],
            if i < 8 { "a" } else { "b" }
        ));
    }
    csv(&text)
}

#[test]
fn golden_vector_matches_fairlearn() {
    let file = golden();
    let report = evaluate_fairness(file.path(), &params(&["group"])).unwrap();
    assert_eq!(report.rows, 16);
    let a = &report.groups[0];
    let b = &report.groups[1];
    assert_eq!(
        (a.selection_rate, b.selection_rate),
        (Some(0.5), Some(0.25))
    );
    assert_eq!((a.tpr, b.tpr), (Some(0.75), Some(0.25)));
    assert_eq!((a.fpr, b.fpr), (Some(0.25), Some(0.25)));
    let d = &report.disparities;
    assert_eq!(d.demographic_parity_difference, Some(0.25));
    assert_eq!(d.demographic_parity_ratio, Some(0.5));
    assert_eq!(d.equalized_odds_difference, Some(0.5));
    assert!((d.equalized_odds_ratio.unwrap() - 1.0 / 3.0).abs() < 1e-15);
    assert_eq!(d.equal_opportunity_difference, Some(0.5));
    assert!((d.equal_opportunity_ratio.unwrap() - 1.0 / 3.0).abs() < 1e-15);
    assert_eq!(report.four_fifths.verdict, "fail");
    assert_eq!(report.overall.count, 16);
    assert_eq!(report.overall.selection_rate, Some(6.0 / 16.0));
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}

#[test]
fn intersectional_and_per_attribute_groups() {
    let file = csv(
        "y,y_hat,skin,clothing\n1,1,dark,red\n1,0,dark,blue\n0,0,light,red\n1,1,light,blue\n0,1,light,blue\n",
    );
    let report = evaluate_fairness(file.path(), &params(&["skin", "clothing"])).unwrap();
    assert_eq!(report.groups.len(), 4);
    let skin = &report.by_attribute["skin"];
    assert_eq!(skin.len(), 2);
    assert_eq!(skin[0].group.as_ref().unwrap()["skin"], "dark");
    assert_eq!((skin[0].count, skin[0].tpr), (2, Some(0.5)));
    assert_eq!((skin[1].count, skin[1].fpr), (3, Some(0.5)));
    let clothing = &report.by_attribute["clothing"];
    assert_eq!(clothing.iter().map(|g| g.count).sum::<u64>(), 5);
}

#[test]
fn undefined_rates_are_null_and_explained() {
    // Group b has no positive labels: its TPR and FNR are undefined.
    let file = csv("y,y_hat,g\n1,1,a\n0,0,a\n0,1,b\n0,0,b\n");
    let report = evaluate_fairness(file.path(), &params(&["g"])).unwrap();
    let b = &report.groups[1];
    assert_eq!((b.tpr, b.fnr), (None, None));
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("g=b") && w.contains("tpr") && w.contains("no positive labels")),
        "{:?}",
        report.warnings
    );
    assert_eq!(
        report.disparities.equal_opportunity_difference,
        Some(0.0),
        "only defined groups count"
    );
    let json = serde_json::to_value(&report).unwrap();
    assert!(json["groups"][1]["tpr"].is_null());

    // Nobody selected at all: ratios are 0/0, reported as undefined, never NaN or inf.
    let file = csv("y,y_hat,g\n1,0,a\n0,0,b\n");
    let report = evaluate_fairness(file.path(), &params(&["g"])).unwrap();
    assert_eq!(report.disparities.demographic_parity_ratio, None);
    assert_eq!(report.four_fifths.verdict, "undefined");
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("undefined (0/0)"))
    );
    assert!(!serde_json::to_string(&report).unwrap().contains("NaN"));
}

#[test]
fn roc_auc_counts_ties_as_half() {
    let mut p = params(&["g"]);
    p.score = Some("s".into());
    // Positives 0.9, 0.4; negatives 0.4, 0.1: pairs won 1 + 1 + 0.5 + 1 = 3.5 of 4.
    let file = csv("y,y_hat,s,g\n1,1,0.9,a\n1,0,0.4,a\n0,0,0.4,a\n0,0,0.1,a\n");
    let report = evaluate_fairness(file.path(), &p).unwrap();
    assert_eq!(report.groups[0].roc_auc, Some(0.875));
    assert_eq!(report.overall.roc_auc, Some(0.875));
}

#[test]
fn bad_input_is_named_with_its_line() {
    let check = |text: &str, p: FairnessParams, expected: &str| {
        let file = csv(text);
        let err = evaluate_fairness(file.path(), &p).unwrap_err().to_string();
        assert!(
            err.contains(expected),
            "`{err}` should contain `{expected}`"
        );
    };
    check(
        "y,y_hat,g\n1,1,a\n",
        params(&["race"]),
        "no column named `race`; the columns are: y, y_hat, g",
    );
    check(
        "y,y_hat,g\n1,1,a\n2,1,a\n",
        params(&["g"]),
        "line 3: the label column holds `2`",
    );
    check("y,y_hat,g\n", params(&["g"]), "no data rows");
    check("", params(&["g"]), "is empty");
    let mut positive = params(&["g"]);
    positive.positive_label = Some("approved".into());
    check(
        "y,y_hat,g\napproved,approved,a\ndenied,denied,a\nmaybe,denied,a\n",
        positive,
        "line 4: the label column holds a third value `maybe`",
    );
    let mut scored = params(&["g"]);
    scored.score = Some("s".into());
    check(
        "y,y_hat,s,g\n1,1,high,a\n",
        scored,
        "line 2: the score column holds `high`",
    );
    check("y,y_hat,g\n1,1\n", params(&["g"]), "line 2");
    check("PAR1xxxx", params(&["g"]), "not a complete Parquet file");
}

#[test]
fn gzip_input_is_read_by_content() {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(b"y,y_hat,g\n1,1,a\n0,1,b\n").unwrap();
    let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    file.write_all(&encoder.finish().unwrap()).unwrap();
    let report = evaluate_fairness(file.path(), &params(&["g"])).unwrap();
    assert_eq!(report.rows, 2);
}

#[test]
fn small_groups_are_flagged() {
    let mut p = params(&["g"]);
    p.min_group_size = 3;
    let file = csv("y,y_hat,g\n1,1,a\n0,0,a\n1,1,a\n1,0,b\n");
    let report = evaluate_fairness(file.path(), &p).unwrap();
    assert!(!report.groups[0].small && report.groups[1].small);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("g=b has 1 rows, fewer than the minimum of 3"))
    );
}

#[test]
fn zstd_input_with_several_frames_is_read_whole() {
    let rows_a = b"y,y_hat,g\n1,1,a\n0,1,b\n";
    let rows_b = b"1,0,a\n0,0,b\n";
    let mut bytes =
        ruzstd::encoding::compress_to_vec(&rows_a[..], ruzstd::encoding::CompressionLevel::Fastest);
    bytes.extend(ruzstd::encoding::compress_to_vec(
        &rows_b[..],
        ruzstd::encoding::CompressionLevel::Fastest,
    ));
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(&bytes).unwrap();
    let report = evaluate_fairness(file.path(), &params(&["g"])).unwrap();
    assert_eq!(report.rows, 4, "both frames are read");
}

#[test]
fn damaged_compressed_input_is_an_error_not_a_short_file() {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let text: String = std::iter::once("y,y_hat,g\n".to_string())
        .chain((0..50_000).map(|i| format!("{},1,g{}\n", i % 2, i % 7)))
        .collect();
    encoder.write_all(text.as_bytes()).unwrap();
    let mut bytes = encoder.finish().unwrap();
    bytes.truncate(bytes.len() / 2);
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(&bytes).unwrap();
    let err = evaluate_fairness(file.path(), &params(&["g"]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("gzip data is damaged") || err.contains("cannot read further"),
        "{err}"
    );
}
