//! Decision logs on every engine: batches stored whole or not at all, ground truth that
//! arrives later, windows and pages, tamper evidence, and moves between installations.

mod engines;

use engines::tamper;

use aims_domain::decision::{BatchFormat, parse_batch};
use aims_domain::inventory::{SystemFields, parse_new};
use aims_store::decisions::{ExportFormat, Window};
use aims_store::{Actor, Problem, Store, StoreError};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

fn actor() -> Actor {
    Actor::system("test")
}

fn events(body: Value) -> Vec<aims_domain::decision::DecisionEvent> {
    let mut n = 0;
    parse_batch(
        body.to_string().as_bytes(),
        BatchFormat::JsonArray,
        &mut || {
            n += 1;
            format!("gen-{n}")
        },
    )
    .unwrap()
}

async fn system(store: &Store) -> (Uuid, Uuid) {
    let org = store
        .create_organisation(&actor(), "Decisions Org")
        .await
        .unwrap()
        .id;
    let fields: SystemFields = parse_new(json!({"name": "Person detector"})).unwrap();
    let id = store.create_record(&actor(), org, fields).await.unwrap().id;
    (org, id)
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn batches_ground_truth_windows_and_verification() {
    let engines = engines::open_all().await;
    for (engine, store) in &engines.stores {
        let (org, sys) = system(store).await;
        let batch = events(json!([
            {"id": "e1", "time": "2026-03-01T10:00:00Z", "decision": "person", "score": 0.9, "groups": {"skin_tone": "I"}},
            {"id": "e2", "time": "2026-03-01T11:00:00Z", "decision": "none", "score": 0.2, "groups": {"skin_tone": "VI"}},
            {"time": "2026-03-02T09:00:00Z", "decision": "person", "human_override": true},
        ]));
        let appended = store
            .append_decisions(&actor(), org, sys, &batch)
            .await
            .unwrap();
        assert_eq!(
            (appended.accepted, appended.first_seq, appended.last_seq),
            (3, 1, 3)
        );
        assert_eq!(appended.ids, ["e1", "e2", "gen-1"]);

        // A batch naming a known id is refused whole.
        let again = events(json!([
            {"id": "e3", "time": "2026-03-03T09:00:00Z", "decision": "person"},
            {"id": "e1", "time": "2026-03-03T09:00:00Z", "decision": "person"},
        ]));
        match store.append_decisions(&actor(), org, sys, &again).await {
            Err(StoreError::Invalid(errors)) => {
                assert_eq!(errors.0[0].field, "[1].id", "{engine}");
                assert!(errors.0[0].message.contains("already recorded"));
            }
            other => panic!("{engine}: {other:?}"),
        }
        assert_eq!(
            store
                .count_decisions(org, sys, Window::default())
                .await
                .unwrap(),
            3
        );

        // Ground truth later, as an update entry; the event reads with it.
        let updated = store
            .set_ground_truth(&actor(), org, sys, "e2", json!("person"))
            .await
            .unwrap();
        assert_eq!(updated["ground_truth"], "person");
        let missing = store
            .set_ground_truth(&actor(), org, sys, "nope", json!(1))
            .await;
        assert!(
            matches!(missing, Err(StoreError::NotFound { .. })),
            "{engine}"
        );

        // Windows and keyset pages, oldest first.
        let window = Window {
            from: Some(at("2026-03-01T00:00:00Z")),
            to: Some(at("2026-03-02T00:00:00Z")),
        };
        assert_eq!(store.count_decisions(org, sys, window).await.unwrap(), 2);
        let (first, next) = store
            .decisions_page(org, sys, window, None, 1)
            .await
            .unwrap();
        assert_eq!(first[0]["id"], "e1");
        let (second, _) = store
            .decisions_page(org, sys, window, next, 10)
            .await
            .unwrap();
        assert_eq!(second.len(), 1);
        assert_eq!(second[0]["id"], "e2");
        assert_eq!(second[0]["ground_truth"], "person");

        // Another organisation's system does not exist for this one.
        let other = store
            .create_organisation(&actor(), "Other Org")
            .await
            .unwrap()
            .id;
        assert!(matches!(
            store.append_decisions(&actor(), other, sys, &batch).await,
            Err(StoreError::NotFound { .. })
        ));

        // The system cannot be deleted while its log holds evidence.
        let refused = store
            .delete_record::<SystemFields>(&actor(), org, sys, None)
            .await;
        assert!(
            matches!(&refused, Err(StoreError::InUse(m)) if m.contains("decision log")),
            "{engine}: {refused:?}"
        );

        let report = store.verify_ledger(Vec::new()).await.unwrap();
        assert!(report.ok, "{engine}: {:?}", report.failure);
        assert_eq!((report.decision_logs, report.decision_entries), (1, 4));
    }
}

/// Writers at once, on a runtime with two threads as the server has: each batch waits its
/// turn, none is refused or interleaved with another, and the log verifies. Ground truth
/// and new records written meanwhile (another way into the database on SQLite) take
/// their turns too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_batches_take_turns_and_the_log_stays_whole() {
    const WRITERS: usize = 8;
    const PER_BATCH: usize = 50;
    let engines = engines::open_all().await;
    for (engine, store) in &engines.stores {
        let (org, sys) = system(store).await;
        let writers: Vec<_> = (0..WRITERS)
            .map(|writer| {
                let store = store.clone();
                tokio::spawn(async move {
                    let body: Vec<Value> = (0..PER_BATCH)
                        .map(|i| json!({"time": "2026-03-01T10:00:00Z", "decision": i % 2 == 0}))
                        .collect();
                    let mut n = 0;
                    let batch = parse_batch(
                        Value::from(body).to_string().as_bytes(),
                        BatchFormat::JsonArray,
                        &mut || {
                            n += 1;
                            format!("w{writer}-{n}")
                        },
                    )
                    .unwrap();
                    store.append_decisions(&actor(), org, sys, &batch).await
                })
            })
            .collect();
        let others = {
            let store = store.clone();
            tokio::spawn(async move {
                let mut truths = 0;
                for n in 0..WRITERS {
                    let fields: SystemFields =
                        parse_new(json!({"name": format!("Camera {n}")})).unwrap();
                    store.create_record(&actor(), org, fields).await.unwrap();
                    // An event of a batch already stored, if one is.
                    match store
                        .set_ground_truth(&actor(), org, sys, &format!("w{n}-1"), json!(true))
                        .await
                    {
                        Ok(_) => truths += 1,
                        Err(StoreError::NotFound { .. }) => {}
                        Err(e) => panic!("ground truth: {e}"),
                    }
                }
                truths
            })
        };
        let mut ranges = Vec::new();
        for writer in writers {
            let appended = writer.await.unwrap().unwrap();
            ranges.push((appended.first_seq, appended.last_seq));
        }
        let truths = others.await.unwrap();
        let report = store.verify_ledger(Vec::new()).await.unwrap();
        assert!(report.ok, "{engine}: {:?}", report.failure);
        let entries = (WRITERS * PER_BATCH) as u64 + truths;
        assert_eq!(report.decision_entries, entries, "{engine}");
        // Each batch took one unbroken run of seqs; what lies between runs is exactly the
        // ground truth entries written meanwhile.
        ranges.sort();
        let mut between = 0;
        let mut next = 1;
        for (first, last) in ranges {
            assert_eq!(last - first + 1, PER_BATCH as u64, "{engine}");
            assert!(first >= next, "{engine}: batches overlap at {first}");
            between += first - next;
            next = last + 1;
        }
        assert_eq!(between + (entries + 1 - next), truths, "{engine}");
    }
}

