//! The EU AI Act classification through the API, on every engine: the questionnaire, each
//! tier, versions, clear 400s that save nothing, roles, and the obligations checklist with
//! its ISO/IEC 42001 links and their SoA status.

mod common;

use aims_domain::Role;
use aims_server::ServerConfig;
use common::{TestServer, call, new_system, servers};
use reqwest::Method;
use serde_json::{Map, Value, json};

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

/// An AI system in scope, screened for every prohibited practice, neither an Annex I product
/// nor used in an Annex III area nor a trigger of Art. 50, with `extra` on top.
fn screened(roles: Value, extra: Value) -> Value {
    let mut all = json!({
        "roles": roles,
        "ai_system": true,
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
        "annex_iii_areas": ["none"],
        "interacts_with_people": false,
        "generates_synthetic_content": false,
        "emotion_or_biometric_categorisation": false,
    });
    if roles_include_provider(&all["roles"]) {
        all["provider_outside_eu"] = json!(false);
        all["gpai_model"] = json!(false);
    }
    let map: &mut Map<String, Value> = all.as_object_mut().unwrap();
    for (key, value) in extra.as_object().unwrap() {
        if value.is_null() {
            map.remove(key);
        } else {
            map.insert(key.clone(), value.clone());
        }
    }
    all
}

fn roles_include_provider(roles: &Value) -> bool {
    roles
        .as_array()
        .is_some_and(|r| r.iter().any(|v| v == "provider"))
}

fn credit_scoring() -> Value {
    screened(
        json!(["provider", "deployer"]),
        json!({
            "annex_iii_areas": ["essential_services"],
            "essential_services_use": ["creditworthiness"],
            "exception_6_3": ["none"],
            "deployer_type": "other",
        }),
    )
}

#[tokio::test]
async fn the_questionnaire_is_served_with_its_conditions() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let auditor = s.token(Role::Auditor).await;
        let (status, body) = call(
            s,
            Method::GET,
            "/api/v1/eu-ai-act/questionnaire",
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["framework_id"], "eu-ai-act-2024");
        let items = body["items"].as_array().unwrap();
        assert_eq!(body["total"], items.len());
        assert_eq!(items[0]["id"], "roles");
        assert_eq!(items[0]["kind"]["multiple_choice"][0]["value"], "provider");
        assert_eq!(items[0]["shown_when"], Value::Null);
        let rbi = items
            .iter()
            .find(|q| q["id"] == "realtime_rbi_exception")
            .unwrap();
        assert_eq!(rbi["kind"], "yes_no");
        assert_eq!(
            rbi["shown_when"],
            json!({"is": {"question": "prohibited_realtime_rbi", "answer": true}})
        );
        assert!(rbi["text"].as_str().unwrap().contains("Art. 5(3)"));
        assert!(rbi["help"].as_str().unwrap().contains("Annex III"));
        let (status, _) = call(
            s,
            Method::GET,
            "/api/v1/eu-ai-act/questionnaire",
            None,
            None,
        )
        .await;
        assert_eq!(status, 401);
    }
}

