//! The demo organisation loaded by `aims serve --demo`: a mid-sized company that builds,
//! buys and uses AI, with the records an AI governance team would keep about them.

use aims_domain::Role;
use aims_domain::inventory::{
    DatasetFields, ModelFields, RecordFields, SupplierFields, SystemFields, parse_new,
};
use aims_store::{Actor, NewUser, Store};
use anyhow::Context;
use serde_json::{Value, json};
use uuid::Uuid;

pub const ORGANISATION: &str = "Northwind Retail & Finance";

/// Demo colleagues of the admin, one per role, sharing the admin's password.
pub const USERS: &[(&str, &str, Role)] = &[
    ("maria", "Maria Okafor (AI governance lead)", Role::Manager),
    ("sam", "Sam Lindqvist (ML engineer)", Role::Contributor),
    ("alex", "Alex Moreau (internal auditor)", Role::Auditor),
];

async fn add<F: RecordFields>(
    store: &Store,
    actor: &Actor,
    org: Uuid,
    fields: Value,
) -> anyhow::Result<Uuid> {
    let name = fields["name"].as_str().unwrap_or_default().to_owned();
    let parsed: F = parse_new(fields)
        .map_err(|e| anyhow::anyhow!("demo {} `{name}`: {e}", F::KIND.singular()))?;
    Ok(store.create_record(actor, org, parsed).await?.id)
}