/// A closed store refuses further batches with an error rather than waiting for a writer
/// that has gone; what it stored before stays.
#[tokio::test]
async fn a_closed_store_refuses_batches() {
    let engines = engines::open_all().await;
    for engine in engines.names() {
        let (store, url) = engines.fresh_with_url(engine, "decisions_closed").await;
        let (org, sys) = system(&store).await;
        let first = events(json!([{"id": "e1", "time": "2026-03-01T10:00:00Z", "decision": 1}]));
        store
            .append_decisions(&actor(), org, sys, &first)
            .await
            .unwrap();
        store.close().await;
        let late = events(json!([{"id": "e2", "time": "2026-03-01T10:00:01Z", "decision": 2}]));
        let refused = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            store.append_decisions(&actor(), org, sys, &late),
        )
        .await
        .expect("an answer, not a wait");
        assert!(refused.is_err(), "{engine}: {refused:?}");
        let reopened = Store::open(&url).await.unwrap();
        let report = reopened.verify_ledger(Vec::new()).await.unwrap();
        assert!(report.ok, "{engine}: {:?}", report.failure);
        assert_eq!(report.decision_entries, 1, "{engine}");
    }
}

/// Verification reads long logs in chunks whose buffers are reused: a log of several
/// chunks verifies whole, and an entry edited deep inside it, to text shorter than what
/// the buffers held before, is named by its seq.
#[tokio::test]
async fn long_logs_verify_across_chunks_and_name_a_deep_edit() {
    const EVENTS: u64 = 13_000;
    let engines = engines::open_all().await;
    for engine in engines.names() {
        let (store, url) = engines.fresh_with_url(engine, "decisions_long").await;
        let (org, sys) = system(&store).await;
        for batch in 0..EVENTS / 1_000 {
            let body: Vec<Value> = (0..1_000)
                .map(|i| {
                    json!({"id": format!("b{batch}-e{i}"), "time": "2026-03-01T10:00:00Z",
                           "decision": i % 2 == 0, "score": f64::from(i) / 1000.0})
                })
                .collect();
            store
                .append_decisions(&actor(), org, sys, &events(Value::from(body)))
                .await
                .unwrap();
        }
        let report = store.verify_ledger(Vec::new()).await.unwrap();
        assert!(report.ok, "{engine}: {:?}", report.failure);
        assert_eq!(report.decision_entries, EVENTS, "{engine}");

        tamper(&url, "UPDATE decisions SET actor = 'm' WHERE seq = 12345").await;
        let report = store.verify_ledger(Vec::new()).await.unwrap();
        let failure = report.failure.expect("the edit is found");
        assert_eq!(
            (failure.problem, failure.seq),
            (Problem::EntryEdited, Some(12345)),
            "{engine}: {}",
            failure.message
        );
    }
}

