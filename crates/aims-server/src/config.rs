//! Settings of the HTTP server. The binary layers defaults, file, environment and flags
//! into these; the server only reads them.

use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// How long a session lives without use; each use extends it by this much.
    pub session_ttl: Duration,
    /// Validity of an API token when the request names none.
    pub token_default_days: u32,
    /// The longest validity an API token may be given.
    pub token_max_days: u32,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Mark cookies `Secure`: set when the server sits behind HTTPS.
    pub secure_cookies: bool,
    /// The installation's ledger key, to sign tree heads for auditors. Without it the
    /// auditor view shows the unsigned head.
    pub signing_key: Option<Arc<aims_ledger::SigningKey>>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            session_ttl: Duration::from_secs(8 * 3600),
            token_default_days: 90,
            token_max_days: 365,
            body_limit_bytes: 1024 * 1024,
            secure_cookies: false,
            signing_key: None,
        }
    }
}
