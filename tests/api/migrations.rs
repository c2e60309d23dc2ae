//! Every migration is reversible: run all, revert all, run all again.

use blnk_kyc::db::{self, MIGRATIONS};
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_migrations::MigrationHarness;

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

fn tables(conn: &mut SqliteConnection) -> Vec<String> {
    diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name != '__diesel_schema_migrations' ORDER BY name",
    )
    .load::<Name>(conn)
    .unwrap()
    .into_iter()
    .map(|n| n.name)
    .collect()
}

#[test]
fn all_migrations_run_revert_and_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let pool = db::open_pool(&dir.path().join("m.db"), 1).unwrap();
    let mut conn = pool.get().unwrap();
    let applied = conn.run_pending_migrations(MIGRATIONS).unwrap().len();
    assert!(applied >= 2);
    let first = tables(&mut conn);
    for t in [
        "installs",
        "processed_events",
        "launch_tokens",
        "portal_sessions",
    ] {
        assert!(
            first.contains(&t.to_owned()),
            "{t} missing after migrations: {first:?}"
        );
    }
    conn.revert_all_migrations(MIGRATIONS).unwrap();
    assert_eq!(
        tables(&mut conn),
        Vec::<String>::new(),
        "down.sql files must undo everything"
    );
    assert_eq!(
        conn.run_pending_migrations(MIGRATIONS).unwrap().len(),
        applied
    );
    assert_eq!(tables(&mut conn), first);
}