/// A log whose first 20,000 entries were deleted is read on from the first entry left
/// (PostgreSQL reads logs in ranges of 20,000 seqs; an empty range is not the end), and
/// the deletion is named.
#[tokio::test]
async fn a_log_missing_its_first_pages_is_named_not_taken_as_empty() {
    const EVENTS: u64 = 20_500;
    let engines = engines::open_all().await;
    for engine in engines.names() {
        let (store, url) = engines.fresh_with_url(engine, "decisions_gap").await;
        let (org, sys) = system(&store).await;
        for batch in 0..EVENTS.div_ceil(1_000) {
            let body: Vec<Value> = (0..1_000.min(EVENTS - batch * 1_000))
                .map(|i| json!({"id": format!("b{batch}-e{i}"), "time": "2026-03-01T10:00:00Z", "decision": i}))
                .collect();
            store
                .append_decisions(&actor(), org, sys, &events(Value::from(body)))
                .await
                .unwrap();
        }
        tamper(&url, "DELETE FROM decisions WHERE seq <= 20000").await;
        let report = store.verify_ledger(Vec::new()).await.unwrap();
        let failure = report.failure.expect("the deletion is found");
        assert_eq!(
            failure.problem,
            Problem::EntryDeleted,
            "{engine}: {}",
            failure.message
        );
        assert!(
            failure.message.contains("1..=20000"),
            "{engine}: {}",
            failure.message
        );
    }
}

