//! The risk register through the API, on every engine: criteria by role, risks with clear
//! 400s, acceptance by the roles the criteria allow, SoA links, filters, files, heat map.

mod common;

use aims_domain::Role;
use aims_server::ServerConfig;
use common::{TestServer, call, get_text, new_system, servers};
use reqwest::Method;
use serde_json::{Value, json};

fn fields_in_error(body: &Value) -> Vec<String> {
    body["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn risk_body(system: &str) -> Value {
    json!({
        "title": "Person detector misses people with darker skin",
        "description": "Recall is lower for darker skin tones at night.",
        "system_ids": [system],
        "sources": ["fairness"],
        "affected_parties": ["Visitors", "Staff"],
        "inherent": {"likelihood": 4, "impact": 4},
        "owner": "Head of ML",
        "treatment": "modify",
        "actions": [{
            "title": "Rebalance the training data across skin tones",
            "owner": "Data team",
            "due_date": "2026-01-31",
            "status": "done",
            "controls": [{"framework_id": "iso-iec-42001-2023", "ref": "A.7.4"}]
        }],
        "residual": {"likelihood": 2, "impact": 4},
        "review_due": "2099-12-31"
    })
}

#[tokio::test]
async fn the_register_through_the_api() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let contributor = s.token(Role::Contributor).await;
        let manager = s.token(Role::Manager).await;
        let auditor = s.token(Role::Auditor).await;
        let (status, _) = call(
            s,
            Method::POST,
            "/api/v1/soa",
            Some(&contributor),
            Some(json!({"framework_id": "iso-iec-42001-2023"})),
        )
        .await;
        assert_eq!(status, 201);
        let sys = new_system(s, &contributor, "Person detector").await;

        // Criteria: defaults at revision 0; contributors may not change them.
        let (status, criteria) = call(
            s,
            Method::GET,
            "/api/v1/risk-criteria",
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!((status, criteria["revision"].as_i64()), (200, Some(0)));
        let put = json!({"revision": 0, "criteria": criteria["criteria"]});
        let (status, _) = call(
            s,
            Method::PUT,
            "/api/v1/risk-criteria",
            Some(&contributor),
            Some(put.clone()),
        )
        .await;
        assert_eq!(status, 403, "{}", s.engine);
        let mut bad = put.clone();
        bad["criteria"]["levels"][1]["colour"] = json!("yellow");
        let (status, body) = call(
            s,
            Method::PUT,
            "/api/v1/risk-criteria",
            Some(&manager),
            Some(bad),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(fields_in_error(&body), ["criteria.levels[1].colour"]);
        let (status, body) = call(
            s,
            Method::PUT,
            "/api/v1/risk-criteria",
            Some(&manager),
            Some(put),
        )
        .await;
        assert_eq!(
            (status, body["revision"].as_i64()),
            (200, Some(1)),
            "{body}"
        );

        // Bad risks: every problem named, nothing stored.
        let mut bad = risk_body(&sys);
        bad["inherent"] = json!({"likelihood": 7, "impact": 4});
        bad["actions"][0]["controls"][0]["ref"] = json!("A.99");
        bad["sources"] = json!(["fairness", "vibes"]);
        let (status, body) = call(
            s,
            Method::POST,
            "/api/v1/risks",
            Some(&contributor),
            Some(bad),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(
            fields_in_error(&body),
            ["sources[1]", "actions[0].controls[0].ref"]
        );
        let (_, sources) = call(s, Method::GET, "/api/v1/risk-sources", Some(&auditor), None).await;
        assert!(sources["total"].as_u64().unwrap() >= 13);
        assert!(
            sources["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["id"] == "fairness")
        );
        let mut bad = risk_body(&sys);
        bad["inherent"] = json!({"likelihood": 7, "impact": 4});
        let (status, body) = call(
            s,
            Method::POST,
            "/api/v1/risks",
            Some(&contributor),
            Some(bad),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(fields_in_error(&body), ["inherent.likelihood"]);
        assert!(
            body["fields"][0]["message"]
                .as_str()
                .unwrap()
                .contains("1 to 5")
        );
        let mut bad = risk_body(&sys);
        bad["treatment"] = json!("ignore");
        let (status, body) = call(
            s,
            Method::POST,
            "/api/v1/risks",
            Some(&contributor),
            Some(bad),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(fields_in_error(&body), ["treatment"]);
        let (status, body) = call(
            s,
            Method::POST,
            "/api/v1/risks",
            Some(&auditor),
            Some(risk_body(&sys)),
        )
        .await;
        assert_eq!(status, 403, "{body}");
        let (_, list) = call(s, Method::GET, "/api/v1/risks", Some(&auditor), None).await;
        assert_eq!(list["total"], 0);

        // A good risk: levels computed, the SoA control lists it.
        let (status, risk) = call(
            s,
            Method::POST,
            "/api/v1/risks",
            Some(&contributor),
            Some(risk_body(&sys)),
        )
        .await;
        assert_eq!(status, 201, "{risk}");
        let id = risk["id"].as_str().unwrap().to_owned();
        assert_eq!(risk["status"]["inherent_level"]["name"], "Critical");
        assert_eq!(risk["status"]["residual_level"]["name"], "High");
        assert_eq!(risk["status"]["must_treat"], true);
        let (_, control) = call(
            s,
            Method::GET,
            "/api/v1/soa/controls/A.7.4",
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(control["risk_ids"], json!([id]));
        // The SoA file names the risk, with its id.
        let (_, csv) = get_text(s, "/api/v1/soa/export?format=csv", &auditor).await;
        let row = csv.lines().find(|l| l.starts_with("A.7.4,")).unwrap();
        assert!(
            row.ends_with(&format!(",{} ({id})", risk["title"].as_str().unwrap())),
            "{row}"
        );

        // A second, low risk for the filters.
        let mut low = risk_body(&sys);
        low["title"] = json!("Operators over-trust alerts");
        low["inherent"] = json!({"likelihood": 2, "impact": 2});
        low["residual"] = Value::Null;
        low["treatment"] = json!("retain");
        low["actions"] = json!([]);
        low["review_due"] = json!("2020-01-01");
        let (status, body) = call(
            s,
            Method::POST,
            "/api/v1/risks",
            Some(&contributor),
            Some(low),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let (_, list) = call(s, Method::GET, "/api/v1/risks", Some(&auditor), None).await;
        assert_eq!(list["total"], 2);
        assert_eq!(list["items"][0]["id"], json!(id), "highest level first");
        let (_, list) = call(
            s,
            Method::GET,
            "/api/v1/risks?overdue=true",
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(list["total"], 1);
        assert_eq!(list["items"][0]["title"], "Operators over-trust alerts");
        let (_, list) = call(
            s,
            Method::GET,
            "/api/v1/risks?level=High&q=DETECTOR",
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(list["total"], 1);
        let (status, body) = call(
            s,
            Method::GET,
            "/api/v1/risks?level=Severe",
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(fields_in_error(&body), ["level"]);
        // Pages keep the register's order and its total.
        let (_, page) = call(
            s,
            Method::GET,
            "/api/v1/risks?limit=1&offset=1",
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(
            (
                page["total"].as_u64(),
                page["limit"].as_u64(),
                page["offset"].as_u64()
            ),
            (Some(2), Some(1), Some(1))
        );
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
        assert_eq!(page["items"][0]["title"], "Operators over-trust alerts");
        let (_, past) = call(
            s,
            Method::GET,
            "/api/v1/risks?offset=5",
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(
            (
                past["total"].as_u64(),
                past["items"].as_array().map(Vec::len)
            ),
            (Some(2), Some(0))
        );
        let (status, body) = call(
            s,
            Method::GET,
            "/api/v1/risks?limit=501&offset=-1",
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(fields_in_error(&body), ["limit", "offset"]);

        // Acceptance: a contributor may not accept a High residual risk; a manager may.
        let accept = json!({"revision": 1, "rationale": "Within appetite after rebalancing", "expires_on": "2099-01-01"});
        let (status, body) = call(
            s,
            Method::POST,
            &format!("/api/v1/risks/{id}/acceptance"),
            Some(&contributor),
            Some(accept.clone()),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(fields_in_error(&body), ["expires_on", "acceptance.role"]);
        let accept = json!({"revision": 1, "rationale": "Within appetite after rebalancing", "expires_on": "2027-06-30"});
        let (status, body) = call(
            s,
            Method::POST,
            &format!("/api/v1/risks/{id}/acceptance"),
            Some(&contributor),
            Some(accept.clone()),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(fields_in_error(&body), ["acceptance.role"]);
        let (status, body) = call(
            s,
            Method::POST,
            &format!("/api/v1/risks/{id}/acceptance"),
            Some(&manager),
            Some(accept),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["acceptance"]["role"], "manager");
        assert_eq!(body["status"]["acceptance"], "current");

        // A stale revision conflicts; a new residual rating withdraws the acceptance.
        let (status, body) = call(
            s,
            Method::PATCH,
            &format!("/api/v1/risks/{id}"),
            Some(&contributor),
            Some(json!({"revision": 1, "owner": "CTO"})),
        )
        .await;
        assert_eq!(status, 409, "{body}");
        let (status, body) = call(
            s,
            Method::PATCH,
            &format!("/api/v1/risks/{id}"),
            Some(&contributor),
            Some(json!({"revision": 2, "residual": {"likelihood": 1, "impact": 4}, "colour": "x"})),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(fields_in_error(&body), ["colour"]);
        let (status, body) = call(
            s,
            Method::PATCH,
            &format!("/api/v1/risks/{id}"),
            Some(&contributor),
            Some(json!({"revision": 2, "residual": {"likelihood": 1, "impact": 4}})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["acceptance"], Value::Null);
        assert_eq!(body["revision"], 3);

        // History, files, heat map.
        let (_, history) = call(
            s,
            Method::GET,
            &format!("/api/v1/risks/{id}/history"),
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(history["total"], 3);
        let (status, text) = get_text(s, "/api/v1/risks/export?format=csv", &auditor).await;
        assert_eq!(status, 200);
        assert_eq!(
            text.matches("\r\n").count(),
            3,
            "a header and two risks: {text}"
        );
        assert!(text.contains("Person detector"), "system names, not ids");
        let (status, body) = call(
            s,
            Method::GET,
            "/api/v1/risks/export?format=pdf",
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(
            (status, fields_in_error(&body)),
            (400, vec!["format".to_owned()])
        );
        let response = s
            .request(Method::GET, "/api/v1/risks/heat-map?basis=inherent")
            .bearer_auth(&auditor)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "image/svg+xml"
        );
        let svg = response.text().await.unwrap();
        assert!(svg.contains("Inherent risk: 2 risks"), "{svg}");

        // The system is named by risks, so it stays; deleting the risk unlinks the SoA.
        let (status, _) = call(
            s,
            Method::DELETE,
            &format!("/api/v1/systems/{sys}"),
            Some(&contributor),
            None,
        )
        .await;
        assert_eq!(status, 409);
        let (status, _) = call(
            s,
            Method::DELETE,
            &format!("/api/v1/risks/{id}?revision=3"),
            Some(&contributor),
            None,
        )
        .await;
        assert_eq!(status, 204);
        let (_, control) = call(
            s,
            Method::GET,
            "/api/v1/soa/controls/A.7.4",
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(control["risk_ids"], json!([]));
        let (status, _) = call(
            s,
            Method::GET,
            &format!("/api/v1/risks/{id}"),
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(status, 404);
    }
}

/// A browser-like client signed in as a new user with `role`: cookies kept, redirects not
/// followed, and the CSRF token the forms carry.
async fn signed_in(s: &TestServer, role: Role) -> (reqwest::Client, String) {
    let username = format!("{}-pages", role.as_str());
    s.user_in(s.org, &username, role).await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let session: Value = client
        .post(s.url("/api/v1/session"))
        .json(&json!({"username": username, "password": common::PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = session["csrf_token"].as_str().unwrap().to_owned();
    (client, csrf)
}

#[tokio::test]
async fn the_register_and_criteria_pages_on_every_engine() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let token = s.token(Role::Contributor).await;
        let sys = new_system(s, &token, "Person detector").await;
        let (manager, csrf) = signed_in(s, Role::Manager).await;

        // A risk through the form: a bad one comes back with its errors, a good one redirects.
        let form = |title: &str| {
            vec![
                ("csrf_token", csrf.clone()),
                ("title", title.to_owned()),
                ("system_ids", sys.clone()),
                ("sources", "fairness".to_owned()),
                ("inherent_likelihood", "4".to_owned()),
                ("inherent_impact", "4".to_owned()),
                ("treatment", "retain".to_owned()),
                ("action-0-title", String::new()),
                ("action-0-status", "planned".to_owned()),
            ]
        };
        let response = manager
            .post(s.url("/risks/new"))
            .form(&form("<script>alert(1)</script>"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{}", s.engine);
        let page = response.text().await.unwrap();
        assert!(page.contains("must be treated: choose modify, avoid or share"));
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                && !page.contains("<script>alert(1)")
        );
        let mut good = form("Detector misses people in glare");
        good[6].1 = "modify".into();
        let response = manager
            .post(s.url("/risks/new"))
            .form(&good)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "{}", s.engine);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let page = manager
            .get(s.url(&location))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Detector misses people in glare") && page.contains("Critical"));
        let register = manager
            .get(s.url("/risks?level=Critical"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(register.contains("1 of 1 risks"), "{register}");

        // The criteria form: a 3×3 matrix is refused while the risk is rated 4 × 4.
        let edit = manager
            .get(s.url("/risk-criteria/edit?likelihood=3&impact=3&levels=3"))
            .send()
            .await
            .unwrap();
        assert_eq!(edit.status(), 200);
        let edit = edit.text().await.unwrap();
        assert!(edit.contains("name=\"cell-2-2\"") && !edit.contains("name=\"cell-3-0\""));
        let mut fields: Vec<(String, String)> = vec![
            ("csrf_token".into(), csrf.clone()),
            ("revision".into(), "0".into()),
        ];
        for axis in ["likelihood", "impact"] {
            for i in 0..3 {
                fields.push((format!("{axis}-{i}-label"), format!("{axis} {i}")));
            }
        }
        for (k, (name, colour)) in [
            ("Low", "#2da44e"),
            ("Medium", "#d4a72c"),
            ("High", "#cf222e"),
        ]
        .into_iter()
        .enumerate()
        {
            fields.push((format!("level-{k}-name"), name.into()));
            fields.push((format!("level-{k}-colour"), colour.into()));
            fields.push((format!("level-{k}-accepted_by"), "manager".into()));
        }
        for l in 0..3 {
            for i in 0..3 {
                fields.push((format!("cell-{l}-{i}"), ((l + i) / 2).to_string()));
            }
        }
        fields.push(("treat_from".into(), "2".into()));
        let response = manager
            .post(s.url("/risk-criteria/edit"))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{}", s.engine);
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("is rated off the new matrix")
        );

        // Contributors may not open the criteria form.
        let (contributor, _) = signed_in(s, Role::Contributor).await;
        let response = contributor
            .get(s.url("/risk-criteria/edit"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403);
    }
}

#[tokio::test]
async fn the_register_page_shows_a_hundred_risks_at_a_time() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    let s = &servers[0];
    let token = s.token(Role::Contributor).await;
    let sys = new_system(s, &token, "Person detector").await;
    for i in 0..105 {
        let mut body = risk_body(&sys);
        body["title"] = json!(format!("Detector risk {i:03}"));
        let (status, created) =
            call(s, Method::POST, "/api/v1/risks", Some(&token), Some(body)).await;
        assert_eq!(status, 201, "{created}");
    }
    let page = async |path: &str| get_text(s, path, &token).await.1;
    let first = page("/risks?q=detector").await;
    assert!(
        first.contains("105 of 105 risks, highest residual level first; 1–100 shown"),
        "{first}"
    );
    assert_eq!(first.matches("<th scope=\"row\">").count(), 100);
    assert!(
        first.contains(r#"rel="next" href="/risks?q=detector&amp;offset=100""#),
        "{first}"
    );
    assert!(!first.contains(r#"rel="prev""#));
    let second = page("/risks?q=detector&offset=100").await;
    assert!(second.contains("; 101–105 shown"), "{second}");
    assert_eq!(second.matches("<th scope=\"row\">").count(), 5);
    assert!(
        second.contains(r#"rel="prev" href="/risks?q=detector""#),
        "{second}"
    );
    // An offset past the end, or not a number, shows the first page.
    for bad in ["/risks?offset=500", "/risks?offset=x"] {
        assert!(page(bad).await.contains("; 1–100 shown"), "{bad}");
    }
}
