//! HTTP for people: the route table, page handlers and their template structs, and the
//! security headers every response gets.

pub mod audit;
pub mod headers;
pub mod identity;
pub mod pages;
pub mod queue;
pub mod rate_limit;
pub mod request_log;
pub mod review;
pub mod routes;
