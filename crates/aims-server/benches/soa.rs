//! How long the library and the Statement of Applicability take: loading and checking the
//! whole bundled library, computing readiness (ISO/IEC 42001 directly, the NIST AI RMF and
//! the EU AI Act through the crosswalks), and serving the SoA pages for 38 controls from a
//! SQLite database, through the whole router (authentication, queries, HTML).
//!
//! `cargo bench -p aims-server --bench soa` prints median, p95 and best of each, then one
//! JSON line for `bench/library.py`. The target of each is 20 ms (docs/benchmarks.md).

use std::time::{Duration, Instant};

use aims_domain::Role;
use aims_domain::soa::{ControlFields, RequirementFields};
use aims_server::ServerConfig;
use aims_store::{Actor, NewToken, NewUser, Store};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

const ISO: &str = "iso-iec-42001-2023";
const OWNERS: [&str; 3] = ["Maria Okafor", "Data Office", "ML Platform team"];
const CONFORMITY: [&str; 3] = ["conforming", "partially_conforming", "not_assessed"];

struct Stats {
    median: Duration,
    p95: Duration,
    best: Duration,
    runs: usize,
}

impl Stats {
    fn of(mut samples: Vec<Duration>) -> Stats {
        samples.sort_unstable();
        let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
        Stats {
            median: at(0.5),
            p95: at(0.95),
            best: samples[0],
            runs: samples.len(),
        }
    }

    fn print(&self, what: &str) {
        println!(
            "{what:<48} median {:>7.2} ms   p95 {:>7.2} ms   best {:>7.2} ms   ({} runs)",
            ms(self.median),
            ms(self.p95),
            ms(self.best),
            self.runs
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs `f` a few times to warm caches, then `runs` times measured.
fn measure<T>(runs: usize, mut f: impl FnMut() -> T) -> Stats {
    for _ in 0..3 {
        std::hint::black_box(f());
    }
    let samples = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    Stats::of(samples)
}

async fn send(
    app: &Router,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Vec<u8>) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"));
    let body = match body {
        Some(json) => {
            request = request.header("content-type", "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let response = app
        .clone()
        .oneshot(request.body(body).expect("request"))
        .await
        .expect("response");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, bytes.to_vec())
}

async fn patch(app: &Router, token: &str, path: &str, body: Value) {
    let (status, answer) = send(app, token, "PATCH", path, Some(body)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

/// An organisation with ISO/IEC 42001 adopted and every entry filled in: justification,
/// status, owner and evidence, as in a SoA some months into the work.
async fn filled_soa(dir: &std::path::Path) -> (Store, Router, String) {
    let store = Store::open(&format!("sqlite://{}", dir.join("aims.db").display()))
        .await
        .expect("store");
    let actor = Actor::system("bench");
    let org = store
        .create_organisation(&actor, "Bench")
        .await
        .expect("organisation")
        .id;
    let user = NewUser {
        username: "maria".into(),
        display_name: "Maria".into(),
        email: String::new(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hzYWx0$aW52YWxpZGludmFsaWQ".into(),
        role: Role::Manager,
    };
    let user_id = store
        .create_user(&actor, org, user)
        .await
        .expect("user")
        .user_id;
    let token = aims_server::auth::new_secret("aims_");
    store
        .create_token(
            &actor,
            &NewToken {
                token_hash: aims_server::auth::sha256_hex(&token),
                name: "bench".into(),
                user_id,
                organisation_id: org,
                expires_at: chrono::Utc::now() + chrono::Duration::days(1),
            },
        )
        .await
        .expect("token");
    let app = aims_server::router(store.clone(), ServerConfig::default());
    let (status, _) = send(
        &app,
        &token,
        "POST",
        "/api/v1/soa",
        Some(json!({"framework_id": ISO})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let controls = store
        .soa_items::<ControlFields>(org)
        .await
        .expect("controls");
    let statuses = [
        "implemented",
        "partially_implemented",
        "planned",
        "not_started",
    ];
    for (i, c) in controls.iter().enumerate() {
        let excluded = i % 19 == 18;
        let body = json!({
            "revision": c.revision,
            "applicable": !excluded,
            "justification": format!("Control {} follows from risk treatment plan RTP-{i}.", c.item_ref),
            "status": if excluded { "not_applicable" } else { statuses[i % 4] },
            "owner": OWNERS[i % 3],
            "target_date": "2027-03-31",
            "evidence": [
                {"reference": format!("DMS-{i:03} procedure"), "expires_on": "2099-12-31"},
                {"reference": format!("https://intranet.example/evidence/{i}")},
            ],
        });
        patch(
            &app,
            &token,
            &format!("/api/v1/soa/controls/{}", c.item_ref),
            body,
        )
        .await;
    }
    let requirements = store
        .soa_items::<RequirementFields>(org)
        .await
        .expect("requirements");
    for (i, r) in requirements.iter().enumerate() {
        let body = json!({
            "revision": r.revision,
            "status": CONFORMITY[i % 3],
            "owner": "Maria Okafor",
            "notes": "Reviewed at the last management review.",
            "evidence": [{"reference": format!("Minutes MR-{i}")}],
        });
        patch(
            &app,
            &token,
            &format!("/api/v1/soa/requirements/{}", r.item_ref),
            body,
        )
        .await;
    }
    (store, app, token)
}

fn main() {
    let library_load = measure(50, || {
        aims_library::bundled().expect("the bundled library loads")
    });
    library_load.print("load and check the bundled library");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, app, token) = runtime.block_on(filled_soa(dir.path()));
    let org = runtime
        .block_on(store.organisations())
        .expect("organisations")[0]
        .id;
    let controls = runtime
        .block_on(store.soa_items::<ControlFields>(org))
        .expect("controls");
    let requirements = runtime
        .block_on(store.soa_items::<RequirementFields>(org))
        .expect("requirements");
    let today = chrono::Utc::now().date_naive();

    let library = aims_library::bundled().expect("library");
    let fw = library.framework(ISO).expect("ISO/IEC 42001");
    let readiness = measure(200, || {
        aims_server::soa::readiness_report(&library, fw, &controls, &requirements, today)
    });
    readiness.print("readiness (ISO, NIST AI RMF and EU AI Act views)");
    let both = measure(50, || {
        let library = aims_library::bundled().expect("library");
        let fw = library.framework(ISO).expect("ISO/IEC 42001");
        aims_server::soa::readiness_report(&library, fw, &controls, &requirements, today)
    });
    both.print("library load + readiness");

    let page = |path: &'static str| {
        let (app, token) = (&app, &token);
        measure(200, || {
            runtime.block_on(async {
                let (status, body) = send(app, token, "GET", path, None).await;
                assert_eq!(status, StatusCode::OK, "{path}");
                body.len()
            })
        })
    };
    let soa_page = page("/soa");
    soa_page.print("GET /soa (38 controls, HTML)");
    let readiness_page = page("/soa/readiness");
    readiness_page.print("GET /soa/readiness (HTML)");
    let readiness_api = page("/api/v1/soa/readiness");
    readiness_api.print("GET /api/v1/soa/readiness (JSON)");

    let figures = json!({
        "library_load_ms": ms(library_load.median),
        "readiness_ms": ms(readiness.median),
        "library_and_readiness_ms": ms(both.median),
        "soa_page_ms": ms(soa_page.median),
        "soa_page_p95_ms": ms(soa_page.p95),
        "readiness_page_ms": ms(readiness_page.median),
        "readiness_api_ms": ms(readiness_api.median),
    });
    println!("{figures}");
}
