use super::*;

fn rating(likelihood: u8, impact: u8) -> Rating {
    Rating { likelihood, impact }
}

fn day(text: &str) -> NaiveDate {
    text.parse().expect("a date")
}

fn fields() -> RiskFields {
    RiskFields {
        title: "Detector misses people with darker skin".into(),
        description: String::new(),
        system_ids: vec![],
        sources: vec!["fairness".into()],
        affected_parties: vec!["Visitors".into()],
        inherent: rating(4, 4),
        owner: "Head of ML".into(),
        treatment: Some(Treatment::Modify),
        actions: vec![TreatmentAction {
            title: "Rebalance training data".into(),
            owner: "Data team".into(),
            due_date: Some(day("2026-03-01")),
            status: ActionStatus::Done,
            controls: vec![ControlLink {
                framework_id: "iso-iec-42001-2023".into(),
                control_ref: "A.7.4".into(),
            }],
        }],
        residual: Some(rating(2, 4)),
        review_due: Some(day("2026-12-31")),
    }
}

fn risk(fields: RiskFields) -> Risk {
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

fn names(e: &ValidationErrors) -> Vec<&str> {
    e.0.iter().map(|f| f.field.as_str()).collect()
}

#[test]
fn a_complete_risk_passes_and_its_status_follows_the_matrix() {
    let criteria = RiskCriteria::default_5x5();
    let f = fields();
    f.check(&criteria).unwrap();
    let status = risk(f).status(&criteria, day("2026-06-01"));
    assert_eq!(status.inherent_level.name, "Critical");
    assert_eq!(status.residual_level.name, "High");
    assert!(status.must_treat);
    assert!(!status.review_overdue);
    assert_eq!(status.overdue_actions, 0);
    assert_eq!(status.acceptance, AcceptanceState::None);
}

#[test]
fn ratings_off_the_matrix_and_a_worse_residual_are_refused() {
    let criteria = RiskCriteria::default_5x5();
    let mut f = fields();
    f.inherent = rating(6, 0);
    f.residual = Some(rating(1, 9));
    let err = f.check(&criteria).unwrap_err();
    assert_eq!(
        names(&err),
        ["inherent.likelihood", "inherent.impact", "residual.impact"]
    );
    assert_eq!(
        err.0[0].message,
        "must be 1 to 5 on this organisation's matrix"
    );

    let mut worse = fields();
    worse.inherent = rating(2, 2);
    worse.residual = Some(rating(5, 5));
    let err = worse.check(&criteria).unwrap_err();
    assert_eq!(names(&err), ["residual"]);
    assert!(
        err.0[0].message.contains("Critical"),
        "{}",
        err.0[0].message
    );
}

#[test]
fn risks_at_the_threshold_cannot_simply_be_retained() {
    let criteria = RiskCriteria::default_5x5();
    let mut f = fields();
    f.treatment = Some(Treatment::Retain);
    let err = f.check(&criteria).unwrap_err();
    assert_eq!(names(&err), ["treatment"]);
    assert_eq!(
        err.0[0].message,
        "a risk at level Critical must be treated: choose modify, avoid or share"
    );
    // Below the threshold, retaining is a choice.
    f.inherent = rating(2, 2);
    f.residual = None;
    f.check(&criteria).unwrap();
}

#[test]
fn field_rules_name_each_problem() {
    let mut f = fields();
    f.title = "  ".into();
    let id = Uuid::new_v4();
    f.system_ids = vec![id, id];
    f.sources = vec!["privacy".into(), "privacy".into()];
    f.actions.push(TreatmentAction {
        title: String::new(),
        owner: String::new(),
        due_date: None,
        status: ActionStatus::Planned,
        controls: vec![f.actions[0].controls[0].clone(); 2],
    });
    f.treatment = Some(Treatment::Retain);
    let err = f.validate().unwrap_err();
    assert_eq!(
        names(&err),
        [
            "title",
            "system_ids[1]",
            "sources[1]",
            "actions[1].title",
            "actions[1].controls[1]",
            "treatment"
        ]
    );
}

#[test]
fn acceptance_checks_role_dates_rationale_and_open_actions() {
    let criteria = RiskCriteria::default_5x5();
    let f = fields(); // residual 2×4: High, managers and admins accept
    let today = day("2026-06-01");
    let ask = AcceptRisk {
        rationale: "Residual risk within appetite after rebalancing".into(),
        expires_on: day("2027-06-01"),
    };
    let accepted = ask
        .decide(&f, &criteria, "maria", Role::Manager, today)
        .unwrap();
    assert_eq!(accepted.rating, rating(2, 4));
    assert_eq!(accepted.accepted_on, today);
    assert_eq!(accepted.role, Role::Manager);

    let err = ask
        .decide(&f, &criteria, "carl", Role::Contributor, today)
        .unwrap_err();
    assert_eq!(names(&err), ["acceptance.role"]);
    assert!(err.0[0].message.contains("manager or admin"));

    let bad = AcceptRisk {
        rationale: String::new(),
        expires_on: today,
    };
    let mut open = f.clone();
    open.actions[0].status = ActionStatus::InProgress;
    let err = bad
        .decide(&open, &criteria, "maria", Role::Admin, today)
        .unwrap_err();
    assert_eq!(names(&err), ["rationale", "expires_on", "actions"]);

    let far = AcceptRisk {
        rationale: "x".into(),
        expires_on: day("2030-01-01"),
    };
    let err = far
        .decide(&f, &criteria, "maria", Role::Admin, today)
        .unwrap_err();
    assert_eq!(names(&err), ["expires_on"]);
}

#[test]
fn a_changed_residual_rating_voids_the_acceptance_and_dates_turn_overdue() {
    let criteria = RiskCriteria::default_5x5();
    let mut r = risk(fields());
    let today = day("2026-06-01");
    r.acceptance = Some(
        AcceptRisk {
            rationale: "ok".into(),
            expires_on: day("2026-09-30"),
        }
        .decide(&r.fields, &criteria, "maria", Role::Admin, today)
        .unwrap(),
    );
    let mut same = r.fields.clone();
    same.description = "more detail".into();
    assert!(r.acceptance_survives(&same));
    let mut lower = r.fields.clone();
    lower.residual = Some(rating(1, 4));
    assert!(!r.acceptance_survives(&lower));

    let later = day("2027-01-15");
    r.fields.actions.push(TreatmentAction {
        title: "Quarterly bias audit".into(),
        owner: String::new(),
        due_date: Some(day("2027-01-01")),
        status: ActionStatus::Planned,
        controls: vec![],
    });
    let status = r.status(&criteria, later);
    assert!(status.review_overdue);
    assert_eq!(status.overdue_actions, 1);
    assert_eq!(status.acceptance, AcceptanceState::Expired);
    assert_eq!(
        r.status(&criteria, today).acceptance,
        AcceptanceState::Current
    );
}

#[test]
fn the_heat_map_counts_inherent_and_residual_ratings() {
    let criteria = RiskCriteria::default_5x5();
    let mut untreated = fields();
    untreated.residual = None;
    let risks = vec![risk(fields()), risk(fields()), risk(untreated)];
    let inherent = heat_map(&criteria, &risks, Basis::Inherent);
    assert_eq!(inherent[3][3], 3);
    assert_eq!(inherent.iter().flatten().sum::<usize>(), 3);
    let residual = heat_map(&criteria, &risks, Basis::Residual);
    assert_eq!(residual[1][3], 2);
    assert_eq!(residual[3][3], 1);
}

#[test]
fn linked_controls_are_listed_once() {
    let mut f = fields();
    let again = f.actions[0].clone();
    f.actions.push(again);
    let links = f.linked_controls();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].control_ref, "A.7.4");
}
