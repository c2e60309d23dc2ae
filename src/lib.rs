//! Blnk KYC review: a Custom App for Blnk Cloud (see README.md).

pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod error;
pub mod lifecycle;
pub mod schema;
pub mod startup;
pub mod web;
