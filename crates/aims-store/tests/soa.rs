//! The Statement of Applicability on every engine: adoption, edits with optimistic
//! concurrency, all-or-nothing bulk edits, approval into versions, comparison, history in
//! the ledger, and tampering caught by `aims verify`.

mod engines;

use aims_domain::soa::{
    ConformityStatus, ControlFields, EvidenceRef, ImplementationStatus, RequirementFields, compare,
};
use aims_store::{Actor, ItemUpdate, Problem, Store, StoreError};
use chrono::NaiveDate;
use sqlx::AssertSqlSafe;
use uuid::Uuid;

fn alice() -> Actor {
    Actor::user(Uuid::new_v4(), "alice")
}

fn refs(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

const CONTROLS: [&str; 3] = ["A.2.2", "A.10.4", "A.6.2.4"];
const REQUIREMENTS: [&str; 2] = ["4.1", "6.1.2"];

async fn adopt(store: &Store) -> Uuid {
    let org = store
        .create_organisation(&Actor::system("test"), "SoA Org")
        .await
        .unwrap()
        .id;
    store
        .adopt_framework(
            &alice(),
            org,
            "iso-iec-42001-2023",
            &refs(&CONTROLS),
            &refs(&REQUIREMENTS),
        )
        .await
        .unwrap();
    org
}

fn justified(text: &str) -> ControlFields {
    ControlFields {
        justification: text.into(),
        ..ControlFields::default()
    }
}

async fn set_control(store: &Store, org: Uuid, r: &str, fields: ControlFields) {
    let current = store.soa_item::<ControlFields>(org, r).await.unwrap();
    store
        .update_soa_items(
            &alice(),
            org,
            vec![ItemUpdate {
                item_ref: r.into(),
                expected_revision: current.revision,
                fields,
            }],
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn adoption_edits_and_concurrency() {
    let engines = engines::open_all().await;
    for (engine, store) in &engines.stores {
        let org = adopt(store).await;
        let soa = store.soa(org).await.unwrap().expect("adopted");
        assert_eq!(soa.framework_id, "iso-iec-42001-2023");
        assert_eq!(soa.created_by, "alice");

        // One SoA per organisation.
        let again = store
            .adopt_framework(&alice(), org, "iso-iec-42001-2023", &[], &[])
            .await
            .unwrap_err();
        assert!(
            matches!(&again, StoreError::Invalid(e) if e.0[0].field == "framework_id"),
            "{engine}: {again}"
        );

        // Entries come back in the framework's order, with defaults.
        let controls = store.soa_items::<ControlFields>(org).await.unwrap();
        let order: Vec<&str> = controls.iter().map(|c| c.item_ref.as_str()).collect();
        assert_eq!(order, ["A.2.2", "A.6.2.4", "A.10.4"], "{engine}");
        assert!(
            controls
                .iter()
                .all(|c| c.revision == 1 && c.fields.applicable)
        );
        let requirements = store.soa_items::<RequirementFields>(org).await.unwrap();
        assert_eq!(requirements.len(), 2);
        assert_eq!(requirements[0].fields.status, ConformityStatus::NotAssessed);

        // A full entry reads back exactly, dates and lists included.
        let risk = Uuid::new_v4();
        let full = ControlFields {
            applicable: true,
            justification: "We develop models in house.".into(),
            status: ImplementationStatus::Implemented,
            owner: "Head of ML".into(),
            target_date: NaiveDate::from_ymd_opt(2026, 6, 30),
            risk_ids: vec![risk],
            evidence: vec![
                EvidenceRef {
                    reference: "https://intranet.example/ai-policy".into(),
                    expires_on: NaiveDate::from_ymd_opt(2027, 1, 31),
                },
                EvidenceRef {
                    reference: "Board minutes 2026-01".into(),
                    expires_on: None,
                },
            ],
        };
        set_control(store, org, "A.2.2", full.clone()).await;
        let read = store.soa_item::<ControlFields>(org, "A.2.2").await.unwrap();
        assert_eq!(read.fields, full, "{engine}");
        assert_eq!((read.revision, read.updated_by.as_str()), (2, "alice"));

        // A stale revision is refused with the current entry; nothing changes.
        let stale = store
            .update_soa_items(
                &alice(),
                org,
                vec![ItemUpdate {
                    item_ref: "A.2.2".into(),
                    expected_revision: 1,
                    fields: justified("other"),
                }],
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&stale, StoreError::Conflict { revision: 2, .. }),
            "{engine}: {stale}"
        );

        // A bulk edit is all or nothing: the second entry's stale revision stops both.
        let bulk = store
            .update_soa_items(
                &alice(),
                org,
                vec![
                    ItemUpdate {
                        item_ref: "A.6.2.4".into(),
                        expected_revision: 1,
                        fields: justified("bulk"),
                    },
                    ItemUpdate {
                        item_ref: "A.2.2".into(),
                        expected_revision: 1,
                        fields: justified("bulk"),
                    },
                ],
            )
            .await
            .unwrap_err();
        assert!(matches!(bulk, StoreError::Conflict { .. }), "{engine}");
        let untouched = store
            .soa_item::<ControlFields>(org, "A.6.2.4")
            .await
            .unwrap();
        assert_eq!(
            untouched.revision, 1,
            "{engine}: half of a bulk edit was saved"
        );

        // Rules hold in the store too; unknown refs are not found.
        let invalid = store
            .update_soa_items(
                &alice(),
                org,
                vec![ItemUpdate {
                    item_ref: "A.6.2.4".into(),
                    expected_revision: 1,
                    fields: ControlFields::default(),
                }],
            )
            .await
            .unwrap_err();
        assert!(matches!(&invalid, StoreError::Invalid(e) if e.0[0].field == "justification"));
        let missing = store
            .soa_item::<ControlFields>(org, "A.99")
            .await
            .unwrap_err();
        assert!(matches!(missing, StoreError::NotFound { .. }));

        // Another organisation sees nothing of it.
        let other = store
            .create_organisation(&Actor::system("test"), "Other")
            .await
            .unwrap()
            .id;
        assert!(store.soa(other).await.unwrap().is_none());
        assert!(
            store
                .soa_items::<ControlFields>(other)
                .await
                .unwrap()
                .is_empty()
        );

        // Every change is in the history of the entry.
        let history = store
            .history(org, "soa_control", &read.id.to_string())
            .await
            .unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[1].actor, "alice");
        assert!(history[1].changes.iter().any(|c| c.field == "status"));
        let report = store.verify_ledger(Vec::new()).await.unwrap();
        assert!(report.ok, "{engine}: {:?}", report.failure);
    }
}

#[tokio::test]
async fn approval_freezes_versions_that_compare() {
    let engines = engines::open_all().await;
    for (engine, store) in &engines.stores {
        let org = adopt(store).await;
        // Not every control is justified yet: approval names each.
        let refused = store.approve_soa(&alice(), org, "").await.unwrap_err();
        let StoreError::Invalid(errors) = &refused else {
            panic!("{engine}: {refused}");
        };
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "controls[A.2.2].justification",
                "controls[A.6.2.4].justification",
                "controls[A.10.4].justification"
            ]
        );
        assert!(store.soa_versions(org).await.unwrap().is_empty());

        for r in CONTROLS {
            set_control(store, org, r, justified("in scope")).await;
        }
        let v1 = store.approve_soa(&alice(), org, "First SoA").await.unwrap();
        assert_eq!((v1.version, v1.approved_by.as_str()), (1, "alice"));
        assert_eq!(v1.snapshot.controls.len(), 3);

        set_control(
            store,
            org,
            "A.10.4",
            ControlFields {
                applicable: false,
                status: ImplementationStatus::NotApplicable,
                justification: "We have no customers outside the group.".into(),
                ..ControlFields::default()
            },
        )
        .await;
        let v2 = store.approve_soa(&alice(), org, "").await.unwrap();
        assert_eq!(v2.version, 2);

        let versions = store.soa_versions(org).await.unwrap();
        assert_eq!(versions.len(), 2);
        let read_v1 = store.soa_version(org, 1).await.unwrap();
        assert_eq!(read_v1, v1, "{engine}: a version reads back exactly");
        let changes = compare(
            &read_v1.snapshot,
            &store.soa_version(org, 2).await.unwrap().snapshot,
        );
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].item_ref, "A.10.4");
        let mut changed: Vec<&str> = changes[0].fields.iter().map(|f| f.field.as_str()).collect();
        changed.sort_unstable();
        assert_eq!(changed, ["applicable", "justification", "status"]);
        assert!(matches!(
            store.soa_version(org, 3).await,
            Err(StoreError::NotFound { .. })
        ));
        let report = store.verify_ledger(Vec::new()).await.unwrap();
        assert!(report.ok, "{engine}: {:?}", report.failure);
        // Organisation, SoA, 3 controls, 2 requirements, 2 versions.
        assert_eq!(report.records_checked, 9, "{engine}");
    }
}