#[tokio::test]
async fn each_tier_is_saved_as_a_version_and_set_on_the_system() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let contributor = s.token(Role::Contributor).await;
        let auditor = s.token(Role::Auditor).await;
        let cases = [
            (
                "Research prototype",
                json!({"roles": ["deployer"], "ai_system": false}),
                "out_of_scope",
            ),
            (
                "Citizen trust score",
                screened(
                    json!(["deployer"]),
                    json!({"prohibited_social_scoring": true, "annex_i_product": null, "annex_iii_areas": null, "interacts_with_people": null, "generates_synthetic_content": null, "emotion_or_biometric_categorisation": null}),
                ),
                "prohibited",
            ),
            ("Consumer credit scoring", credit_scoring(), "high_risk"),
            (
                "Customer service assistant",
                screened(
                    json!(["deployer"]),
                    json!({"interacts_with_people": true, "generates_synthetic_content": true, "deep_fake": false, "public_interest_text": false}),
                ),
                "transparency",
            ),
            (
                "Internal document classifier",
                screened(json!(["provider", "deployer"]), json!({})),
                "minimal",
            ),
        ];
        for (name, answers, tier) in cases {
            let id = new_system(s, &contributor, name).await;
            let path = format!("/api/v1/systems/{id}/eu-ai-act");
            let (status, body) = call(
                s,
                Method::POST,
                &path,
                Some(&contributor),
                Some(json!({"answers": answers, "note": "Checked with counsel.", "assessed_on": "2025-09-15"})),
            )
            .await;
            assert_eq!(status, 201, "{}: {name}: {body}", s.engine);
            assert_eq!(body["result"]["tier"], tier, "{name}: {body}");
            assert_eq!(body["version"], 1);
            assert_eq!(body["system_id"], id.as_str());
            assert_eq!(body["assessed_on"], "2025-09-15");
            assert_eq!(body["note"], "Checked with counsel.");
            assert_eq!(body["answers"], answers);
            assert!(!body["result"]["rationale"].as_array().unwrap().is_empty());
            let (_, system) = call(
                s,
                Method::GET,
                &format!("/api/v1/systems/{id}"),
                Some(&auditor),
                None,
            )
            .await;
            assert_eq!(system["eu_ai_act_tier"], tier, "{name}");
            assert_eq!(system["revision"], 2, "the tier is a logged update");
        }

        // Re-classifying adds a version; the list is newest first; versions stay readable.
        let id = new_system(s, &contributor, "Entrance person detector").await;
        let path = format!("/api/v1/systems/{id}/eu-ai-act");
        let minimal = screened(json!(["provider", "deployer"]), json!({}));
        let (status, first) = call(
            s,
            Method::POST,
            &path,
            Some(&contributor),
            Some(json!({"answers": minimal})),
        )
        .await;
        assert_eq!(status, 201, "{first}");
        assert_eq!(first["note"], "");
        assert_eq!(
            first["assessed_on"],
            chrono::Utc::now().date_naive().to_string(),
            "today by default"
        );
        let (status, second) = call(
            s,
            Method::POST,
            &path,
            Some(&contributor),
            Some(json!({"answers": credit_scoring(), "note": "Now also scores loan applicants."})),
        )
        .await;
        assert_eq!(status, 201, "{second}");
        assert_eq!(second["version"], 2);
        let (status, list) = call(s, Method::GET, &path, Some(&auditor), None).await;
        assert_eq!(status, 200);
        assert_eq!(list["total"], 2);
        assert_eq!(list["items"][0], second);
        assert_eq!(list["items"][1], first);
        let (status, one) = call(s, Method::GET, &format!("{path}/1"), Some(&auditor), None).await;
        assert_eq!((status, &one), (200, &first));
        let (status, _) = call(s, Method::GET, &format!("{path}/3"), Some(&auditor), None).await;
        assert_eq!(status, 404);
        let (status, body) = call(
            s,
            Method::GET,
            &format!("{path}/first"),
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!((status, field_of(&body)), (400, vec!["version".to_owned()]));

        // A classified system cannot be deleted.
        let (status, body) = call(
            s,
            Method::DELETE,
            &format!("/api/v1/systems/{id}"),
            Some(&contributor),
            None,
        )
        .await;
        assert_eq!(status, 409, "{body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("EU AI Act classification")
        );
    }
}

