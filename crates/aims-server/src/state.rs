//! What every handler can reach: the store and the server settings.

use std::sync::Arc;

use aims_store::Store;

use crate::config::ServerConfig;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<ServerConfig>,
}
