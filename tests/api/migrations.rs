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

/// Rebuilding `processed_events` WITHOUT ROWID keeps every recorded event: a delivery recorded
/// before the upgrade is still recognised as a repeat after it.
#[test]
fn recorded_events_survive_the_rebuild_of_their_table() {
    use diesel::migration::MigrationSource;
    use diesel::sqlite::Sqlite;
    let dir = tempfile::tempdir().unwrap();
    let pool = db::open_pool(&dir.path().join("m.db"), 1).unwrap();
    let mut conn = pool.get().unwrap();
    let mut all = MigrationSource::<Sqlite>::migrations(&MIGRATIONS).unwrap();
    all.sort_by_key(|m| m.name().version().to_string());
    // Creates the table of applied migrations.
    assert!(conn.applied_migrations().unwrap().is_empty());
    let rebuild = all
        .iter()
        .position(|m| {
            m.name()
                .to_string()
                .contains("processed_events_without_rowid")
        })
        .unwrap();
    for m in &all[..rebuild] {
        conn.run_migration(m.as_ref()).unwrap();
    }
    diesel::sql_query(
        "INSERT INTO processed_events VALUES ('install:ia_1', 'f1', 'ia_1', 'install', 5), \
         ('uninstall:ia_1', 'f2', 'ia_1', 'uninstall', 6)",
    )
    .execute(&mut conn)
    .unwrap();
    conn.run_pending_migrations(MIGRATIONS).unwrap();
    let ddl: Vec<Name> =
        diesel::sql_query("SELECT sql AS name FROM sqlite_master WHERE name = 'processed_events'")
            .load(&mut conn)
            .unwrap();
    assert!(ddl[0].name.contains("WITHOUT ROWID"), "{}", ddl[0].name);
    let repeat = diesel::sql_query(
        "INSERT OR IGNORE INTO processed_events VALUES ('install:ia_1', 'f1', 'ia_1', 'install', 7)",
    )
    .execute(&mut conn)
    .unwrap();
    assert_eq!(repeat, 0, "the recorded event is still known");
    let rows: Vec<Name> = diesel::sql_query(
        "SELECT idempotency_key || '/' || received_at AS name FROM processed_events ORDER BY 1",
    )
    .load(&mut conn)
    .unwrap();
    let rows: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(rows, ["install:ia_1/5", "uninstall:ia_1/6"]);
}