/// Loads the demo content into the (single) organisation of a fresh installation.
pub async fn load(store: &Store) -> anyhow::Result<()> {
    let org = store
        .organisations()
        .await?
        .into_iter()
        .next()
        .context("the demo needs its organisation")?
        .id;
    let admin = store
        .credentials(crate::commands::ADMIN_USERNAME)
        .await?
        .context("the demo needs its admin")?;
    let actor = Actor::user(admin.user_id, &admin.username);
    for (username, display_name, role) in USERS {
        store
            .create_user(
                &actor,
                org,
                NewUser {
                    username: (*username).into(),
                    display_name: (*display_name).into(),
                    email: format!("{username}@northwind.example"),
                    password_hash: admin.password_hash.clone(),
                    role: *role,
                },
            )
            .await?;
    }

    let lumina = add::<SupplierFields>(store, &actor, org, json!({
        "name": "Lumina Optics GmbH", "supplies": ["models", "software"],
        "description": "Supplies the entrance cameras and the pre-trained person-detection backbone we fine-tune. Contract NW-2023-117 includes model update notices and a bias test report per release.",
        "contact_name": "Jonas Weber", "contact_email": "jonas.weber@lumina-optics.example", "due_diligence_status": "approved_with_conditions"
    })).await?;
    let parlant = add::<SupplierFields>(store, &actor, org, json!({
        "name": "Parlant AI Ltd", "supplies": ["models", "services"],
        "description": "Hosted large language model behind the customer service assistant. Data processing agreement signed; questionnaire on training data provenance and red-teaming still open.",
        "contact_name": "Priya Raman", "contact_email": "trust@parlant.example", "due_diligence_status": "in_progress"
    })).await?;
    let bureau = add::<SupplierFields>(store, &actor, org, json!({
        "name": "Credit Bureau Nord", "supplies": ["data"],
        "description": "Monthly extracts of credit histories used as features for consumer credit scoring.",
        "contact_name": "Data licensing desk", "contact_email": "licensing@cbnord.example", "due_diligence_status": "approved"
    })).await?;
    let annotate = add::<SupplierFields>(store, &actor, org, json!({
        "name": "OpenAnnotate Co.", "supplies": ["services"],
        "description": "Labelling of camera frames (bounding boxes) and of support transcripts, with annotator guidelines we approve.",
        "contact_email": "projects@openannotate.example", "due_diligence_status": "approved"
    })).await?;
    let _ = annotate;

    let detector = add::<SystemFields>(store, &actor, org, json!({
        "name": "Entrance person detector",
        "description": "Counts people passing store and office entrances from ceiling cameras, to manage occupancy limits and evacuations. Frames are processed on the device; only counts and anonymous track statistics leave it.",
        "intended_purpose": "Occupancy counting and evacuation support. Not for identifying, tracking or profiling individuals, and not for access control decisions.",
        "owner": "Facilities technology", "ai_role": "developer", "lifecycle_stage": "operation",
        "deployment_context": "312 cameras in 41 stores and 3 offices; varying light (daylight, night, glare), crowds at peak hours, people carrying goods, prams and wheelchairs.",
        "affected_stakeholders": ["Customers and visitors", "Employees", "Contractors", "Emergency services"],
        "human_oversight": "Store managers see live counts and can override the occupancy signal; security staff review any evacuation-count discrepancy. The detector must work equally well regardless of skin tone, clothing colour and how people move; recall per group is reviewed before each release.",
        "criticality": "high"
    })).await?;
    let credit = add::<SystemFields>(store, &actor, org, json!({
        "name": "Consumer credit scoring",
        "description": "Scores consumer loan applications for probability of default; the score and its main reasons are shown to credit officers.",
        "intended_purpose": "Support, not replace, credit officers' decisions on consumer loans up to EUR 50,000.",
        "owner": "Retail credit risk", "ai_role": "provider", "lifecycle_stage": "operation",
        "deployment_context": "Online and branch loan applications, about 4,000 a month; integrated with the loan origination system.",
        "affected_stakeholders": ["Loan applicants", "Credit officers", "Regulator"],
        "human_oversight": "A credit officer takes every decision and may override the score with a recorded reason; overrides are reviewed monthly.",
        "criticality": "critical"
    })).await?;
    let assistant = add::<SystemFields>(store, &actor, org, json!({
        "name": "Customer service assistant",
        "description": "Chat assistant on the website and app that answers questions about orders, returns and card payments, built on a hosted large language model from Parlant AI.",
        "intended_purpose": "Answer customer questions from approved help content; hand over to a human agent for complaints, credit questions and anything it cannot answer.",
        "owner": "Customer service", "ai_role": "deployer", "lifecycle_stage": "deployment",
        "deployment_context": "Public website and mobile app, about 60,000 conversations a month, English and Swedish.",
        "affected_stakeholders": ["Customers", "Support agents"],
        "human_oversight": "Handover button on every answer; agents sample 2% of conversations weekly; answers are limited to retrieved help articles.",
        "criticality": "medium"
    })).await?;
    let classifier = add::<SystemFields>(store, &actor, org, json!({
        "name": "Internal document classifier",
        "description": "Routes incoming letters and e-mails to the right back-office team by topic.",
        "intended_purpose": "Queue routing only; no decision about a customer is taken from its output.",
        "owner": "Operations excellence", "ai_role": "developer", "lifecycle_stage": "operation",
        "deployment_context": "Back-office mail intake, about 9,000 documents a week.",
        "affected_stakeholders": ["Back-office staff", "Customers who write to us"],
        "human_oversight": "Teams re-route misfiled documents with one click; re-routes feed the monthly quality report.",
        "criticality": "low"
    })).await?;
    add::<SystemFields>(store, &actor, org, json!({
        "name": "Card fraud alert triage",
        "description": "Proposed ranking of card fraud alerts so analysts see the likeliest fraud first.",
        "intended_purpose": "Order the analysts' queue; every alert is still reviewed.",
        "owner": "Fraud operations", "ai_role": "developer", "lifecycle_stage": "design",
        "affected_stakeholders": ["Card holders", "Fraud analysts"],
        "criticality": "medium"
    })).await?;

    let footage = add::<DatasetFields>(store, &actor, org, json!({
        "name": "Entrance footage 2023–2024, annotated",
        "description": "Sampled frames from entrance cameras with person bounding boxes.",
        "source": "Own cameras, 41 stores", "provenance": "Frames sampled at random hours across seasons; faces blurred before labelling; boxes drawn by OpenAnnotate under our guideline v4 and spot-checked (5%).",
        "collection_start": "2023-03-01", "collection_end": "2024-08-31", "personal_data": true, "special_category_data": false,
        "licence": "Internal use only",
        "known_quality_issues": "Night-time frames under-represent people with darker skin tones; few examples of high-visibility and dark clothing in low light; fast movement (running) is rare.",
        "supplier_id": Value::Null
    })).await?;
    let fairness_set = add::<DatasetFields>(store, &actor, org, json!({
        "name": "Detector fairness evaluation set",
        "description": "Held-out frames balanced by perceived skin tone (Monk scale groups), clothing colour and movement, for per-group recall.",
        "source": "Own cameras plus staged recordings with consenting volunteers", "provenance": "Volunteers recruited with written consent; group labels assigned by two annotators with adjudication.",
        "collection_start": "2024-05-01", "collection_end": "2024-06-30", "personal_data": true, "special_category_data": true,
        "licence": "Internal use only; consent covers evaluation, not training",
        "known_quality_issues": "Small groups for some combinations (about 150 frames), so intervals are wide."
    })).await?;
    let applications = add::<DatasetFields>(store, &actor, org, json!({
        "name": "Loan applications 2018–2023",
        "description": "Consumer loan applications with repayment outcomes.",
        "source": "Loan origination system", "provenance": "Extracted quarterly by the data platform team; outcome window 12 months.",
        "collection_start": "2018-01-01", "collection_end": "2023-12-31", "personal_data": true, "special_category_data": false,
        "licence": "Internal",
        "known_quality_issues": "Outcomes exist only for approved applications (selection bias); 2020 holds pandemic payment holidays."
    })).await?;
    let bureau_data = add::<DatasetFields>(store, &actor, org, json!({
        "name": "Credit bureau extracts",
        "source": "Credit Bureau Nord monthly delivery", "provenance": "Delivered over SFTP, validated against the bureau's schema; matched on national id hash.",
        "collection_start": "2018-01-01", "personal_data": true, "licence": "Licence CBN-2022-04, credit scoring only",
        "known_quality_issues": "Thin files for young applicants and recent immigrants.", "supplier_id": bureau
    })).await?;
    let transcripts = add::<DatasetFields>(store, &actor, org, json!({
        "name": "Support conversations sample (redacted)",
        "description": "Conversations used to evaluate the assistant's answers and handovers.",
        "source": "Assistant logs", "provenance": "Random 1% sample, personal data redacted automatically then checked by hand.",
        "collection_start": "2025-01-01", "personal_data": true, "licence": "Internal",
        "known_quality_issues": "Swedish conversations are under-sampled."
    })).await?;
    let routing = add::<DatasetFields>(store, &actor, org, json!({
        "name": "Document routing corpus",
        "source": "Back-office mail intake", "provenance": "Documents with the team that finally handled them, 2022–2024.",
        "collection_start": "2022-01-01", "collection_end": "2024-12-31", "personal_data": true, "licence": "Internal",
        "known_quality_issues": "Labels follow the old team structure before the 2024 reorganisation."
    })).await?;

    add::<ModelFields>(store, &actor, org, json!({
        "name": "people-det-yolo-ft", "version": "3.2.0", "model_type": "Object detector (person class)", "framework": "PyTorch 2.3",
        "system_id": detector, "supplier_id": lumina, "training_dataset_ids": [footage], "evaluation_dataset_ids": [fairness_set],
        "headline_metrics": {"mAP@0.5": 0.87, "recall": 0.91, "recall_worst_group": 0.78}
    })).await?;
    add::<ModelFields>(store, &actor, org, json!({
        "name": "credit-pd-gbm", "version": "2024.11", "model_type": "Gradient-boosted trees (probability of default)", "framework": "LightGBM 4.3",
        "system_id": credit, "training_dataset_ids": [applications, bureau_data], "evaluation_dataset_ids": [applications],
        "headline_metrics": {"auc": 0.81, "ks": 0.47, "demographic_parity_ratio": 0.86}
    })).await?;
    add::<ModelFields>(store, &actor, org, json!({
        "name": "parlant-assist-large", "version": "2025-06", "model_type": "Large language model (hosted)", "framework": "Vendor API",
        "system_id": assistant, "supplier_id": parlant, "evaluation_dataset_ids": [transcripts],
        "headline_metrics": {"resolution_rate": 0.64, "handover_rate": 0.18, "unsupported_answer_rate": 0.03}
    })).await?;
    add::<ModelFields>(store, &actor, org, json!({
        "name": "doc-router-distilbert", "version": "1.4.2", "model_type": "Text classifier", "framework": "Transformers 4.44",
        "system_id": classifier, "training_dataset_ids": [routing], "evaluation_dataset_ids": [routing],
        "headline_metrics": {"macro_f1": 0.89, "accuracy": 0.93}
    })).await?;
    let pipeline = Actor::user(admin.user_id, "admin (token monitoring-pipeline)");
    decisions(
        store,
        &pipeline,
        org,
        detector,
        DETECTOR_EVENTS,
        detector_event,
    )
    .await?;
    decisions(store, &pipeline, org, credit, CREDIT_EVENTS, credit_event).await?;
    load_soa(store, &actor, org).await?;
    let systems = DemoSystems {
        detector,
        credit,
        assistant,
        classifier,
    };
    load_risks(store, &actor, org, &systems).await?;
    let names = store
        .record_names(org, aims_domain::inventory::RecordKind::System)
        .await?;
    let names: Vec<(Uuid, &str)> = names.iter().map(|(id, n)| (*id, n.as_str())).collect();
    crate::demo_eu_ai_act::seed(store, &actor, org, &names).await?;
    load_assessments(store, &actor, org, &systems).await?;
    load_evaluations(store, org, &systems).await?;
    Ok(())
}

