//! Errors of the storage layer, typed so that callers can answer 404, 409 or 400 and
//! keep everything else an internal error whose cause is logged, never shown.

use aims_domain::ValidationErrors;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be created, opened or reached. The message says which and why.
    #[error("{0}")]
    Open(String),

    #[error("{kind} {id} was not found")]
    NotFound { kind: &'static str, id: String },

    /// Someone else changed the record since it was read; `current` is the record as it is now.
    #[error("the record was changed by someone else (now at revision {revision})")]
    Conflict {
        revision: i64,
        current: serde_json::Value,
    },

    /// A value is unique and already taken, such as a user name.
    #[error("{field} `{value}` is already taken")]
    Duplicate { field: &'static str, value: String },

    /// The record is still referred to by others and cannot be deleted.
    #[error("{0}")]
    InUse(String),

    /// The input refers to something that does not exist or is not allowed.
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),

    /// An import could not be applied; the message names the table, row and column.
    #[error("{0}")]
    Import(String),

    /// An export could not be written; the message says what failed.
    #[error("{0}")]
    Export(String),

    #[error("migration {version} ({name}) {problem}")]
    Migration {
        version: i64,
        name: String,
        problem: String,
    },

    /// Stored data that does not decode: the database was edited outside aims or is damaged.
    #[error("stored data could not be read: {0}")]
    Corrupt(String),

    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),

    /// An error of SQLite on the bulk paths that call it directly (decision logs).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Maps a unique-constraint violation to [`StoreError::Duplicate`], anything else unchanged.
pub(crate) fn unique_violation(err: sqlx::Error, field: &'static str, value: &str) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate {
            field,
            value: value.to_owned(),
        },
        _ => StoreError::Database(err),
    }
}
