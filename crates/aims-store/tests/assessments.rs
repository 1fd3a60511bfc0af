//! Impact assessments on every engine: versions per system and template, drafts that change
//! and approved versions that do not, risks raised in one step, tamper evidence and moves.

mod engines;

use engines::tamper;

use aims_domain::assessment::{AssessmentStatus, LevelReason};
use aims_domain::inventory::{SystemFields, parse_new};
use aims_domain::risk::RiskFields;
use aims_store::{Actor, AssessmentContent, Problem, Store, StoreError};
use serde_json::json;
use uuid::Uuid;

const TEMPLATE: &str = "impact-individuals-groups";

fn sam() -> Actor {
    Actor::system("sam")
}

fn content(answer: &str, level: &str) -> AssessmentContent {
    AssessmentContent {
        template_version: "1".into(),
        answers: serde_json::from_value(json!({"purpose": answer})).unwrap(),
        level: level.into(),
        reasons: vec![LevelReason {
            question_id: "purpose".into(),
            level: level.into(),
            text: answer.into(),
        }],
        review_due: Some("2027-06-30".parse().unwrap()),
    }
}

async fn system(store: &Store) -> (Uuid, Uuid) {
    let org = store
        .create_organisation(&sam(), "Assessing Org")
        .await
        .unwrap()
        .id;
    let fields: SystemFields = parse_new(json!({"name": "Person detector"})).unwrap();
    let id = store.create_record(&sam(), org, fields).await.unwrap().id;
    (org, id)
}

fn invalid_field(err: StoreError) -> String {
    match err {
        StoreError::Invalid(e) => e.0[0].field.clone(),
        other => panic!("expected a validation error, got {other}"),
    }
}

#[tokio::test]
async fn drafts_approvals_versions_and_risks() {
    let engines = engines::open_all().await;
    for (engine, store) in &engines.stores {
        let (org, sys) = system(store).await;
        let draft = store
            .create_assessment(&sam(), org, sys, TEMPLATE, content("counting", "low"))
            .await
            .unwrap();
        assert_eq!((draft.version, draft.status), (1, AssessmentStatus::Draft));

        // One draft at a time per system and template.
        let err = store
            .create_assessment(&sam(), org, sys, TEMPLATE, content("x", "low"))
            .await
            .unwrap_err();
        assert_eq!(invalid_field(err), "template_id", "{engine}");
        // Another system of another organisation is not found.
        assert!(matches!(
            store
                .create_assessment(&sam(), org, Uuid::new_v4(), TEMPLATE, content("x", "low"))
                .await,
            Err(StoreError::NotFound { .. })
        ));

        let saved = store
            .update_assessment(&sam(), org, draft.id, 1, content("identification", "high"))
            .await
            .unwrap();
        assert_eq!((saved.revision, saved.level.as_str()), (2, "high"));
        assert!(matches!(
            store
                .update_assessment(&sam(), org, draft.id, 1, content("y", "low"))
                .await,
            Err(StoreError::Conflict { revision: 2, .. })
        ));

        let approved = store
            .approve_assessment(&Actor::system("maria"), org, draft.id, 2, "Reviewed")
            .await
            .unwrap();
        assert_eq!(approved.status, AssessmentStatus::Approved);
        assert_eq!(approved.approved_by.as_deref(), Some("maria"));
        let err = store
            .update_assessment(&sam(), org, draft.id, 3, content("z", "low"))
            .await
            .unwrap_err();
        assert_eq!(invalid_field(err), "status");

        // Re-assessment: version 2, the first kept.
        let second = store
            .create_assessment(&sam(), org, sys, TEMPLATE, content("counting", "low"))
            .await
            .unwrap();
        assert_eq!(second.version, 2);
        let all = store.assessments(org, Some(sys)).await.unwrap();
        assert_eq!(
            all.iter().map(|a| a.version).collect::<Vec<_>>(),
            [2, 1],
            "newest first"
        );

        // A risk raised from the approved version, in one step.
        let fields: RiskFields = serde_json::from_value(json!({
            "title": "Identification of visitors",
            "system_ids": [sys],
            "inherent": {"likelihood": 3, "impact": 4},
        }))
        .unwrap();
        let (risk, linked) = store
            .raise_risk_from_assessment(&sam(), org, draft.id, fields)
            .await
            .unwrap();
        assert_eq!(linked.risk_ids, [risk.id]);
        assert_eq!(linked.status, AssessmentStatus::Approved);
        assert_eq!(store.risks(org).await.unwrap().len(), 1);
        // A bad risk leaves nothing behind.
        let bad: RiskFields = serde_json::from_value(json!({
            "title": "Off the matrix", "inherent": {"likelihood": 9, "impact": 1},
        }))
        .unwrap();
        assert!(
            store
                .raise_risk_from_assessment(&sam(), org, draft.id, bad)
                .await
                .is_err()
        );
        assert_eq!(store.risks(org).await.unwrap().len(), 1);
        assert_eq!(
            store
                .assessment(org, draft.id)
                .await
                .unwrap()
                .risk_ids
                .len(),
            1
        );

        // The system is evidence now: it cannot be deleted.
        let err = store
            .delete_record::<SystemFields>(&sam(), org, sys, None)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::InUse(_)), "{engine}: {err}");
        assert!(store.verify_ledger(Vec::new()).await.unwrap().ok);
    }
}

#[tokio::test]
async fn an_edited_approval_is_caught_and_a_move_carries_assessments() {
    let engines = engines::open_all().await;
    for engine in engines.names() {
        let (source, url) = engines.fresh_with_url(engine, "assess_source").await;
        let (org, sys) = system(&source).await;
        let a = source
            .create_assessment(&sam(), org, sys, TEMPLATE, content("counting", "low"))
            .await
            .unwrap();
        let a = source
            .approve_assessment(&sam(), org, a.id, 1, "")
            .await
            .unwrap();
        let mut file = Vec::new();
        source.export_all(&mut file).await.unwrap();
        let target = engines.fresh(engine, "assess_target").await;
        target.import_all(&file[..]).await.unwrap();
        assert_eq!(target.assessment(org, a.id).await.unwrap(), a);
        assert!(target.verify_ledger(Vec::new()).await.unwrap().ok);

        tamper(
            &url,
            &format!(
                "UPDATE impact_assessments SET level = 'low', approved_by = 'ceo' WHERE id = '{}'",
                a.id
            ),
        )
        .await;
        let failure = source
            .verify_ledger(Vec::new())
            .await
            .unwrap()
            .failure
            .expect("the edit is caught");
        assert_eq!(failure.problem, Problem::RecordEdited, "{engine}");
        assert_eq!(failure.record_kind.as_deref(), Some("impact_assessment"));
    }
}