#[tokio::test]
async fn bad_answers_get_400s_naming_each_answer_and_save_nothing() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let contributor = s.token(Role::Contributor).await;
        let auditor = s.token(Role::Auditor).await;
        let id = new_system(s, &contributor, "Customer service assistant").await;
        let path = format!("/api/v1/systems/{id}/eu-ai-act");
        let post = |body: Value| {
            let token = contributor.clone();
            let path = path.clone();
            async move { call(s, Method::POST, &path, Some(&token), Some(body)).await }
        };

        let cases = [
            (
                json!({"answers": {"roles": ["deployer"], "ai_system": "yes"}}),
                vec!["answers.ai_system"],
            ),
            (
                json!({"answers": {"roles": ["deployer", "reseller"], "ai_system": false, "colour": "red"}}),
                vec!["answers.colour", "answers.roles[1]"],
            ),
            // The API refuses answers to questions that are not asked rather than dropping them.
            (
                json!({"answers": {"roles": ["deployer"], "ai_system": false, "prohibited_manipulation": false}}),
                vec!["answers.prohibited_manipulation"],
            ),
            (
                json!({"answers": screened(json!(["deployer"]), json!({"annex_iii_areas": ["none", "education"]}))}),
                vec!["answers.annex_iii_areas"],
            ),
            (
                json!({"answers": screened(json!(["deployer"]), json!({"scope_exclusion": null}))}),
                vec!["answers.scope_exclusion"],
            ),
            (
                json!({"answers": {"roles": ["deployer"], "ai_system": false}, "note": "x".repeat(2_001)}),
                vec!["note"],
            ),
            (
                json!({"answers": {"roles": ["deployer"], "ai_system": false}, "assessed_on": "2999-01-01"}),
                vec!["assessed_on"],
            ),
            (
                json!({"answers": {"roles": ["deployer"], "ai_system": false}, "assessed_on": "15/09/2025"}),
                vec!["assessed_on"],
            ),
            (json!({"note": "no answers"}), vec!["answers"]),
            (json!({"answers": [], "tier": "minimal"}), vec!["answers"]),
        ];
        for (body, fields) in cases {
            let (status, answer) = post(body.clone()).await;
            assert_eq!(
                (status, field_of(&answer)),
                (
                    400,
                    fields.iter().map(|f| (*f).to_owned()).collect::<Vec<_>>()
                ),
                "{}: {body} → {answer}",
                s.engine
            );
            assert_eq!(answer["code"], "validation_failed", "{answer}");
        }
        let (_, list) = call(s, Method::GET, &path, Some(&auditor), None).await;
        assert_eq!(list["total"], 0, "nothing was saved");
        let (_, system) = call(
            s,
            Method::GET,
            &format!("/api/v1/systems/{id}"),
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(
            (system["revision"].clone(), system["eu_ai_act_tier"].clone()),
            (json!(1), json!("unassessed"))
        );

        // Auditors read but do not classify; unknown systems are not found.
        let (status, _) = call(
            s,
            Method::POST,
            &path,
            Some(&auditor),
            Some(json!({"answers": {"roles": ["deployer"], "ai_system": false}})),
        )
        .await;
        assert_eq!(status, 403);
        let (status, _) = call(s, Method::GET, &path, Some(&auditor), None).await;
        assert_eq!(status, 200);
        let unknown = "/api/v1/systems/00000000-0000-4000-8000-000000000000/eu-ai-act";
        let (status, _) = call(
            s,
            Method::POST,
            unknown,
            Some(&contributor),
            Some(json!({"answers": {"roles": ["deployer"], "ai_system": false}})),
        )
        .await;
        assert_eq!(status, 404);
        let (status, _) = call(s, Method::GET, unknown, Some(&auditor), None).await;
        assert_eq!(status, 404);
    }
}