#[tokio::test]
async fn tampering_with_a_decision_log_is_named() {
    let engines = engines::open_all().await;
    for engine in engines.names() {
        for (case, sql, problem) in [
            (
                "state",
                "UPDATE decisions SET state = replace(state, '0.9', '0.1') WHERE seq = 1",
                Problem::StateEdited,
            ),
            (
                "deleted",
                "DELETE FROM decisions WHERE seq = 2",
                Problem::EntryDeleted,
            ),
            (
                "actor",
                "UPDATE decisions SET actor = 'mallory' WHERE seq = 3",
                Problem::EntryEdited,
            ),
        ] {
            let (store, url) = engines
                .fresh_with_url(engine, &format!("decisions_{case}"))
                .await;
            let (org, sys) = system(&store).await;
            let batch = events(json!([
                {"id": "e1", "time": "2026-03-01T10:00:00Z", "decision": 1, "score": 0.9},
                {"id": "e2", "time": "2026-03-01T10:00:01Z", "decision": 0, "score": 0.3},
                {"id": "e3", "time": "2026-03-01T10:00:02Z", "decision": 1, "score": 0.7},
            ]));
            store
                .append_decisions(&actor(), org, sys, &batch)
                .await
                .unwrap();
            tamper(&url, sql).await;
            let report = store.verify_ledger(Vec::new()).await.unwrap();
            let failure = report.failure.expect("tampering is found");
            assert_eq!(
                failure.problem, problem,
                "{engine} {case}: {}",
                failure.message
            );
            assert_eq!(failure.log, format!("decisions:{sys}"));
        }
    }
}

/// Turns the decision table of a store back into its form before schema version 9: hashes
/// as hex text and each row's previous entry hash stored beside it.
const BACK_TO_HEX_SQLITE: &str = "
CREATE TABLE decisions_v8 (
    system_id TEXT NOT NULL REFERENCES ai_systems(id), seq BIGINT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations(id), action TEXT NOT NULL,
    event_id TEXT NOT NULL, occurred_at TIMESTAMP NOT NULL, recorded_at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL, state TEXT NOT NULL, new_state_hash TEXT NOT NULL,
    prev_state_hash TEXT, prev_entry_hash TEXT NOT NULL, entry_hash TEXT NOT NULL,
    PRIMARY KEY (system_id, seq)) WITHOUT ROWID;
INSERT INTO decisions_v8 SELECT system_id, seq, organisation_id, action, event_id, occurred_at,
    recorded_at, actor, state, lower(hex(new_state_hash)), nullif(lower(hex(prev_state_hash)), ''),
    coalesce(lower(hex(lag(entry_hash) OVER (PARTITION BY system_id ORDER BY seq))), printf('%064d', 0)),
    lower(hex(entry_hash)) FROM decisions;
DROP TABLE decisions;
ALTER TABLE decisions_v8 RENAME TO decisions;
CREATE INDEX decisions_event ON decisions (system_id, event_id);
CREATE INDEX decisions_time ON decisions (system_id, occurred_at);
DELETE FROM schema_migrations WHERE version = 9;";

const BACK_TO_HEX_POSTGRES: &str = "
ALTER TABLE decisions ADD COLUMN prev_entry_hash TEXT;
UPDATE decisions d SET prev_entry_hash = coalesce((SELECT encode(p.entry_hash, 'hex') FROM decisions p
    WHERE p.system_id = d.system_id AND p.seq = d.seq - 1), repeat('0', 64));
ALTER TABLE decisions ALTER COLUMN prev_entry_hash SET NOT NULL,
    ALTER COLUMN new_state_hash TYPE TEXT USING encode(new_state_hash, 'hex'),
    ALTER COLUMN prev_state_hash TYPE TEXT USING encode(prev_state_hash, 'hex'),
    ALTER COLUMN entry_hash TYPE TEXT USING encode(entry_hash, 'hex');
DELETE FROM schema_migrations WHERE version = 9;";

