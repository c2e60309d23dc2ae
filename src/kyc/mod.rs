//! The KYC domain, with no HTTP in it: identities as read from Cloud, data checks, sanctions
//! screening, the risk score.

pub mod assessment;
pub mod checks;
pub mod countries;
pub mod identity;
pub mod index;
pub mod risk;
pub mod screening;
