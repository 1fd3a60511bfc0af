//! The Statement of Applicability through the API, on every engine: adoption, edits and
//! their clear 400s, bulk edits, approval by role, comparison of versions, readiness.

mod common;

use aims_domain::Role;
use aims_server::ServerConfig;
use common::{TestServer, call, servers};
use reqwest::Method;
use serde_json::{Value, json};

const ISO: &str = "iso-iec-42001-2023";

fn field_of(body: &Value) -> Vec<String> {
    body["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn justify_all(s: &TestServer, token: &str) {
    let (_, list) = call(s, Method::GET, "/api/v1/soa/controls", Some(token), None).await;
    for item in list["items"].as_array().unwrap() {
        let r = item["item_ref"].as_str().unwrap();
        if item["justification"] != "" {
            continue;
        }
        let (status, body) = call(
            s,
            Method::PATCH,
            &format!("/api/v1/soa/controls/{r}"),
            Some(token),
            Some(json!({"justification": "Needed for the AI systems we build.", "revision": item["revision"]})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
}

async fn read(s: &TestServer, token: &str, path: &str) -> (u16, Value) {
    call(s, Method::GET, path, Some(token), None).await
}

#[tokio::test]
async fn adoption_edits_errors_and_filters() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let contributor = s.token(Role::Contributor).await;
        let auditor = s.token(Role::Auditor).await;

        let (status, body) = call(s, Method::GET, "/api/v1/soa", Some(&auditor), None).await;
        assert_eq!(status, 404, "{body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("adopt a framework")
        );

        let (status, body) = call(
            s,
            Method::POST,
            "/api/v1/soa",
            Some(&contributor),
            Some(json!({"framework_id": "iso-27001"})),
        )
        .await;
        assert_eq!(
            (status, field_of(&body)),
            (400, vec!["framework_id".to_owned()]),
            "{body}"
        );
        assert!(body["fields"][0]["message"].as_str().unwrap().contains(ISO));
        let (status, _) = call(
            s,
            Method::POST,
            "/api/v1/soa",
            Some(&auditor),
            Some(json!({"framework_id": ISO})),
        )
        .await;
        assert_eq!(status, 403);

        let (status, body) = call(
            s,
            Method::POST,
            "/api/v1/soa",
            Some(&contributor),
            Some(json!({"framework_id": ISO})),
        )
        .await;
        assert_eq!(status, 201, "{}: {body}", s.engine);
        assert_eq!(body["controls"], 38);
        assert!(body["requirements"].as_u64().unwrap() > 20);
        assert_eq!(body["approved"], Value::Null);
        assert_eq!(body["changed_since_approval"], true);
        let (status, body) = call(
            s,
            Method::POST,
            "/api/v1/soa",
            Some(&contributor),
            Some(json!({"framework_id": ISO})),
        )
        .await;
        assert_eq!(
            (status, field_of(&body)),
            (400, vec!["framework_id".to_owned()])
        );

        let (status, list) =
            call(s, Method::GET, "/api/v1/soa/controls", Some(&auditor), None).await;
        assert_eq!(status, 200);
        assert_eq!(list["total"], 38);
        assert_eq!(list["items"][0]["item_ref"], "A.2.2");
        assert!(!list["items"][0]["title"].as_str().unwrap().is_empty());
        assert_eq!(list["items"][0]["evidence_state"], "missing");
        assert_eq!(list["items"][37]["item_ref"], "A.10.4");

        // Clear 400s, each naming its field; nothing is saved.
        let patch = |body: Value| {
            let token = contributor.clone();
            async move {
                call(
                    s,
                    Method::PATCH,
                    "/api/v1/soa/controls/A.2.2",
                    Some(&token),
                    Some(body),
                )
                .await
            }
        };
        for (body, field) in [
            (
                json!({"status": "done", "justification": "x", "revision": 1}),
                "status",
            ),
            (
                json!({"status": "implemented", "revision": 1}),
                "justification",
            ),
            (
                json!({"applicable": false, "justification": "x", "revision": 1}),
                "status",
            ),
            (
                json!({"risk_ids": ["R-1"], "justification": "x", "revision": 1}),
                "risk_ids[0]",
            ),
            (
                json!({"evidence": [{"reference": "p", "expires_on": "next year"}], "justification": "x", "revision": 1}),
                "evidence[0].expires_on",
            ),
            (json!({"colour": "red", "revision": 1}), "colour"),
            (json!({"justification": "x"}), "revision"),
        ] {
            let (status, answer) = patch(body.clone()).await;
            assert_eq!(status, 400, "{body}: {answer}");
            assert_eq!(field_of(&answer)[0], field, "{body}: {answer}");
        }
        let (status, body) = call(
            s,
            Method::PATCH,
            "/api/v1/soa/controls/A.99.9",
            Some(&contributor),
            Some(json!({"justification": "x", "revision": 1})),
        )
        .await;
        assert_eq!(
            (status, field_of(&body)),
            (400, vec!["ref".to_owned()]),
            "{body}"
        );
        let (status, body) = call(
            s,
            Method::GET,
            "/api/v1/soa/controls/4.1",
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(
            (status, field_of(&body)),
            (400, vec!["ref".to_owned()]),
            "a requirement is no control: {body}"
        );

        let risk = uuid::Uuid::new_v4();
        let (status, control) = patch(json!({
            "justification": "We publish an AI policy approved by the board.",
            "status": "implemented", "owner": "CISO", "target_date": "2026-03-31",
            "risk_ids": [risk],
            "evidence": [{"reference": "https://intranet.example/ai-policy", "expires_on": "2099-12-31"}],
            "revision": 1
        }))
        .await;
        assert_eq!(status, 200, "{control}");
        assert_eq!(control["revision"], 2);
        assert_eq!(control["evidence_state"], "current");
        assert_eq!(control["risk_ids"][0], risk.to_string());
        let (status, stale) = patch(json!({"owner": "someone", "revision": 1})).await;
        assert_eq!(status, 409);
        assert_eq!(stale["current"]["owner"], "CISO");

        // Filters, with bad values named.
        let (_, implemented) = call(
            s,
            Method::GET,
            "/api/v1/soa/controls?status=implemented",
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(implemented["total"], 1);
        let (_, owned) = call(
            s,
            Method::GET,
            "/api/v1/soa/controls?owner=CISO&applicable=true",
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(owned["total"], 1);
        let (status, body) = call(
            s,
            Method::GET,
            "/api/v1/soa/controls?status=finished",
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!((status, field_of(&body)), (400, vec!["status".to_owned()]));
        let (status, body) = call(
            s,
            Method::GET,
            "/api/v1/soa/controls?applicable=maybe",
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(
            (status, field_of(&body)),
            (400, vec!["applicable".to_owned()])
        );

        // Requirements.
        let (_, reqs) = call(
            s,
            Method::GET,
            "/api/v1/soa/requirements",
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(reqs["items"][0]["item_ref"], "4.1");
        assert_eq!(reqs["items"][0]["status"], "not_assessed");
        let (status, req) = call(
            s,
            Method::PATCH,
            "/api/v1/soa/requirements/4.1",
            Some(&contributor),
            Some(json!({
                "status": "conforming", "owner": "AIMS lead", "notes": "Context analysis reviewed.",
                "evidence": [{"reference": "Context register v3"}], "revision": 1
            })),
        )
        .await;
        assert_eq!(status, 200, "{req}");
        let (status, body) = call(
            s,
            Method::PATCH,
            "/api/v1/soa/requirements/4.2",
            Some(&contributor),
            Some(json!({"status": "implemented", "revision": 1})),
        )
        .await;
        assert_eq!(
            (status, field_of(&body)),
            (400, vec!["status".to_owned()]),
            "{body}"
        );

        // Bulk edit: every ref checked first; all or nothing.
        let (status, body) = call(
            s,
            Method::POST,
            "/api/v1/soa/controls/bulk",
            Some(&contributor),
            Some(json!({"item_refs": ["A.2.2", "A.99"], "owner": "x"})),
        )
        .await;
        assert_eq!(
            (status, field_of(&body)),
            (400, vec!["item_refs[1]".to_owned()]),
            "{body}"
        );
        let (status, body) = call(
            s,
            Method::POST,
            "/api/v1/soa/controls/bulk",
            Some(&contributor),
            Some(json!({"item_refs": ["A.2.2", "A.2.3"], "status": "planned"})),
        )
        .await;
        assert_eq!(status, 400, "A.2.3 has no justification yet: {body}");
        assert_eq!(
            field_of(&body),
            vec!["controls[A.2.3].justification".to_owned()]
        );
        let (_, a22) = call(
            s,
            Method::GET,
            "/api/v1/soa/controls/A.2.2",
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(a22["status"], "implemented", "nothing half-saved");
        justify_all(s, &contributor).await;
        let (status, body) = call(
            s,
            Method::POST,
            "/api/v1/soa/controls/bulk",
            Some(&contributor),
            Some(json!({"item_refs": ["A.3.2", "A.3.3"], "status": "planned", "owner": "HR lead"})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["total"], 2);
        let (_, planned) = call(
            s,
            Method::GET,
            "/api/v1/soa/controls?status=planned&owner=HR%20lead",
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(planned["total"], 2);

        // Every change is in the ledger with who made it.
        let (_, entries) = call(
            s,
            Method::GET,
            "/api/v1/ledger/entries?record_kind=soa_control&limit=500",
            Some(&auditor),
            None,
        )
        .await;
        assert!(
            entries["total"].as_u64().unwrap() >= 38 + 38 + 2,
            "{}",
            entries["total"]
        );
        assert!(
            entries["items"][0]["actor"]
                .as_str()
                .unwrap()
                .starts_with("contributor-")
        );
    }
}

#[tokio::test]
async fn approval_versions_comparison_and_readiness() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let manager = s.token(Role::Manager).await;
        let contributor = s.token(Role::Contributor).await;
        let (status, _) = call(
            s,
            Method::POST,
            "/api/v1/soa",
            Some(&manager),
            Some(json!({"framework_id": ISO})),
        )
        .await;
        assert_eq!(status, 201);

        // A contributor may not approve; a manager may, once every control is justified.
        let (status, _) = call(
            s,
            Method::POST,
            "/api/v1/soa/versions",
            Some(&contributor),
            Some(json!({})),
        )
        .await;
        assert_eq!(status, 403);
        let (status, body) = call(
            s,
            Method::POST,
            "/api/v1/soa/versions",
            Some(&manager),
            Some(json!({"note": "first"})),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        let fields = field_of(&body);
        assert_eq!(fields.len(), 38);
        assert_eq!(fields[0], "controls[A.2.2].justification");

        justify_all(s, &contributor).await;
        let (status, v1) = call(
            s,
            Method::POST,
            "/api/v1/soa/versions",
            Some(&manager),
            Some(json!({"note": "First approved SoA"})),
        )
        .await;
        assert_eq!(status, 201, "{v1}");
        assert_eq!(v1["version"], 1);
        assert!(v1["approved_by"].as_str().unwrap().starts_with("manager-"));
        let (_, overview) = call(s, Method::GET, "/api/v1/soa", Some(&contributor), None).await;
        assert_eq!(overview["approved"]["version"], 1);
        assert_eq!(overview["changed_since_approval"], false);

        // Exclude a control and implement another; compare with the draft, then approve.
        let (status, body) = call(s, Method::PATCH, "/api/v1/soa/controls/A.10.4", Some(&contributor), Some(json!({"applicable": false, "status": "not_applicable", "justification": "We have no customers: all AI systems are for internal use.", "revision": 2}))).await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = call(s, Method::PATCH, "/api/v1/soa/controls/A.2.2", Some(&contributor), Some(json!({"status": "implemented", "evidence": [{"reference": "AI policy v2"}], "revision": 2}))).await;
        assert_eq!(status, 200, "{body}");
        let (status, draft) = call(
            s,
            Method::GET,
            "/api/v1/soa/compare?from_version=1",
            Some(&contributor),
            None,
        )
        .await;
        assert_eq!(status, 200, "{draft}");
        assert_eq!(draft["to"], Value::Null);
        assert_eq!(draft["total"], 2);
        assert_eq!(draft["items"][0]["item_ref"], "A.2.2");
        assert_eq!(draft["items"][1]["item_ref"], "A.10.4");
        let changed: Vec<&str> = draft["items"][1]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert!(
            changed.contains(&"applicable") && changed.contains(&"status"),
            "{changed:?}"
        );

        let (status, v2) = call(
            s,
            Method::POST,
            "/api/v1/soa/versions",
            Some(&manager),
            Some(json!({})),
        )
        .await;
        assert_eq!((status, v2["version"].as_i64()), (201, Some(2)));
        let (_, between) = call(
            s,
            Method::GET,
            "/api/v1/soa/compare?from_version=1&to_version=2",
            Some(&contributor),
            None,
        )
        .await;
        assert_eq!(between["items"], draft["items"]);
        let (_, versions) = call(
            s,
            Method::GET,
            "/api/v1/soa/versions",
            Some(&contributor),
            None,
        )
        .await;
        assert_eq!(versions["total"], 2);
        for (query, field) in [
            ("from_version=0", "from_version"),
            ("from_version=1&to_version=7", "to_version"),
            ("", "from_version"),
        ] {
            let (status, body) = call(
                s,
                Method::GET,
                &format!("/api/v1/soa/compare?{query}"),
                Some(&contributor),
                None,
            )
            .await;
            assert_eq!(
                (status, field_of(&body)),
                (400, vec![field.to_owned()]),
                "{query}: {body}"
            );
        }

        // Downloads for auditors.
        let response = s
            .request(Method::GET, "/api/v1/soa/export?format=xlsx&version=1")
            .bearer_auth(&contributor)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert_eq!(
            response.headers()["content-disposition"],
            "attachment; filename=\"soa-v1.xlsx\""
        );
        assert!(response.bytes().await.unwrap().starts_with(b"PK"));
        let response = s
            .request(Method::GET, "/api/v1/soa/export?format=csv")
            .bearer_auth(&contributor)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers()["content-disposition"],
            "attachment; filename=\"soa-v2.csv\""
        );
        let csv = response.text().await.unwrap();
        assert_eq!(
            csv.matches("\r\n").count(),
            39,
            "a header and one row per control"
        );
        assert!(csv.contains("A.10.4,"));
        assert!(
            csv.contains(
                ",No,We have no customers: all AI systems are for internal use.,Not applicable,"
            ),
            "{csv}"
        );
        // OSCAL over the same entries: the selection of version 2, which excludes A.10.4.
        let response = s
            .request(
                Method::GET,
                "/api/v1/soa/export?format=oscal-profile&version=2",
            )
            .bearer_auth(&contributor)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["content-type"], "application/json");
        assert_eq!(
            response.headers()["content-disposition"],
            "attachment; filename=\"soa-v2.oscal-profile.json\""
        );
        let profile: Value = response.json().await.unwrap();
        assert_eq!(profile["profile"]["metadata"]["version"], "Version 2");
        assert_eq!(
            profile["profile"]["imports"][0]["href"],
            "iso-iec-42001-2023.oscal-catalog.json"
        );
        let excluded = &profile["profile"]["imports"][0]["exclude-controls"][0]["with-ids"];
        assert!(
            excluded.as_array().is_some_and(|a| !a.is_empty()),
            "{profile}"
        );
        let (status, results) = call(
            s,
            Method::GET,
            "/api/v1/soa/export?format=oscal-assessment-results",
            Some(&contributor),
            None,
        )
        .await;
        assert_eq!(status, 200);
        let findings = &results["assessment-results"]["results"][0]["findings"];
        assert_eq!(findings.as_array().map(Vec::len), Some(38), "{results}");
        for (query, field) in [
            ("format=pdf", "format"),
            ("format=csv&version=9", "version"),
            ("format=csv&version=x", "version"),
        ] {
            let (status, body) = call(
                s,
                Method::GET,
                &format!("/api/v1/soa/export?{query}"),
                Some(&contributor),
                None,
            )
            .await;
            assert_eq!(
                (status, field_of(&body)),
                (400, vec![field.to_owned()]),
                "{query}: {body}"
            );
        }

        // Readiness: one implemented control with current evidence, one excluded.
        let (status, report) = call(
            s,
            Method::GET,
            "/api/v1/soa/readiness",
            Some(&contributor),
            None,
        )
        .await;
        assert_eq!(status, 200, "{report}");
        let r = &report["readiness"];
        assert_eq!(r["controls"]["items"], 37);
        assert_eq!(r["controls"]["excluded"], 1);
        assert_eq!(r["controls"]["done"], 1);
        assert_eq!(r["controls"]["percent"], 2.7);
        assert_eq!(r["requirements"]["percent"], 0.0);
        let a2 = r["by_objective"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["group_ref"] == "A.2")
            .unwrap();
        assert_eq!(a2["score"]["done"], 1);
        let clauses: Vec<&str> = r["by_clause"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["group_ref"].as_str().unwrap())
            .collect();
        assert_eq!(clauses, ["4", "5", "6", "7", "8", "9", "10"]);
        let views: Vec<&str> = report["crosswalks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["framework_id"].as_str().unwrap())
            .collect();
        assert!(
            views.contains(&"nist-ai-rmf-1.0") && views.contains(&"eu-ai-act-2024"),
            "{views:?}"
        );
        let nist = report["crosswalks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["framework_id"] == "nist-ai-rmf-1.0")
            .unwrap();
        assert!(nist["percent"].as_f64().unwrap() > 0.0, "{nist}");

        // Expired evidence takes the credit away by itself.
        let (_, a22) = call(
            s,
            Method::GET,
            "/api/v1/soa/controls/A.2.2",
            Some(&contributor),
            None,
        )
        .await;
        let (status, _) = call(s, Method::PATCH, "/api/v1/soa/controls/A.2.2", Some(&contributor), Some(json!({"evidence": [{"reference": "AI policy v1", "expires_on": "2020-01-01"}], "revision": a22["revision"]}))).await;
        assert_eq!(status, 200);
        let (_, report) = call(
            s,
            Method::GET,
            "/api/v1/soa/readiness",
            Some(&contributor),
            None,
        )
        .await;
        assert_eq!(report["readiness"]["controls"]["done"], 0);
        assert_eq!(report["readiness"]["controls"]["evidence_expired"], 1);
    }
}

#[tokio::test]
async fn the_library_through_the_api() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    let library = aims_library::bundled().unwrap();
    for s in &servers {
        let e = s.engine;
        let auditor = s.token(Role::Auditor).await;

        let (status, list) = read(s, &auditor, "/api/v1/frameworks").await;
        assert_eq!(status, 200, "{e}: {list}");
        assert_eq!(list["total"], 3, "{e}");
        let iso = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == ISO)
            .unwrap();
        assert_eq!(
            (iso["node_count"].as_u64(), iso["short_name"].as_str()),
            (Some(91), Some("ISO/IEC 42001")),
            "{e}"
        );

        let (status, fw) = read(s, &auditor, &format!("/api/v1/frameworks/{ISO}")).await;
        assert_eq!(status, 200, "{e}");
        assert_eq!(fw["nodes"].as_array().unwrap().len(), 91, "{e}");
        assert_eq!(fw["nodes"][0]["parent"], Value::Null, "{e}: parents first");
        let (_, found) = read(
            s,
            &auditor,
            &format!("/api/v1/frameworks/{ISO}?q=Impact+Assessment"),
        )
        .await;
        let refs: Vec<&str> = found["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["ref"].as_str().unwrap())
            .collect();
        assert!(refs.contains(&"A.5.2") && refs.len() < 20, "{e}: {refs:?}");

        // A node: children, crosswalk mappings seen from it, and no SoA entry before adoption.
        let (status, node) =
            read(s, &auditor, &format!("/api/v1/frameworks/{ISO}/nodes/A.6")).await;
        assert_eq!(status, 200, "{e}: {node}");
        assert_eq!(node["node"]["kind"], "objective", "{e}");
        assert!(node["children"].as_array().unwrap().len() >= 6, "{e}");
        assert_eq!(node["soa_entry"], Value::Null, "{e}: not an SoA entry");
        let (_, node) = read(
            s,
            &auditor,
            &format!("/api/v1/frameworks/{ISO}/nodes/A.6.2.4"),
        )
        .await;
        let mappings = node["mappings"].as_array().unwrap();
        assert_eq!(
            mappings.len(),
            library.mappings_for(ISO, "A.6.2.4").len(),
            "{e}"
        );
        assert!(
            mappings
                .iter()
                .any(|m| m["framework_id"] == "nist-ai-rmf-1.0" && m["title"].is_string()),
            "{e}: {node}"
        );
        assert_eq!(node["soa_entry"], Value::Null, "{e}: nothing adopted yet");
        let contributor = s.token(Role::Contributor).await;
        let (status, _) = call(
            s,
            Method::POST,
            "/api/v1/soa",
            Some(&contributor),
            Some(json!({"framework_id": ISO})),
        )
        .await;
        assert_eq!(status, 201, "{e}");
        let (_, node) = read(
            s,
            &auditor,
            &format!("/api/v1/frameworks/{ISO}/nodes/A.6.2.4"),
        )
        .await;
        assert_eq!(
            node["soa_entry"],
            json!({"item_type": "control", "href": "/api/v1/soa/controls/A.6.2.4"}),
            "{e}"
        );
        let (_, node) = read(
            s,
            &auditor,
            &format!("/api/v1/frameworks/{ISO}/nodes/6.1.2"),
        )
        .await;
        let href = node["soa_entry"]["href"].as_str().unwrap();
        assert_eq!(href, "/api/v1/soa/requirements/6.1.2", "{e}");
        let (status, entry) = read(s, &auditor, href).await;
        assert_eq!((status, &entry["item_ref"]), (200, &json!("6.1.2")), "{e}");
        let (_, node) = read(
            s,
            &auditor,
            "/api/v1/frameworks/nist-ai-rmf-1.0/nodes/GOVERN%201.1",
        )
        .await;
        assert_eq!(
            (&node["node"]["ref"], &node["soa_entry"]),
            (&json!("GOVERN 1.1"), &Value::Null),
            "{e}: another framework than the adopted one"
        );

        // Crosswalks, whole.
        let (_, crosswalks) = read(s, &auditor, "/api/v1/crosswalks").await;
        assert_eq!(crosswalks["total"], library.crosswalks.len(), "{e}");
        for c in crosswalks["items"].as_array().unwrap() {
            let (status, detail) = read(
                s,
                &auditor,
                &format!("/api/v1/crosswalks/{}", c["id"].as_str().unwrap()),
            )
            .await;
            assert_eq!(status, 200, "{e}");
            assert_eq!(
                detail["mappings"].as_array().unwrap().len() as u64,
                c["mapping_count"].as_u64().unwrap(),
                "{e}"
            );
        }

        // The OSCAL catalog is the one `aims export oscal-catalog` writes.
        let response = s
            .request(
                Method::GET,
                &format!("/api/v1/frameworks/{ISO}/oscal-catalog"),
            )
            .bearer_auth(&auditor)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers()["content-disposition"],
            "attachment; filename=\"iso-iec-42001-2023.oscal-catalog.json\""
        );
        let catalog: Value = response.json().await.unwrap();
        assert_eq!(
            catalog,
            aims_library::oscal::catalog(library.framework(ISO).unwrap()),
            "{e}"
        );

        for (path, status) in [
            ("/api/v1/frameworks/iso-27001", 404),
            ("/api/v1/frameworks/iso-27001/oscal-catalog", 404),
            ("/api/v1/frameworks/iso-iec-42001-2023/nodes/A.99", 404),
            ("/api/v1/crosswalks/nope", 404),
            ("/api/v1/frameworks/iso-iec-42001-2023?bogus=1", 400),
        ] {
            let (got, body) = read(s, &auditor, path).await;
            assert_eq!(got, status, "{e}: {path}: {body}");
        }
        let (status, _) = call(s, Method::GET, "/api/v1/frameworks", None, None).await;
        assert_eq!(status, 401, "{e}: sign-in required");
    }
}

#[tokio::test]
async fn an_soa_whose_framework_left_the_library_is_a_conflict_that_names_it() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let e = s.engine;
        let contributor = s.token(Role::Contributor).await;
        let adopt = json!({"framework_id": ISO});
        let (status, body) = call(
            s,
            Method::POST,
            "/api/v1/soa",
            Some(&contributor),
            Some(adopt),
        )
        .await;
        assert_eq!(status, 201, "{e}: {body}");
        // The framework's folder was taken out of the library since.
        let retire = "UPDATE soas SET framework_id = 'retired-framework'";
        if s.engine == "sqlite" {
            let pool = sqlx::SqlitePool::connect(&s.database_url).await.unwrap();
            sqlx::query(retire).execute(&pool).await.unwrap();
        } else {
            let pool = sqlx::PgPool::connect(&s.database_url).await.unwrap();
            sqlx::query(retire).execute(&pool).await.unwrap();
        }
        for path in [
            "/api/v1/soa",
            "/api/v1/soa/controls",
            "/api/v1/soa/readiness",
        ] {
            let (status, body) = read(s, &contributor, path).await;
            assert_eq!(status, 409, "{e} {path}: {body}");
            let message = body["message"].as_str().unwrap();
            assert!(
                message.contains("`retired-framework`"),
                "{e} {path}: {message}"
            );
        }
    }
}
