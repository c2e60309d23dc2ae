//! TEMP stub
use serde_json::Value;
pub struct SanctionedName;
pub fn sample_sanctioned_names() -> Vec<SanctionedName> {
    vec![]
}
pub fn generate(
    _s: u64,
    n: usize,
    _now: chrono::DateTime<chrono::Utc>,
    _names: &[SanctionedName],
) -> Vec<Value> {
    (0..n)
        .map(|i| serde_json::json!({"identity_id": format!("idt_{i}")}))
        .collect()
}
