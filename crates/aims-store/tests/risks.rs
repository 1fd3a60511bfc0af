//! The risk register on every engine: criteria, ratings checked against them, acceptance by
//! allowed roles only, SoA links kept in step, deletes, tamper evidence and moves.

mod engines;

use engines::tamper;

use aims_domain::inventory::{SystemFields, parse_new};
use aims_domain::risk::{AcceptRisk, Rating, RiskCriteria, RiskFields};
use aims_domain::role::Role;
use aims_domain::soa::ControlFields;
use aims_store::{Actor, Problem, Store, StoreError};
use chrono::NaiveDate;
use serde_json::json;
use uuid::Uuid;

fn alice() -> Actor {
    Actor::system("alice")
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn fields(system: Uuid, control: &str) -> RiskFields {
    serde_json::from_value(json!({
        "title": "Person detector misses people with darker skin",
        "system_ids": [system],
        "sources": ["fairness", "data-quality"],
        "affected_parties": ["Visitors"],
        "inherent": {"likelihood": 4, "impact": 4},
        "owner": "Head of ML",
        "treatment": "modify",
        "actions": [{
            "title": "Rebalance the training data across skin tones",
            "status": "done",
            "controls": [{"framework_id": "iso-iec-42001-2023", "ref": control}]
        }],
        "residual": {"likelihood": 2, "impact": 4},
        "review_due": "2027-03-31"
    }))
    .unwrap()
}

async fn organisation(store: &Store) -> (Uuid, Uuid) {
    let org = store
        .create_organisation(&alice(), "Risk Org")
        .await
        .unwrap()
        .id;
    store
        .adopt_framework(
            &alice(),
            org,
            "iso-iec-42001-2023",
            &["A.7.4".into(), "A.6.2.4".into()],
            &[],
        )
        .await
        .unwrap();
    let system: SystemFields = parse_new(json!({"name": "Person detector"})).unwrap();
    let system = store.create_record(&alice(), org, system).await.unwrap().id;
    (org, system)
}

fn field_names(err: StoreError) -> Vec<String> {
    match err {
        StoreError::Invalid(e) => e.0.into_iter().map(|f| f.field).collect(),
        other => panic!("expected a validation error, got {other}"),
    }
}

#[tokio::test]
async fn the_register_keeps_its_rules_links_and_history() {
    let engines = engines::open_all().await;
    for (engine, store) in &engines.stores {
        let (org, system) = organisation(store).await;

        // Criteria: defaults until saved; a stale revision conflicts.
        let stored = store.risk_criteria(org).await.unwrap();
        assert_eq!((stored.revision, stored.criteria.likelihood.len()), (0, 5));
        let saved = store
            .set_risk_criteria(&alice(), org, RiskCriteria::default_5x5(), 0)
            .await
            .unwrap();
        assert_eq!(saved.revision, 1);
        assert!(matches!(
            store
                .set_risk_criteria(&alice(), org, RiskCriteria::default_5x5(), 0)
                .await,
            Err(StoreError::Conflict { revision: 1, .. })
        ));

        // Create: links the SoA control.
        let risk = store
            .create_risk(&alice(), org, fields(system, "A.7.4"))
            .await
            .unwrap();
        assert_eq!(risk.revision, 1);
        let control = store.soa_item::<ControlFields>(org, "A.7.4").await.unwrap();
        assert_eq!(control.fields.risk_ids, [risk.id], "{engine}");

        // Off the matrix, unknown system, retained at Critical: nothing stored.
        let mut bad = fields(Uuid::new_v4(), "A.7.4");
        bad.inherent = Rating {
            likelihood: 6,
            impact: 4,
        };
        let err = store.create_risk(&alice(), org, bad).await.unwrap_err();
        assert_eq!(
            field_names(err),
            ["inherent.likelihood", "system_ids[0]"],
            "{engine}"
        );
        assert_eq!(store.risks(org).await.unwrap().len(), 1);

        // Acceptance: a contributor may not accept a High residual; a manager may.
        let ask = AcceptRisk {
            rationale: "Within appetite after rebalancing".into(),
            expires_on: day("2027-06-30"),
        };
        let today = day("2026-11-23");
        let err = store
            .accept_risk(&alice(), Role::Contributor, org, risk.id, 1, &ask, today)
            .await
            .unwrap_err();
        assert_eq!(field_names(err), ["acceptance.role"]);
        let accepted = store
            .accept_risk(&alice(), Role::Manager, org, risk.id, 1, &ask, today)
            .await
            .unwrap();
        let acceptance = accepted.acceptance.clone().unwrap();
        assert_eq!((acceptance.role, accepted.revision), (Role::Manager, 2));

        // Moving the link to another control moves the SoA entry; a new residual rating
        // voids the acceptance.
        let mut moved = fields(system, "A.6.2.4");
        moved.residual = Some(Rating {
            likelihood: 1,
            impact: 4,
        });
        let updated = store
            .update_risk(&alice(), org, risk.id, 2, moved.clone())
            .await
            .unwrap();
        assert!(updated.acceptance.is_none());
        let old = store.soa_item::<ControlFields>(org, "A.7.4").await.unwrap();
        let new = store
            .soa_item::<ControlFields>(org, "A.6.2.4")
            .await
            .unwrap();
        assert!(old.fields.risk_ids.is_empty());
        assert_eq!(new.fields.risk_ids, [risk.id]);
        assert!(matches!(
            store.update_risk(&alice(), org, risk.id, 2, moved).await,
            Err(StoreError::Conflict { revision: 3, .. })
        ));

        // Shrinking the matrix under a rated risk is refused and names it.
        let mut small = RiskCriteria::default_5x5();
        small.likelihood.truncate(3);
        small.impact.truncate(3);
        small.cells = vec![vec![0, 0, 1], vec![0, 1, 2], vec![1, 2, 3]];
        let err = store
            .set_risk_criteria(&alice(), org, small, 1)
            .await
            .unwrap_err();
        assert!(err.to_string().contains(&risk.id.to_string()), "{err}");

        // A system named by a risk cannot be deleted.
        let err = store
            .delete_record::<SystemFields>(&alice(), org, system, None)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::InUse(_)), "{engine}: {err}");

        let history = store
            .history(org, "risk", &risk.id.to_string())
            .await
            .unwrap();
        assert_eq!(history.len(), 3);

        store
            .delete_risk(&alice(), org, risk.id, Some(3))
            .await
            .unwrap();
        let new = store
            .soa_item::<ControlFields>(org, "A.6.2.4")
            .await
            .unwrap();
        assert!(new.fields.risk_ids.is_empty(), "{engine}");
        let report = store.verify_ledger(Vec::new()).await.unwrap();
        assert!(report.ok, "{engine}: {:?}", report.failure);
    }
}

