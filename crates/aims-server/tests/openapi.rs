//! The OpenAPI document: complete for every route, internally consistent, and pinned by a
//! snapshot so that any change to the API contract shows up in review.

use aims_server::{ServerConfig, router};
use axum::body::Body;
use axum::http::Request;
use serde_json::Value;
use tower::ServiceExt;

async fn document() -> Value {
    let dir = tempfile::tempdir().unwrap();
    let store = aims_store::Store::open(&format!("sqlite://{}", dir.path().join("a.db").display()))
        .await
        .unwrap();
    let response = router(store, ServerConfig::default())
        .oneshot(
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "served without login");
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push(r);
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn documents_every_route_with_its_errors() {
    let doc = document().await;
    assert_eq!(doc["openapi"], "3.1.0");
    let mut operation_ids = std::collections::HashSet::new();
    for route in aims_server::api::routes() {
        let path = format!("/api/v1{}", route.path);
        let op = &doc["paths"][&path][route.method.as_str().to_lowercase()];
        assert!(op.is_object(), "{} {path} is not documented", route.method);
        assert!(
            operation_ids.insert(op["operationId"].as_str().unwrap().to_owned()),
            "duplicate operationId"
        );
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|k| k.starts_with('2')),
            "{path}: no success response"
        );
        assert!(responses.contains_key("500"));
        if route.permission.is_some() {
            assert!(
                responses.contains_key("401") && responses.contains_key("403"),
                "{path}"
            );
        } else {
            assert_eq!(op["security"], serde_json::json!([]), "{path} is public");
        }
        if route.path.contains('{') {
            assert!(responses.contains_key("404"), "{path}");
        }
    }
    // Operation ids are unique across the whole document, probes included.
    let mut every_id = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            assert!(
                every_id.insert(id.to_owned()),
                "{method} {path}: operationId {id} repeats"
            );
        }
    }
    for path in ["/healthz", "/readyz"] {
        assert!(doc["paths"][path]["get"].is_object());
    }
}

#[tokio::test]
async fn every_reference_resolves() {
    let doc = document().await;
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(found.len() > 50);
    for r in found {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected ref {r}"));
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{r} does not resolve"
        );
    }
    let system = &doc["components"]["schemas"]["SystemFields"];
    assert_eq!(system["additionalProperties"], false);
    assert_eq!(system["required"], serde_json::json!(["name"]));
    assert!(
        doc["components"]["schemas"]["SystemPatch"]["properties"]
            .get("eu_ai_act_tier")
            .is_none(),
        "read-only fields are not patchable"
    );
}

/// Every schema that lists required properties defines them, as external validators demand.
fn check_required(path: &str, value: &Value, problems: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let (Some(Value::Array(required)), None) = (map.get("required"), map.get("allOf")) {
                for name in required.iter().filter_map(Value::as_str) {
                    if map.get("properties").and_then(|p| p.get(name)).is_none() {
                        problems.push(format!("{path}: `{name}` is required but not a property"));
                    }
                }
            }
            for (key, child) in map {
                if key != "required" {
                    check_required(&format!("{path}/{key}"), child, problems);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                check_required(&format!("{path}/{i}"), child, problems);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_required_property_is_defined() {
    let doc = document().await;
    let mut problems = Vec::new();
    check_required("#", &doc, &mut problems);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[tokio::test]
async fn snapshot() {
    insta::assert_json_snapshot!("openapi", document().await);
}
