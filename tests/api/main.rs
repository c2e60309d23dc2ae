//! Integration tests through the real HTTP server, a real SQLite file and real migrations.

mod audit;
mod callback;
mod cli;
mod cloud_client;
mod cloud_faults;
mod decisions;
mod fixtures;
mod helpers;
mod hostile;
mod hostile_data;
mod isolation;
mod migrations;
mod portal;
mod reliability;
mod review;
mod sandbox;
mod session_attacks;
mod sessions;
