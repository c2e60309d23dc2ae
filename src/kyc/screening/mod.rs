//! Sanctions screening against OFAC's legacy CSV list (`sdn.csv` + `alt.csv`).
//!
//! - [`SanctionsList`] loads and versions a list (or the bundled sample).
//! - [`Screener`] indexes a list and screens names: normalisation ([`normalize`]), token-level
//!   Jaro-Winkler ([`jaro`]) with best pairs and unmatched-token penalties, DOB adjustment, a
//!   two-significant-token minimum, and a configurable threshold ([`DEFAULT_THRESHOLD`]).
//! - [`eval`] builds a deterministic labelled set and measures precision/recall.
//!
//! See `README.md` in this directory for how matching works and measured figures.

pub mod eval;
mod index;
pub mod jaro;
pub mod list;
pub mod matcher;
pub mod normalize;

#[cfg(test)]
mod tests;

pub use list::{Alias, DobSpec, EntryKind, ListEntry, ListError, LoadReport, SanctionsList};
pub use matcher::{
    dob_adjustment, Hit, PartyKind, Screener, TokenPair, ALGORITHM_VERSION, DEFAULT_THRESHOLD,
};
