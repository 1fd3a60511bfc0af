//! The `aims` binary as a user runs it: demo start, init, moves between engines, errors.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

const PASSWORD: &str = "demo password for tests";

fn aims(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aims"));
    command
        .current_dir(dir)
        .env_remove("AIMS_DATABASE_URL")
        .env_remove("AIMS_CONFIG")
        .env_remove("AIMS_TOKEN")
        .env("AIMS_ADMIN_PASSWORD", PASSWORD)
        .env("AIMS_LOG", "warn");
    command
}

/// A running `aims serve`, killed when dropped.
struct Server {
    child: Child,
    base: String,
    first_lines: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path, args: &[&str]) -> Server {
    let mut child = aims(dir)
        .arg("serve")
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn aims");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut first_lines = Vec::new();
    let base = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("aims serve printed its address");
        first_lines.push(line.clone());
        if let Some(rest) = line.strip_prefix("aims is serving ") {
            break rest.split_whitespace().next().expect("url").to_owned();
        }
    };
    // The demo login lines follow the address.
    while let Ok(line) = rx.recv_timeout(Duration::from_millis(300)) {
        first_lines.push(line);
    }
    Server {
        child,
        base,
        first_lines,
    }
}

async fn get(client: &reqwest::Client, url: String) -> Value {
    client
        .get(url)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

async fn signed_in(base: &str) -> reqwest::Client {
    signed_in_with_csrf(base).await.0
}

/// A client signed in as the admin, and the CSRF token its changes must carry.
async fn signed_in_with_csrf(base: &str) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let response = client
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let session: Value = response.json().await.unwrap();
    let csrf = session["csrf_token"].as_str().unwrap().to_owned();
    (client, csrf)
}

/// Sends a request with a JSON body and reads the JSON answer.
async fn send_json(request: reqwest::RequestBuilder, body: Value) -> Value {
    let response = request.json(&body).send().await.expect("request");
    response.json().await.expect("json")
}

