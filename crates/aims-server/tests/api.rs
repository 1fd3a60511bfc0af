//! The REST API driven over HTTP against the real server, on SQLite and PostgreSQL.

mod common;

use aims_domain::Role;
use aims_server::ServerConfig;
use common::{PASSWORD, TestServer, call, decode, get_text, new_system, servers};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn inventory_crud_with_optimistic_concurrency() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let token = s.token(Role::Contributor).await;
        let t = Some(token.as_str());

        let (status, system) = call(
            s,
            Method::POST,
            "/api/v1/systems",
            t,
            Some(json!({"name": "Person detector"})),
        )
        .await;
        assert_eq!(status, 201, "{}: {system}", s.engine);
        let id = system["id"].as_str().expect("id").to_owned();
        assert_eq!(
            (
                system["revision"].as_i64(),
                system["lifecycle_stage"].as_str(),
                system["eu_ai_act_tier"].as_str()
            ),
            (Some(1), Some("concept"), Some("unassessed"))
        );
        assert!(
            system["created_by"]
                .as_str()
                .unwrap()
                .ends_with("(token test)")
        );

        let (status, page) = call(s, Method::GET, "/api/v1/systems", t, None).await;
        assert_eq!(
            (
                status,
                page["total"].as_u64(),
                page["items"][0]["id"].as_str()
            ),
            (200, Some(1), Some(id.as_str()))
        );

        let response = s
            .request(Method::GET, &format!("/api/v1/systems/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["etag"], "\"1\"");

        let path = format!("/api/v1/systems/{id}");
        let (status, updated) = call(
            s,
            Method::PATCH,
            &path,
            t,
            Some(json!({"revision": 1, "owner": "Security", "criticality": "high"})),
        )
        .await;
        assert_eq!(
            (
                status,
                updated["revision"].as_i64(),
                updated["owner"].as_str(),
                updated["name"].as_str()
            ),
            (200, Some(2), Some("Security"), Some("Person detector"))
        );

        // Someone still at revision 1 loses, and gets the record as it is now.
        let (status, conflict) = call(
            s,
            Method::PATCH,
            &path,
            t,
            Some(json!({"revision": 1, "owner": "Facilities"})),
        )
        .await;
        assert_eq!(
            (status, conflict["code"].as_str()),
            (409, Some("revision_conflict")),
            "{conflict}"
        );
        assert_eq!(conflict["current"]["owner"], "Security");
        let response = s
            .request(Method::PATCH, &path)
            .bearer_auth(&token)
            .header("if-match", "\"2\"")
            .json(&json!({"owner": "Facilities"}))
            .send()
            .await
            .unwrap();
        let (status, body) = decode(response).await;
        assert_eq!((status, body["revision"].as_i64()), (200, Some(3)));
        let (status, body) = call(s, Method::PATCH, &path, t, Some(json!({"owner": "x"}))).await;
        assert_eq!(
            (status, body["fields"][0]["field"].as_str()),
            (400, Some("revision"))
        );

        // References must name records of the same organisation.
        let (status, model) = call(
            s,
            Method::POST,
            "/api/v1/models",
            t,
            Some(json!({"name": "yolo", "system_id": id, "headline_metrics": {"mAP": 0.8}})),
        )
        .await;
        assert_eq!(status, 201, "{model}");
        let (status, body) = call(
            s,
            Method::POST,
            "/api/v1/models",
            t,
            Some(json!({"name": "x", "system_id": uuid::Uuid::new_v4()})),
        )
        .await;
        assert_eq!(
            (status, body["fields"][0]["field"].as_str()),
            (400, Some("system_id"))
        );
        let (status, body) = call(s, Method::DELETE, &path, t, None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("conflict")),
            "a system with a model cannot go: {body}"
        );
        let (status, _) = call(
            s,
            Method::DELETE,
            &format!("/api/v1/models/{}", model["id"].as_str().unwrap()),
            t,
            None,
        )
        .await;
        assert_eq!(status, 204);
        let (status, _) = call(s, Method::DELETE, &format!("{path}?revision=1"), t, None).await;
        assert_eq!(status, 409, "stale revision on delete");
        let (status, _) = call(s, Method::DELETE, &format!("{path}?revision=3"), t, None).await;
        assert_eq!(status, 204);
        let (status, body) = call(s, Method::GET, &path, t, None).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));

        // Datasets and suppliers through the same routes.
        let (status, supplier) = call(
            s,
            Method::POST,
            "/api/v1/suppliers",
            t,
            Some(json!({"name": "LensCorp", "supplies": ["models"]})),
        )
        .await;
        assert_eq!(status, 201, "{supplier}");
        let (status, dataset) = call(
            s,
            Method::POST,
            "/api/v1/datasets",
            t,
            Some(json!({"name": "Footage", "personal_data": true, "supplier_id": supplier["id"]})),
        )
        .await;
        assert_eq!(
            (status, dataset["supplier_id"].clone()),
            (201, supplier["id"].clone())
        );
    }
}