/// A fairness evaluation of the person detector (recall clearly lower for one skin tone) and
/// a drift evaluation of the credit model, computed from generated files as `aims eval` does.
async fn load_evaluations(store: &Store, org: Uuid, s: &DemoSystems) -> anyhow::Result<()> {
    use aims_analytics::{DriftParams, FairnessParams, evaluate_drift, evaluate_fairness};
    use aims_domain::evaluation::{EvaluationKind, NewEvaluation, drift_verdict, fairness_verdict};
    let dir = std::env::temp_dir().join(format!("aims-demo-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    let mut dice = Dice(7);
    let mut detector = String::from("person_present,detected,skin_tone,clothing\n");
    for _ in 0..4000 {
        let tone = dice.pick(&["light", "medium", "dark"]);
        let clothing = dice.pick(&["light", "dark", "high-visibility"]);
        let present = dice.next() < 0.6;
        let recall = match (tone, clothing) {
            ("dark", "dark") => 0.74,
            ("dark", _) => 0.86,
            (_, "dark") => 0.93,
            _ => 0.96,
        };
        let detected = if present {
            dice.next() < recall
        } else {
            dice.next() < 0.03
        };
        detector.push_str(&format!(
            "{},{},{tone},{clothing}\n",
            u8::from(present),
            u8::from(detected)
        ));
    }
    let detector_file = dir.join("detector-night-eval-2026-10.csv");
    std::fs::write(&detector_file, detector)?;
    let params = FairnessParams {
        label: "person_present".into(),
        prediction: "detected".into(),
        score: None,
        sensitive: vec!["skin_tone".into(), "clothing".into()],
        positive_label: None,
        min_group_size: 30,
        delimiter: b',',
    };
    let report = serde_json::to_value(evaluate_fairness(&detector_file, &params)?)?;
    let tool_version = format!("aims {}", env!("CARGO_PKG_VERSION"));
    let pipeline = Actor::system("aims eval");
    let named = |path: &std::path::Path| -> anyhow::Result<aims_domain::evaluation::InputFile> {
        let mut input = crate::commands::eval::file_digest(path)?;
        input.name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(input)
    };
    store
        .create_evaluation(&pipeline, org, s.detector, NewEvaluation {
            kind: EvaluationKind::Fairness,
            inputs: vec![named(&detector_file)?],
            parameters: json!({"label": "person_present", "prediction": "detected", "sensitive": ["skin_tone", "clothing"], "min_group_size": 30}),
            tool_version: tool_version.clone(),
            verdict: fairness_verdict(&report),
            result: report,
        })
        .await?;

    let mut reference = String::from("income,debt_to_income,channel\n");
    let mut current = reference.clone();
    for _ in 0..3000 {
        let income = 2200.0 + dice.next() * 4000.0;
        let dti = 0.1 + dice.next() * 0.3;
        reference.push_str(&format!(
            "{income:.0},{dti:.3},{}\n",
            dice.pick(&["branch", "web", "web", "app"])
        ));
    }
    for _ in 0..2500 {
        let income = 2000.0 + dice.next() * 4000.0;
        let dti = 0.16 + dice.next() * 0.34;
        current.push_str(&format!(
            "{income:.0},{dti:.3},{}\n",
            dice.pick(&["branch", "web", "app", "app"])
        ));
    }
    let (reference_file, current_file) = (
        dir.join("applications-2025.csv"),
        dir.join("applications-2026-10.csv"),
    );
    std::fs::write(&reference_file, reference)?;
    std::fs::write(&current_file, current)?;
    let params = DriftParams {
        columns: Vec::new(),
        bins: aims_analytics::drift::DEFAULT_BINS,
        psi_floor: aims_analytics::drift::DEFAULT_PSI_FLOOR,
        psi_warn: aims_analytics::drift::DEFAULT_PSI_WARN,
        psi_alarm: aims_analytics::drift::DEFAULT_PSI_ALARM,
        delimiter: b',',
    };
    let report = serde_json::to_value(evaluate_drift(&reference_file, &current_file, &params)?)?;
    store
        .create_evaluation(&pipeline, org, s.credit, NewEvaluation {
            kind: EvaluationKind::Drift,
            inputs: vec![named(&reference_file)?, named(&current_file)?],
            parameters: json!({"bins": params.bins, "psi_warn": params.psi_warn, "psi_alarm": params.psi_alarm}),
            tool_version,
            verdict: drift_verdict(&report),
            result: report,
        })
        .await?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// Demo answers checked and evaluated against a bundled template, as the API does.
fn assessed(template_id: &str, answers: Value) -> anyhow::Result<aims_store::AssessmentContent> {
    let library = aims_server::library::current().context("the library does not load")?;
    let template = library
        .template(template_id)
        .with_context(|| format!("the bundled template {template_id}"))?;
    let answers = serde_json::from_value(answers)?;
    let review_due = chrono::Utc::now().date_naive() + chrono::Duration::days(300);
    aims_server::assessments::evaluate(template, answers, Some(review_due))
        .map_err(|e| anyhow::anyhow!("demo answers for {template_id}: {e}"))
}

/// An approved impact assessment of the person detector, and a draft for the credit model.
async fn load_assessments(
    store: &Store,
    actor: &Actor,
    org: Uuid,
    s: &DemoSystems,
) -> anyhow::Result<()> {
    const TEMPLATE: &str = "impact-individuals-groups";
    let detector = assessed(
        TEMPLATE,
        json!({
            "intended-purpose": "Counts people passing store and office entrances to manage occupancy limits and support evacuations. It does not identify or track individuals and is not used for access control.",
            "decision-role": "one-input",
            "effect-significance": "moderate",
            "people-affected": "over-100000",
            "rights-affected": ["privacy", "non-discrimination"],
            "protected-characteristics": true,
            "group-performance": "gap-mitigated",
            "fairness-measures": "Recall per skin-tone group and clothing colour on the 2025 validation set; releases are blocked when the gap exceeds 2 points.",
            "physical-harm": true,
            "psychological-harm": false,
            "harm-severity": 3,
            "personal-data": "ordinary",
            "sensitive-inferences": false,
            "purpose-creep": true,
            "informed-of-ai": "clearly-beforehand",
            "alternative": "equivalent",
            "influences-choices": false,
            "explanation": "general",
            "human-review": "timely",
            "can-stop": true,
            "vulnerable-groups": ["children", "disabilities"],
            "accessibility": "checked",
            "mitigations": "On-device processing, counts only; signage at every entrance; per-group recall gate; store managers can override the occupancy signal; wheelchair users and prams in the test set.",
        }),
    )?;
    let a = store
        .create_assessment(actor, org, s.detector, TEMPLATE, detector)
        .await?;
    let maria = store
        .credentials("maria")
        .await?
        .context("the demo needs its AI governance lead")?;
    store
        .approve_assessment(
            &Actor::user(maria.user_id, &maria.username),
            org,
            a.id,
            a.revision,
            "Reviewed with facilities and the data protection officer; the per-group recall gate is the key control.",
        )
        .await?;
    let credit = assessed(
        TEMPLATE,
        json!({
            "intended-purpose": "Scores consumer loan applications for probability of default; credit officers decide.",
            "decision-role": "usually-followed",
            "effect-significance": "significant",
            "people-affected": "under-100000",
            "rights-affected": ["non-discrimination", "privacy", "social-protection"],
            "protected-characteristics": true,
            "group-performance": "gap-open",
        }),
    )?;
    store
        .create_assessment(actor, org, s.credit, TEMPLATE, credit)
        .await?;
    Ok(())
}

/// The demo systems that risks and classifications refer to.
struct DemoSystems {
    detector: Uuid,
    credit: Uuid,
    assistant: Uuid,
    classifier: Uuid,
}

/// A treatment action of a demo risk: title, owner, due in days from today (negative:
/// already past), status, ISO/IEC 42001 controls.
type DemoAction<'a> = (&'a str, &'a str, i64, &'a str, &'a [&'a str]);

#[allow(clippy::too_many_arguments)] // the columns of one demo risk, written as a table below
fn demo_risk(
    title: &str,
    description: &str,
    systems: &[Uuid],
    sources: &[&str],
    parties: &[&str],
    inherent: (u8, u8),
    owner: &str,
    treatment: &str,
    actions: &[DemoAction<'_>],
    residual: Option<(u8, u8)>,
    review_in_days: i64,
) -> anyhow::Result<aims_domain::risk::RiskFields> {
    let today = chrono::Utc::now().date_naive();
    let day = |days: i64| (today + chrono::Duration::days(days)).to_string();
    let actions: Vec<Value> = actions
        .iter()
        .map(|(title, owner, due, status, controls)| {
            json!({
                "title": title, "owner": owner, "due_date": day(*due), "status": status,
                "controls": controls.iter().map(|c| json!({"framework_id": "iso-iec-42001-2023", "ref": c})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let body = json!({
        "title": title, "description": description, "system_ids": systems, "sources": sources,
        "affected_parties": parties, "inherent": {"likelihood": inherent.0, "impact": inherent.1},
        "owner": owner, "treatment": treatment, "actions": actions,
        "residual": residual.map(|(l, i)| json!({"likelihood": l, "impact": i})),
        "review_due": day(review_in_days),
    });
    serde_json::from_value(body).map_err(|e| anyhow::anyhow!("demo risk `{title}`: {e}"))
}

/// A 5×5 matrix saved as the organisation's criteria, seven risks across the demo systems,
/// most treated, one accepted by the AI governance lead, one with an overdue action and one
/// with an overdue review.
async fn load_risks(
    store: &Store,
    actor: &Actor,
    org: Uuid,
    s: &DemoSystems,
) -> anyhow::Result<()> {
    use aims_domain::risk::{AcceptRisk, RiskCriteria};
    store
        .set_risk_criteria(actor, org, RiskCriteria::default_5x5(), 0)
        .await?;
    let risks = [
        demo_risk(
            "Person detector misses people with darker skin tones",
            "Recall measured on the 2025 validation set is 6 points lower for the darkest skin-tone group at night. Missed people make occupancy counts too low, which matters most during evacuations.",
            &[s.detector],
            &["fairness", "data-quality"],
            &["Customers and visitors", "Employees", "Emergency services"],
            (4, 4),
            "Head of facilities technology",
            "modify",
            &[
                (
                    "Rebalance training frames across skin tones and lighting",
                    "ML team",
                    -60,
                    "done",
                    &["A.7.4"],
                ),
                (
                    "Block releases whose per-group recall gap exceeds 2 points",
                    "ML team",
                    -30,
                    "done",
                    &["A.6.2.4"],
                ),
            ],
            Some((2, 4)),
            120,
        )?,
        demo_risk(
            "Detector under-counts in glare and crowds",
            "Direct sunlight at entrances and dense crowds at peak hours merge detections.",
            &[s.detector],
            &["robustness", "complexity-of-environment"],
            &["Customers and visitors"],
            (3, 3),
            "Head of facilities technology",
            "modify",
            &[(
                "Add glare and crowd frames to the test set",
                "ML team",
                45,
                "in_progress",
                &["A.6.2.4"],
            )],
            Some((2, 3)),
            90,
        )?,
        demo_risk(
            "Credit score drifts after interest-rate changes",
            "Applicant income and debt distributions shift when rates move; PSI on debt-to-income passed 0.2 in two months of 2025.",
            &[s.credit],
            &["robustness", "data-quality"],
            &["Loan applicants", "Credit officers"],
            (4, 4),
            "Retail credit risk",
            "modify",
            &[
                (
                    "Monthly drift report on every feature (PSI, KS)",
                    "Model risk",
                    -90,
                    "done",
                    &["A.6.2.6"],
                ),
                (
                    "Retraining trigger and challenger model",
                    "Model risk",
                    -14,
                    "planned",
                    &["A.6.2.6", "A.6.2.5"],
                ),
            ],
            Some((2, 3)),
            60,
        )?,
        demo_risk(
            "Credit model disadvantages older applicants through proxies",
            "Length of credit history and device type correlate with age; approval-rate ratio for applicants over 65 was 0.84 in the last fairness review.",
            &[s.credit],
            &["fairness", "explainability"],
            &["Loan applicants", "Regulator"],
            (3, 5),
            "Retail credit risk",
            "modify",
            &[
                (
                    "Quarterly fairness review by age band with an 0.8 ratio threshold",
                    "Model risk",
                    -20,
                    "done",
                    &["A.5.4"],
                ),
                (
                    "Reason codes for every score shown to officers and applicants",
                    "Credit IT",
                    -45,
                    "done",
                    &["A.8.2"],
                ),
            ],
            Some((2, 4)),
            90,
        )?,
        demo_risk(
            "Assistant gives wrong refund or payment information",
            "The hosted language model can state return periods or fees that are not in the help articles.",
            &[s.assistant],
            &["transparency", "robustness"],
            &["Customers", "Support agents"],
            (4, 3),
            "Head of customer service",
            "modify",
            &[
                (
                    "Answer only from retrieved help articles, with the source linked",
                    "Digital channels",
                    -40,
                    "done",
                    &["A.6.2.4"],
                ),
                (
                    "Handover button and weekly sampling by agents",
                    "Customer service",
                    -40,
                    "done",
                    &["A.9.2"],
                ),
            ],
            Some((2, 3)),
            150,
        )?,
        demo_risk(
            "Customer personal data leaks to the language-model provider",
            "Customers paste card numbers and addresses into the chat; prompts are processed by Parlant AI outside our network.",
            &[s.assistant],
            &["privacy", "third-party-components"],
            &["Customers"],
            (3, 4),
            "Data protection officer",
            "share",
            &[
                (
                    "Data processing agreement with no-training and 30-day deletion terms",
                    "Procurement",
                    -100,
                    "done",
                    &["A.10.3"],
                ),
                (
                    "Redact card numbers and addresses before prompts leave our network",
                    "Digital channels",
                    50,
                    "in_progress",
                    &["A.7.4"],
                ),
            ],
            Some((2, 4)),
            75,
        )?,
        demo_risk(
            "Misrouted complaints wait longer",
            "A complaint classified as a general enquiry reaches the complaints team a day later.",
            &[s.classifier],
            &["accountability"],
            &["Customers who write to us"],
            (2, 2),
            "Operations excellence",
            "retain",
            &[],
            None,
            -30,
        )?,
    ];
    let mut ids = Vec::new();
    for fields in risks {
        ids.push(store.create_risk(actor, org, fields).await?);
    }
    // The AI governance lead accepts the treated assistant risk for the coming months.
    let maria = store
        .credentials("maria")
        .await?
        .context("the demo needs its AI governance lead")?;
    let today = chrono::Utc::now().date_naive();
    let accepted = &ids[4];
    store
        .accept_risk(
            &Actor::user(maria.user_id, &maria.username),
            Role::Manager,
            org,
            accepted.id,
            accepted.revision,
            &AcceptRisk {
                rationale: "Answers are limited to help articles and every conversation can be handed over; the remaining risk is within the customer-service risk appetite agreed in the 2026 management review.".into(),
                expires_on: today + chrono::Duration::days(200),
            },
            today,
        )
        .await?;
    Ok(())
}

/// Controls with their own entry in the demo SoA: (ref, status, owner, target date and
/// evidence expiry in days from today, evidence, justification). The other controls are
/// included and not started.
type DemoControl = (
    &'static str,
    &'static str,
    &'static str,
    Option<i64>,
    &'static [(&'static str, Option<i64>)],
    &'static str,
);

const CONTROLS: &[DemoControl] = &[
    (
        "A.2.2",
        "implemented",
        "Maria Okafor",
        None,
        &[(
            "AI policy v1.2, approved by the board 2025-11-04 (DMS-POL-017)",
            Some(300),
        )],
        "Northwind builds, buys and operates AI in lending, stores and customer service; a board-approved AI policy sets the rules for all of it.",
    ),
    (
        "A.2.3",
        "implemented",
        "Maria Okafor",
        None,
        &[(
            "Policy alignment matrix AI / security / privacy / model risk (DMS-POL-021)",
            None,
        )],
        "The AI policy touches the security, privacy and model-risk policies already in force; conflicts between them must be resolved.",
    ),
    (
        "A.2.4",
        "planned",
        "Maria Okafor",
        Some(240),
        &[],
        "The AI policy must stay current with the EU AI Act timeline and our own AI portfolio.",
    ),
    (
        "A.3.2",
        "implemented",
        "Maria Okafor",
        None,
        &[("RACI for AI systems, HR system role catalogue", None)],
        "Accountability for each AI system and each control must be assigned to named roles.",
    ),
    (
        "A.3.3",
        "partially_implemented",
        "Legal & Compliance",
        Some(120),
        &[(
            "Whistle-blowing channel extended to AI concerns (intranet notice 2025-09)",
            None,
        )],
        "Staff and customers need a way to raise concerns about AI systems without fear of retaliation.",
    ),
    (
        "A.4.2",
        "implemented",
        "Sam Lindqvist",
        None,
        &[(
            "AI inventory in aims (systems, models, datasets, suppliers)",
            None,
        )],
        "Resources used by our AI systems must be known to manage their risks.",
    ),
    (
        "A.4.3",
        "implemented",
        "Data Office",
        None,
        &[(
            "Dataset register in aims with provenance and personal-data flags",
            None,
        )],
        "Training and evaluation data are a key resource of our credit and detection models.",
    ),
    (
        "A.5.2",
        "implemented",
        "Maria Okafor",
        None,
        &[("Impact assessment procedure PRC-AI-04", Some(400))],
        "Credit scoring and in-store video analytics affect individuals; their impacts must be assessed before deployment.",
    ),
    (
        "A.5.3",
        "partially_implemented",
        "Maria Okafor",
        Some(90),
        &[(
            "Impact assessment of consumer credit scoring, 2025-10",
            None,
        )],
        "Impact assessments are evidence for regulators and customers and must be kept.",
    ),
    (
        "A.6.2.4",
        "partially_implemented",
        "Sam Lindqvist",
        Some(60),
        &[(
            "Fairness evaluation of people-det-yolo-ft 3.2.0 (aims eval report)",
            Some(-20),
        )],
        "Models we train or fine-tune must be verified and validated against their requirements before release.",
    ),
    (
        "A.6.2.6",
        "planned",
        "ML Platform team",
        Some(210),
        &[],
        "Deployed models drift; operation and monitoring must catch degradation.",
    ),
    (
        "A.6.2.8",
        "planned",
        "ML Platform team",
        Some(150),
        &[],
        "Decisions of the credit model must be traceable for complaints and supervisory reviews.",
    ),
    (
        "A.7.4",
        "implemented",
        "Data Office",
        None,
        &[(
            "Data quality rules for loan applications 2018–2023, quarterly report Q4 2025",
            Some(60),
        )],
        "Data quality drives the accuracy and fairness of the credit model.",
    ),
    (
        "A.7.5",
        "implemented",
        "Data Office",
        None,
        &[(
            "Provenance records for all datasets in the aims inventory",
            None,
        )],
        "We use data from our own operations and from Credit Bureau Nord; where it comes from must be recorded.",
    ),
    (
        "A.8.2",
        "planned",
        "Product owners",
        Some(180),
        &[],
        "Store staff and customer-service agents need to know what the AI systems do and their limits.",
    ),
    (
        "A.8.4",
        "implemented",
        "Legal & Compliance",
        None,
        &[("Incident communication plan PRC-INC-02", None)],
        "Incidents with AI systems may need to be reported to customers and supervisors within set deadlines.",
    ),
    (
        "A.10.3",
        "partially_implemented",
        "Procurement",
        Some(120),
        &[(
            "AI due-diligence questionnaire sent to Parlant AI Ltd and Lumina Optics GmbH",
            None,
        )],
        "We buy models and services from AI suppliers whose practices affect our risk.",
    ),
];

/// Controls the demo organisation excludes, with the reason.
const EXCLUDED: &[(&str, &str)] = &[
    (
        "A.10.4",
        "Northwind sells no AI systems or AI-based services to other organisations; its AI serves its own retail and lending operations. The people affected are covered by A.5 and A.8.",
    ),
    (
        "A.4.5",
        "All AI workloads run on the group cloud platform, whose capacity and computing resources are managed and certified under the group's ISO/IEC 27001 management system; Northwind operates no computing resources of its own for AI.",
    ),
];

/// Requirements with an assessment in the demo: (ref, status, owner, evidence, notes).
const REQUIREMENTS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "4.1",
        "conforming",
        "Maria Okafor",
        "Context analysis 2025 (PESTLE), reviewed at the management review",
        "Revisit after the EU AI Act high-risk obligations apply.",
    ),
    (
        "4.2",
        "conforming",
        "Maria Okafor",
        "Interested-parties register v2",
        "",
    ),
    (
        "4.3",
        "conforming",
        "Maria Okafor",
        "AIMS scope statement v1.1",
        "Scope: lending, stores and customer service in the EU.",
    ),
    (
        "5.1",
        "partially_conforming",
        "CEO",
        "Board minutes 2025-11-04 (AI policy approval)",
        "Resources for the AIMS not yet budgeted for 2026.",
    ),
    ("5.2", "conforming", "Maria Okafor", "AI policy v1.2", ""),
    (
        "5.3",
        "conforming",
        "Maria Okafor",
        "RACI for AI systems",
        "",
    ),
    (
        "6.1.2",
        "partially_conforming",
        "Maria Okafor",
        "AI risk assessment method PRC-AI-02",
        "Risk register being migrated into aims.",
    ),
    (
        "6.1.4",
        "partially_conforming",
        "Maria Okafor",
        "Impact assessment procedure PRC-AI-04",
        "Two of five systems assessed.",
    ),
    (
        "7.2",
        "not_conforming",
        "HR",
        "",
        "No competence requirements defined for ML roles yet.",
    ),
];

/// Adopts ISO/IEC 42001 with a partly filled SoA, approves it once and changes it after,
/// so that readiness, versions and comparison show real content on first start.
async fn load_soa(store: &Store, actor: &Actor, org: Uuid) -> anyhow::Result<()> {
    use aims_domain::soa::{ControlFields, RequirementFields};
    use aims_server::soa::{control_nodes, requirement_nodes};
    use aims_store::ItemUpdate;

    let library = aims_server::library::current().context("the library does not load")?;
    let fw = library
        .framework("iso-iec-42001-2023")
        .context("the bundled library has ISO/IEC 42001")?;
    let controls: Vec<String> = control_nodes(fw).map(|n| n.ref_.clone()).collect();
    let requirements: Vec<String> = requirement_nodes(fw).map(|n| n.ref_.clone()).collect();
    store
        .adopt_framework(actor, org, &fw.id, &controls, &requirements)
        .await?;

    // Expiry dates relative to today, so that the demo shows one expired piece of evidence
    // whenever it is started.
    let today = chrono::Utc::now().date_naive();
    let mut updates = Vec::new();
    for r in &controls {
        let value = if let Some((_, status, owner, target, evidence, why)) =
            CONTROLS.iter().find(|c| c.0 == r)
        {
            json!({
                "applicable": true, "justification": why, "status": status, "owner": owner,
                "target_date": target.map(|d| (today + chrono::Duration::days(d)).to_string()), "risk_ids": [],
                "evidence": evidence.iter().map(|(reference, days)| json!({
                    "reference": reference,
                    "expires_on": days.map(|d| (today + chrono::Duration::days(d)).to_string()),
                })).collect::<Vec<_>>(),
            })
        } else if let Some((_, why)) = EXCLUDED.iter().find(|c| c.0 == r) {
            json!({"applicable": false, "justification": why, "status": "not_applicable", "owner": "Maria Okafor", "target_date": null, "risk_ids": [], "evidence": []})
        } else {
            json!({
                "applicable": true, "status": "not_started", "owner": "", "target_date": null, "risk_ids": [], "evidence": [],
                "justification": "Applies to the AI systems Northwind develops and operates; treatment is scheduled in the 2026 AIMS plan.",
            })
        };
        let fields: ControlFields =
            serde_json::from_value(value).with_context(|| format!("demo control {r}"))?;
        updates.push(ItemUpdate {
            item_ref: r.clone(),
            expected_revision: 1,
            fields,
        });
    }
    store.update_soa_items(actor, org, updates).await?;

    let mut updates = Vec::new();
    for (r, status, owner, evidence, notes) in REQUIREMENTS {
        let evidence: Vec<Value> = if evidence.is_empty() {
            Vec::new()
        } else {
            vec![json!({"reference": evidence})]
        };
        let fields: RequirementFields = serde_json::from_value(
            json!({"status": status, "owner": owner, "notes": notes, "evidence": evidence}),
        )
        .with_context(|| format!("demo requirement {r}"))?;
        updates.push(ItemUpdate {
            item_ref: (*r).to_owned(),
            expected_revision: 1,
            fields,
        });
    }
    store.update_soa_items(actor, org, updates).await?;
    store
        .approve_soa(
            actor,
            org,
            "First Statement of Applicability for the certification audit.",
        )
        .await?;

    // Work since the approval: the draft differs from version 1.
    let current = store.soa_item::<ControlFields>(org, "A.2.4").await?;
    let mut fields = current.fields.clone();
    fields.status = aims_domain::soa::ImplementationStatus::PartiallyImplemented;
    fields.evidence = vec![aims_domain::soa::EvidenceRef {
        reference: "AI policy review checklist, first run 2026-01".into(),
        expires_on: None,
    }];
    store
        .update_soa_items(
            actor,
            org,
            vec![ItemUpdate {
                item_ref: "A.2.4".into(),
                expected_revision: current.revision,
                fields,
            }],
        )
        .await?;
    Ok(())
}

const DETECTOR_EVENTS: usize = 3_000;
const CREDIT_EVENTS: usize = 2_500;

/// A small deterministic generator (SplitMix64), so every demo start has the same events.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[((self.next() * items.len() as f64) as usize).min(items.len() - 1)]
    }
}

/// The person detector at the entrance: it misses more people with darker skin in dark
/// clothing, the bias its fairness evaluation is about. Ground truth comes from a
/// sampled manual review, so a fifth of the events have none yet.
fn detector_event(i: usize, dice: &mut Dice) -> Value {
    let skin = dice.pick(&["I-II", "III-IV", "V-VI"]);
    let clothing = dice.pick(&["light", "dark", "patterned"]);
    let person = dice.next() < 0.7;
    let recall = match (skin, clothing) {
        ("V-VI", "dark") => 0.74,
        ("V-VI", _) => 0.86,
        (_, "dark") => 0.9,
        _ => 0.95,
    };
    let detected = if person {
        dice.next() < recall
    } else {
        dice.next() < 0.04
    };
    let score = if detected {
        0.55 + 0.45 * dice.next()
    } else {
        0.5 * dice.next()
    };
    let mut event = json!({
        "id": format!("det-{i:05}"),
        "time": demo_time(i, DETECTOR_EVENTS),
        "model_version": "people-det-yolo-ft 3.2.0",
        "decision": detected,
        "score": (score * 1000.0).round() / 1000.0,
        "groups": {"skin_tone": skin, "clothing": clothing},
        "input_ref": format!("cam-entrance-2/frame/{}", 1_000_000 + i * 37),
        "human_override": false,
    });
    if dice.next() < 0.8 {
        event["ground_truth"] = Value::Bool(person);
    }
    event
}

/// The credit model: approvals by age band and sex, with ground truth (default or not)
/// known for the older applications only.
fn credit_event(i: usize, dice: &mut Dice) -> Value {
    let age = dice.pick(&["18-25", "26-40", "41-60", "60+"]);
    let sex = dice.pick(&["female", "male"]);
    let risk = dice.next() + if age == "18-25" { 0.12 } else { 0.0 };
    let approved = risk < 0.62;
    let mut event = json!({
        "id": format!("app-{i:05}"),
        "time": demo_time(i, CREDIT_EVENTS),
        "model_version": "credit-pd-gbm 2024.11",
        "decision": approved,
        "score": (risk.min(1.0) * 1000.0).round() / 1000.0,
        "groups": {"age_band": age, "sex": sex},
        "input_hash": format!("sha256:{:016x}{:016x}", i * 7919, i * 104_729),
        "human_override": !approved && dice.next() < 0.05,
    });
    if i < CREDIT_EVENTS * 2 / 3 {
        event["ground_truth"] = Value::Bool(dice.next() > risk * 0.4);
    }
    event
}

/// Event `i` of `n`, spread evenly over the 30 days before the demo's reference day.
fn demo_time(i: usize, n: usize) -> String {
    let start = chrono::DateTime::parse_from_rfc3339("2026-10-01T00:00:00Z")
        .expect("a valid time")
        .with_timezone(&chrono::Utc);
    let offset = chrono::Duration::seconds((30 * 24 * 3600 * i / n) as i64);
    (start + offset).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

async fn decisions(
    store: &Store,
    actor: &Actor,
    org: Uuid,
    system: Uuid,
    count: usize,
    event: fn(usize, &mut Dice) -> Value,
) -> anyhow::Result<()> {
    let mut dice = Dice(count as u64);
    let all: Vec<Value> = (0..count).map(|i| event(i, &mut dice)).collect();
    for chunk in all.chunks(1_000) {
        let body = Value::Array(chunk.to_vec()).to_string();
        let parsed = aims_domain::decision::parse_batch(
            body.as_bytes(),
            aims_domain::decision::BatchFormat::JsonArray,
            &mut || unreachable!("demo events carry their ids"),
        )
        .map_err(|e| anyhow::anyhow!("demo decision events: {e}"))?;
        store.append_decisions(actor, org, system, &parsed).await?;
    }
    Ok(())
}
