//! `aims verify` and `aims ledger …` as an operator and an auditor use them: the key made
//! by `aims init`, checkpoints, proofs checked offline, and tampering caught with exit 1.

use std::path::Path;
use std::process::{Command, Output};

use aims_domain::inventory::{SystemFields, parse_new};
use aims_store::{Actor, Store};
use serde_json::{Value, json};
use sqlx::AssertSqlSafe;

fn aims(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aims"))
        .current_dir(dir)
        .env_remove("AIMS_DATABASE_URL")
        .env_remove("AIMS_CONFIG")
        .env_remove("AIMS_DATA_DIR")
        .env("AIMS_ADMIN_PASSWORD", "ledger password for tests")
        .env("AIMS_LOG", "warn")
        .args(args)
        .output()
        .expect("run aims")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exit code")
}

fn url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("aims-data/aims.db").display())
}

async fn tamper(dir: &Path, sql: &str) {
    let pool = sqlx::SqlitePool::connect(&url(dir)).await.expect("connect");
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(&pool)
        .await
        .expect("tamper");
    pool.close().await;
}

async fn add_system(dir: &Path, name: &str) {
    let store = Store::open(&url(dir)).await.expect("open");
    let org = store.organisations().await.unwrap()[0].id;
    let fields: SystemFields = parse_new(json!({"name": name})).unwrap();
    store
        .create_record(&Actor::system("test"), org, fields)
        .await
        .unwrap();
    store.close().await;
}