#[tokio::test]
async fn list_paging_filtering_sorting_and_search() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let token = s.token(Role::Manager).await;
        let t = Some(token.as_str());
        for i in 0..12 {
            let stage = if i < 4 { "operation" } else { "development" };
            let (status, _) = call(
                s,
                Method::POST,
                "/api/v1/systems",
                t,
                Some(json!({"name": format!("System {i:02}"), "lifecycle_stage": stage})),
            )
            .await;
            assert_eq!(status, 201);
        }
        let (_, page) = call(
            s,
            Method::GET,
            "/api/v1/systems?limit=5&offset=10&sort=name&order=desc",
            t,
            None,
        )
        .await;
        assert_eq!(
            (
                page["total"].as_u64(),
                page["items"].as_array().unwrap().len()
            ),
            (Some(12), 2)
        );
        assert_eq!(page["items"][0]["name"], "System 01");
        let (_, page) = call(
            s,
            Method::GET,
            "/api/v1/systems?lifecycle_stage=operation&q=SYSTEM%200",
            t,
            None,
        )
        .await;
        assert_eq!(page["total"].as_u64(), Some(4));
        let (status, body) = call(
            s,
            Method::GET,
            "/api/v1/systems?limit=0&sort=secret&colour=red",
            t,
            None,
        )
        .await;
        assert_eq!(status, 400);
        let fields: Vec<&str> = body["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["limit", "sort", "colour"], "{body}");
    }
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_never_a_500() {
    let config = ServerConfig {
        body_limit_bytes: 64 * 1024,
        ..ServerConfig::default()
    };
    let (servers, _pg) = servers(config).await;
    for s in &servers {
        let token = s.token(Role::Admin).await;
        let t = Some(token.as_str());
        // (raw body, status, code, first field in error)
        let cases: [(&str, u16, &str, Option<&str>); 6] = [
            ("{\"name\": ", 400, "invalid_json", None),
            (
                "{\"name\": \"x\", \"colour\": \"red\"}",
                400,
                "validation_failed",
                Some("colour"),
            ),
            (
                "{\"name\": \"x\", \"affected_stakeholders\": [\"a\", 7]}",
                400,
                "validation_failed",
                Some("affected_stakeholders[1]"),
            ),
            (
                "{\"description\": \"no name\"}",
                400,
                "validation_failed",
                Some("name"),
            ),
            (
                "{\"name\": \"x\", \"eu_ai_act_tier\": \"minimal\"}",
                400,
                "validation_failed",
                Some("eu_ai_act_tier"),
            ),
            ("[1, 2]", 400, "validation_failed", Some("")),
        ];
        for (raw, status, code, field) in cases {
            let response = s
                .request(Method::POST, "/api/v1/systems")
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(raw)
                .send()
                .await
                .unwrap();
            let (got, body) = decode(response).await;
            assert_eq!(
                (
                    got,
                    body["code"].as_str(),
                    body["fields"][0]["field"].as_str()
                ),
                (status, Some(code), field),
                "{}: {raw} -> {body}",
                s.engine
            );
        }

        let huge = json!({"name": "x", "description": "a".repeat(100 * 1024)});
        let (status, body) = call(s, Method::POST, "/api/v1/systems", t, Some(huge)).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (413, Some("payload_too_large")),
            "{body}"
        );
        let response = s
            .request(Method::POST, "/api/v1/systems")
            .bearer_auth(&token)
            .body("{\"name\": \"x\"}")
            .send()
            .await
            .unwrap();
        let (status, body) = decode(response).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (415, Some("unsupported_media_type"))
        );

        let (status, body) = call(s, Method::GET, "/api/v1/systems/not-a-uuid", t, None).await;
        assert_eq!(
            (status, body["fields"][0]["field"].as_str()),
            (400, Some("id"))
        );
        let (status, _) = call(
            s,
            Method::GET,
            &format!("/api/v1/datasets/{}", uuid::Uuid::new_v4()),
            t,
            None,
        )
        .await;
        assert_eq!(status, 404);
        let (status, body) = call(s, Method::GET, "/api/v1/systems", None, None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("unauthenticated"))
        );
        let (status, _) = call(s, Method::GET, "/api/v1/systems", Some("aims_forged"), None).await;
        assert_eq!(status, 401);
        let (status, body) = call(s, Method::DELETE, "/api/v1/openapi.json", None, None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (405, Some("method_not_allowed"))
        );
    }
}

