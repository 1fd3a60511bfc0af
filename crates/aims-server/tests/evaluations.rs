//! Evaluations kept as evidence through the API, on every engine.

mod common;

use aims_domain::Role;
use aims_server::ServerConfig;
use common::{call, get_text, new_system, servers};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn evaluations_through_the_api() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let contributor = s.token(Role::Contributor).await;
        let auditor = s.token(Role::Auditor).await;
        let sys = new_system(s, &contributor, "Person detector").await;
        let body = json!({
            "kind": "fairness",
            "inputs": [{"name": "eval.csv", "sha256": "ab".repeat(32), "bytes": 10}],
            "parameters": {"label": "y", "prediction": "y_hat", "sensitive": ["skin_tone"]},
            "tool_version": "aims 0.1.0",
            "result": {"groups": [{"group": "skin_tone=dark", "tpr": 0.81}]},
        });
        let path = format!("/api/v1/systems/{sys}/evaluations");
        let (status, _) = call(s, Method::POST, &path, Some(&auditor), Some(body.clone())).await;
        assert_eq!(status, 403);
        let mut bad = body.clone();
        bad["inputs"][0]["sha256"] = json!("nope");
        let (status, err) = call(s, Method::POST, &path, Some(&contributor), Some(bad)).await;
        assert_eq!(status, 400);
        assert_eq!(err["fields"][0]["field"], "inputs[0].sha256", "{err}");
        let (status, kept) = call(s, Method::POST, &path, Some(&contributor), Some(body)).await;
        assert_eq!(status, 201, "{kept}");
        let (_, list) = call(s, Method::GET, &path, Some(&auditor), None).await;
        assert_eq!(list["total"], 1);
        assert_eq!(list["items"][0]["result"]["groups"][0]["tpr"], 0.81);
        let (status, one) = call(
            s,
            Method::GET,
            &format!("/api/v1/evaluations/{}", kept["id"].as_str().unwrap()),
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!((status, one["kind"].as_str()), (200, Some("fairness")));
        let (status, _) = call(
            s,
            Method::GET,
            "/api/v1/systems/00000000-0000-4000-8000-000000000000/evaluations",
            Some(&auditor),
            None,
        )
        .await;
        assert_eq!(status, 404);
    }
}

#[tokio::test]
async fn fairness_charts_per_attribute_and_intersectional_groups_when_few() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    let s = &servers[0];
    let token = s.token(Role::Contributor).await;
    let sys = new_system(s, &token, "Person detector").await;
    let group = |g: serde_json::Value, rate: f64| json!({"group": g, "selection_rate": rate, "tpr": rate, "fpr": 0.1});
    let tones = ["I", "II", "III", "IV", "V", "VI"];
    let clothing = ["light", "dark", "patterned", "reflective", "uniform"];
    // Six skin tones by five kinds of clothing: 30 intersectional groups.
    let intersectional: Vec<_> = tones
        .iter()
        .flat_map(|t| clothing.iter().map(move |c| (t, c)))
        .map(|(t, c)| group(json!({"skin_tone": t, "clothing": c}), 0.5))
        .collect();
    let page = |result: serde_json::Value| {
        let sys = sys.clone();
        let token = token.clone();
        async move {
            let body = json!({
                "kind": "fairness",
                "inputs": [{"name": "eval.csv", "sha256": "ab".repeat(32), "bytes": 10}],
                "parameters": {"label": "y", "prediction": "y_hat"},
                "tool_version": "aims 0.1.0",
                "result": result,
            });
            let path = format!("/api/v1/systems/{sys}/evaluations");
            let (status, kept) = call(s, Method::POST, &path, Some(&token), Some(body)).await;
            assert_eq!(status, 201, "{kept}");
            get_text(s, &format!("/systems/{sys}/evaluations"), &token)
                .await
                .1
        }
    };
    let html = page(json!({
        "groups": intersectional,
        "by_attribute": {
            "skin_tone": tones.iter().map(|t| group(json!({"skin_tone": t}), 0.6)).collect::<Vec<_>>(),
            "clothing": clothing.iter().map(|c| group(json!({"clothing": c}), 0.4)).collect::<Vec<_>>(),
        },
    }))
    .await;
    assert!(html.contains(">selection rate by skin_tone<"), "{html}");
    assert!(html.contains(">true positive rate by clothing<"), "{html}");
    assert!(html.contains("30 groups: too many to chart"), "{html}");
    assert!(!html.contains("rate by group<"), "{html}");

    // Few intersectional groups are charted too.
    let few: Vec<_> = intersectional[..4].to_vec();
    let html = page(json!({"groups": few, "by_attribute": {
        "skin_tone": [group(json!({"skin_tone": "I"}), 0.5)],
        "clothing": [group(json!({"clothing": "light"}), 0.5), group(json!({"clothing": "dark"}), 0.5)],
    }}))
    .await;
    assert!(html.contains(">selection rate by group<"), "{html}");
}