fn public_key(dir: &Path) -> String {
    let out = aims(dir, &["ledger", "public-key", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let value: Value = serde_json::from_slice(&out.stdout).unwrap();
    value["public_key"].as_str().unwrap().to_owned()
}

fn verify_json(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["verify", "--format", "json"];
    args.extend_from_slice(extra);
    let out = aims(dir, &args);
    let value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("verify printed JSON ({e}): {}", text(&out)));
    (code(&out), value)
}

#[tokio::test]
async fn init_makes_an_owner_only_key_and_an_intact_log() {
    let dir = tempfile::tempdir().unwrap();
    let out = aims(dir.path(), &["init"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let key = dir.path().join("aims-data/ledger-signing.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(text(&out).contains(&public_key(dir.path())));

    let (status, report) = verify_json(dir.path(), &[]);
    assert_eq!(status, 0, "{report}");
    assert_eq!(report["ok"], true);
    assert!(report["entries"].as_u64().unwrap() >= 3, "{report}");
    assert_eq!(report["records_checked"], 1, "the organisation");

    // A key others may read is refused, with the fix.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = aims(dir.path(), &["ledger", "checkpoint"]);
        assert_eq!(code(&out), 2);
        assert!(text(&out).contains("chmod 600"), "{}", text(&out));
    }
}

#[tokio::test]
async fn checkpoints_and_proofs_verify_offline_and_a_forged_proof_fails() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&aims(dir.path(), &["init"])), 0);
    let key = public_key(dir.path());
    let out = aims(
        dir.path(),
        &["ledger", "checkpoint", "--output", "head-1.json"],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    let head: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("head-1.json")).unwrap())
            .unwrap();
    let size = head["tree_size"].as_u64().unwrap();

    add_system(dir.path(), "Person detector").await;
    add_system(dir.path(), "Credit model").await;

    // Inclusion of the first entry in a new head, checked offline in another folder.
    let out = aims(
        dir.path(),
        &[
            "ledger",
            "prove",
            "--seq",
            "1",
            "--output",
            "inclusion.json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    let auditor = tempfile::tempdir().unwrap();
    std::fs::copy(
        dir.path().join("inclusion.json"),
        auditor.path().join("inclusion.json"),
    )
    .unwrap();
    let out = aims(
        auditor.path(),
        &[
            "ledger",
            "verify-proof",
            "inclusion.json",
            "--public-key",
            &key,
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(
        text(&out).contains("entry 1 (create organisation"),
        "{}",
        text(&out)
    );

    // Inclusion against the saved head.
    let out = aims(
        dir.path(),
        &[
            "ledger",
            "prove",
            "--seq",
            "2",
            "--tree-head",
            "head-1.json",
            "-o",
            "old.json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    let out = aims(
        dir.path(),
        &["ledger", "verify-proof", "old.json", "--public-key", &key],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(text(&out).contains(&format!("log of {size} entries")));

    // The log only grew since the saved head.
    let out = aims(
        dir.path(),
        &[
            "ledger",
            "prove",
            "--from-tree-head",
            "head-1.json",
            "-o",
            "consistency.json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    let out = aims(
        dir.path(),
        &[
            "ledger",
            "verify-proof",
            "consistency.json",
            "--public-key",
            &key,
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(text(&out).contains(&format!("extends the log of {size} entries")));

    // A proof whose entry was altered, and a head signed by another key, fail with exit 1.
    let inclusion = std::fs::read_to_string(auditor.path().join("inclusion.json")).unwrap();
    let forged = inclusion.replacen("\"actor\": \"", "\"actor\": \"x", 1);
    assert_ne!(forged, inclusion);
    std::fs::write(auditor.path().join("forged.json"), forged).unwrap();
    let out = aims(
        auditor.path(),
        &[
            "ledger",
            "verify-proof",
            "forged.json",
            "--public-key",
            &key,
        ],
    );
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(text(&out).contains("does not hash"), "{}", text(&out));
    let other = aims_ledger::SigningKey::from_seed([7; 32])
        .public_key()
        .to_base64();
    let out = aims(
        auditor.path(),
        &[
            "ledger",
            "verify-proof",
            "inclusion.json",
            "--public-key",
            &other,
        ],
    );
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(text(&out).contains("tree head"), "{}", text(&out));

    // Bad input: a key that is not one, a file that is not a proof.
    let out = aims(
        auditor.path(),
        &[
            "ledger",
            "verify-proof",
            "inclusion.json",
            "--public-key",
            "nope",
        ],
    );
    assert_eq!(code(&out), 2);
    assert!(text(&out).contains("--public-key"), "{}", text(&out));
    std::fs::write(auditor.path().join("junk.json"), "{\"format\": \"zip\"}").unwrap();
    let out = aims(
        auditor.path(),
        &["ledger", "verify-proof", "junk.json", "--public-key", &key],
    );
    assert_eq!(code(&out), 2);
    assert!(text(&out).contains("junk.json: not an aims ledger proof"));
}

#[tokio::test]
async fn verify_exits_1_naming_what_was_tampered_with() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&aims(dir.path(), &["init"])), 0);
    add_system(dir.path(), "Person detector").await;
    assert_eq!(
        code(&aims(
            dir.path(),
            &["ledger", "checkpoint", "-o", "head.json"]
        )),
        0
    );
    let (status, _) = verify_json(dir.path(), &["--tree-head", "head.json"]);
    assert_eq!(status, 0);

    tamper(dir.path(), "UPDATE ai_systems SET name = 'Something else'").await;
    let (status, report) = verify_json(dir.path(), &[]);
    assert_eq!(status, 1, "{report}");
    assert_eq!(report["failure"]["problem"], "record_edited");
    assert_eq!(report["failure"]["record_kind"], "systems");
    let out = aims(dir.path(), &["verify"]);
    assert_eq!(code(&out), 1);
    assert!(text(&out).contains("FAILED: systems"), "{}", text(&out));
    tamper(dir.path(), "UPDATE ai_systems SET name = 'Person detector'").await;
    let (status, report) = verify_json(dir.path(), &[]);
    assert_eq!(status, 0, "{report}");

    // Cut the last entry and move the head back (but not its Merkle subtree roots): the
    // head no longer matches, and the saved tree head names the truncation.
    tamper(
        dir.path(),
        "DELETE FROM changes WHERE seq = (SELECT MAX(seq) FROM changes);
         DELETE FROM ai_systems;
         UPDATE ledger_heads SET seq = seq - 1, entry_hash = (SELECT entry_hash FROM changes WHERE seq = (SELECT MAX(seq) FROM changes));",
    )
    .await;
    let (status, report) = verify_json(dir.path(), &[]);
    assert_eq!(status, 1, "{report}");
    assert_eq!(report["failure"]["problem"], "head_edited");
    let (status, report) = verify_json(dir.path(), &["--tree-head", "head.json"]);
    assert_eq!(status, 1, "{report}");
    assert_eq!(report["failure"]["problem"], "log_truncated");
}

#[tokio::test]
async fn decision_events_export_as_csv_and_parquet_that_eval_fairness_reads_alike() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&aims(dir.path(), &["init"])), 0);
    let store = Store::open(&url(dir.path())).await.unwrap();
    let org = store.organisations().await.unwrap()[0].id;
    let fields: SystemFields = parse_new(json!({"name": "Person detector"})).unwrap();
    let system = store
        .create_record(&Actor::system("test"), org, fields)
        .await
        .unwrap()
        .id;
    let events: Vec<Value> = (0..40)
        .map(|i| {
            json!({"id": format!("e{i}"), "time": format!("2026-03-01T10:00:{i:02}Z"),
                   "decision": i % 3 == 0, "ground_truth": i % 2 == 0, "score": (i % 7) as f64 / 6.0,
                   "groups": {"skin_tone": if i < 20 { "light" } else { "dark, \"V\"" }}})
        })
        .collect();
    let parsed = aims_domain::decision::parse_batch(
        Value::Array(events).to_string().as_bytes(),
        aims_domain::decision::BatchFormat::JsonArray,
        &mut || unreachable!("every event has an id"),
    )
    .unwrap();
    store
        .append_decisions(&Actor::system("test"), org, system, &parsed)
        .await
        .unwrap();
    store.close().await;

    let system = system.to_string();
    let export = |format: &str, file: &str| {
        let out = aims(
            dir.path(),
            &[
                "export",
                "decisions",
                "--system",
                &system,
                "--to",
                "2026-03-01T10:00:30Z",
                "--format",
                format,
                "-o",
                file,
            ],
        );
        assert_eq!(code(&out), 0, "{}", text(&out));
        assert!(
            text(&out).contains("Exported 30 decision events"),
            "{}",
            text(&out)
        );
    };
    export("csv", "d.csv");
    export("parquet", "d.parquet");
    let csv = std::fs::read_to_string(dir.path().join("d.csv")).unwrap();
    assert_eq!(
        csv.lines().count(),
        31,
        "a header and 30 events before 10:00:30"
    );
    assert!(
        std::fs::read(dir.path().join("d.parquet"))
            .unwrap()
            .starts_with(b"PAR1")
    );
    let fairness = |file: &str| {
        let out = aims(
            dir.path(),
            &[
                "eval",
                "fairness",
                "--input",
                file,
                "--label",
                "ground_truth",
                "--prediction",
                "decision",
                "--positive-label",
                "true",
                "--score",
                "score",
                "--sensitive",
                "group.skin_tone",
                "--min-group-size",
                "1",
                "--format",
                "json",
            ],
        );
        assert_eq!(code(&out), 0, "{}", text(&out));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let result = fairness("d.csv");
    assert_eq!(result["rows"], 30);
    assert_eq!(result["groups"].as_array().unwrap().len(), 2);
    assert!(result["overall"]["roc_auc"].is_f64(), "{result}");
    assert_eq!(
        fairness("d.parquet"),
        result,
        "the same report from either file"
    );
    // Drift reads every column of the two forms alike, `time` included: one against the
    // other drifts nowhere.
    let out = aims(
        dir.path(),
        &[
            "eval",
            "drift",
            "--reference",
            "d.csv",
            "--current",
            "d.parquet",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    let drift: Value = serde_json::from_slice(&out.stdout).unwrap();
    let time = drift["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "time")
        .unwrap();
    assert_eq!(
        (time["kind"].as_str(), time["psi"].as_f64()),
        (Some("categorical"), Some(0.0)),
        "{drift}"
    );
    assert_eq!(drift["drifted_share"], 0.0, "{drift}");

    for (args, expected) in [
        (
            vec!["--system", "nope"],
            "--system: `nope` is not an AI system id",
        ),
        (
            vec!["--system", &system, "--from", "monday"],
            "--from: `monday`",
        ),
        (
            vec!["--system", "00000000-0000-4000-8000-000000000000"],
            "AI system 00000000-0000-4000-8000-000000000000 was not found",
        ),
    ] {
        for format in ["csv", "parquet"] {
            let mut all = vec!["export", "decisions", "--format", format, "-o", "x.out"];
            all.extend(args.iter().copied());
            let out = aims(dir.path(), &all);
            assert_eq!(code(&out), 2, "{}", text(&out));
            assert!(text(&out).contains(expected), "{}", text(&out));
        }
    }
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("x.") || name.ends_with(".partial"))
        .collect();
    assert!(left.is_empty(), "a failed export leaves no file: {left:?}");
}