/// Signs in as the admin and creates an API token; returns the signed-in client and the token.
async fn api_token(base: &str) -> (reqwest::Client, String) {
    let (client, csrf) = signed_in_with_csrf(base).await;
    let tokens = client
        .post(format!("{base}/api/v1/tokens"))
        .header("x-csrf-token", csrf);
    let created = send_json(tokens, json!({"name": "ingest"})).await;
    let token = created["token"].as_str().unwrap().to_owned();
    (client, token)
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn serve_demo_starts_a_believable_installation_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &["--demo"]);
    assert!(
        dir.path().join("aims-data/aims.db").exists(),
        "the default database lives in ./aims-data"
    );
    let printed = server.first_lines.join("\n");
    assert!(
        printed.contains("Demo organisation") && printed.contains("Admin user: admin"),
        "{printed}"
    );
    assert_eq!(
        get(&reqwest::Client::new(), format!("{}/readyz", server.base)).await["status"],
        "ok"
    );

    let client = signed_in(&server.base).await;
    let systems = get(&client, format!("{}/api/v1/systems?limit=100", server.base)).await;
    let system_names = names(&systems);
    for expected in [
        "Entrance person detector",
        "Consumer credit scoring",
        "Customer service assistant",
        "Internal document classifier",
    ] {
        assert!(
            system_names.iter().any(|n| n == expected),
            "{expected} missing from {system_names:?}"
        );
    }
    // Every demo system has an EU AI Act classification.
    for system in systems["items"].as_array().unwrap() {
        assert_ne!(
            system["eu_ai_act_tier"], "unassessed",
            "{} is classified",
            system["name"]
        );
    }
    let credit = systems["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Consumer credit scoring")
        .unwrap();
    assert_eq!(credit["eu_ai_act_tier"], "high_risk");
    let detector = systems["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Entrance person detector")
        .unwrap();
    assert!(
        detector["human_oversight"]
            .as_str()
            .unwrap()
            .contains("skin tone")
    );
    let suppliers = get(&client, format!("{}/api/v1/suppliers", server.base)).await;
    let parlant = suppliers["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Parlant AI Ltd")
        .expect("LLM supplier");
    let models = get(
        &client,
        format!(
            "{}/api/v1/models?supplier_id={}",
            server.base,
            parlant["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(
        names(&models),
        ["parlant-assist-large"],
        "the bought LLM assistant's model comes from its supplier"
    );
    let datasets = get(
        &client,
        format!("{}/api/v1/datasets?special_category_data=true", server.base),
    )
    .await;
    assert_eq!(datasets["total"], 1);
    let users = get(&client, format!("{}/api/v1/users", server.base)).await;
    assert_eq!(users["total"], 4, "admin plus one user per other role");
    // A partly filled Statement of Applicability: readiness has real numbers.
    let readiness = get(&client, format!("{}/api/v1/soa/readiness", server.base)).await;
    let overall = readiness["readiness"]["overall"]["percent"]
        .as_f64()
        .unwrap();
    assert!(overall > 5.0 && overall < 60.0, "{readiness}");
    assert_eq!(readiness["readiness"]["controls"]["excluded"], 2);
    assert_eq!(readiness["readiness"]["controls"]["evidence_expired"], 1);
    let soa = get(&client, format!("{}/api/v1/soa", server.base)).await;
    assert_eq!(soa["approved"]["version"], 1);
    assert_eq!(soa["changed_since_approval"], true);

    // The SoA for auditors, from the same database.
    let output = aims(dir.path())
        .args(["export", "soa", "--format", "csv", "--output", "soa.csv"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let csv = std::fs::read_to_string(dir.path().join("soa.csv")).unwrap();
    assert_eq!(csv.matches("\r\n").count(), 39, "a header and 38 controls");
    assert!(csv.contains("A.10.4,Customers,"), "{csv}");
    let output = aims(dir.path())
        .args([
            "export",
            "soa",
            "--format",
            "xlsx",
            "--version",
            "1",
            "-o",
            "soa.xlsx",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        std::fs::read(dir.path().join("soa.xlsx"))
            .unwrap()
            .starts_with(b"PK")
    );
    let missing = aims(dir.path())
        .args([
            "export",
            "soa",
            "--format",
            "csv",
            "--version",
            "7",
            "-o",
            "-",
        ])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("version 7"));
    let decisions = get(
        &client,
        format!(
            "{}/api/v1/systems/{}/decisions?limit=1",
            server.base,
            detector["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(decisions["total"], 3000, "the detector's decision log");
    assert!(decisions["items"][0]["groups"]["skin_tone"].is_string());
    let detector_id = detector["id"].as_str().unwrap();
    let evaluations = get(
        &client,
        format!("{}/api/v1/systems/{detector_id}/evaluations", server.base),
    )
    .await;
    assert_eq!(evaluations["total"], 1, "{evaluations}");
    let fairness = &evaluations["items"][0];
    assert_eq!(fairness["kind"], "fairness");
    assert_eq!(fairness["inputs"][0]["sha256"].as_str().unwrap().len(), 64);
    let page = client
        .get(format!("{}/systems/{detector_id}/evaluations", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Latest fairness evaluation") && page.contains("skin_tone=dark"),
        "the charts name the groups"
    );
    let assessments = get(
        &client,
        format!("{}/api/v1/impact-assessments", server.base),
    )
    .await;
    let statuses: Vec<&str> = assessments["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.len(), 2, "{assessments}");
    assert!(statuses.contains(&"approved") && statuses.contains(&"draft"));
    let ledger = get(
        &client,
        format!("{}/api/v1/ledger/entries?limit=1", server.base),
    )
    .await;
    assert!(
        ledger["total"].as_u64().unwrap() > 20,
        "the demo content went through the ledger: {ledger}"
    );
    drop(server);

    // The demo passes verification, decision logs included.
    let output = aims(dir.path())
        .args(["verify", "--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(output.status.success(), "{report}");
    assert_eq!(report["decision_logs"], 2);
    assert_eq!(report["decision_entries"], 5500);

    // OSCAL documents from the database (validated by trestle in tests/python/test_oscal.py).
    let output = aims(dir.path())
        .args(["export", "oscal-assessment-results", "-o", "-"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        results["assessment-results"]["metadata"]["title"],
        "Statement of Applicability — Northwind Retail & Finance"
    );
    let output = aims(dir.path())
        .args([
            "export",
            "oscal-profile",
            "--framework",
            "nist-ai-rmf-1.0",
            "-o",
            "-",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("adopted iso-iec-42001-2023"));

    // An evaluation kept as evidence on the credit model, from the command line.
    let credit_id = systems["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Consumer credit scoring")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let rows = |shift: usize| {
        "income\n".to_owned()
            + &(0..300)
                .map(|i| format!("{}\n", i + shift))
                .collect::<String>()
    };
    std::fs::write(dir.path().join("train.csv"), rows(0)).unwrap();
    std::fs::write(dir.path().join("today.csv"), rows(250)).unwrap();
    let output = aims(dir.path())
        .args([
            "eval",
            "drift",
            "--reference",
            "train.csv",
            "--current",
            "today.csv",
        ])
        .args([
            "--format",
            "json",
            "--fail-on",
            "alarm",
            "--system",
            &credit_id,
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("kept as evaluation"), "{stderr}");
    let output = aims(dir.path())
        .args([
            "eval",
            "drift",
            "--reference",
            "train.csv",
            "--current",
            "today.csv",
        ])
        .args(["--system", "00000000-0000-4000-8000-000000000000"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("was not found"));

    // The CLI reads the same database.
    let output = aims(dir.path())
        .args(["systems", "list", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(listed["total"].as_u64(), systems["total"].as_u64());

    // The demo risk register, through `aims risks list` and `aims export risks`.
    let output = aims(dir.path())
        .args(["risks", "list", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let risks: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(risks["total"].as_u64().unwrap() >= 6, "{risks}");
    let items = risks["items"].as_array().unwrap();
    assert!(
        items.iter().any(|r| r["status"]["acceptance"] == "current"),
        "one risk is accepted"
    );
    assert!(
        items
            .iter()
            .any(|r| r["status"]["overdue_actions"].as_u64() > Some(0)),
        "one action is overdue"
    );
    assert!(
        items
            .iter()
            .any(|r| r["title"].as_str().unwrap().contains("darker skin"))
    );
    let levels: Vec<u64> = items
        .iter()
        .map(|r| r["status"]["residual_level"]["index"].as_u64().unwrap())
        .collect();
    assert!(
        levels.windows(2).all(|w| w[0] >= w[1]),
        "highest first: {levels:?}"
    );
    let table = aims(dir.path())
        .args(["risks", "list", "--overdue"])
        .output()
        .unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(
        table.starts_with("RESIDUAL")
            && table.contains("Misrouted complaints")
            && table.contains("(overdue)"),
        "{table}"
    );
    let bad = aims(dir.path())
        .args(["risks", "list", "--level", "Severe"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("level"));
    let xlsx = dir.path().join("risks.xlsx");
    let output = aims(dir.path())
        .args(["export", "risks", "--format", "xlsx", "--output"])
        .arg(&xlsx)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(&std::fs::read(&xlsx).unwrap()[..2], b"PK");
    let csv = aims(dir.path())
        .args(["export", "risks", "--format", "csv", "-o", "-"])
        .output()
        .unwrap();
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert_eq!(csv.matches("\r\n").count(), items.len() + 1, "{csv}");
    assert!(csv.contains("Entrance person detector"));
    let table = aims(dir.path())
        .args(["systems", "list", "--lifecycle-stage", "operation"])
        .output()
        .unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(
        table.starts_with("NAME")
            && table.contains("Consumer credit scoring")
            && !table.contains("Card fraud"),
        "{table}"
    );

    // A second start keeps the data and does not seed again.
    let again = serve(dir.path(), &["--demo"]);
    assert!(again.first_lines.join("\n").contains("already holds data"));
    let client = signed_in(&again.base).await;
    assert_eq!(
        get(&client, format!("{}/api/v1/systems", again.base)).await["total"],
        systems["total"]
    );
}

#[test]
fn init_creates_an_empty_installation_once() {
    let dir = tempfile::tempdir().unwrap();
    let output = aims(dir.path())
        .args([
            "init",
            "--organisation",
            "Acme AI",
            "--database",
            "sqlite://data/a.db",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success()
            && stdout.contains("Organisation: Acme AI")
            && stdout.contains("from AIMS_ADMIN_PASSWORD"),
        "{stdout}"
    );
    let output = aims(dir.path())
        .args(["init", "--database", "sqlite://data/a.db"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("already initialised"));

    let output = aims(dir.path())
        .env_remove("AIMS_ADMIN_PASSWORD")
        .args(["init", "--database", "sqlite://other.db"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("password: ") && stdout.contains("shown once"),
        "a generated password is printed once: {stdout}"
    );

    let output = aims(dir.path())
        .env("AIMS_ADMIN_PASSWORD", "short")
        .args(["init", "--database", "sqlite://third.db"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("AIMS_ADMIN_PASSWORD: must be at least 12 characters")
    );
}

#[test]
fn serve_stops_at_start_with_one_clear_line_when_the_database_is_unusable() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "sqlite:///proc/aims-cannot-exist/aims.db".to_owned(),
            "cannot create the database directory /proc/aims-cannot-exist",
        ),
        (
            format!(
                "postgres://aims:hunter2@127.0.0.1:{}/aims",
                aims_testkit::free_port()
            ),
            "cannot reach PostgreSQL at postgres://aims:***@127.0.0.1",
        ),
        (
            "mysql://db/aims".to_owned(),
            "must start with sqlite:// or postgres://",
        ),
    ];
    for (url, expected) in cases {
        let output = aims(dir.path())
            .args(["serve", "--listen", "127.0.0.1:0", "--database", &url])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{url}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(expected),
            "{stderr}"
        );
        assert!(!stderr.contains("hunter2"), "no secrets in errors");
    }
}

#[tokio::test]
async fn an_installation_moves_from_sqlite_to_postgres_and_back() {
    let dir = tempfile::tempdir().unwrap();
    drop(serve(dir.path(), &["--demo"]));
    let run = |args: &[&str]| {
        let output = aims(dir.path()).args(args).output().unwrap();
        assert!(
            output.status.success(),
            "aims {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    };
    run(&["export", "all", "--output", "sqlite.jsonl"]);
    let target = match aims_testkit::pg::PgCluster::start() {
        Some(pg) => (pg.create_database("moved"), Some(pg)),
        None => (
            format!("sqlite://{}", dir.path().join("moved.db").display()),
            None,
        ),
    };
    let (target_url, _pg) = target;
    run(&["import", "sqlite.jsonl", "--database", &target_url]);
    run(&[
        "export",
        "all",
        "--database",
        &target_url,
        "--output",
        "target.jsonl",
    ]);
    run(&["import", "target.jsonl", "--database", "sqlite://back.db"]);
    run(&[
        "export",
        "all",
        "--database",
        "sqlite://back.db",
        "--output",
        "back.jsonl",
    ]);
    let rows = |file: &str| -> Vec<String> {
        std::fs::read_to_string(dir.path().join(file))
            .unwrap()
            .lines()
            .skip(1)
            .map(str::to_owned)
            .collect()
    };
    let original = rows("sqlite.jsonl");
    assert!(original.len() > 30, "demo data exported");
    assert_eq!(
        rows("target.jsonl"),
        original,
        "the target engine holds exactly what SQLite held"
    );
    assert_eq!(
        rows("back.jsonl"),
        original,
        "and so does SQLite after the way back"
    );
    let listed = run(&[
        "systems",
        "list",
        "--format",
        "json",
        "--database",
        &target_url,
    ]);
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert!(listed["total"].as_u64().unwrap() >= 4);

    // A broken file is refused with its line, and nothing is stored.
    std::fs::write(
        dir.path().join("broken.jsonl"),
        std::fs::read_to_string(dir.path().join("sqlite.jsonl"))
            .unwrap()
            .replacen("\"table\":\"users\"", "\"table\":\"userz\"", 1),
    )
    .unwrap();
    let output = aims(dir.path())
        .args(["import", "broken.jsonl", "--database", "sqlite://fresh.db"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.contains("broken.jsonl")
            && stderr.contains("unknown table `userz`")
            && stderr.contains("line "),
        "{stderr}"
    );
    let output = aims(dir.path())
        .args(["systems", "list", "--database", "sqlite://fresh.db"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("no organisation yet"),
        "nothing half-written"
    );
}

#[test]
fn help_is_pinned_and_usage_errors_exit_2() {
    let help = aims(Path::new(".")).arg("--help").output().unwrap();
    insta::assert_snapshot!("help", String::from_utf8(help.stdout).unwrap());
    let export_help = aims(Path::new("."))
        .args(["export", "all", "--help"])
        .output()
        .unwrap();
    insta::assert_snapshot!(
        "export_all_help",
        String::from_utf8(export_help.stdout).unwrap()
    );
    let drift_help = aims(Path::new("."))
        .args(["eval", "drift", "--help"])
        .output()
        .unwrap();
    insta::assert_snapshot!(
        "eval_drift_help",
        String::from_utf8(drift_help.stdout).unwrap()
    );
    let wrong = aims(Path::new(".")).arg("frobnicate").output().unwrap();
    assert_eq!(wrong.status.code(), Some(2));
}

/// A person detector's outcomes: it misses one of two dark-skinned people.
const DETECTOR_CSV: &str =
    "label,prediction,skin_tone\n1,1,light\n1,1,light\n0,0,light\n1,0,dark\n1,1,dark\n0,1,dark\n";

/// `aims eval fairness` on `detector.csv` in the current folder, before the sensitive columns.
const FAIRNESS_ON_DETECTOR: [&str; 10] = [
    "eval",
    "fairness",
    "--input",
    "detector.csv",
    "--label",
    "label",
    "--prediction",
    "prediction",
    "--min-group-size",
    "1",
];

#[test]
fn eval_fairness_reports_groups_and_names_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("detector.csv"), DETECTOR_CSV).unwrap();
    let run = |extra: &[&str]| {
        let mut args = FAIRNESS_ON_DETECTOR.to_vec();
        args.extend_from_slice(extra);
        aims(dir.path()).args(&args).output().unwrap()
    };
    let output = run(&["--sensitive", "skin_tone", "--format", "json"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["rows"], 6);
    assert_eq!(report["groups"][0]["group"], json!({"skin_tone": "dark"}));
    assert_eq!(report["groups"][0]["tpr"], 0.5);
    assert_eq!(report["disparities"]["equal_opportunity_difference"], 0.5);
    assert_eq!(report["four_fifths"]["verdict"], "pass");
    let table = String::from_utf8(run(&["--sensitive", "skin_tone"]).stdout).unwrap();
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("skin_tone=dark") && l.ends_with("<- worst")),
        "{table}"
    );

    let output = run(&["--sensitive", "race"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no column named `race`; the columns are: label, prediction, skin_tone"),
        "{stderr}"
    );
}

#[test]
fn eval_drift_reports_columns_and_names_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let reference: String = "income,channel\n".to_owned()
        + &(0..200)
            .map(|i| format!("{},{}\n", i, ["web", "app"][i % 2]))
            .collect::<String>();
    let current: String = "income,channel\n".to_owned()
        + &(0..150)
            .map(|i| format!("{},{}\n", i + 120, ["web", "app", "chat"][i % 3]))
            .collect::<String>();
    std::fs::write(dir.path().join("ref.csv"), reference).unwrap();
    std::fs::write(dir.path().join("cur.csv"), current).unwrap();
    std::fs::write(dir.path().join("other.csv"), "income,region\n1,north\n").unwrap();
    std::fs::write(
        dir.path().join("text.csv"),
        "income,channel\n1,web\nlow,app\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("empty.csv"), "").unwrap();
    let run = |current: &str, extra: &[&str]| {
        let mut args = vec![
            "eval",
            "drift",
            "--reference",
            "ref.csv",
            "--current",
            current,
        ];
        args.extend_from_slice(extra);
        aims(dir.path()).args(&args).output().unwrap()
    };

    let output = run("cur.csv", &["--format", "json"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["reference_rows"], 200);
    assert_eq!(report["current_rows"], 150);
    let income = &report["columns"][0];
    assert_eq!(income["name"], "income");
    assert_eq!(income["kind"], "numeric");
    assert_eq!(income["verdict"], "alarm");
    assert_eq!(income["ks_method"], "exact");
    assert!(income["ks_pvalue"].as_f64().unwrap() < 1e-10);
    let channel = &report["columns"][1];
    assert_eq!(channel["kind"], "categorical");
    assert_eq!(
        channel["histogram"]["categories"],
        json!(["app", "chat", "web"])
    );
    assert_eq!(report["drifted_share"], 1.0);
    assert_eq!(report["conventions"]["js_log_base"], 2);

    // Pipelines stop on drift with --fail-on.
    let failed = run("cur.csv", &["--fail-on", "alarm"]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&failed.stderr).contains("--fail-on"));
    let same = run("ref.csv", &["--fail-on", "warn"]);
    assert_eq!(same.status.code(), Some(0), "no drift against itself");

    let table = String::from_utf8(run("cur.csv", &[]).stdout).unwrap();
    assert!(table.starts_with("COLUMN"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("income") && l.ends_with("alarm")),
        "{table}"
    );
    assert!(table.contains("2 of 2 columns drifted (100%)"), "{table}");

    let refused = |current: &str, extra: &[&str], expected: &str| {
        let output = run(current, extra);
        assert_eq!(output.status.code(), Some(2), "{current} {extra:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    };
    refused(
        "other.csv",
        &[],
        "only ref.csv has channel; only other.csv has region",
    );
    refused(
        "cur.csv",
        &["--columns", "income,age"],
        "no column named `age`; the columns are: income, channel",
    );
    refused(
        "text.csv",
        &[],
        "column `income` is numeric in ref.csv but not in text.csv, which holds `low` on line 3",
    );
    refused("empty.csv", &[], "empty.csv is empty");
    std::fs::write(dir.path().join("cut.parquet"), b"PAR1\x15\x04\x15\x30").unwrap();
    refused(
        "cut.parquet",
        &[],
        "cut.parquet: not a complete Parquet file (truncated or damaged)",
    );
    refused("missing.csv", &[], "cannot read missing.csv");
    refused("cur.csv", &["--bins", "1"], "--bins must be at least 2");
}

#[tokio::test]
async fn acknowledged_decision_batches_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = serve(dir.path(), &["--demo"]);
    let (client, token) = api_token(&server.base).await;
    let systems = get(&client, format!("{}/api/v1/systems?limit=100", server.base)).await;
    let detector = systems["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Entrance person detector")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!("{}/api/v1/systems/{detector}/decisions", server.base);

    // Post batches until the server dies; remember which were acknowledged.
    const PER_BATCH: usize = 200;
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let writer = {
        let acknowledged = acknowledged.clone();
        let token = token.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            for batch in 0.. {
                let events: Vec<Value> = (0..PER_BATCH)
                    .map(|i| json!({"id": format!("k{batch}-{i}"), "time": "2026-11-01T10:00:00Z", "decision": i % 2 == 0}))
                    .collect();
                match client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&events)
                    .send()
                    .await
                {
                    Ok(response) if response.status() == 201 => {
                        acknowledged.lock().unwrap().push(batch)
                    }
                    _ => break,
                }
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.child.kill().expect("SIGKILL");
    server.child.wait().unwrap();
    writer.await.unwrap();
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 3,
        "batches were written before the kill"
    );

    // Every acknowledged batch is there after a restart, and the ledger verifies.
    let server = serve(dir.path(), &[]);
    let response = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/systems/{detector}/decisions/export?from=2026-11-01T00:00:00Z",
            server.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let ids: std::collections::HashSet<&str> = text
        .lines()
        .skip(1)
        .map(|line| line.split(',').next().unwrap())
        .collect();
    for batch in &acknowledged {
        for i in [0, PER_BATCH - 1] {
            assert!(
                ids.contains(format!("k{batch}-{i}").as_str()),
                "batch {batch} lost"
            );
        }
    }
    // A batch is whole or absent, acknowledged or not.
    assert_eq!(ids.len() % PER_BATCH, 0);
    assert!(ids.len() >= acknowledged.len() * PER_BATCH);
    drop(server);
    let output = aims(dir.path()).args(["verify"]).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

const OWN_FRAMEWORK: &str = "format: aims-framework/1
id: acme-ai-policy
name: Acme AI policy
short_name: Acme AI
version: \"2\"
publisher: Acme
description: Our own rules for AI systems.
nodes:
  - ref: P
    title: Policy controls
    kind: objective
    assessable: false
  - ref: P.1
    parent: P
    title: Human review of credit decisions
    kind: control
    assessable: true
    description: A person reviews every declined application.
";

#[tokio::test]
async fn serve_lays_the_library_folder_over_the_embedded_library() {
    let dir = tempfile::tempdir().unwrap();
    let frameworks = dir.path().join("lib/frameworks");
    std::fs::create_dir_all(&frameworks).unwrap();
    std::fs::write(frameworks.join("acme.yaml"), OWN_FRAMEWORK).unwrap();
    let server = serve(dir.path(), &["--demo", "--library", "lib"]);
    let (client, csrf) = signed_in_with_csrf(&server.base).await;
    let list = get(&client, format!("{}/api/v1/frameworks", server.base)).await;
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "eu-ai-act-2024",
            "iso-iec-42001-2023",
            "nist-ai-rmf-1.0",
            "acme-ai-policy"
        ],
        "{list}"
    );
    let page = client
        .get(format!("{}/frameworks/acme-ai-policy", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Human review of credit decisions"));

    // A second organisation adopts the folder's framework as its SoA.
    let post = |path: &str, body: Value| {
        client
            .request(reqwest::Method::POST, format!("{}{path}", server.base))
            .header("X-CSRF-Token", &csrf)
            .json(&body)
    };
    let org: Value = post("/api/v1/organisations", json!({"name": "Acme Lending"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let switched = client
        .put(format!("{}/api/v1/session/organisation", server.base))
        .header("X-CSRF-Token", &csrf)
        .json(&json!({"organisation_id": org["id"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status(), 200);
    let adopted = post("/api/v1/soa", json!({"framework_id": "acme-ai-policy"}))
        .send()
        .await
        .unwrap();
    assert_eq!(adopted.status(), 201);
    let controls = get(&client, format!("{}/api/v1/soa/controls", server.base)).await;
    assert_eq!(controls["total"], 1, "{controls}");
    assert_eq!(controls["items"][0]["item_ref"], "P.1");
}

#[test]
fn serve_refuses_a_library_folder_that_does_not_load() {
    let dir = tempfile::tempdir().unwrap();
    let frameworks = dir.path().join("lib/frameworks");
    std::fs::create_dir_all(&frameworks).unwrap();
    std::fs::write(
        frameworks.join("broken.yaml"),
        OWN_FRAMEWORK.replace("kind: control", "kind: rule"),
    )
    .unwrap();
    let output = aims(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("AIMS_LIBRARY_DIR", "lib")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("lib/frameworks/broken.yaml:16: nodes[1].kind: unknown kind `rule`"),
        "{stderr}"
    );
}

#[tokio::test]
async fn eval_keeps_its_result_on_a_server_with_a_token() {
    use sha2::Digest;

    let dir = tempfile::tempdir().unwrap();
    let init = aims(dir.path()).arg("init").output().unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let server = serve(dir.path(), &[]);
    let (client, token) = api_token(&server.base).await;
    let systems = client
        .post(format!("{}/api/v1/systems", server.base))
        .bearer_auth(&token);
    let system = send_json(systems, json!({"name": "Person detector"})).await;
    let system = system["id"].as_str().unwrap().to_owned();

    // The pipeline's folder has no database, and the command line makes none.
    let pipeline = tempfile::tempdir().unwrap();
    std::fs::write(pipeline.path().join("detector.csv"), DETECTOR_CSV).unwrap();
    let reference: String =
        "income\n".to_owned() + &(0..200).map(|i| format!("{i}\n")).collect::<String>();
    let current: String = "income\n".to_owned()
        + &(0..150)
            .map(|i| format!("{}\n", i + 120))
            .collect::<String>();
    std::fs::write(pipeline.path().join("ref.csv"), reference).unwrap();
    std::fs::write(pipeline.path().join("cur.csv"), current).unwrap();
    fn keep_on<'a>(system: &'a str, url: &'a str) -> Vec<&'a str> {
        let mut args = FAIRNESS_ON_DETECTOR.to_vec();
        args.extend(["--sensitive", "skin_tone", "--format", "json"]);
        args.extend(["--system", system, "--server", url]);
        args
    }
    let fairness = keep_on(&system, &server.base);
    let run = |args: &[&str], env_token: Option<&str>| {
        let mut command = aims(pipeline.path());
        command.args(args);
        if let Some(env_token) = env_token {
            command.env("AIMS_TOKEN", env_token);
        }
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(
            !stderr.contains(&token),
            "the token is never printed: {stderr}"
        );
        (output.status.code(), stderr)
    };

    let (code, stderr) = run(&fairness, Some(&token));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("of AI system {system} on {}", server.base)),
        "{stderr}"
    );
    assert!(
        !pipeline.path().join("aims-data").exists(),
        "no local database"
    );

    // Drift with --fail-on: kept on the server first, then exit 1; the token from --token.
    let drift = [
        "eval",
        "drift",
        "--reference",
        "ref.csv",
        "--current",
        "cur.csv",
        "--fail-on",
        "alarm",
        "--system",
        &system,
        "--server",
        &server.base,
        "--token",
        &token,
    ];
    let (code, stderr) = run(&drift, None);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("kept as evaluation") && stderr.contains("--fail-on"),
        "{stderr}"
    );

    let evaluations_url = format!("{}/api/v1/systems/{system}/evaluations", server.base);
    let evaluations = get(&client, evaluations_url.clone()).await;
    assert_eq!(evaluations["total"], 2, "{evaluations}");
    let kept = |kind: &str| {
        evaluations["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == kind)
            .unwrap_or_else(|| panic!("a {kind} evaluation: {evaluations}"))
            .clone()
    };
    let fairness_kept = kept("fairness");
    let digest = sha2::Sha256::digest(DETECTOR_CSV.as_bytes());
    let sha256: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(fairness_kept["inputs"][0]["sha256"], sha256.as_str());
    assert_eq!(fairness_kept["inputs"][0]["bytes"], DETECTOR_CSV.len());
    assert_eq!(
        fairness_kept["parameters"],
        json!({"label": "label", "prediction": "prediction", "score": null,
               "sensitive": ["skin_tone"], "positive_label": null, "min_group_size": 1,
               "delimiter": ","})
    );
    assert_eq!(fairness_kept["result"]["rows"], 6);
    assert!(
        fairness_kept["tool_version"]
            .as_str()
            .unwrap()
            .starts_with("aims ")
    );
    let drift_kept = kept("drift");
    assert_eq!(drift_kept["verdict"], "alarm");
    assert_eq!(drift_kept["inputs"].as_array().unwrap().len(), 2);
    assert_eq!(drift_kept["parameters"]["bins"], 10);

    // Refusals: one line each, exit 2, nothing kept.
    let refused = |args: &[&str], env_token: Option<&str>, expected: &str| {
        let (code, stderr) = run(args, env_token);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    };
    refused(
        &fairness,
        Some("aims_not_a_token_of_this_server"),
        "answered 401 Unauthorized: sign in, or send an API token",
    );
    refused(&fairness, None, "--server needs an API token");
    let with_database = [&fairness[..], &["--database", "sqlite://elsewhere.db"]].concat();
    refused(
        &with_database,
        Some(&token),
        "--server and --database exclude each other",
    );
    assert!(!pipeline.path().join("elsewhere.db").exists());
    let closed = format!("http://127.0.0.1:{}", aims_testkit::free_port());
    refused(
        &keep_on(&system, &closed),
        Some(&token),
        &format!("cannot reach the aims server at {closed}"),
    );
    refused(
        &keep_on(&system, "aims.example.com"),
        Some(&token),
        "--server: `aims.example.com` is not an http:// or https:// URL",
    );
    let unknown = "00000000-0000-4000-8000-000000000000";
    refused(
        &keep_on(unknown, &server.base),
        Some(&token),
        &format!("answered 404 Not Found: AI system {unknown} was not found"),
    );

    let after = get(&client, evaluations_url).await;
    assert_eq!(after["total"], 2, "refused runs keep nothing");
}
