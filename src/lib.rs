//! Blnk KYC review: a Custom App for Blnk Cloud (see README.md).

pub mod blnk;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod error;
pub mod jobs;
pub mod kyc;
pub mod lifecycle;
pub mod sandbox;
pub mod schema;
pub mod startup;
pub mod web;
pub mod writeback;
