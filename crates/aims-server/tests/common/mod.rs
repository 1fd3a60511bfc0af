//! Spawns the real server on a random port, once per engine (SQLite in a temp dir,
//! PostgreSQL in a throwaway cluster), with helpers to make users and API tokens.
#![allow(dead_code)]

use std::sync::OnceLock;

use aims_domain::Role;
use aims_server::{Application, ServerConfig};
use aims_store::{Actor, NewToken, NewUser, Store};
use aims_testkit::pg::PgCluster;
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::Value;
use uuid::Uuid;

pub const PASSWORD: &str = "correct horse battery staple";

/// One Argon2 hash for every test user: hashing is slow in debug builds and the tests
/// are not about it.
pub fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| aims_server::auth::hash_password(PASSWORD).expect("hash"))
        .clone()
}

pub struct TestServer {
    pub engine: &'static str,
    pub base: String,
    /// The database the server writes to, for tests that change it behind its back.
    pub database_url: String,
    pub store: Store,
    pub org: Uuid,
    pub client: Client,
    _dir: tempfile::TempDir,
}

/// A server per available engine. Keep the returned guard alive for the test.
pub async fn servers(config: ServerConfig) -> (Vec<TestServer>, Option<PgCluster>) {
    let mut servers = vec![spawn("sqlite", None, config.clone()).await];
    let pg = PgCluster::start();
    if let Some(pg) = &pg {
        servers.push(spawn("postgres", Some(pg.create_database("aims_api")), config).await);
    }
    (servers, pg)
}

async fn spawn(engine: &'static str, url: Option<String>, config: ServerConfig) -> TestServer {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = url.unwrap_or_else(|| format!("sqlite://{}", dir.path().join("aims.db").display()));
    let store = Store::open(&url).await.expect("open store");
    let org = store
        .create_organisation(&Actor::system("test"), "Acme")
        .await
        .expect("org")
        .id;
    let app = Application::bind("127.0.0.1:0", store.clone(), config)
        .await
        .expect("bind");
    let base = format!("http://{}", app.local_addr().expect("addr"));
    tokio::spawn(app.run_until(std::future::pending()));
    TestServer {
        engine,
        base,
        database_url: url,
        store,
        org,
        client: Client::new(),
        _dir: dir,
    }
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// A user with `role` in `org`; returns its id.
    pub async fn user_in(&self, org: Uuid, username: &str, role: Role) -> Uuid {
        let new = NewUser {
            username: username.into(),
            display_name: username.into(),
            email: String::new(),
            password_hash: password_hash(),
            role,
        };
        self.store
            .create_user(&Actor::system("test"), org, new)
            .await
            .expect("user")
            .user_id
    }

    /// A fresh user with `role` in the test organisation and an API token of theirs.
    pub async fn token(&self, role: Role) -> String {
        self.token_in(self.org, role).await
    }

    pub async fn token_in(&self, org: Uuid, role: Role) -> String {
        let username = format!(
            "{}-{}",
            role.as_str(),
            &Uuid::new_v4().simple().to_string()[..8]
        );
        let user_id = self.user_in(org, &username, role).await;
        self.token_for(org, user_id, 1).await
    }

    /// A token for an existing user, valid for `days` (negative: already expired).
    pub async fn token_for(&self, org: Uuid, user_id: Uuid, days: i64) -> String {
        let token = aims_server::auth::new_secret("aims_");
        let new = NewToken {
            token_hash: aims_server::auth::sha256_hex(&token),
            name: "test".into(),
            user_id,
            organisation_id: org,
            expires_at: chrono::Utc::now() + chrono::Duration::days(days),
        };
        self.store
            .create_token(&Actor::system("test"), &new)
            .await
            .expect("token");
        token
    }
}

/// Sends a request with an optional bearer token and JSON body; returns status and JSON body.
pub async fn call(
    server: &TestServer,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = server.request(method, path);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    decode(response).await
}

/// GETs `path` with a bearer token; returns status and the body as text (pages, CSV).
pub async fn get_text(server: &TestServer, path: &str, token: &str) -> (u16, String) {
    let response = server
        .request(Method::GET, path)
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// Creates an AI system named `name` through the API and returns its id.
pub async fn new_system(server: &TestServer, token: &str, name: &str) -> String {
    let body = serde_json::json!({ "name": name });
    let (status, system) = call(
        server,
        Method::POST,
        "/api/v1/systems",
        Some(token),
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{system}");
    system["id"].as_str().expect("system id").to_owned()
}

pub async fn decode(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}
