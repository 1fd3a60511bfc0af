//! The change log as a ledger, on every engine: an intact log verifies, and each way of
//! editing the database behind aims' back — a record, an entry, a logged state, deleted
//! or reordered entries, a log truncated after a tree head was saved — is caught and named.

mod engines;

use engines::tamper;

use aims_domain::inventory::{Record, SystemFields, parse_new};
use aims_store::{Actor, LedgerReport, Problem, Store, StoreError};
use serde_json::json;

fn actor() -> Actor {
    Actor::system("test")
}

/// Entries: 1 organisation, 2-4 three systems, 5 an update of the first, 6 the delete of
/// the third.
async fn story(store: &Store) -> Vec<Record<SystemFields>> {
    let org = store
        .create_organisation(&actor(), "Ledger Org")
        .await
        .unwrap()
        .id;
    let mut systems = Vec::new();
    for name in ["Person detector", "Credit model", "Chat assistant"] {
        let fields: SystemFields =
            parse_new(json!({"name": name, "lifecycle_stage": "operation"})).unwrap();
        systems.push(store.create_record(&actor(), org, fields).await.unwrap());
    }
    let renamed: SystemFields =
        parse_new(json!({"name": "Person detector v2", "lifecycle_stage": "operation"})).unwrap();
    systems[0] = store
        .update_record(&actor(), org, systems[0].id, 1, renamed)
        .await
        .unwrap();
    store
        .delete_record::<SystemFields>(&actor(), org, systems[2].id, Some(1))
        .await
        .unwrap();
    systems
}

fn failed(report: &LedgerReport, problem: Problem, seq: Option<u64>) {
    assert!(!report.ok, "verification passed a tampered database");
    let failure = report.failure.as_ref().expect("a failure is named");
    assert_eq!(failure.problem, problem, "{}", failure.message);
    if seq.is_some() {
        assert_eq!(failure.seq, seq, "{}", failure.message);
    }
}

/// Runs `case` on a fresh database of every engine: the story, the SQL, then verification.
async fn case(name: &str, sql: impl Fn(&[Record<SystemFields>]) -> String) -> Vec<LedgerReport> {
    let engines = engines::open_all().await;
    let mut reports = Vec::new();
    for engine in engines.names() {
        let (store, url) = engines.fresh_with_url(engine, name).await;
        let systems = story(&store).await;
        let before = store.verify_ledger(Vec::new()).await.unwrap();
        assert!(before.ok, "{engine}: {:?}", before.failure);
        tamper(&url, &sql(&systems)).await;
        let report = store.verify_ledger(Vec::new()).await.unwrap();
        println!("{engine}: {:?}", report.failure);
        reports.push(report);
    }
    reports
}

#[tokio::test]
async fn an_intact_log_verifies_and_matches_the_tree_head() {
    let engines = engines::open_all().await;
    for (engine, store) in &engines.stores {
        story(store).await;
        let report = store.verify_ledger(Vec::new()).await.unwrap();
        assert!(report.ok, "{engine}: {:?}", report.failure);
        assert_eq!(report.entries, 6);
        // One organisation and the two systems still there.
        assert_eq!(report.records_checked, 3);
        let head = store.tree_head().await.unwrap();
        assert_eq!(head.tree_size, 6);
        assert_eq!(head.root_hash.to_hex(), report.root_hash);
        // The saved head itself verifies the log.
        let again = store.verify_ledger(vec![head]).await.unwrap();
        assert!(again.ok, "{engine}: {:?}", again.failure);
        assert_eq!(again.tree_heads_checked, 1);
    }
}

#[tokio::test]
async fn a_record_edited_outside_aims_is_named() {
    for report in case("record_edited", |s| {
        format!(
            "UPDATE ai_systems SET name = 'Quietly renamed' WHERE id = '{}'",
            s[1].id
        )
    })
    .await
    {
        failed(&report, Problem::RecordEdited, Some(3));
        let failure = report.failure.unwrap();
        assert_eq!(failure.record_kind.as_deref(), Some("systems"));
        assert!(failure.message.contains("edited outside aims"));
    }
}

#[tokio::test]
async fn an_edited_entry_is_named() {
    for report in case("entry_edited", |_| {
        "UPDATE changes SET actor = 'mallory' WHERE seq = 3".into()
    })
    .await
    {
        failed(&report, Problem::EntryEdited, Some(3));
        assert_eq!(report.entries, 2);
    }
}

#[tokio::test]
async fn an_edited_logged_state_is_named() {
    for report in case("state_edited", |_| {
        r#"UPDATE changes SET state = '{"name": "something else"}' WHERE seq = 2"#.into()
    })
    .await
    {
        failed(&report, Problem::StateEdited, Some(2));
    }
}

#[tokio::test]
async fn a_deleted_entry_is_named() {
    for report in case("entry_deleted", |_| {
        "DELETE FROM changes WHERE seq = 3".into()
    })
    .await
    {
        failed(&report, Problem::EntryDeleted, Some(3));
    }
}

#[tokio::test]
async fn a_deleted_entry_is_named_even_when_later_entries_are_renumbered() {
    for report in case("entry_deleted_renumbered", |_| {
        "DELETE FROM changes WHERE seq = 3;
         UPDATE changes SET seq = -seq WHERE seq > 3;
         UPDATE changes SET seq = -seq - 1 WHERE seq < 0;"
            .into()
    })
    .await
    {
        failed(&report, Problem::EntryDeleted, Some(3));
        assert!(report.failure.unwrap().message.contains("renumbered"));
    }
}

