//! OSCAL 1.2 (NIST's Open Security Controls Assessment Language) documents in JSON: a
//! framework as a catalog and back ([`catalog()`], [`import_oscal`]), and the documents an
//! organisation builds over a catalog ([`profile`], [`assessment_results`]).
//!
//! Documents are `serde_json::Value`s, written with sorted keys, so that output is
//! reproducible byte for byte. The mapping is described in `docs/library-format.md`.

mod catalog;
mod documents;
mod ids;
mod import;

pub use catalog::{catalog, catalog_uuid};
pub use documents::{
    BuildError, ControlFinding, ImplementationStatus, Metadata, ProfileInput, ResultsInput,
    SelectedControl, assessment_results, profile,
};
pub use ids::{NS, is_token, namespace, node_ids};
pub use import::{ImportedCatalog, import_oscal, import_oscal_source, looks_like_json};

/// The OSCAL version written in every document: the one compliance-trestle 5.2 validates.
pub const OSCAL_VERSION: &str = "1.2.1";

/// The `last-modified` of every catalog. A framework records no date of its own, and an
/// export time would make two exports of the same framework differ; the Unix epoch says
/// "no date" in the convention of reproducible builds.
pub const LAST_MODIFIED: &str = "1970-01-01T00:00:00Z";
