//! The audit log: launches, views, screenings and exports are recorded in one hash chain per
//! install; the page says whether it is intact; the table refuses edits; a forced edit shows.

use diesel::prelude::*;

use crate::helpers::*;
use crate::review::{launch_reviewer, page, wait_for_jobs};

fn kinds(app: &TestApp, installed_app_id: &str) -> Vec<String> {
    blnk_kyc::kyc::audit_log::chain(&mut app.conn(), installed_app_id)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

#[actix_web::test]
async fn launches_views_screenings_and_exports_are_chained_and_verified() {
    let app = spawn_app().await;
    let r = launch_reviewer(&app, &ALL_SCOPES).await;
    page(&app, &r, "/kyc").await;
    wait_for_jobs(&app, &r).await;
    let (_, queue) = page(&app, &r, "/kyc/queue?status=all").await;
    let id = queue
        .split("data-identity=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        page(&app, &r, &format!("/kyc/identities/{id}")).await.0,
        200
    );
    assert_eq!(page(&app, &r, "/kyc/queue.csv").await.0, 200);

    // Let the background writes to Blnk (alerts for the screening hits) land first, so the
    // chain read below is the whole chain.
    drain_outbox(&app, 5, 400).await;
    let k = kinds(&app, &r.installed_app_id);
    assert_eq!(k.first().map(String::as_str), Some("launch"));
    for kind in ["screening", "view", "export"] {
        assert!(k.iter().any(|x| x == kind), "{kind} recorded: {k:?}");
    }
    let chain = blnk_kyc::kyc::audit_log::chain(&mut app.conn(), &r.installed_app_id).unwrap();
    let view = chain.iter().find(|e| e.kind == "view").unwrap();
    assert_eq!(view.identity_id.as_deref(), Some(id.as_str()));
    assert_eq!(view.actor, "usr_alice");

    let (status, html) = page(&app, &r, "/kyc/audit").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("Chain intact: all {} events verify.", chain.len())),
        "{html}"
    );

    // The CSV holds the whole chain, including the record of this export.
    let resp = app.get_with_cookie("/kyc/audit.csv", &r.cookie).await;
    assert_eq!(resp.status(), 200);
    let csv = resp.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("seq,at,actor,kind,identity_id,detail"));
    assert_eq!(lines.len(), 1 + chain.len() + 1);
    assert!(lines
        .last()
        .unwrap()
        .contains("exported the audit log as CSV"));
}

#[actix_web::test]
async fn the_audit_table_refuses_edits_and_a_forced_edit_breaks_the_chain() {
    let app = spawn_app().await;
    let r = launch_reviewer(&app, &ALL_SCOPES).await;
    page(&app, &r, "/kyc").await;
    wait_for_jobs(&app, &r).await;
    page(&app, &r, "/kyc/queue.csv").await;
    let edit = "UPDATE kyc_audit SET detail = 'nothing happened' WHERE seq = 1";
    let refused = diesel::sql_query(edit).execute(&mut app.conn());
    assert!(refused.unwrap_err().to_string().contains("append-only"));
    assert!(diesel::sql_query("DELETE FROM kyc_audit")
        .execute(&mut app.conn())
        .is_err());
    // Someone with the database file drops the guard and rewrites the first event.
    diesel::sql_query("DROP TRIGGER kyc_audit_no_update")
        .execute(&mut app.conn())
        .unwrap();
    diesel::sql_query(edit).execute(&mut app.conn()).unwrap();
    let (status, html) = page(&app, &r, "/kyc/audit").await;
    assert_eq!(status, 200);
    assert!(html.contains("Chain broken: event 1 was altered"), "{html}");
}
