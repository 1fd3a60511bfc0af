//! Fairness and drift metrics for AI systems: the numbers behind verification (A.6.2.4),
//! data quality (A.7.4) and monitoring (9.1).
//!
//! Fairness metrics are functions of counts: the engine reads its input once, keeps
//! per-group counters that merge by addition, and derives rates at the end (definitions
//! follow Fairlearn's). Drift metrics need whole distributions: each file is read once into
//! flat columns of doubles or counts per category, and every measure is computed as if
//! from the sorted values (definitions follow numpy and SciPy). See `docs/metrics.md`. No database,
//! no HTTP.

pub mod confusion;
mod dd;
pub mod drift;
pub mod fairness;
pub mod gamma;
pub mod input;
pub mod kolmogorov;
pub mod ks;
mod parquet_dictionary;
mod parquet_input;
pub mod progress;
pub mod scan;
pub mod stats;

pub use drift::{DriftError, DriftParams, DriftReport, evaluate_drift, evaluate_drift_observed};
pub use fairness::{FairnessParams, FairnessReport, evaluate_fairness, evaluate_fairness_observed};
pub use input::InputError;
pub use progress::Progress;