#[tokio::test]
async fn sessions_need_csrf_tokens_expire_and_sign_in_is_throttled() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let admin = s.user_in(s.org, "alice", Role::Admin).await;
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let sign_in = |password: &str| {
            client
                .post(s.url("/api/v1/session"))
                .json(&json!({"username": "alice", "password": password}))
                .send()
        };

        let (status, session) = decode(sign_in(PASSWORD).await.unwrap()).await;
        assert_eq!(
            (
                status,
                session["role"].as_str(),
                session["organisation"]["name"].as_str()
            ),
            (200, Some("admin"), Some("Acme")),
            "{session}"
        );
        let csrf = session["csrf_token"].as_str().unwrap().to_owned();
        assert!(csrf.len() >= 40);

        // Cookie-authenticated changes need the CSRF token; reads do not.
        let (status, _) = decode(client.get(s.url("/api/v1/systems")).send().await.unwrap()).await;
        assert_eq!(status, 200);
        let (status, body) = decode(
            client
                .post(s.url("/api/v1/systems"))
                .json(&json!({"name": "x"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((status, body["code"].as_str()), (403, Some("csrf_failed")));
        let (status, _) = decode(
            client
                .post(s.url("/api/v1/systems"))
                .header("x-csrf-token", "wrong")
                .json(&json!({"name": "x"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 403);
        let (status, _) = decode(
            client
                .post(s.url("/api/v1/systems"))
                .header("x-csrf-token", &csrf)
                .json(&json!({"name": "x"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 201);

        // Tokens: shown once, work without CSRF, stop working when revoked.
        let (status, created) = decode(
            client
                .post(s.url("/api/v1/tokens"))
                .header("x-csrf-token", &csrf)
                .json(&json!({"name": "ci", "expires_in_days": 30}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 201, "{created}");
        let token = created["token"].as_str().unwrap().to_owned();
        assert!(token.starts_with("aims_"));
        let (status, list) = call(s, Method::GET, "/api/v1/tokens", Some(&token), None).await;
        assert_eq!(status, 200);
        assert!(
            !list.to_string().contains(&token),
            "the token is never listed"
        );
        let (status, _) = call(
            s,
            Method::POST,
            "/api/v1/systems",
            Some(&token),
            Some(json!({"name": "from CI"})),
        )
        .await;
        assert_eq!(status, 201);
        let (status, body) = call(
            s,
            Method::POST,
            "/api/v1/tokens",
            Some(&token),
            Some(json!({"name": "long", "expires_in_days": 1000})),
        )
        .await;
        assert_eq!(
            (status, body["fields"][0]["field"].as_str()),
            (400, Some("expires_in_days"))
        );
        let (status, _) = call(
            s,
            Method::DELETE,
            &format!("/api/v1/tokens/{}", created["id"].as_str().unwrap()),
            Some(&token),
            None,
        )
        .await;
        assert_eq!(status, 200);
        let (status, _) = call(s, Method::GET, "/api/v1/systems", Some(&token), None).await;
        assert_eq!(status, 401, "revoked");
        let expired = s.token_for(s.org, admin, -1).await;
        let (status, _) = call(s, Method::GET, "/api/v1/systems", Some(&expired), None).await;
        assert_eq!(status, 401, "expired");

        // Changing one's password: the old one stops working.
        let (status, body) = decode(
            client
                .put(s.url("/api/v1/session/password"))
                .header("x-csrf-token", &csrf)
                .json(&json!({"current_password": "nope", "new_password": "short"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        let fields: Vec<&str> = body["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            (status, fields),
            (400, vec!["current_password", "new_password"])
        );
        let (status, _) = decode(client.put(s.url("/api/v1/session/password")).header("x-csrf-token", &csrf).json(&json!({"current_password": PASSWORD, "new_password": "a much longer new password"})).send().await.unwrap()).await;
        assert_eq!(status, 204);

        // Sign out ends the session.
        let (status, _) = decode(
            client
                .delete(s.url("/api/v1/session"))
                .header("x-csrf-token", &csrf)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 204);
        let (status, _) = decode(client.get(s.url("/api/v1/session")).send().await.unwrap()).await;
        assert_eq!(status, 401);

        // Throttling: five failures lock the name, even for the right password.
        let (status, _) = decode(sign_in(PASSWORD).await.unwrap()).await;
        assert_eq!(status, 401, "old password");
        for _ in 0..4 {
            let (status, body) = decode(sign_in("wrong password!").await.unwrap()).await;
            assert_eq!(
                (status, body["code"].as_str()),
                (401, Some("unauthenticated"))
            );
        }
        let (status, body) = decode(sign_in("a much longer new password").await.unwrap()).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (429, Some("too_many_requests")),
            "{body}"
        );
        let (status, _) = decode(
            client
                .post(s.url("/api/v1/session"))
                .json(&json!({"username": "nobody", "password": "x"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 401, "unknown users look like wrong passwords");
    }
}

#[tokio::test]
async fn organisations_are_isolated_on_every_route() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let token_a = s.token(Role::Admin).await;
        let (status, other) = call(
            s,
            Method::POST,
            "/api/v1/organisations",
            Some(&token_a),
            Some(json!({"name": "Beta"})),
        )
        .await;
        assert_eq!(status, 201, "{other}");
        let beta: uuid::Uuid = other["id"].as_str().unwrap().parse().unwrap();
        let token_b = s.token_in(beta, Role::Admin).await;

        let mut ids = Vec::new();
        for (kind, body) in [
            ("systems", json!({"name": "A system"})),
            ("datasets", json!({"name": "A data"})),
            ("suppliers", json!({"name": "A supplier"})),
            ("models", json!({"name": "A model"})),
        ] {
            let (status, record) = call(
                s,
                Method::POST,
                &format!("/api/v1/{kind}"),
                Some(&token_a),
                Some(body),
            )
            .await;
            assert_eq!(status, 201);
            ids.push((kind, record["id"].as_str().unwrap().to_owned()));
        }
        for (kind, id) in &ids {
            let (_, page) = call(
                s,
                Method::GET,
                &format!("/api/v1/{kind}"),
                Some(&token_b),
                None,
            )
            .await;
            assert_eq!(page["total"].as_u64(), Some(0), "{kind} list leaks");
            for method in [Method::GET, Method::DELETE] {
                let (status, _) = call(
                    s,
                    method.clone(),
                    &format!("/api/v1/{kind}/{id}"),
                    Some(&token_b),
                    None,
                )
                .await;
                assert_eq!(status, 404, "{method} {kind} across organisations");
            }
            let (status, _) = call(
                s,
                Method::PATCH,
                &format!("/api/v1/{kind}/{id}"),
                Some(&token_b),
                Some(json!({"revision": 1, "name": "stolen"})),
            )
            .await;
            assert_eq!(status, 404);
        }
        // A reference into another organisation is refused.
        let system_a = &ids[0].1;
        let (status, body) = call(
            s,
            Method::POST,
            "/api/v1/models",
            Some(&token_b),
            Some(json!({"name": "m", "system_id": system_a})),
        )
        .await;
        assert_eq!(
            (status, body["fields"][0]["field"].as_str()),
            (400, Some("system_id"))
        );
        // Users and tokens of one organisation are not visible or changeable from the other.
        let only_in_a = s
            .user_in(s.org, "only-in-a", Role::Contributor)
            .await
            .to_string();
        let (_, users_b) = call(s, Method::GET, "/api/v1/users", Some(&token_b), None).await;
        assert_eq!(
            users_b["total"].as_u64(),
            Some(2),
            "Beta's creator and Beta's admin: {users_b}"
        );
        assert!(!users_b.to_string().contains(&only_in_a));
        let user_a = only_in_a.as_str();
        let (status, _) = call(
            s,
            Method::GET,
            &format!("/api/v1/users/{user_a}"),
            Some(&token_b),
            None,
        )
        .await;
        assert_eq!(status, 404);
        let (status, _) = call(
            s,
            Method::PATCH,
            &format!("/api/v1/users/{user_a}"),
            Some(&token_b),
            Some(json!({"active": false})),
        )
        .await;
        assert_eq!(status, 404);
        let (_, tokens_a) = call(s, Method::GET, "/api/v1/tokens", Some(&token_a), None).await;
        let token_id = tokens_a["items"][0]["id"].as_str().unwrap();
        let (status, _) = call(
            s,
            Method::DELETE,
            &format!("/api/v1/tokens/{token_id}"),
            Some(&token_b),
            None,
        )
        .await;
        assert_eq!(status, 404);
        let (status, _) = call(s, Method::GET, "/api/v1/systems", Some(&token_a), None).await;
        assert_eq!(status, 200, "A's token still works");
    }
}

#[tokio::test]
async fn admins_manage_users_and_deactivation_takes_effect_at_once() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let admin = s.token(Role::Admin).await;
        let a = Some(admin.as_str());
        let (status, member) = call(s, Method::POST, "/api/v1/users", a, Some(json!({"username": "dana", "display_name": "Dana", "email": "dana@example.org", "role": "contributor", "password": "a long enough password"}))).await;
        assert_eq!(
            (status, member["role"].as_str(), member["active"].as_bool()),
            (201, Some("contributor"), Some(true)),
            "{member}"
        );
        let (status, body) = call(
            s,
            Method::POST,
            "/api/v1/users",
            a,
            Some(
                json!({"username": "dana", "role": "auditor", "password": "another long password"}),
            ),
        )
        .await;
        assert_eq!((status, body["code"].as_str()), (409, Some("conflict")));
        let (status, body) = call(
            s,
            Method::POST,
            "/api/v1/users",
            a,
            Some(json!({"username": "Bad Name", "role": "owner", "password": "x"})),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        let (status, body) = call(s, Method::POST, "/api/v1/users", a, Some(json!({"username": "bad name", "role": "auditor", "password": "x", "email": "nope"}))).await;
        let fields: Vec<&str> = body["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            (status, fields),
            (400, vec!["username", "email", "password"])
        );

        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let (status, _) = decode(
            client
                .post(s.url("/api/v1/session"))
                .json(&json!({"username": "dana", "password": "a long enough password"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        let id = member["user_id"].as_str().unwrap();
        let (status, changed) = call(
            s,
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            a,
            Some(json!({"role": "auditor"})),
        )
        .await;
        assert_eq!((status, changed["role"].as_str()), (200, Some("auditor")));
        let (_, session) = decode(client.get(s.url("/api/v1/session")).send().await.unwrap()).await;
        assert_eq!(
            session["role"], "auditor",
            "role changes apply to live sessions"
        );
        let (status, _) = call(
            s,
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            a,
            Some(json!({"active": false})),
        )
        .await;
        assert_eq!(status, 200);
        let (status, _) = decode(client.get(s.url("/api/v1/session")).send().await.unwrap()).await;
        assert_eq!(status, 401, "deactivated users are out at once");
    }
}

#[tokio::test]
async fn health_and_readiness_need_no_login() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        assert_eq!(
            call(s, Method::GET, "/healthz", None, None).await,
            (200, json!({"status": "ok"}))
        );
        assert_eq!(
            call(s, Method::GET, "/readyz", None, None).await,
            (200, json!({"status": "ok"}))
        );
        s.store.close().await;
        let (status, body) = call(s, Method::GET, "/readyz", None, None).await;
        assert_eq!((status, body), (503, json!({"status": "unavailable"})));
    }
}

/// Every route of the API and of the web UI, with every role and with no login: no
/// login gets 401 (pages: a redirect to sign-in), a role without the permission 403,
/// a role with it gets past the check. Nothing answers 500.
#[tokio::test]
async fn role_by_route_matrix() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let mut tokens = Vec::new();
        for role in Role::ALL {
            tokens.push((role, s.token(role).await));
        }
        let mut checked = 0;
        let api = aims_server::api::routes()
            .into_iter()
            .map(|r| (format!("/api/v1{}", r.path), r.method, r.permission, true));
        let web = aims_server::web::routes()
            .into_iter()
            .map(|r| (r.path.to_owned(), r.method, r.permission, false));
        for (path, method, permission, is_api) in api.chain(web) {
            let path = fill_path(&path);
            let body =
                matches!(method, Method::POST | Method::PUT | Method::PATCH).then(|| json!({}));
            let anonymous = send(s, &method, &path, None, body.clone(), is_api).await;
            match permission {
                None => assert!(
                    anonymous != 403 && anonymous < 500,
                    "{} {method} {path} anonymous: {anonymous}",
                    s.engine
                ),
                Some(_) if is_api => assert_eq!(anonymous, 401, "{method} {path} without login"),
                Some(_) => assert_eq!(
                    anonymous, 303,
                    "{method} {path} without login redirects to sign-in"
                ),
            }
            for (role, token) in &tokens {
                let status = send(s, &method, &path, Some(token), body.clone(), is_api).await;
                assert!(
                    status < 500,
                    "{} {method} {path} as {role}: {status}",
                    s.engine
                );
                match permission {
                    Some(p) if !role.allows(p) => {
                        assert_eq!(status, 403, "{method} {path} as {role}")
                    }
                    _ => assert!(
                        status != 401 && status != 403,
                        "{method} {path} as {role}: {status}"
                    ),
                }
                checked += 1;
            }
        }
        assert!(checked > 100, "only {checked} combinations");
    }
}

fn fill_path(path: &str) -> String {
    let mut out = String::new();
    for segment in path.split('/') {
        if !out.is_empty() || path.starts_with('/') {
            out.push('/');
        }
        out.push_str(match segment {
            "" => "",
            "{file}" => "style.css",
            "{slug}" => "inventory",
            s if s.starts_with('{') => "00000000-0000-4000-8000-000000000000",
            s => s,
        });
    }
    out.replacen("//", "/", 1)
}

async fn send(
    s: &TestServer,
    method: &Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    is_api: bool,
) -> u16 {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client.request(method.clone(), s.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = if is_api {
            request.json(&body)
        } else {
            request
                .header("content-type", "application/x-www-form-urlencoded")
                .body("")
        };
    }
    request.send().await.expect("request").status().as_u16()
}

#[tokio::test]
async fn history_shows_who_changed_which_field_and_outlives_the_record() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let token = s.token(Role::Manager).await;
        let t = Some(token.as_str());
        let (_, system) = call(
            s,
            Method::POST,
            "/api/v1/systems",
            t,
            Some(json!({"name": "Detector", "owner": "Ops"})),
        )
        .await;
        let id = system["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/systems/{id}");
        call(
            s,
            Method::PATCH,
            &path,
            t,
            Some(json!({"revision": 1, "owner": "Security", "criticality": "high"})),
        )
        .await;
        call(
            s,
            Method::PATCH,
            &path,
            t,
            Some(json!({"revision": 2, "affected_stakeholders": ["visitors"]})),
        )
        .await;

        let (status, history) = call(s, Method::GET, &format!("{path}/history"), t, None).await;
        assert_eq!(
            (status, history["total"].as_u64()),
            (200, Some(3)),
            "{history}"
        );
        let second = &history["items"][1];
        assert_eq!(
            (second["action"].as_str(), second["revision"].as_i64()),
            (Some("update"), Some(2))
        );
        assert!(second["actor"].as_str().unwrap().starts_with("manager-"));
        assert_eq!(
            second["changes"],
            json!([
                {"field": "criticality", "before": null, "after": "high"},
                {"field": "owner", "before": "Ops", "after": "Security"}
            ])
        );
        assert_eq!(
            history["items"][0]["changes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["field"] == "name")
                .count(),
            1
        );

        // The page shows the same, with field labels.
        let (status, html) = get_text(s, &format!("/systems/{id}/history"), &token).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("Criticality") && html.contains("Security") && html.contains("Changed"),
            "{html}"
        );

        // Deleted, the record's history stays readable; another organisation never sees it.
        let (status, _) = call(s, Method::DELETE, &format!("{path}?revision=3"), t, None).await;
        assert_eq!(status, 204);
        let (_, history) = call(s, Method::GET, &format!("{path}/history"), t, None).await;
        assert_eq!(
            (
                history["total"].as_u64(),
                history["items"][3]["action"].as_str()
            ),
            (Some(4), Some("delete"))
        );
        let (status, _) = call(
            s,
            Method::GET,
            &format!("/api/v1/systems/{}/history", uuid::Uuid::new_v4()),
            t,
            None,
        )
        .await;
        assert_eq!(status, 404);
        let (_, other) = call(
            s,
            Method::POST,
            "/api/v1/organisations",
            Some(&s.token(Role::Admin).await),
            Some(json!({"name": "Other"})),
        )
        .await;
        let outsider = s
            .token_in(other["id"].as_str().unwrap().parse().unwrap(), Role::Admin)
            .await;
        let (status, _) = call(
            s,
            Method::GET,
            &format!("{path}/history"),
            Some(&outsider),
            None,
        )
        .await;
        assert_eq!(status, 404);
    }
}

#[tokio::test]
async fn the_ledger_lists_entries_and_signs_its_tree_head() {
    let config = ServerConfig {
        signing_key: Some(std::sync::Arc::new(aims_ledger::SigningKey::from_seed(
            [3; 32],
        ))),
        ..ServerConfig::default()
    };
    let (servers, _pg) = servers(config).await;
    for s in &servers {
        let manager = s.token(Role::Manager).await;
        let (_, system) = call(
            s,
            Method::POST,
            "/api/v1/systems",
            Some(&manager),
            Some(json!({"name": "Ledgered detector"})),
        )
        .await;
        let id = system["id"].as_str().unwrap();
        let auditor = s.token(Role::Auditor).await;
        let t = Some(auditor.as_str());

        let (status, list) = call(
            s,
            Method::GET,
            &format!("/api/v1/ledger/entries?record_kind=systems&record_id={id}"),
            t,
            None,
        )
        .await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(list["total"], 1, "{list}");
        let entry = &list["items"][0];
        assert_eq!(entry["action"], "create");
        assert_eq!(entry["entry_hash"].as_str().unwrap().len(), 64);
        assert!(entry["prev_state_hash"].is_null());

        // Newest first, all of the organisation's entries.
        let (_, all) = call(s, Method::GET, "/api/v1/ledger/entries?limit=2", t, None).await;
        assert_eq!(all["items"].as_array().unwrap().len(), 2);
        assert!(all["items"][0]["seq"].as_i64() > all["items"][1]["seq"].as_i64());

        // The tree head verifies with the public key it names.
        let (status, head) = call(s, Method::GET, "/api/v1/ledger/tree-head", t, None).await;
        assert_eq!(status, 200, "{head}");
        let signed = aims_ledger::SignedTreeHead::from_json(
            &json!({
                "tree_size": head["tree_size"], "root_hash": head["root_hash"],
                "timestamp": head["timestamp"], "key_id": head["key_id"],
                "signature": head["signature"],
            })
            .to_string(),
        )
        .unwrap();
        let key =
            aims_ledger::PublicKey::from_base64(head["public_key"].as_str().unwrap()).unwrap();
        let verified = signed.verify(&key).unwrap();
        assert_eq!(
            verified.root_hash.to_hex(),
            head["root_hash"].as_str().unwrap()
        );

        // Bad filters name the parameter.
        let (status, error) = call(
            s,
            Method::GET,
            "/api/v1/ledger/entries?from=yesterday&limit=9000",
            t,
            None,
        )
        .await;
        assert_eq!(status, 400, "{error}");
        let fields: Vec<&str> = error["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["from", "limit"], "{error}");

        // The auditor view and its checkpoint download.
        let (status, html) = get_text(s, &format!("/ledger?record_id={id}"), &auditor).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("Audit trail")
                && html.contains(head["public_key"].as_str().unwrap())
                && html.contains("Showing 1–1 of 1 entries"),
            "{html}"
        );
        let download = s
            .request(Method::GET, "/ledger/checkpoint.json")
            .bearer_auth(&auditor)
            .send()
            .await
            .unwrap();
        assert_eq!(download.status(), 200);
        assert!(
            download.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        let file = aims_ledger::SignedTreeHead::from_json(&download.text().await.unwrap()).unwrap();
        file.verify(&key).unwrap();
    }
}

/// Creates an AI system and returns the path of its decision log.
async fn decision_log(s: &TestServer, token: &str, name: &str) -> String {
    format!(
        "/api/v1/systems/{}/decisions",
        new_system(s, token, name).await
    )
}

#[tokio::test]
async fn a_large_decision_export_arrives_whole() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let token = s.token(Role::Contributor).await;
        let t = Some(token.as_str());
        let base = decision_log(s, &token, "Credit model").await;
        // About 1.3 MB of CSV: several chunks of the streamed body.
        for batch in 0..4 {
            let events: Vec<Value> = (0..2_000)
                .map(|i| {
                    let age_band = ["18-25", "26-40", "41-65"][i % 3];
                    json!({
                        "id": format!("b{batch}-{i:04}"),
                        "time": format!("2026-03-0{}T10:{:02}:{:02}Z", batch + 1, i / 60 % 60, i % 60),
                        "decision": if i % 3 == 0 { "approve" } else { "decline" },
                        "score": (i % 1000) as f64 / 1000.0,
                        "input_ref": format!("applications/2026/{batch}/{i:08}/with-a-longer-reference"),
                        "groups": {"age_band": age_band, "region": format!("region {}", i % 17)},
                    })
                })
                .collect();
            let (status, body) = call(s, Method::POST, &base, t, Some(Value::Array(events))).await;
            assert_eq!(status, 201, "{body}");
        }
        let (status, text) = get_text(s, &format!("{base}/export"), &token).await;
        assert_eq!(status, 200);
        assert!(text.len() > 1_000_000, "{} bytes", text.len());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 8_001);
        assert!(lines[1].starts_with("b0-0000,"), "{}", lines[1]);
        assert!(lines[8_000].starts_with("b3-1999,"), "{}", lines[8_000]);
    }
}

#[tokio::test]
async fn decision_batches_are_all_or_nothing_and_come_back_as_pages_csv_and_parquet() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let token = s.token(Role::Contributor).await;
        let t = Some(token.as_str());
        let base = decision_log(s, &token, "Person detector").await;

        let (status, batch) = call(
            s,
            Method::POST,
            &base,
            t,
            Some(json!([
                {"id": "e1", "time": "2026-03-01T10:00:00Z", "decision": "person", "score": 0.93, "groups": {"skin_tone": "I", "clothing": "dark"}},
                {"id": "e2", "time": "2026-03-01T10:00:05Z", "decision": "none", "score": 0.41, "groups": {"skin_tone": "VI", "clothing": "light"}},
                {"time": "2026-03-01T10:00:09Z", "decision": "person", "human_override": true},
            ])),
        )
        .await;
        assert_eq!(status, 201, "{batch}");
        assert_eq!(batch["accepted"], 3);
        assert_eq!(batch["tree_size"], 3);
        // An event without an id gets a time-ordered one (UUIDv7).
        let assigned = uuid::Uuid::parse_str(batch["ids"][2].as_str().unwrap()).unwrap();
        assert_eq!(assigned.get_version_num(), 7, "{batch}");

        // NDJSON: one bad line rejects the whole batch, naming the line.
        let response = s
            .request(Method::POST, &base)
            .bearer_auth(&token)
            .header("content-type", "application/x-ndjson")
            .body("{\"id\":\"e4\",\"time\":\"2026-03-02T10:00:00Z\",\"decision\":1}\n{\"time\": \n")
            .send()
            .await
            .unwrap();
        let (status, error) = decode(response).await;
        assert_eq!(status, 400, "{error}");
        assert_eq!(error["fields"][0]["field"], "line 2", "{error}");
        let (_, list) = call(s, Method::GET, &base, t, None).await;
        assert_eq!(list["total"], 3, "nothing of the bad batch was stored");

        // Too many events, too large a body, a body that is neither JSON nor NDJSON.
        let many: Vec<Value> = (0..10_001)
            .map(|i| json!({"time": "2026-03-02T10:00:00Z", "decision": i}))
            .collect();
        let (status, error) = call(s, Method::POST, &base, t, Some(Value::Array(many))).await;
        assert_eq!(status, 400);
        assert!(error.to_string().contains("at most 10000"), "{error}");
        let response = s
            .request(Method::POST, &base)
            .bearer_auth(&token)
            .header("content-type", "application/x-ndjson")
            .body(vec![b' '; 17 * 1024 * 1024])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 413);
        let response = s
            .request(Method::POST, &base)
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body("id,time\n")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 415);

        // Ground truth arrives later.
        let (status, event) = call(
            s,
            Method::PATCH,
            &format!("{base}/e2"),
            t,
            Some(json!({"ground_truth": "person"})),
        )
        .await;
        assert_eq!(
            (status, &event["ground_truth"]),
            (200, &json!("person")),
            "{event}"
        );
        let (status, _) = call(
            s,
            Method::PATCH,
            &format!("{base}/missing"),
            t,
            Some(json!({"ground_truth": "person"})),
        )
        .await;
        assert_eq!(status, 404);
        let (status, error) = call(
            s,
            Method::PATCH,
            &format!("{base}/e1"),
            t,
            Some(json!({"ground_truth": [1]})),
        )
        .await;
        assert_eq!(
            (status, &error["fields"][0]["field"]),
            (400, &json!("ground_truth"))
        );

        // Pages by cursor, and the CSV export.
        let (_, first) = call(s, Method::GET, &format!("{base}?limit=2"), t, None).await;
        assert_eq!(first["items"].as_array().unwrap().len(), 2);
        let cursor = first["next_cursor"].as_str().unwrap();
        let (_, second) = call(
            s,
            Method::GET,
            &format!("{base}?limit=2&cursor={}", urlencode(cursor)),
            t,
            None,
        )
        .await;
        assert_eq!(second["items"].as_array().unwrap().len(), 1, "{second}");
        assert!(second["next_cursor"].is_null());
        let (status, _) = call(s, Method::GET, &format!("{base}?from=later"), t, None).await;
        assert_eq!(status, 400);

        let export = |format: &str| {
            s.request(
                Method::GET,
                &format!("{base}/export?to=2026-03-01T10:00:06Z{format}"),
            )
            .bearer_auth(&token)
            .send()
        };
        let csv = export("").await.unwrap();
        assert_eq!(csv.status(), 200);
        assert!(
            csv.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let text = csv.text().await.unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "id,time,model_version,decision,score,ground_truth,human_override,input_ref,input_hash,group.clothing,group.skin_tone"
        );
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[2].starts_with("e2,") && lines[2].contains(",person,false,"),
            "{text}"
        );

        // The same window as Parquet; any other format is refused by name.
        let parquet = export("&format=parquet").await.unwrap();
        assert_eq!(parquet.status(), 200);
        assert_eq!(
            parquet.headers()["content-type"],
            "application/vnd.apache.parquet"
        );
        assert!(
            parquet.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .ends_with(".parquet\""),
        );
        let bytes = parquet.bytes().await.unwrap();
        assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"));
        let (status, error) = call(
            s,
            Method::GET,
            &format!("{base}/export?format=xlsx"),
            t,
            None,
        )
        .await;
        assert_eq!(
            (status, &error["fields"][0]["field"]),
            (400, &json!("format")),
            "{error}"
        );

        // The system's page counts its events and links the download.
        // Its log's path without the API prefix and `/decisions`.
        let system_page = base
            .trim_start_matches("/api/v1")
            .trim_end_matches("/decisions");
        let (_, page) = get_text(s, system_page, &token).await;
        assert!(
            page.contains("3 decision events") && page.contains("/decisions/export"),
            "{page}"
        );
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
