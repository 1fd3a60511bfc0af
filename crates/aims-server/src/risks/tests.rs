use super::*;
use aims_domain::risk::{Acceptance, Rating};
use aims_domain::role::Role;
use serde_json::json;

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn risk(title: &str, inherent: (u8, u8), residual: Option<(u8, u8)>) -> Risk {
    let mut fields: RiskFields = serde_json::from_value(json!({
        "title": title,
        "inherent": {"likelihood": inherent.0, "impact": inherent.1},
        "treatment": "modify",
        "actions": [{"title": "=HYPERLINK(\"x\")", "status": "planned", "due_date": "2026-01-01",
                     "controls": [{"framework_id": "iso-iec-42001-2023", "ref": "A.7.4"}]}]
    }))
    .unwrap();
    fields.residual = residual.map(|(likelihood, impact)| Rating { likelihood, impact });
    let now = Utc::now();
    Risk {
        id: Uuid::new_v4(),
        organisation_id: Uuid::new_v4(),
        revision: 1,
        created_at: now,
        updated_at: now,
        created_by: "alice".into(),
        updated_by: "alice".into(),
        fields,
        acceptance: None,
    }
}

#[test]
fn the_heat_map_draws_every_cell_counts_risks_and_escapes_labels() {
    let mut criteria = RiskCriteria::default_5x5();
    criteria.likelihood[4].label = "<script>alert(1)</script>".into();
    let risks = [
        risk("a", (5, 5), Some((2, 2))),
        risk("b", (5, 5), None),
        risk("c", (1, 1), None),
    ];
    let svg = heat_map_svg(&criteria, &risks, Basis::Inherent);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.ends_with("</svg>"));
    assert_eq!(svg.matches("<rect ").count(), 25);
    assert!(svg.contains("Inherent risk: 3 risks"));
    assert!(!svg.contains("<script>"));
    assert!(svg.contains("&lt;script&gt;"));
    // Two risks in the top-right cell (5 × 5, Critical), drawn in white on red.
    assert!(svg.contains(r##"fill="#ffffff">2</text>"##), "{svg}");
    let residual = heat_map_svg(&criteria, &risks, Basis::Residual);
    assert!(residual.contains("Residual risk: 3 risks"));
    assert!(residual.contains(">1</text>"));
    assert!(!residual.contains(">2</text>"));
    // The SVG is well-formed XML.
    assert_well_formed(&svg);
}

/// A minimal well-formedness check: every opened element is closed in order.
fn assert_well_formed(svg: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("tag closes") + start;
        let tag = &rest[start + 1..end];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "closing {name}");
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().unwrap_or("").to_owned());
        }
        rest = &rest[end + 1..];
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

#[test]
fn the_register_file_has_one_row_per_risk_with_levels_and_guards_formulas() {
    let criteria = RiskCriteria::default_5x5();
    let today = day("2026-06-01");
    let mut accepted = risk("Drift of the credit model", (3, 3), Some((2, 2)));
    accepted.fields.actions[0].status = aims_domain::risk::ActionStatus::Done;
    accepted.acceptance = Some(Acceptance {
        accepted_by: "maria".into(),
        role: Role::Manager,
        accepted_on: day("2026-05-01"),
        rationale: "Monitored monthly".into(),
        expires_on: day("2027-05-01"),
        rating: Rating {
            likelihood: 2,
            impact: 2,
        },
    });
    let views = vec![
        RiskView::new(
            risk("Bias, across \"groups\"", (4, 4), None),
            &criteria,
            today,
        ),
        RiskView::new(accepted, &criteria, today),
    ];
    let systems = HashMap::new();
    let input = RegisterInput {
        organisation: "Acme",
        generated_at: Utc::now(),
        criteria: &criteria,
        risks: &views,
        systems: &systems,
    };
    let text = String::from_utf8(csv(&input)).unwrap();
    let mut lines = text.trim_start_matches('\u{feff}').split("\r\n");
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("Id,Title,Description,AI systems")
    );
    let body = lines.collect::<Vec<_>>().join("\r\n");
    assert!(body.contains("\"Bias, across \"\"groups\"\"\""));
    assert!(body.contains("4 Likely,4 Major,Critical"), "{body}");
    assert!(body.contains("'=HYPERLINK"), "formulas are defused: {body}");
    assert!(body.contains("1 action(s)"));
    assert!(body.contains(
        "Accepted by maria (manager) on 2026-05-01, until 2027-05-01: Monitored monthly"
    ));

    let bytes = xlsx(&input).unwrap();
    assert_eq!(&bytes[..2], b"PK", "an XLSX file is a zip archive");
}

#[test]
fn filters_check_their_values_and_combine() {
    let criteria = RiskCriteria::default_5x5();
    let today = day("2026-06-01");
    let views = vec![
        RiskView::new(risk("Bias", (4, 4), None), &criteria, today),
        RiskView::new(risk("Leak", (1, 2), None), &criteria, today),
    ];
    let bad = RiskFilter {
        level: Some("Severe".into()),
        overdue: Some("yes".into()),
        system_id: Some("x".into()),
        ..RiskFilter::default()
    };
    let err = bad.apply(views.clone(), &criteria).unwrap_err();
    let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["system_id", "level", "overdue"]);
    assert!(err.0[1].message.contains("Low, Medium, High, Critical"));

    let critical = RiskFilter {
        level: Some("Critical".into()),
        ..RiskFilter::default()
    };
    let kept = critical.apply(views.clone(), &criteria).unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].risk.fields.title, "Bias");
    let text = RiskFilter {
        q: Some("LEAK".into()),
        overdue: Some("true".into()),
        ..RiskFilter::default()
    };
    assert_eq!(text.apply(views, &criteria).unwrap().len(), 1);
}

#[test]
fn control_links_must_name_assessable_nodes_of_the_library() {
    let library = aims_library::bundled().unwrap();
    let mut fields = risk("x", (1, 1), None).fields;
    fields.sources = vec!["fairness".into(), "data-quality".into()];
    check_library(&fields, &library).unwrap();
    fields.sources.push("vibes".into());
    fields.actions[0].controls = vec![
        serde_json::from_value(json!({"framework_id": "nope", "ref": "A.7.4"})).unwrap(),
        serde_json::from_value(json!({"framework_id": "iso-iec-42001-2023", "ref": "A.99"}))
            .unwrap(),
        serde_json::from_value(json!({"framework_id": "iso-iec-42001-2023", "ref": "A.7"}))
            .unwrap(),
    ];
    let err = check_library(&fields, &library).unwrap_err();
    let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "sources[2]",
            "actions[0].controls[0].framework_id",
            "actions[0].controls[1].ref",
            "actions[0].controls[2].ref"
        ]
    );
}
