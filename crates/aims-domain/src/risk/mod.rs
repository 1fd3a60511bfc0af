//! AI risk management (clauses 6.1.2, 6.1.3, 8.2, 8.3): the organisation's risk criteria
//! and the risk register with its pure rules.

mod criteria;
mod register;

pub use criteria::*;
pub use register::*;