#[tokio::test]
async fn an_edited_risk_row_is_caught_and_a_move_carries_the_register() {
    let engines = engines::open_all().await;
    for engine in engines.names() {
        let (source, url) = engines.fresh_with_url(engine, "risks_source").await;
        let (org, system) = organisation(&source).await;
        let risk = source
            .create_risk(&alice(), org, fields(system, "A.7.4"))
            .await
            .unwrap();
        source
            .set_risk_criteria(&alice(), org, RiskCriteria::default_5x5(), 0)
            .await
            .unwrap();

        let mut file = Vec::new();
        source.export_all(&mut file).await.unwrap();
        let target = engines.fresh(engine, "risks_target").await;
        target.import_all(&file[..]).await.unwrap();
        assert_eq!(
            target.risks(org).await.unwrap(),
            std::slice::from_ref(&risk)
        );
        assert_eq!(target.risk_criteria(org).await.unwrap().revision, 1);
        assert!(target.verify_ledger(Vec::new()).await.unwrap().ok);

        tamper(
            &url,
            &format!(
                "UPDATE risks SET inherent = '{{\"likelihood\":1,\"impact\":1}}' WHERE id = '{}'",
                risk.id
            ),
        )
        .await;
        let report = source.verify_ledger(Vec::new()).await.unwrap();
        let failure = report.failure.expect("the edit is caught");
        assert_eq!(failure.problem, Problem::RecordEdited, "{engine}");
        assert_eq!(failure.record_kind.as_deref(), Some("risk"));
        assert_eq!(failure.record_id, Some(risk.id.to_string()));
    }
}
