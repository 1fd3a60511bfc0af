//! Fairness and drift metrics for AI systems: the numbers behind verification (A.6.2.4),
//! data quality (A.7.4) and monitoring (9.1).
//!
//! Every metric is a function of counts, so the engine reads its input once, keeps
//! per-group counters that merge by addition, and derives rates at the end. Definitions
//! follow Fairlearn's (`docs/metrics.md`). No database, no HTTP.

pub mod confusion;
mod dd;
pub mod fairness;
pub mod gamma;
pub mod input;
pub mod kolmogorov;
pub mod ks;
pub mod scan;
pub mod sort;
pub mod stats;

pub use fairness::{FairnessParams, FairnessReport, evaluate_fairness, evaluate_fairness_observed};
pub use input::InputError;