#[tokio::test]
async fn the_obligations_checklist_links_iso_controls_and_their_soa_status() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let contributor = s.token(Role::Contributor).await;
        let auditor = s.token(Role::Auditor).await;
        let id = new_system(s, &contributor, "Consumer credit scoring").await;
        let obligations = format!("/api/v1/systems/{id}/eu-ai-act/obligations");
        let (status, body) = call(s, Method::GET, &obligations, Some(&auditor), None).await;
        assert_eq!(status, 404, "{body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("no EU AI Act classification yet")
        );

        let (status, body) = call(
            s,
            Method::POST,
            &format!("/api/v1/systems/{id}/eu-ai-act"),
            Some(&contributor),
            Some(json!({"answers": credit_scoring()})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let expected: Vec<Value> = body["result"]["obligations"].as_array().unwrap().clone();

        // Without an SoA: the links, no status.
        let (status, list) = call(s, Method::GET, &obligations, Some(&auditor), None).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(list["tier"], "high_risk");
        assert_eq!(list["version"], 1);
        assert_eq!(list["framework_id"], "eu-ai-act-2024");
        assert_eq!(list["crosswalk_id"], "iso-42001-to-eu-ai-act");
        assert_eq!(list["soa_framework_id"], Value::Null);
        let refs: Vec<Value> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["obligation_ref"].clone())
            .collect();
        assert_eq!(
            refs, expected,
            "the obligations of the classification, in its order"
        );
        let fria = item(&list, "deployer.fria");
        assert_eq!(fria["title"], "Fundamental rights impact assessment");
        assert_eq!(fria["articles"], json!(["Art. 27"]));
        let link = iso_link(fria, "A.5.2");
        assert_eq!(link["item_type"], "control");
        assert_eq!(link["framework_id"], "iso-iec-42001-2023");
        assert_eq!(link["relation"], "intersect");
        assert!(!link["title"].as_str().unwrap().is_empty());
        assert_eq!(link["soa"], Value::Null);
        // Clauses come before controls.
        let types: Vec<&str> = fria["iso_links"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["item_type"].as_str().unwrap())
            .collect();
        assert_eq!(types.first(), Some(&"requirement"), "{types:?}");
        assert_eq!(types.last(), Some(&"control"));

        // With an ISO/IEC 42001 SoA: each link carries the entry's status and evidence.
        let (status, _) = call(
            s,
            Method::POST,
            "/api/v1/soa",
            Some(&contributor),
            Some(json!({"framework_id": "iso-iec-42001-2023"})),
        )
        .await;
        assert_eq!(status, 201);
        let (status, body) = call(
            s,
            Method::PATCH,
            "/api/v1/soa/controls/A.5.2",
            Some(&contributor),
            Some(json!({"justification": "We assess impacts of every AI system.", "status": "implemented", "owner": "Risk office", "evidence": [{"reference": "Impact assessment procedure v2"}], "revision": 1})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let (_, list) = call(s, Method::GET, &obligations, Some(&auditor), None).await;
        assert_eq!(list["soa_framework_id"], "iso-iec-42001-2023");
        let fria = item(&list, "deployer.fria");
        assert_eq!(
            iso_link(fria, "A.5.2")["soa"],
            json!({"applicable": true, "implementation_status": "implemented", "conformity_status": null, "owner": "Risk office", "evidence_state": "current"})
        );
        assert_eq!(
            iso_link(fria, "6.1.4")["soa"],
            json!({"applicable": true, "implementation_status": null, "conformity_status": "not_assessed", "owner": "", "evidence_state": "missing"})
        );
        // An obligation nothing in ISO/IEC 42001 corresponds to has no links.
        assert_eq!(item(&list, "provider.ce-marking")["iso_links"], json!([]));
    }
}

fn item<'a>(list: &'a Value, r: &str) -> &'a Value {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["obligation_ref"] == r)
        .unwrap_or_else(|| panic!("no {r} in {list}"))
}

fn iso_link<'a>(obligation: &'a Value, r: &str) -> &'a Value {
    obligation["iso_links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["item_ref"] == r)
        .unwrap_or_else(|| panic!("no link to {r} in {obligation}"))
}

// ------------------------------------------------------------------------ pages

/// A browser-like client signed in as a new user with `role`, and its CSRF token.
async fn signed_in(s: &TestServer, role: Role) -> (reqwest::Client, String) {
    let username = format!("{}-web", role.as_str());
    s.user_in(s.org, &username, role).await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let response = client
        .post(s.url("/api/v1/session"))
        .json(&json!({"username": username, "password": common::PASSWORD}))
        .send()
        .await
        .unwrap();
    let session: Value = response.json().await.unwrap();
    let csrf = session["csrf_token"].as_str().unwrap().to_owned();
    (client, csrf)
}

async fn page(client: &reqwest::Client, url: &str) -> (u16, String) {
    let response = client.get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The form as a page without JavaScript posts it: every question that was answered,
/// whether or not it applies.
fn form_body(csrf: &str, answers: &Value, extra: &[(&str, &str)]) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("csrf_token", csrf);
    for (id, value) in answers.as_object().unwrap() {
        match value {
            Value::Array(items) => {
                for item in items {
                    form.append_pair(id, item.as_str().unwrap());
                }
            }
            Value::Bool(b) => {
                form.append_pair(id, &b.to_string());
            }
            Value::String(text) => {
                form.append_pair(id, text);
            }
            other => panic!("{other}"),
        }
    }
    for (key, value) in extra {
        form.append_pair(key, value);
    }
    form.finish()
}