async fn tamper(url: &str, sql: &str) {
    let sql = AssertSqlSafe(sql.to_owned());
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.expect("connect");
        sqlx::raw_sql(sql).execute(&pool).await.expect("tamper");
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.expect("connect");
        sqlx::raw_sql(sql).execute(&pool).await.expect("tamper");
        pool.close().await;
    }
}

#[tokio::test]
async fn soa_entries_and_versions_edited_outside_aims_are_named() {
    let engines = engines::open_all().await;
    let cases = [
        (
            "soa_control",
            "UPDATE soa_controls SET status = 'implemented' WHERE item_ref = 'A.2.2'",
        ),
        (
            "soa_requirement",
            "UPDATE soa_requirements SET owner = 'nobody' WHERE item_ref = '4.1'",
        ),
        (
            "soa_version",
            "UPDATE soa_versions SET approved_by = 'mallory'",
        ),
    ];
    for engine in engines.names() {
        for (i, (kind, sql)) in cases.iter().enumerate() {
            let (store, url) = engines
                .fresh_with_url(engine, &format!("soa_tamper_{i}"))
                .await;
            let org = adopt(&store).await;
            for r in CONTROLS {
                set_control(&store, org, r, justified("in scope")).await;
            }
            store.approve_soa(&alice(), org, "v1").await.unwrap();
            assert!(store.verify_ledger(Vec::new()).await.unwrap().ok);
            tamper(&url, sql).await;
            let report = store.verify_ledger(Vec::new()).await.unwrap();
            let failure = report.failure.expect("tampering is caught");
            assert_eq!(
                failure.problem,
                Problem::RecordEdited,
                "{engine}: {}",
                failure.message
            );
            assert_eq!(failure.record_kind.as_deref(), Some(*kind), "{engine}");
        }
    }
}
