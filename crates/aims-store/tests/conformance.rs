//! The storage conformance suite: one story per area, run against SQLite and PostgreSQL.

mod engines;

use aims_domain::Role;
use aims_domain::account::Throttle;
use aims_domain::inventory::{
    DatasetFields, ModelFields, RecordFields, SupplierFields, SystemFields, parse_new,
};
use aims_domain::listing::{ListQuery, RawListParams};
use aims_store::{Actor, MemberUpdate, NewSession, NewToken, NewUser, Store, StoreError};
use chrono::Duration;
use serde_json::json;
use uuid::Uuid;

fn actor() -> Actor {
    Actor::system("test")
}

async fn org(store: &Store, name: &str) -> Uuid {
    store.create_organisation(&actor(), name).await.unwrap().id
}

fn fields<F: RecordFields>(value: serde_json::Value) -> F {
    parse_new(value).unwrap()
}

fn list(
    kind_sortable: &[&'static str],
    filterable: &[&'static str],
    raw: RawListParams,
    filters: &[(&str, &str)],
) -> ListQuery {
    let filters: Vec<(String, String)> = filters
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    ListQuery::parse(&raw, &filters, kind_sortable, filterable).unwrap()
}

#[tokio::test]
async fn schemas_match_across_engines_and_descriptors() {
    let engines = engines::open_all().await;
    let mut described = Vec::new();
    for table in aims_store::schema::tables() {
        for column in &table.columns {
            let ty = match column.ty {
                aims_store::schema::ColType::Text | aims_store::schema::ColType::Json => "text",
                aims_store::schema::ColType::Int => "integer",
                aims_store::schema::ColType::Bool => "boolean",
                aims_store::schema::ColType::Timestamp => "timestamp",
                aims_store::schema::ColType::Date => "date",
                aims_store::schema::ColType::Hash => "bytes",
            };
            described.push((
                table.name.to_string(),
                column.name.to_string(),
                ty.to_string(),
                column.nullable,
            ));
        }
    }
    described.sort();
    let mut previous: Option<Vec<_>> = None;
    for (engine, store) in &engines.stores {
        let actual: Vec<_> = store
            .describe_schema()
            .await
            .unwrap()
            .into_iter()
            .filter(|c| c.table != "schema_migrations")
            .map(|c| (c.table, c.column, c.ty, c.nullable))
            .collect();
        assert_eq!(
            actual, described,
            "{engine}: migrated schema differs from the descriptors"
        );
        if let Some(previous) = &previous {
            assert_eq!(&actual, previous, "{engine} differs from sqlite");
        }
        previous = Some(actual);
    }
}

#[tokio::test]
async fn migrations_run_once_and_reopen_cleanly() {
    let engines = engines::open_all().await;
    let url = format!("sqlite://{}", engines.dir.path().join("aims.db").display());
    let again = Store::open(&url)
        .await
        .expect("second open of an up-to-date database");
    assert!(again.is_empty().await.unwrap());
    assert_eq!(aims_store::latest_version(), 9);
}

#[tokio::test]
async fn inventory_story() {
    let engines = engines::open_all().await;
    for (engine, store) in &engines.stores {
        inventory(store).await;
        println!("{engine}: inventory story passed");
    }
}

async fn inventory(store: &Store) {
    let a = org(store, "Acme Vision").await;
    let b = org(store, "Other Org").await;
    let who = actor();

    // Create with references that must exist in the same organisation.
    let supplier = store
        .create_record(
            &who,
            a,
            fields::<SupplierFields>(json!({"name": "LensCorp", "supplies": ["models", "data"]})),
        )
        .await
        .unwrap();
    let system = store
        .create_record(&who, a, fields::<SystemFields>(json!({"name": "Person detector", "lifecycle_stage": "operation", "affected_stakeholders": ["visitors", "staff"]})))
        .await
        .unwrap();
    assert_eq!(system.revision, 1);
    let dataset = store
        .create_record(&who, a, fields::<DatasetFields>(json!({"name": "Entrance footage 2024", "personal_data": true, "collection_start": "2024-01-01", "supplier_id": supplier.id})))
        .await
        .unwrap();
    let model = store
        .create_record(&who, a, fields::<ModelFields>(json!({
            "name": "yolo-people", "version": "3.1", "system_id": system.id, "supplier_id": supplier.id,
            "training_dataset_ids": [dataset.id], "headline_metrics": {"mAP@0.5": 0.81}
        })))
        .await
        .unwrap();

    let read: aims_domain::inventory::Record<ModelFields> =
        store.record(a, model.id).await.unwrap();
    assert_eq!(read.fields, model.fields);
    assert_eq!(
        read.created_at, model.created_at,
        "timestamps read back exactly"
    );
    let read_dataset: aims_domain::inventory::Record<DatasetFields> =
        store.record(a, dataset.id).await.unwrap();
    assert_eq!(
        read_dataset.fields.collection_start.unwrap().to_string(),
        "2024-01-01"
    );
    assert!(read_dataset.fields.personal_data);

    // A reference into another organisation is refused and nothing is stored.
    let foreign = store
        .create_record(
            &who,
            b,
            fields::<SystemFields>(json!({"name": "Foreign system"})),
        )
        .await
        .unwrap();
    let err = store
        .create_record(
            &who,
            a,
            fields::<ModelFields>(json!({"name": "x", "system_id": foreign.id})),
        )
        .await
        .unwrap_err();
    match err {
        StoreError::Invalid(e) => assert_eq!(e.0[0].field, "system_id"),
        other => panic!("expected Invalid, got {other:?}"),
    }

    // Organisation isolation: b cannot read a's records, and a's list does not show b's.
    assert!(matches!(
        store.record::<SystemFields>(b, system.id).await,
        Err(StoreError::NotFound { .. })
    ));
    let sortable = SystemFields::KIND_SORTABLE;
    let page = store
        .list_records::<SystemFields>(
            a,
            &list(sortable, SYSTEM_FILTERS, RawListParams::default(), &[]),
        )
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].id, system.id);

    // Optimistic concurrency: the second writer at the same revision loses with the current record.
    let mut edited = system.fields.clone();
    edited.owner = "Security team".into();
    let updated = store
        .update_record(&who, a, system.id, 1, edited.clone())
        .await
        .unwrap();
    assert_eq!(updated.revision, 2);
    assert_eq!(updated.fields.owner, "Security team");
    edited.owner = "Facilities".into();
    match store
        .update_record(&who, a, system.id, 1, edited)
        .await
        .unwrap_err()
    {
        StoreError::Conflict { revision, current } => {
            assert_eq!(revision, 2);
            assert_eq!(current["owner"], "Security team");
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert!(matches!(
        store
            .update_record(&who, b, system.id, 2, system.fields.clone())
            .await,
        Err(StoreError::NotFound { .. })
    ));

    // A record others point at cannot be deleted; after unlinking it can.
    let err = store
        .delete_record::<DatasetFields>(&who, a, dataset.id, None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::InUse(m) if m.contains("training_dataset_ids")),
        "{err:?}"
    );
    let err = store
        .delete_record::<SystemFields>(&who, a, system.id, Some(2))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::InUse(m) if m.contains("system_id")),
        "{err:?}"
    );
    let mut unlinked = model.fields.clone();
    unlinked.training_dataset_ids.clear();
    store
        .update_record(&who, a, model.id, 1, unlinked)
        .await
        .unwrap();
    assert!(matches!(
        store
            .delete_record::<DatasetFields>(&who, a, dataset.id, Some(7))
            .await,
        Err(StoreError::Conflict { .. })
    ));
    store
        .delete_record::<DatasetFields>(&who, a, dataset.id, Some(1))
        .await
        .unwrap();
    assert!(matches!(
        store.record::<DatasetFields>(a, dataset.id).await,
        Err(StoreError::NotFound { .. })
    ));

    // Listing: pagination, sort, filter, case-insensitive search with LIKE wildcards taken literally.
    for i in 0..25 {
        let stage = if i % 2 == 0 {
            "development"
        } else {
            "deployment"
        };
        store
            .create_record(
                &who,
                a,
                fields::<SystemFields>(
                    json!({"name": format!("Scorer {i:02}"), "lifecycle_stage": stage}),
                ),
            )
            .await
            .unwrap();
    }
    store
        .create_record(
            &who,
            a,
            fields::<SystemFields>(json!({"name": "100% accurate_classifier"})),
        )
        .await
        .unwrap();
    let raw = RawListParams {
        limit: Some("10".into()),
        offset: Some("20".into()),
        ..Default::default()
    };
    let page = store
        .list_records::<SystemFields>(a, &list(sortable, SYSTEM_FILTERS, raw, &[]))
        .await
        .unwrap();
    assert_eq!(page.total, 27);
    assert_eq!(page.items.len(), 7);
    let raw = RawListParams {
        sort: Some("name".into()),
        order: Some("desc".into()),
        limit: Some("3".into()),
        ..Default::default()
    };
    let names: Vec<_> = store
        .list_records::<SystemFields>(
            a,
            &list(
                sortable,
                SYSTEM_FILTERS,
                raw,
                &[("lifecycle_stage", "development")],
            ),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.fields.name)
        .collect();
    assert_eq!(names, ["Scorer 24", "Scorer 22", "Scorer 20"]);
    let search = |q: &str| RawListParams {
        q: Some(q.into()),
        ..Default::default()
    };
    assert_eq!(
        store
            .list_records::<SystemFields>(
                a,
                &list(sortable, SYSTEM_FILTERS, search("SCORER 1"), &[])
            )
            .await
            .unwrap()
            .total,
        10
    );
    assert_eq!(
        store
            .list_records::<SystemFields>(a, &list(sortable, SYSTEM_FILTERS, search("100%"), &[]))
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        store
            .list_records::<SystemFields>(a, &list(sortable, SYSTEM_FILTERS, search("_"), &[]))
            .await
            .unwrap()
            .total,
        1
    );
    // Kept counts follow creates and deletes: a full first page takes its total from them.
    let mut made = Vec::new();
    for i in 0..3 {
        made.push(
            store
                .create_record(
                    &who,
                    a,
                    fields::<DatasetFields>(json!({"name": format!("Counted {i}")})),
                )
                .await
                .unwrap()
                .id,
        );
    }
    store
        .delete_record::<DatasetFields>(&who, a, made[0], Some(1))
        .await
        .unwrap();
    let one = RawListParams {
        limit: Some("1".into()),
        ..Default::default()
    };
    let page = store
        .list_records::<DatasetFields>(a, &list(&["name"], &["personal_data"], one.clone(), &[]))
        .await
        .unwrap();
    assert_eq!(
        page.total, 2,
        "3 created, 1 deleted (the earlier dataset was deleted too)"
    );
    let page_b = store
        .list_records::<DatasetFields>(b, &list(&["name"], &["personal_data"], one, &[]))
        .await
        .unwrap();
    assert_eq!(page_b.total, 0);
    let datasets = store
        .list_records::<DatasetFields>(
            a,
            &list(
                &["name"],
                &["personal_data"],
                RawListParams::default(),
                &[("personal_data", "maybe")],
            ),
        )
        .await
        .unwrap_err();
    assert!(matches!(datasets, StoreError::Invalid(_)));
}

