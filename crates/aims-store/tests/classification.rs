//! EU AI Act classifications on every engine: versions, the tier written to the system
//! through its logged update, refusals that save nothing, deletion refused, tamper evidence
//! and moves between installations.

mod engines;

use engines::tamper;

use aims_domain::eu_ai_act::{Answers, Tier};
use aims_domain::inventory::{EuAiActTier, SystemFields, parse_new};
use aims_store::{Actor, CLASSIFICATION_KIND, Problem, Store, StoreError};
use chrono::{Days, NaiveDate, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

fn alice() -> Actor {
    Actor::system("alice")
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn answers(value: Value) -> Answers {
    match value {
        Value::Object(map) => map.into_iter().collect(),
        other => panic!("expected an object, got {other}"),
    }
}

/// A provider and deployer of an AI system in scope with no prohibited practice and no
/// Art. 50 trigger, used in the given Annex III areas.
fn screened(areas: Value) -> Answers {
    answers(json!({
        "roles": ["provider", "deployer"],
        "provider_outside_eu": false,
        "ai_system": true,
        "gpai_model": false,
        "scope_exclusion": "none",
        "prohibited_manipulation": false,
        "prohibited_exploiting_vulnerabilities": false,
        "prohibited_social_scoring": false,
        "prohibited_crime_prediction": false,
        "prohibited_face_scraping": false,
        "prohibited_emotion_recognition": false,
        "prohibited_biometric_categorisation": false,
        "prohibited_realtime_rbi": false,
        "annex_i_product": false,
        "annex_iii_areas": areas,
        "interacts_with_people": false,
        "generates_synthetic_content": false,
        "emotion_or_biometric_categorisation": false,
    }))
}

fn minimal() -> Answers {
    screened(json!(["none"]))
}

/// A credit scoring system: high-risk under Annex III point 5(b).
fn credit_scoring() -> Answers {
    let mut a = screened(json!(["essential_services"]));
    a.insert("essential_services_use".into(), json!(["creditworthiness"]));
    a.insert("exception_6_3".into(), json!(["none"]));
    a.insert("deployer_type".into(), json!("other"));
    a
}

async fn organisation(store: &Store, name: &str) -> Uuid {
    store.create_organisation(&alice(), name).await.unwrap().id
}

async fn system(store: &Store, org: Uuid, name: &str) -> Uuid {
    let fields: SystemFields = parse_new(json!({"name": name})).unwrap();
    store.create_record(&alice(), org, fields).await.unwrap().id
}

#[tokio::test]
async fn versions_set_the_tier_and_stay_as_they_were() {
    let engines = engines::open_all().await;
    for (engine, store) in &engines.stores {
        let org = organisation(store, "Classifying Org").await;
        let sys = system(store, org, "Consumer credit scoring").await;
        assert!(store.classifications(org, sys).await.unwrap().is_empty());

        let first = store
            .classify_system(
                &alice(),
                org,
                sys,
                minimal(),
                "  First look.  ",
                day("2025-03-10"),
            )
            .await
            .unwrap();
        assert_eq!(first.version, 1);
        assert_eq!(first.result.tier, Tier::Minimal);
        assert_eq!(first.note, "First look.");
        assert_eq!(first.assessed_by, "alice");
        assert_eq!(first.assessed_on, day("2025-03-10"));
        let record = store.record::<SystemFields>(org, sys).await.unwrap();
        assert_eq!(record.fields.eu_ai_act_tier, EuAiActTier::Minimal);
        assert_eq!((record.revision, record.updated_by.as_str()), (2, "alice"));

        // The same tier again adds a version and leaves the system alone.
        let again = store
            .classify_system(&alice(), org, sys, minimal(), "", day("2025-04-01"))
            .await
            .unwrap();
        assert_eq!(again.version, 2);
        assert_eq!(
            store
                .record::<SystemFields>(org, sys)
                .await
                .unwrap()
                .revision,
            2
        );

        let third = store
            .classify_system(
                &alice(),
                org,
                sys,
                credit_scoring(),
                "Scores applicants.",
                day("2025-09-15"),
            )
            .await
            .unwrap();
        assert_eq!(third.version, 3);
        assert_eq!(third.result.tier, Tier::HighRisk);
        assert!(
            third
                .result
                .obligations
                .iter()
                .any(|o| o == "deployer.fria")
        );
        let record = store.record::<SystemFields>(org, sys).await.unwrap();
        assert_eq!(record.fields.eu_ai_act_tier, EuAiActTier::HighRisk);
        assert_eq!(record.revision, 3);

        // Newest first; each version reads back exactly as it was saved.
        let all = store.classifications(org, sys).await.unwrap();
        assert_eq!(
            all.iter().map(|c| c.version).collect::<Vec<_>>(),
            [3, 2, 1],
            "{engine}"
        );
        assert_eq!(all[0], third, "{engine}");
        assert_eq!(all[2], first, "{engine}");
        assert_eq!(store.classification(org, sys, 1).await.unwrap(), first);
        assert!(matches!(
            store.classification(org, sys, 4).await,
            Err(StoreError::NotFound { .. })
        ));

        // The latest per system, only for systems that have one.
        let other = system(store, org, "Internal document classifier").await;
        let latest = store.latest_classifications(org).await.unwrap();
        assert_eq!(latest.len(), 1);
        assert_eq!(latest[&sys].version, 3);
        assert!(!latest.contains_key(&other));

        // Another organisation can neither see nor classify the system.
        let stranger = organisation(store, "Other Org").await;
        for result in [
            store.classifications(stranger, sys).await.map(|_| ()),
            store
                .classify_system(&alice(), stranger, sys, minimal(), "", day("2025-09-15"))
                .await
                .map(|_| ()),
        ] {
            assert!(
                matches!(
                    &result,
                    Err(StoreError::NotFound {
                        kind: "AI system",
                        ..
                    })
                ),
                "{engine}: {result:?}"
            );
        }
        assert!(matches!(
            store.classification(stranger, sys, 1).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(
            store
                .latest_classifications(stranger)
                .await
                .unwrap()
                .is_empty()
        );

        // The system's history names the classification's change of tier.
        let history = store
            .history(org, "systems", &sys.to_string())
            .await
            .unwrap();
        assert_eq!(history.len(), 3, "{engine}");
        assert!(
            history[2]
                .changes
                .iter()
                .any(|c| c.field == "eu_ai_act_tier")
        );
        let history = store
            .history(org, CLASSIFICATION_KIND, &third.id.to_string())
            .await
            .unwrap();
        assert_eq!(history.len(), 1);

        let report = store.verify_ledger(Vec::new()).await.unwrap();
        assert!(report.ok, "{engine}: {:?}", report.failure);
    }
}

#[tokio::test]
async fn refusals_name_the_field_and_save_nothing() {
    let engines = engines::open_all().await;
    for (engine, store) in &engines.stores {
        let org = organisation(store, "Refusing Org").await;
        let sys = system(store, org, "Customer service assistant").await;

        let mut bad = minimal();
        bad.remove("ai_system");
        bad.insert("roles".into(), json!(["provider", "reseller"]));
        let tomorrow_but_one = Utc::now()
            .date_naive()
            .checked_add_days(Days::new(2))
            .unwrap();
        let err = store
            .classify_system(
                &alice(),
                org,
                sys,
                bad,
                &"x".repeat(2_001),
                tomorrow_but_one,
            )
            .await
            .unwrap_err();
        let StoreError::Invalid(errors) = &err else {
            panic!("{engine}: {err}");
        };
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "answers.roles[1]",
                "answers.ai_system",
                "note",
                "assessed_on"
            ],
            "{engine}: {err}"
        );

        let missing = Uuid::new_v4();
        assert!(matches!(
            store
                .classify_system(&alice(), org, missing, minimal(), "", day("2025-01-01"))
                .await,
            Err(StoreError::NotFound {
                kind: "AI system",
                ..
            })
        ));
        assert!(store.classifications(org, sys).await.unwrap().is_empty());
        let record = store.record::<SystemFields>(org, sys).await.unwrap();
        assert_eq!(
            (record.revision, record.fields.eu_ai_act_tier),
            (1, EuAiActTier::Unassessed)
        );
    }
}

#[tokio::test]
async fn a_classified_system_cannot_be_deleted() {
    let engines = engines::open_all().await;
    for (engine, store) in &engines.stores {
        let org = organisation(store, "Keeping Org").await;
        let sys = system(store, org, "Entrance person detector").await;
        store
            .classify_system(&alice(), org, sys, minimal(), "", day("2025-06-01"))
            .await
            .unwrap();
        let err = store
            .delete_record::<SystemFields>(&alice(), org, sys, None)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::InUse(m) if m.contains("EU AI Act classification")),
            "{engine}: {err}"
        );
        assert_eq!(store.classifications(org, sys).await.unwrap().len(), 1);

        // An unclassified system still can be.
        let other = system(store, org, "Card fraud alert triage").await;
        store
            .delete_record::<SystemFields>(&alice(), org, other, None)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn an_edited_classification_is_caught_and_a_move_carries_them() {
    let engines = engines::open_all().await;
    for engine in engines.names() {
        let (source, url) = engines.fresh_with_url(engine, "classify_source").await;
        let org = organisation(&source, "Moving Org").await;
        let sys = system(&source, org, "Consumer credit scoring").await;
        source
            .classify_system(&alice(), org, sys, minimal(), "", day("2025-03-10"))
            .await
            .unwrap();
        let latest = source
            .classify_system(
                &alice(),
                org,
                sys,
                credit_scoring(),
                "Re-assessed.",
                day("2025-09-15"),
            )
            .await
            .unwrap();

        let mut file = Vec::new();
        let summary = source.export_all(&mut file).await.unwrap();
        assert!(
            summary
                .tables
                .contains(&("eu_ai_act_classifications".to_owned(), 2)),
            "{engine}: {summary:?}"
        );
        let target = engines.fresh(engine, "classify_target").await;
        target.import_all(&file[..]).await.unwrap();
        assert_eq!(
            target.classifications(org, sys).await.unwrap(),
            source.classifications(org, sys).await.unwrap()
        );
        assert_eq!(
            target
                .record::<SystemFields>(org, sys)
                .await
                .unwrap()
                .fields
                .eu_ai_act_tier,
            EuAiActTier::HighRisk
        );
        let report = target.verify_ledger(Vec::new()).await.unwrap();
        assert!(report.ok, "{engine}: {:?}", report.failure);

        // Someone with database access makes the outcome milder: `aims verify` names it.
        tamper(
            &url,
            &format!(
                "UPDATE eu_ai_act_classifications SET result = REPLACE(result, '\"high_risk\"', '\"minimal\"') WHERE id = '{}'",
                latest.id
            ),
        )
        .await;
        let report = source.verify_ledger(Vec::new()).await.unwrap();
        let failure = report.failure.expect("the edit is caught");
        assert_eq!(failure.problem, Problem::RecordEdited, "{engine}");
        assert_eq!(failure.record_kind.as_deref(), Some(CLASSIFICATION_KIND));
        assert_eq!(failure.record_id, Some(latest.id.to_string()));
    }
}
