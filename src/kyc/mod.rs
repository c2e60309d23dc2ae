//! The KYC domain, with no HTTP in it: identities as read from Cloud, data checks, sanctions
//! screening, the risk score, the decision state machine and the audit chain.

pub mod assessment;
pub mod audit;
pub mod audit_log;
pub mod cases;
pub mod checks;
pub mod countries;
pub mod csv;
pub mod decisions;
pub mod hits;
pub mod identity;
pub mod index;
pub mod risk;
pub mod screening;
pub mod stats;
