//! The profile and assessment-results builders: what they select, how statuses map to
//! OSCAL, that references resolve, that output is reproducible, and what they refuse.

use aims_library::oscal::{
    self, BuildError, ControlFinding, ImplementationStatus, Metadata, SelectedControl,
};
use aims_library::{Framework, bundled};
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

fn iso() -> Framework {
    bundled()
        .expect("bundled library loads")
        .framework("iso-iec-42001-2023")
        .expect("ISO/IEC 42001 is bundled")
        .clone()
}

fn meta() -> Metadata {
    Metadata {
        title: "Statement of Applicability".into(),
        version: "3".into(),
        last_modified: Utc
            .with_ymd_and_hms(2026, 1, 15, 10, 0, 0)
            .single()
            .expect("a valid date"),
        import_href: "iso-iec-42001-2023.json".into(),
        organisation: Some("Acme".into()),
    }
}

fn selected(r: &str, applicable: bool, justification: Option<&str>) -> SelectedControl {
    SelectedControl {
        control_ref: r.into(),
        applicable,
        justification: justification.map(str::to_owned),
    }
}

fn finding(r: &str, status: ImplementationStatus, evidence: &[&str]) -> ControlFinding {
    ControlFinding {
        control_ref: r.into(),
        status,
        owner: Some("Head of\n AI".into()),
        evidence: evidence.iter().map(|e| (*e).to_owned()).collect(),
        remarks: None,
    }
}

/// Every id of the catalog, to check that documents only point at what exists.
fn catalog_ids(fw: &Framework) -> Vec<String> {
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(id)) = map.get("id") {
                    out.push(id.clone());
                }
                map.values().for_each(|v| walk(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&oscal::catalog(fw), &mut out);
    out
}

#[test]
fn a_profile_includes_the_applicable_controls_and_keeps_justifications() {
    let fw = iso();
    let selection = [
        selected("A.2.2", true, Some("We develop AI systems.")),
        selected("A.6.2.4", true, None),
        selected(
            "A.10.4",
            false,
            Some("We have no customers;\nonly internal users."),
        ),
        selected("A.10.3", false, None),
    ];
    let doc = oscal::profile(&fw, &selection, &meta()).expect("builds");
    let profile = &doc["profile"];
    let import = &profile["imports"][0];
    assert_eq!(import["href"], "iso-iec-42001-2023.json");
    assert_eq!(
        import["include-controls"],
        json!([{"with-ids": ["a.2.2", "a.6.2.4"]}])
    );
    assert_eq!(
        import["exclude-controls"],
        json!([{"with-ids": ["a.10.4", "a.10.3"]}])
    );
    let ids = catalog_ids(&fw);
    for id in ["a.2.2", "a.6.2.4", "a.10.4", "a.10.3"] {
        assert!(ids.iter().any(|i| i == id), "{id} is in the catalog");
    }
    assert_eq!(
        profile["modify"]["alters"],
        json!([{"control-id": "a.2.2", "adds": [{"position": "ending", "props": [
            {"name": "justification", "ns": oscal::NS, "value": "included", "remarks": "We develop AI systems."}
        ]}]}])
    );
    assert_eq!(
        profile["metadata"]["props"],
        json!([{"name": "excluded-control", "ns": oscal::NS, "value": "a.10.4",
            "remarks": "We have no customers;\nonly internal users."}])
    );
    assert_eq!(profile["metadata"]["last-modified"], "2026-01-15T10:00:00Z");
    assert_eq!(profile["metadata"]["oscal-version"], "1.2.1");
    assert_eq!(profile["metadata"]["parties"][0]["name"], "Acme");
    let uuid = uuid::Uuid::parse_str(profile["uuid"].as_str().expect("uuid")).expect("UUID");
    assert_eq!(uuid.get_version_num(), 5);
    // Same inputs, same bytes; other inputs, another UUID.
    assert_eq!(
        oscal::profile(&fw, &selection, &meta()).expect("builds"),
        doc
    );
    let other = oscal::profile(&fw, &selection[..2], &meta()).expect("builds");
    assert_ne!(other["profile"]["uuid"], profile["uuid"]);
}

#[test]
fn a_profile_refuses_what_the_framework_does_not_support() {
    let fw = iso();
    let unknown = oscal::profile(&fw, &[selected("A.99", true, None)], &meta());
    assert_eq!(
        unknown.map_err(|e| e.to_string()),
        Err("`A.99` is not a ref of framework `iso-iec-42001-2023`".to_owned())
    );
    let group = oscal::profile(&fw, &[selected("A.2", true, None)], &meta());
    assert!(matches!(group, Err(BuildError::NotAssessable { .. })));
    let twice = oscal::profile(
        &fw,
        &[
            selected("A.2.2", true, None),
            selected("A.2.2", false, None),
        ],
        &meta(),
    );
    assert_eq!(twice, Err(BuildError::Duplicate("A.2.2".into())));
    let none = oscal::profile(&fw, &[selected("A.2.2", false, None)], &meta());
    assert_eq!(none, Err(BuildError::NothingApplicable));
    let mut bad = meta();
    bad.import_href = " ".into();
    let empty = oscal::profile(&fw, &[selected("A.2.2", true, None)], &bad);
    assert_eq!(empty, Err(BuildError::Empty("import_href")));
}

