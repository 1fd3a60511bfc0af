//! The domain of aims: entities, value types, validation and pure rules.
//!
//! Nothing here does I/O. Storage, HTTP and the CLI depend on this crate, never the
//! other way round, so the rules written here hold whichever way a record arrives.

pub mod account;
pub mod assessment;
pub mod decision;
pub mod eu_ai_act;
pub mod evaluation;
pub mod history;
pub mod inventory;
pub mod listing;
pub mod readiness;
pub mod risk;
pub mod role;
pub mod soa;
pub mod validation;

pub use role::{Permission, Role};
pub use validation::{FieldError, ValidationErrors};