/// Entries moved far past the rest (seqs 4-6 become 50,004-50,006) are still read, past
/// the empty stretch between: the log is not taken to end at entry 3.
#[tokio::test]
async fn entries_far_past_a_gap_are_still_read() {
    for report in case("entries_far_past_a_gap", |_| {
        "UPDATE changes SET seq = seq + 50000 WHERE seq > 3".into()
    })
    .await
    {
        failed(&report, Problem::EntryDeleted, Some(4));
        let message = &report.failure.unwrap().message;
        assert!(message.contains("4..=50003"), "{message}");
    }
}

/// The leaves of proofs: a hole in the log is named as such, whether entries follow it in
/// the same page or only past an empty stretch longer than a page; asking for more
/// entries than there are is "not found".
#[tokio::test]
async fn proof_leaves_name_a_hole_in_the_log() {
    let engines = engines::open_all().await;
    for engine in engines.names() {
        for (name, sql) in [
            ("hole", "DELETE FROM changes WHERE seq = 3"),
            ("far", "UPDATE changes SET seq = seq + 50000 WHERE seq > 3"),
        ] {
            let (store, url) = engines
                .fresh_with_url(engine, &format!("leaves_{name}"))
                .await;
            story(&store).await;
            let size = store.tree_head().await.unwrap().tree_size;
            let leaves = store.entry_hashes(size).await.unwrap();
            assert_eq!(leaves.len() as u64, size);
            let missing = store.entry_hashes(size + 1).await.unwrap_err();
            assert!(
                matches!(missing, StoreError::NotFound { .. }),
                "{engine}: {missing}"
            );
            tamper(&url, sql).await;
            let error = store.entry_hashes(size).await.unwrap_err();
            let expected = if name == "hole" { 3 } else { 4 };
            assert!(
                matches!(&error, StoreError::Corrupt(m) if m.contains(&format!("no entry {expected}"))),
                "{engine} {name}: {error}"
            );
        }
    }
}

#[tokio::test]
async fn the_last_entries_deleted_are_named() {
    for report in case("tail_deleted", |_| {
        "DELETE FROM changes WHERE seq >= 5".into()
    })
    .await
    {
        failed(&report, Problem::EntryDeleted, Some(5));
    }
}

#[tokio::test]
async fn reordered_entries_are_named() {
    for report in case("entries_reordered", |_| {
        "UPDATE changes SET seq = -3 WHERE seq = 3;
         UPDATE changes SET seq = 3 WHERE seq = 4;
         UPDATE changes SET seq = 4 WHERE seq = -3;"
            .into()
    })
    .await
    {
        failed(&report, Problem::EntriesReordered, Some(3));
    }
}

#[tokio::test]
async fn records_deleted_or_inserted_outside_aims_are_named() {
    for report in case("record_deleted", |s| {
        format!("DELETE FROM ai_systems WHERE id = '{}'", s[1].id)
    })
    .await
    {
        failed(&report, Problem::RecordDeleted, Some(3));
    }
    for report in case("record_inserted", |_| {
        "INSERT INTO organisations (id, name, created_at) VALUES ('00000000-0000-4000-8000-000000000001', 'Shadow Org', CURRENT_TIMESTAMP)".into()
    })
    .await
    {
        failed(&report, Problem::RecordCreated, None);
    }
}

#[tokio::test]
async fn a_log_truncated_after_a_saved_tree_head_is_named() {
    let engines = engines::open_all().await;
    for engine in engines.names() {
        let (store, url) = engines.fresh_with_url(engine, "truncated").await;
        story(&store).await;
        let saved = store.tree_head().await.unwrap();
        // Cut the last two entries and move the head back with them, so that the log is
        // consistent in itself: only the saved head shows what is missing.
        tamper(
            &url,
            "DELETE FROM changes WHERE seq > 4;
             UPDATE ledger_heads SET seq = 4, entry_hash = (SELECT entry_hash FROM changes WHERE seq = 4);",
        )
        .await;
        let report = store.verify_ledger(vec![saved]).await.unwrap();
        failed(&report, Problem::LogTruncated, Some(5));
        assert!(report.failure.unwrap().message.contains("truncated"));
    }
}

#[tokio::test]
async fn an_export_carries_the_chain_and_a_tampered_export_is_refused() {
    let engines = engines::open_all().await;
    for engine in engines.names() {
        let source = engines.fresh(engine, "chain_source").await;
        story(&source).await;
        let head = source.tree_head().await.unwrap();
        let mut export = Vec::new();
        source.export_all(&mut export).await.unwrap();

        let target = engines.fresh(engine, "chain_target").await;
        target.import_all(&export[..]).await.unwrap();
        let report = target.verify_ledger(vec![head.clone()]).await.unwrap();
        assert!(report.ok, "{engine}: {:?}", report.failure);
        assert_eq!(target.tree_head().await.unwrap().root_hash, head.root_hash);

        let text = String::from_utf8(export).unwrap();
        let tampered = text.replacen("\"actor\":\"test\"", "\"actor\":\"mallory\"", 1);
        assert_ne!(tampered, text);
        let refused = engines.fresh(engine, "chain_refused").await;
        let error = refused.import_all(tampered.as_bytes()).await.unwrap_err();
        assert!(
            error.to_string().contains("does not verify"),
            "{engine}: {error}"
        );
        assert!(refused.is_empty().await.unwrap());
    }
}