#[tokio::test]
async fn the_pages_classify_without_javascript_and_escape_what_they_show() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    let s = &servers[0];
    let contributor = s.token(Role::Contributor).await;
    let id = new_system(s, &contributor, "<script>alert(1)</script> scorer").await;
    let (client, csrf) = signed_in(s, Role::Contributor).await;
    let here = s.url(&format!("/systems/{id}/eu-ai-act"));

    let (status, system_page) = page(&client, &s.url(&format!("/systems/{id}"))).await;
    assert_eq!(status, 200);
    assert!(system_page.contains(&format!("href=\"/systems/{id}/eu-ai-act\"")));
    let (status, overview) = page(&client, &here).await;
    assert_eq!(status, 200);
    assert!(overview.contains("has not been classified yet"));
    assert!(overview.contains("&lt;script&gt;alert(1)&lt;/script&gt; scorer"));
    assert!(
        !overview.contains("<script>alert(1)"),
        "the name is escaped"
    );

    // Every question is on the form, with the condition under which it is asked.
    let (status, form) = page(&client, &format!("{here}/new")).await;
    assert_eq!(status, 200);
    for q in aims_domain::eu_ai_act::questionnaire() {
        assert!(
            form.contains(&format!("data-question=\"{}\"", q.id)),
            "{}",
            q.id
        );
    }
    assert!(form.contains(
        "data-shown-when=\"{&quot;is&quot;:{&quot;question&quot;:&quot;prohibited_realtime_rbi&quot;,&quot;answer&quot;:true}}\""
    ));
    assert!(!form.contains("<script>alert(1)"));

    // A missing answer: 400, the summary links to the question, nothing is saved.
    let mut incomplete = credit_scoring();
    incomplete.as_object_mut().unwrap().remove("ai_system");
    let response = client
        .post(format!("{here}/new"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&csrf, &incomplete, &[("note", "<b>draft</b>")]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let text = response.text().await.unwrap();
    assert!(text.contains("There is a problem"));
    assert!(text.contains("href=\"#field-ai_system\""), "{text}");
    assert!(text.contains("Select yes or no for “Is it an AI system"));
    assert!(
        text.contains("&lt;b&gt;draft&lt;/b&gt;"),
        "the note is kept, escaped"
    );
    assert!(
        text.contains("value=\"creditworthiness\" checked"),
        "answers are kept"
    );

    // Without the CSRF token: refused.
    let response = client
        .post(format!("{here}/new"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body("", &credit_scoring(), &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);

    // Answers to questions that do not apply, as a page without JavaScript posts them, are
    // left out; the save redirects to the result.
    let hidden = [
        ("realtime_rbi_exception", "true"),
        ("deep_fake", "true"),
        ("gpai_compute_threshold", "false"),
        ("profiling", "true"),
        ("assessed_on", "2025-09-15"),
        ("note", "Checked with <counsel>."),
    ];
    let response = client
        .post(format!("{here}/new"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&csrf, &credit_scoring(), &hidden))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.url().path(), format!("/systems/{id}/eu-ai-act"));
    assert_eq!(response.url().query(), Some("notice=classified"));
    let text = response.text().await.unwrap();
    assert!(text.contains("saved as a new version"));
    assert!(text.contains("High-risk"));
    assert!(text.contains("Fundamental rights impact assessment"));
    assert!(text.contains("Checked with &lt;counsel&gt;."));
    assert!(text.contains("15 September 2025"));
    let saved = s
        .store
        .classifications(s.org, id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!(
        saved[0].answers,
        serde_json::from_value(credit_scoring()).unwrap()
    );

    // The version page shows the answers in words; re-classifying starts from them.
    let (status, version) = page(&client, &format!("{here}/1")).await;
    assert_eq!(status, 200);
    assert!(version.contains("Which roles does the organisation hold"));
    assert!(version.contains("(b) Creditworthiness or credit score of natural persons"));
    let (_, again) = page(&client, &format!("{here}/new")).await;
    assert!(again.contains("The answers of version 1 are filled in"));
    assert!(again.contains("value=\"creditworthiness\" checked"));

    // Auditors read the result but get no form.
    let (auditor, _) = signed_in(s, Role::Auditor).await;
    let (status, overview) = page(&auditor, &here).await;
    assert_eq!(status, 200);
    assert!(!overview.contains("Classify again"));
    let (status, _) = page(&auditor, &format!("{here}/new")).await;
    assert_eq!(status, 403);
    let (status, _) = page(&auditor, &format!("{here}/7")).await;
    assert_eq!(status, 404);
}