#[test]
fn assessment_results_map_each_status_to_a_finding_on_the_objective() {
    use ImplementationStatus::*;
    let fw = iso();
    let findings = [
        finding(
            "A.2.2",
            Implemented,
            &["https://intranet/ai-policy-v3", "minutes 2026-01"],
        ),
        finding("A.6.2.4", PartiallyImplemented, &[]),
        finding("A.10.4", NotApplicable, &[]),
        finding("6.1.2", NotStarted, &[]),
        finding("A.5.2", Planned, &[]),
    ];
    let doc = oscal::assessment_results(&fw, &findings, &meta()).expect("builds");
    let ar = &doc["assessment-results"];
    assert_eq!(ar["import-ap"]["href"], "iso-iec-42001-2023.json");
    let result = &ar["results"][0];
    assert_eq!(result["start"], "2026-01-15T10:00:00Z");
    assert_eq!(
        result["reviewed-controls"]["control-selections"][0]["include-controls"],
        json!([{"control-id": "a.2.2"}, {"control-id": "a.6.2.4"}, {"control-id": "a.10.4"},
            {"control-id": "ref-6.1.2"}, {"control-id": "a.5.2"}])
    );
    let got: Vec<(String, String, Value, String)> = result["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let target = &f["target"];
            (
                target["target-id"].as_str().expect("id").to_owned(),
                target["status"]["state"]
                    .as_str()
                    .expect("state")
                    .to_owned(),
                target["implementation-status"]["state"].clone(),
                f["props"][0]["value"].as_str().expect("prop").to_owned(),
            )
        })
        .collect();
    let expected = [
        (
            "a.2.2_obj",
            "satisfied",
            json!("implemented"),
            "implemented",
        ),
        (
            "a.6.2.4_obj",
            "not-satisfied",
            json!("partial"),
            "partially-implemented",
        ),
        (
            "a.10.4_obj",
            "satisfied",
            json!("not-applicable"),
            "not-applicable",
        ),
        ("ref-6.1.2_obj", "not-satisfied", Value::Null, "not-started"),
        ("a.5.2_obj", "not-satisfied", json!("planned"), "planned"),
    ];
    let expected: Vec<(String, String, Value, String)> = expected
        .into_iter()
        .map(|(a, b, c, d)| (a.to_owned(), b.to_owned(), c, d.to_owned()))
        .collect();
    assert_eq!(got, expected);
    // Every target exists in the catalog: trestle does not check references.
    let ids = catalog_ids(&fw);
    for (target, ..) in &got {
        assert!(ids.contains(target), "{target} is in the catalog");
    }
    // The owner is one line, as OSCAL prop values must be.
    assert_eq!(
        result["findings"][0]["props"][1],
        json!({"name": "owner", "ns": oscal::NS, "value": "Head of AI"})
    );
    // One observation, for the control with evidence; the finding points at it.
    let observations = result["observations"].as_array().expect("observations");
    assert_eq!(observations.len(), 1);
    assert_eq!(
        observations[0]["relevant-evidence"],
        json!([{"description": "https://intranet/ai-policy-v3", "href": "https://intranet/ai-policy-v3"},
            {"description": "minutes 2026-01"}])
    );
    assert_eq!(
        result["findings"][0]["related-observations"][0]["observation-uuid"],
        observations[0]["uuid"]
    );
    assert!(result["findings"][1].get("related-observations").is_none());
    assert_eq!(
        oscal::assessment_results(&fw, &findings, &meta()).expect("builds"),
        doc
    );
}

#[test]
fn assessment_results_refuse_unknown_and_repeated_controls() {
    let fw = iso();
    let unknown = [finding("Z.1", ImplementationStatus::Planned, &[])];
    assert!(matches!(
        oscal::assessment_results(&fw, &unknown, &meta()),
        Err(BuildError::UnknownRef { .. })
    ));
    let twice = [
        finding("A.2.2", ImplementationStatus::Planned, &[]),
        finding("A.2.2", ImplementationStatus::Implemented, &[]),
    ];
    assert_eq!(
        oscal::assessment_results(&fw, &twice, &meta()),
        Err(BuildError::Duplicate("A.2.2".into()))
    );
}

#[test]
fn statuses_read_and_write_their_documented_spelling() {
    for (status, text) in [
        (ImplementationStatus::NotStarted, "not-started"),
        (ImplementationStatus::Planned, "planned"),
        (
            ImplementationStatus::PartiallyImplemented,
            "partially-implemented",
        ),
        (ImplementationStatus::Implemented, "implemented"),
        (ImplementationStatus::NotApplicable, "not-applicable"),
    ] {
        assert_eq!(status.as_str(), text);
        assert_eq!(
            serde_json::to_value(status).expect("serialises"),
            json!(text)
        );
    }
}
