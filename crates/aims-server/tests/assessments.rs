//! Impact assessments through the API, on every engine: templates, drafts with clear 400s,
//! approval by role and completeness, versions and their comparison, risks raised from an
//! answer, and the downloadable report.

mod common;

use aims_domain::Role;
use aims_server::ServerConfig;
use common::{call, new_system, servers};
use reqwest::Method;
use serde_json::{Map, Value, json};

const TEMPLATE: &str = "impact-individuals-groups";

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

/// A valid answer to every question: the last option (usually the most severe), the top of
/// each scale, yes, and a sentence.
fn full_answers(template: &Value) -> Map<String, Value> {
    let mut answers = Map::new();
    for section in template["sections"].as_array().unwrap() {
        for q in section["questions"].as_array().unwrap() {
            let id = q["id"].as_str().unwrap().to_owned();
            let last_option = || q["options"].as_array().unwrap().last().unwrap()["value"].clone();
            let answer = match q["kind"].as_str().unwrap() {
                "text" => json!("Described in the system card."),
                "single_choice" => last_option(),
                "multiple_choice" => json!([last_option()]),
                "scale" => q["scale"]["max"].clone(),
                _ => json!(true),
            };
            answers.insert(id, answer);
        }
    }
    answers
}

#[tokio::test]
async fn assessments_through_the_api() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let contributor = s.token(Role::Contributor).await;
        let manager = s.token(Role::Manager).await;
        let auditor = s.token(Role::Auditor).await;
        let sys = new_system(s, &contributor, "Person <b>detector</b>").await;

        let (_, list) = call(
            s,
            Method::GET,
            "/api/v1/assessment-templates",
            Some(&auditor),
            None,
        )
        .await;
        let ids: Vec<&str> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap())
            .collect();
        for expected in [TEMPLATE, "impact-societal", "eu-fria"] {
            assert!(ids.contains(&expected), "{ids:?}");
        }
        let (_, template) = call(
            s,
            Method::GET,
            &format!("/api/v1/assessment-templates/{TEMPLATE}"),
            Some(&auditor),
            None,
        )
        .await;
        let full = full_answers(&template);
        let first_question = template["sections"][0]["questions"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();

        // Bad drafts: unknown template, unknown question, wrong type; nothing saved.
        let (status, body) = call(
            s,
            Method::POST,
            "/api/v1/impact-assessments",
            Some(&contributor),
            Some(json!({"system_id": sys, "template_id": "nope"})),
        )
        .await;
        assert_eq!(
            (status, fields_in_error(&body)),
            (400, vec!["template_id".to_owned()])
        );
        let (status, body) = call(
            s,
            Method::POST,
            "/api/v1/impact-assessments",
            Some(&contributor),
            Some(json!({"system_id": sys, "template_id": TEMPLATE, "answers": {"nonsense": "x", "protected-characteristics": "maybe"}})),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        let fields = fields_in_error(&body);
        assert!(
            fields.contains(&"answers.nonsense".to_owned()),
            "{fields:?}"
        );
        assert!(
            fields.contains(&"answers.protected-characteristics".to_owned()),
            "{fields:?}"
        );
        let (status, _) = call(
            s,
            Method::POST,
            "/api/v1/impact-assessments",
            Some(&auditor),
            Some(json!({"system_id": sys, "template_id": TEMPLATE})),
        )
        .await;
        assert_eq!(status, 403);

        // A draft with one answer; approval refused while required questions are open.
        let (status, draft) = call(
            s,
            Method::POST,
            "/api/v1/impact-assessments",
            Some(&contributor),
            Some(json!({"system_id": sys, "template_id": TEMPLATE, "answers": {first_question.clone(): "Counting people"}, "review_due": "2027-06-30"})),
        )
        .await;
        assert_eq!(status, 201, "{draft}");
        let id = draft["id"].as_str().unwrap().to_owned();
        assert_eq!(
            (draft["version"].as_i64(), draft["status"].as_str()),
            (Some(1), Some("draft"))
        );
        let (status, body) = call(
            s,
            Method::POST,
            &format!("/api/v1/impact-assessments/{id}/approval"),
            Some(&manager),
            Some(json!({"revision": 1})),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        let missing = fields_in_error(&body);
        assert!(
            missing.len() > 5 && missing.iter().all(|f| f.starts_with("answers.")),
            "{missing:?}"
        );
        assert!(
            body["fields"][0]["message"]
                .as_str()
                .unwrap()
                .starts_with("is required before approval")
        );

        // Answer everything: the level is derived and explained.
        let (status, saved) = call(
            s,
            Method::PATCH,
            &format!("/api/v1/impact-assessments/{id}"),
            Some(&contributor),
            Some(json!({"revision": 1, "answers": full})),
        )
        .await;
        assert_eq!(status, 200, "{saved}");
        let levels: Vec<&str> = template["levels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        assert_eq!(
            saved["level"],
            *levels.last().unwrap(),
            "the severest answers give the top level"
        );
        assert!(!saved["reasons"].as_array().unwrap().is_empty());
        let (status, _) = call(
            s,
            Method::POST,
            &format!("/api/v1/impact-assessments/{id}/approval"),
            Some(&contributor),
            Some(json!({"revision": 2})),
        )
        .await;
        assert_eq!(status, 403, "contributors draft, managers approve");
        let (status, approved) = call(
            s,
            Method::POST,
            &format!("/api/v1/impact-assessments/{id}/approval"),
            Some(&manager),
            Some(json!({"revision": 2, "note": "Reviewed with the DPO"})),
        )
        .await;
        assert_eq!(status, 200, "{approved}");
        assert_eq!(approved["status"], "approved");
        let (status, body) = call(
            s,
            Method::PATCH,
            &format!("/api/v1/impact-assessments/{id}"),
            Some(&contributor),
            Some(json!({"revision": 3, "answers": {first_question.clone(): "changed"}})),
        )
        .await;
        assert_eq!(
            (status, fields_in_error(&body)),
            (400, vec!["status".to_owned()])
        );

        // Re-assessment starts from the answers of version 1; the comparison shows a change.
        let (status, second) = call(
            s,
            Method::POST,
            "/api/v1/impact-assessments",
            Some(&contributor),
            Some(json!({"system_id": sys, "template_id": TEMPLATE})),
        )
        .await;
        assert_eq!(status, 201, "{second}");
        assert_eq!(second["version"], 2);
        assert_eq!(second["answers"], approved["answers"]);
        let second_id = second["id"].as_str().unwrap();
        let (status, _) = call(
            s,
            Method::PATCH,
            &format!("/api/v1/impact-assessments/{second_id}"),
            Some(&contributor),
            Some(
                json!({"revision": 1, "answers": {first_question.clone(): "Counting people only"}}),
            ),
        )
        .await;
        assert_eq!(status, 200);
        let (_, comparison) = call(
            s,
            Method::GET,
            &format!("/api/v1/impact-assessments/{second_id}/compare?with={id}"),
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(
            (
                comparison["from_version"].as_i64(),
                comparison["to_version"].as_i64()
            ),
            (Some(1), Some(2))
        );
        assert_eq!(
            comparison["changes"][0]["question_id"],
            json!(first_question)
        );
        let (_, list) = call(
            s,
            Method::GET,
            &format!("/api/v1/impact-assessments?system_id={sys}&status=approved"),
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(list["total"], 1);

        // A risk from an answer, linked both ways.
        let flagged = approved["reasons"][0]["question_id"].as_str().unwrap();
        let (status, raised) = call(
            s,
            Method::POST,
            &format!("/api/v1/impact-assessments/{id}/risks"),
            Some(&contributor),
            Some(json!({"question_id": flagged, "inherent": {"likelihood": 3, "impact": 4}, "sources": ["fairness"]})),
        )
        .await;
        assert_eq!(status, 201, "{raised}");
        assert_eq!(raised["risk"]["system_ids"], json!([sys]));
        assert!(
            raised["risk"]["description"]
                .as_str()
                .unwrap()
                .contains("Identified in version 1")
        );
        assert_eq!(
            raised["assessment"]["risk_ids"],
            json!([raised["risk"]["id"]])
        );
        let (status, body) = call(
            s,
            Method::POST,
            &format!("/api/v1/impact-assessments/{id}/risks"),
            Some(&contributor),
            Some(json!({"question_id": "nope", "inherent": {"likelihood": 3, "impact": 4}})),
        )
        .await;
        assert_eq!(
            (status, fields_in_error(&body)),
            (400, vec!["question_id".to_owned()]),
            "{body}"
        );

        // The report: a standalone document, escaped.
        let response = s
            .request(
                Method::GET,
                &format!("/api/v1/impact-assessments/{id}/report"),
            )
            .bearer_auth(&auditor)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("attachment")
        );
        let html = response.text().await.unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(
            html.contains("Person &lt;b&gt;detector&lt;/b&gt;"),
            "escaped"
        );
        assert!(html.contains("Reviewed with the DPO"));
        assert!(html.contains("Why this level"));
    }
}