/// A log written while hashes were stored as hex is carried over by the migration whole:
/// it verifies to the same root and goes on. A hash edited into something that is not hex
/// survives the migration as bytes, and verification names its entry.
#[tokio::test]
async fn logs_stored_as_hex_are_carried_over_by_the_migration() {
    let engines = engines::open_all().await;
    for engine in engines.names() {
        let edits = [
            None,
            Some("UPDATE decisions SET entry_hash = 'edited' WHERE seq = 2"),
        ];
        for (case, edit) in edits.into_iter().enumerate() {
            let (store, url) = engines
                .fresh_with_url(engine, &format!("decisions_hex_{case}"))
                .await;
            let (org, sys) = system(&store).await;
            let batch = events(json!([
                {"id": "e1", "time": "2026-03-01T10:00:00Z", "decision": "a", "score": 0.5},
                {"id": "e2", "time": "2026-03-01T10:00:01Z", "decision": "b"},
                {"id": "e3", "time": "2026-03-01T10:00:02Z", "decision": "c"},
            ]));
            let appended = store
                .append_decisions(&actor(), org, sys, &batch)
                .await
                .unwrap();
            store
                .set_ground_truth(&actor(), org, sys, "e1", json!("a"))
                .await
                .unwrap();
            let before = store.verify_ledger(Vec::new()).await.unwrap();
            assert!(before.ok, "{engine}: {:?}", before.failure);
            store.close().await;
            let back = if engine == "sqlite" {
                BACK_TO_HEX_SQLITE
            } else {
                BACK_TO_HEX_POSTGRES
            };
            tamper(&url, back).await;
            if let Some(sql) = edit {
                tamper(&url, sql).await;
            }

            let store = Store::open(&url).await.expect("the migration runs");
            let report = store.verify_ledger(Vec::new()).await.unwrap();
            match edit {
                None => {
                    assert!(report.ok, "{engine}: {:?}", report.failure);
                    assert_eq!(report.decision_entries, 4, "{engine}");
                    assert_eq!(report.root_hash, before.root_hash, "{engine}");
                    let more = events(
                        json!([{"id": "e4", "time": "2026-03-02T10:00:00Z", "decision": "d"}]),
                    );
                    let next = store
                        .append_decisions(&actor(), org, sys, &more)
                        .await
                        .unwrap();
                    assert_eq!(next.first_seq, appended.last_seq + 2, "{engine}");
                    assert!(store.verify_ledger(Vec::new()).await.unwrap().ok);
                }
                Some(_) => {
                    let failure = report.failure.expect("the edit is found");
                    assert_eq!(
                        (failure.problem, failure.seq),
                        (Problem::EntryEdited, Some(2)),
                        "{engine}: {}",
                        failure.message
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn a_move_carries_decision_logs_and_their_chains() {
    let engines = engines::open_all().await;
    for engine in engines.names() {
        let source = engines.fresh(engine, "decisions_source").await;
        let (org, sys) = system(&source).await;
        let batch = events(json!([
            {"id": "e1", "time": "2026-03-01T10:00:00Z", "decision": "a", "score": 0.125},
            {"id": "e2", "time": "2026-03-01T10:00:01Z", "decision": "b"},
        ]));
        source
            .append_decisions(&actor(), org, sys, &batch)
            .await
            .unwrap();
        let mut file = Vec::new();
        source.export_all(&mut file).await.unwrap();
        let target = engines.fresh(engine, "decisions_target").await;
        target.import_all(&file[..]).await.unwrap();
        let report = target.verify_ledger(Vec::new()).await.unwrap();
        assert!(report.ok, "{engine}: {:?}", report.failure);
        assert_eq!(report.decision_entries, 2);
        // The imported log goes on from where it was.
        let more = events(json!([{"id": "e3", "time": "2026-03-02T10:00:00Z", "decision": "c"}]));
        let appended = target
            .append_decisions(&actor(), org, sys, &more)
            .await
            .unwrap();
        assert_eq!(appended.first_seq, 3);
        assert!(target.verify_ledger(Vec::new()).await.unwrap().ok);

        // An export written before schema version 9 carries each decision row's previous
        // entry hash; the import takes it without that column.
        let older: Vec<String> = String::from_utf8(file)
            .unwrap()
            .lines()
            .enumerate()
            .map(|(number, line)| {
                let mut value: Value = serde_json::from_str(line).unwrap();
                if number == 0 {
                    value["schema_version"] = json!(8);
                } else if value["table"] == "decisions" {
                    value["row"]["prev_entry_hash"] = json!("00".repeat(32));
                }
                value.to_string()
            })
            .collect();
        let third = engines.fresh(engine, "decisions_older").await;
        third.import_all(older.join("\n").as_bytes()).await.unwrap();
        let report = third.verify_ledger(Vec::new()).await.unwrap();
        assert!(report.ok, "{engine}: {:?}", report.failure);
        assert_eq!(report.decision_entries, 2);
    }
}

/// A Parquet value as the JSON of the stored event it came from.
fn parquet_json(field: &parquet::record::Field) -> Value {
    use parquet::record::Field;
    match field {
        Field::Null => Value::Null,
        Field::Bool(b) => json!(b),
        Field::Long(n) => json!(n),
        Field::Double(d) => json!(d),
        Field::Str(s) => json!(s),
        Field::TimestampMicros(micros) => json!(
            DateTime::from_timestamp_micros(*micros)
                .unwrap()
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        ),
        other => panic!("unexpected Parquet value {other:?}"),
    }
}

/// Equal as JSON, numbers by value: a stored `1` is the double `1.0` in a DOUBLE column.
fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

#[tokio::test]
async fn csv_and_parquet_exports_hold_the_same_events() {
    use parquet::file::reader::{FileReader, SerializedFileReader};

    let engines = engines::open_all().await;
    for (engine, store) in &engines.stores {
        let (org, sys) = system(store).await;
        let batch: Vec<Value> = (0..30)
            .map(|i| {
                let tone = ["I", "V, \"dark\"", "Ⅵ"][i % 3];
                let mut event = json!({
                    "id": format!("e{i:02}"),
                    "time": format!("2026-03-01T10:{i:02}:00.{:06}Z", i * 37),
                    "decision": i % 3 == 0,
                    "groups": {"skin_tone": tone},
                    "human_override": i == 7,
                });
                if i % 4 != 0 {
                    event["score"] = json!(i as f64 / 8.0);
                    event["ground_truth"] = json!(i % 2);
                }
                if i % 5 == 0 {
                    event["groups"]["region"] = json!("north");
                    event["model_version"] = json!("3.1");
                    event["input_ref"] = json!(format!("s3://frames/{i}.jpg"));
                }
                event
            })
            .collect();
        store
            .append_decisions(&actor(), org, sys, &events(Value::Array(batch)))
            .await
            .unwrap();
        store
            .set_ground_truth(&actor(), org, sys, "e04", json!(1))
            .await
            .unwrap();
        let window = Window {
            from: Some(at("2026-03-01T10:02:00Z")),
            to: Some(at("2026-03-01T10:27:00Z")),
        };
        let (expected, _) = store
            .decisions_page(org, sys, window, None, 1000)
            .await
            .unwrap();
        assert_eq!(expected.len(), 25, "{engine}");

        let mut csv = Vec::new();
        let csv_rows = store
            .export_decisions(org, sys, window, ExportFormat::Csv, &mut csv)
            .await
            .unwrap();
        let mut file = tempfile::tempfile().unwrap();
        let parquet_rows = store
            .export_decisions(org, sys, window, ExportFormat::Parquet, &mut file)
            .await
            .unwrap();
        assert_eq!((csv_rows, parquet_rows), (25, 25), "{engine}");
        let csv = String::from_utf8(csv).unwrap();
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();

        let reader = SerializedFileReader::new(file).unwrap();
        let columns: Vec<String> = reader
            .metadata()
            .file_metadata()
            .schema_descr()
            .columns()
            .iter()
            .map(|c| c.name().to_owned())
            .collect();
        assert_eq!(columns, header, "{engine}: the CSV's columns, in its order");
        let rows: Vec<_> = reader
            .get_row_iter(None)
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(rows.len(), 25);
        for (row, event) in rows.iter().zip(&expected) {
            for (name, field) in row.get_column_iter() {
                let want = match name.strip_prefix("group.") {
                    Some(group) => event["groups"].get(group),
                    None => event.get(name.as_str()),
                }
                .cloned()
                .unwrap_or(Value::Null);
                let got = parquet_json(field);
                assert!(
                    same(&got, &want),
                    "{engine}: {name} of {}: {got} != {want}",
                    event["id"]
                );
            }
        }
        let e04 = rows.iter().position(|r| {
            r.get_column_iter().next().unwrap().1 == &parquet::record::Field::Str("e04".into())
        });
        assert_eq!(
            rows[e04.unwrap()].get_column_iter().nth(5).unwrap().1,
            &parquet::record::Field::Long(1),
            "{engine}: ground truth given later"
        );
    }
}