const SYSTEM_FILTERS: &[&str] = &[
    "lifecycle_stage",
    "criticality",
    "ai_role",
    "eu_ai_act_tier",
    "owner",
];

trait Sortable {
    const KIND_SORTABLE: &'static [&'static str];
}

impl Sortable for SystemFields {
    const KIND_SORTABLE: &'static [&'static str] = &[
        "name",
        "created_at",
        "updated_at",
        "lifecycle_stage",
        "criticality",
        "owner",
    ];
}

#[tokio::test]
async fn accounts_story() {
    let engines = engines::open_all().await;
    for (engine, store) in &engines.stores {
        accounts(store).await;
        println!("{engine}: accounts story passed");
    }
}

async fn accounts(store: &Store) {
    assert!(store.is_empty().await.unwrap());
    let a = org(store, "Acme").await;
    let b = org(store, "Beta").await;
    assert!(!store.is_empty().await.unwrap());
    let new_user = |name: &str, role| NewUser {
        username: name.into(),
        display_name: name.to_uppercase(),
        email: format!("{name}@example.org"),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA".into(),
        role,
    };
    let admin = store
        .create_user(&actor(), a, new_user("admin", Role::Admin))
        .await
        .unwrap();
    assert_eq!(admin.role, Role::Admin);
    assert!(matches!(
        store
            .create_user(&actor(), b, new_user("admin", Role::Auditor))
            .await,
        Err(StoreError::Duplicate {
            field: "username",
            ..
        })
    ));
    let carol = store
        .create_user(&actor(), a, new_user("carol", Role::Contributor))
        .await
        .unwrap();
    store
        .add_member(&actor(), b, carol.user_id, Role::Auditor)
        .await
        .unwrap();
    let orgs = store.organisations_of(carol.user_id).await.unwrap();
    assert_eq!(
        orgs.iter()
            .map(|(o, r)| (o.name.as_str(), *r))
            .collect::<Vec<_>>(),
        [("Acme", Role::Contributor), ("Beta", Role::Auditor)]
    );
    assert_eq!(store.members(a).await.unwrap().len(), 2);
    assert_eq!(store.members(b).await.unwrap().len(), 1);
    assert_eq!(
        store.credentials("carol").await.unwrap().unwrap().user_id,
        carol.user_id
    );
    assert!(store.credentials("nobody").await.unwrap().is_none());

    // The last active admin cannot be demoted or deactivated.
    let err = store
        .update_member(
            &actor(),
            a,
            admin.user_id,
            MemberUpdate {
                role: Some(Role::Manager),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");

    // Sessions: live, bound to an active membership, expire, and follow deactivation.
    let session = NewSession {
        id_hash: "h1".into(),
        user_id: carol.user_id,
        organisation_id: a,
        csrf_token: "csrf".into(),
        expires_at: store.now() + Duration::hours(1),
    };
    store.create_session(&session).await.unwrap();
    let live = store.session("h1").await.unwrap().expect("live session");
    assert_eq!(
        (
            live.principal.role,
            live.principal.organisation_name.as_str()
        ),
        (Role::Contributor, "Acme")
    );
    store
        .switch_session_organisation("h1", carol.user_id, b)
        .await
        .unwrap();
    assert_eq!(
        store.session("h1").await.unwrap().unwrap().principal.role,
        Role::Auditor
    );
    store
        .update_member(
            &actor(),
            b,
            carol.user_id,
            MemberUpdate {
                active: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        store.session("h1").await.unwrap().is_none(),
        "deactivated members lose their sessions at once"
    );
    store
        .create_session(&NewSession {
            id_hash: "old".into(),
            expires_at: store.now() - Duration::seconds(1),
            ..session.clone()
        })
        .await
        .unwrap();
    assert!(store.session("old").await.unwrap().is_none());
    assert!(store.purge_expired_sessions().await.unwrap() >= 1);

    // Tokens: shown by hash only, expire, revoke, stay in their organisation.
    let token = store
        .create_token(
            &actor(),
            &NewToken {
                token_hash: "t1".into(),
                name: "ci".into(),
                user_id: carol.user_id,
                organisation_id: a,
                expires_at: store.now() + Duration::days(30),
            },
        )
        .await
        .unwrap();
    let auth = store.token("t1").await.unwrap().expect("live token");
    assert_eq!(
        (auth.principal.organisation_id, auth.token_name.as_str()),
        (a, "ci")
    );
    store.touch_token(token.id).await.unwrap();
    assert!(
        store
            .token("t1")
            .await
            .unwrap()
            .unwrap()
            .last_used_at
            .is_some()
    );
    assert!(matches!(
        store.revoke_token(&actor(), b, token.id, None).await,
        Err(StoreError::NotFound { .. })
    ));
    let revoked = store
        .revoke_token(&actor(), a, token.id, Some(carol.user_id))
        .await
        .unwrap();
    assert!(revoked.revoked_at.is_some());
    assert!(store.token("t1").await.unwrap().is_none());
    assert_eq!(store.tokens(a, None).await.unwrap().len(), 1);

    // Passwords: a change ends the other sessions.
    store
        .create_session(&NewSession {
            id_hash: "s2".into(),
            organisation_id: a,
            ..session.clone()
        })
        .await
        .unwrap();
    store
        .create_session(&NewSession {
            id_hash: "s3".into(),
            organisation_id: a,
            ..session.clone()
        })
        .await
        .unwrap();
    store
        .set_password(&actor(), a, carol.user_id, "$argon2id$new", Some("s3"))
        .await
        .unwrap();
    assert!(store.session("s2").await.unwrap().is_none());
    assert!(store.session("s3").await.unwrap().is_some());
    assert_eq!(
        store
            .credentials("carol")
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "$argon2id$new"
    );

    // Throttle state round-trips.
    let now = store.now();
    let state = Throttle::after_failure(None, now);
    store.set_throttle("carol", Some(state)).await.unwrap();
    assert_eq!(store.throttle("carol").await.unwrap(), Some(state));
    store.set_throttle("carol", None).await.unwrap();
    assert_eq!(store.throttle("carol").await.unwrap(), None);
}

/// Fills an installation with a bit of everything.
async fn fill(store: &Store) {
    let a = org(store, "Acme").await;
    let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_string();
    let user = store
        .create_user(
            &actor(),
            a,
            NewUser {
                username: "admin".into(),
                display_name: "Admin".into(),
                email: String::new(),
                password_hash: hash,
                role: Role::Admin,
            },
        )
        .await
        .unwrap();
    store
        .create_token(
            &actor(),
            &NewToken {
                token_hash: "abc".into(),
                name: "ci".into(),
                user_id: user.user_id,
                organisation_id: a,
                expires_at: store.now() + Duration::days(1),
            },
        )
        .await
        .unwrap();
    let supplier = store
        .create_record(
            &actor(),
            a,
            fields::<SupplierFields>(
                json!({"name": "S", "supplies": ["data"], "contact_email": "x@y.org"}),
            ),
        )
        .await
        .unwrap();
    let system = store
        .create_record(
            &actor(),
            a,
            fields::<SystemFields>(
                json!({"name": "Sys ✓ ünïcode", "affected_stakeholders": ["a", "b"]}),
            ),
        )
        .await
        .unwrap();
    let dataset = store
        .create_record(&actor(), a, fields::<DatasetFields>(json!({"name": "D", "collection_start": "2023-02-01", "personal_data": true, "special_category_data": true, "supplier_id": supplier.id})))
        .await
        .unwrap();
    store
        .create_record(&actor(), a, fields::<ModelFields>(json!({"name": "M", "system_id": system.id, "evaluation_dataset_ids": [dataset.id], "headline_metrics": {"auc": 0.912345678901}})))
        .await
        .unwrap();
    let mut edit = system.fields.clone();
    edit.description = "line one\nline \"two\"".into();
    store
        .update_record(&actor(), a, system.id, 1, edit)
        .await
        .unwrap();
    // A Statement of Applicability with a dated, evidenced entry and an approved version.
    store
        .adopt_framework(
            &actor(),
            a,
            "iso-iec-42001-2023",
            &["A.2.2".into()],
            &["4.1".into()],
        )
        .await
        .unwrap();
    let control: aims_domain::soa::ControlFields = serde_json::from_value(json!({
        "applicable": true, "justification": "Policy ✓", "status": "implemented", "owner": "CISO",
        "target_date": "2026-06-30", "risk_ids": [system.id],
        "evidence": [{"reference": "https://example.org/policy", "expires_on": "2027-01-01"}]
    }))
    .unwrap();
    store
        .update_soa_items(
            &actor(),
            a,
            vec![aims_store::ItemUpdate {
                item_ref: "A.2.2".into(),
                expected_revision: 1,
                fields: control,
            }],
        )
        .await
        .unwrap();
    store.approve_soa(&actor(), a, "first").await.unwrap();
}

async fn export(store: &Store) -> Vec<String> {
    {
        let mut buffer = Vec::new();
        store.export_all(&mut buffer).await.unwrap();
        let text = String::from_utf8(buffer).unwrap();
        // The header names the moment and engine of the export; the rows must be identical.
        text.lines().skip(1).map(str::to_owned).collect()
    }
}

#[tokio::test]
async fn export_import_moves_an_installation_between_engines() {
    let engines = engines::open_all().await;
    let (_, sqlite) = &engines.stores[0];
    fill(sqlite).await;
    let original = export(sqlite).await;
    assert!(original.len() > 10);
    let mut file = Vec::new();
    sqlite.export_all(&mut file).await.unwrap();

    let target_engine = if engines.pg.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    let target = engines.fresh(target_engine, "moved").await;
    let summary = target.import_all(file.as_slice()).await.unwrap();
    assert_eq!(summary.total() as usize, original.len());
    assert_eq!(
        export(&target).await,
        original,
        "{target_engine} holds exactly what sqlite exported"
    );
    // Kept record counts are recomputed by the import.
    let org_id = target.organisations().await.unwrap()[0].id;
    let one = RawListParams {
        limit: Some("1".into()),
        ..Default::default()
    };
    let systems = target
        .list_records::<SystemFields>(
            org_id,
            &list(SystemFields::KIND_SORTABLE, SYSTEM_FILTERS, one, &[]),
        )
        .await
        .unwrap();
    assert_eq!(systems.total, 1);
    let offset_page = RawListParams {
        limit: Some("1".into()),
        offset: Some("1".into()),
        ..Default::default()
    };
    let suppliers = target
        .list_records::<SupplierFields>(org_id, &list(&["name"], &[], offset_page, &[]))
        .await
        .unwrap();
    assert_eq!(suppliers.total, 1, "an offset page takes the kept count");

    // And back again into a new SQLite installation.
    let mut second = Vec::new();
    target.export_all(&mut second).await.unwrap();
    let back = engines.fresh("sqlite", "back").await;
    back.import_all(second.as_slice()).await.unwrap();
    assert_eq!(export(&back).await, original);

    // The moved installation keeps working: new writes continue the change log.
    let org_id = back
        .organisations_of(back.credentials("admin").await.unwrap().unwrap().user_id)
        .await
        .unwrap()[0]
        .0
        .id;
    back.create_record(
        &actor(),
        org_id,
        fields::<SystemFields>(json!({"name": "after the move"})),
    )
    .await
    .unwrap();
    target
        .create_record(
            &actor(),
            org_id,
            fields::<SystemFields>(json!({"name": "after the move"})),
        )
        .await
        .unwrap();

    // Importing into a non-empty installation is refused.
    let err = back.import_all(file.as_slice()).await.unwrap_err();
    assert!(err.to_string().contains("not empty"), "{err}");
}

#[tokio::test]
async fn a_bad_import_names_the_line_and_stores_nothing() {
    let engines = engines::open_all().await;
    for (engine, store) in &engines.stores {
        let source = engines.fresh("sqlite", &format!("source_{engine}")).await;
        fill(&source).await;
        let mut file = Vec::new();
        source.export_all(&mut file).await.unwrap();
        let text = String::from_utf8(file).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let bad = lines
            .iter()
            .rposition(|l| l.contains("\"name\":\"M\""))
            .expect("the model's row");
        lines[bad] = lines[bad].replace("\"name\":\"M\"", "\"name\":42");
        let err = store
            .import_all(lines.join("\n").as_bytes())
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!("line {}: ", bad + 1))
                && err.contains("name must be a string"),
            "{engine}: {err}"
        );
        assert!(
            store.is_empty().await.unwrap(),
            "{engine}: nothing half-written"
        );
        assert!(
            store
                .table_counts()
                .await
                .unwrap()
                .iter()
                .all(|(_, n)| *n == 0)
        );

        for (input, expected) in [
            ("", "line 1: the file is empty"),
            ("{\"format\":\"zip\"}", "line 1: not an aims export header"),
            (
                &text.replacen("\"version\":2", "\"version\":99", 1),
                "version 99 is not supported",
            ),
            (
                &format!("{}\n{{\"table\":\"passwords\",\"row\":{{}}}}", lines[0]),
                "line 2: unknown table `passwords`",
            ),
            (&format!("{}\nnot json", lines[0]), "line 2: expected"),
        ] {
            let err = store
                .import_all(input.as_bytes())
                .await
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(expected),
                "{engine}: `{err}` should contain `{expected}`"
            );
        }
    }
}

#[tokio::test]
async fn open_errors_say_which_database_and_why() {
    let err = Store::open("sqlite:///proc/no-such-dir/aims.db")
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("cannot create the database directory /proc/no-such-dir"),
        "{err}"
    );
    let port = aims_testkit::free_port();
    let err = Store::open(&format!("postgres://aims:secret@127.0.0.1:{port}/aims"))
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains(&format!(
            "cannot reach PostgreSQL at postgres://aims:***@127.0.0.1:{port}/aims"
        )),
        "{err}"
    );
    assert!(!err.contains("secret"));
    let err = Store::open("mysql://localhost/aims")
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("unsupported database URL"), "{err}");
}
