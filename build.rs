//! Rebuild when migrations change: they are embedded in the binary with `embed_migrations!`.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
