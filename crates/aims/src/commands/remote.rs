//! The REST API of an aims server, as the command line uses it: `aims eval … --server URL`
//! keeps its evaluation there instead of in a database of its own.
//!
//! Every failure is one line naming the server: unreachable, or the status and the
//! server's own message. The API token never appears in a message or a log.

use std::str::FromStr;
use std::time::Duration;

use aims_domain::evaluation::NewEvaluation;
use anyhow::Context;
use serde::Deserialize;
use uuid::Uuid;

/// An API token: printed and debugged as `***` so that it cannot reach a log by accident.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    fn secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

impl FromStr for Token {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Token(text.trim().to_owned()))
    }
}

/// An aims server to keep records on, with the token to do it with.
pub struct Server {
    base: reqwest::Url,
    token: Token,
    client: reqwest::Client,
}

/// How long the server may take: evaluations are posted once, at the end of a pipeline step.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const TIMEOUT: Duration = Duration::from_secs(120);

/// The part of an error body the command line shows.
#[derive(Deserialize)]
struct ErrorBody {
    message: String,
}

/// The part of a stored evaluation the command line shows.
#[derive(Deserialize)]
struct Stored {
    id: Uuid,
}

impl Server {
    /// Checks the URL and that there is a token; sends nothing yet.
    pub fn new(url: &str, token: Option<Token>) -> anyhow::Result<Server> {
        let base = reqwest::Url::parse(url.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            .with_context(|| {
                format!("--server: `{url}` is not an http:// or https:// URL of an aims server")
            })?;
        let token = token.filter(|t| !t.secret().is_empty()).context(
            "--server needs an API token: give it with --token or the AIMS_TOKEN environment variable",
        )?;
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TIMEOUT)
            .user_agent(concat!("aims/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("cannot set up the HTTP client")?;
        Ok(Server {
            base,
            token,
            client,
        })
    }

    /// The server's address as the user gave it, for messages.
    pub fn name(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// `POST /api/v1/systems/{id}/evaluations`; returns the stored evaluation's id.
    pub async fn create_evaluation(
        &self,
        system: Uuid,
        evaluation: &NewEvaluation,
    ) -> anyhow::Result<Uuid> {
        let url = format!("{}/api/v1/systems/{system}/evaluations", self.name());
        let response = self
            .client
            .post(&url)
            .bearer_auth(self.token.secret())
            .json(evaluation)
            .send()
            .await
            .map_err(|err| unreachable(self.name(), &err))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|err| unreachable(self.name(), &err))?;
        if !status.is_success() {
            let message = serde_json::from_slice::<ErrorBody>(&body)
                .map(|e| e.message)
                .unwrap_or_else(|_| {
                    let text = String::from_utf8_lossy(&body);
                    text.chars().take(200).collect::<String>().trim().to_owned()
                });
            anyhow::bail!(
                "the aims server at {} answered {status}: {message}",
                self.name()
            );
        }
        let stored: Stored = serde_json::from_slice(&body).with_context(|| {
            format!(
                "the server at {} answered {status} without an evaluation: is it an aims server?",
                self.name()
            )
        })?;
        Ok(stored.id)
    }
}

/// A request that got no answer, with the innermost cause (refused, timed out, TLS…).
fn unreachable(server: &str, err: &reqwest::Error) -> anyhow::Error {
    let mut cause: &dyn std::error::Error = err;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    let why = if err.is_timeout() {
        "it did not answer in time".to_owned()
    } else {
        cause.to_string()
    };
    anyhow::anyhow!("cannot reach the aims server at {server}: {why}")
}
