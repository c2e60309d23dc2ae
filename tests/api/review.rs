//! The review queue over the sandbox: first launch syncs and screens every identity in the
//! background, the queue filters find the seeded sanctions variants and not the near misses,
//! the identity page explains each finding, and opening an identity refreshes it from Cloud.

use std::collections::BTreeSet;
use std::time::Duration;

use blnk_kyc::sandbox::dashboard::SANDBOX_APP_ID;
use blnk_kyc::sandbox::DEFAULT_INSTANCE;
use reqwest::header::{CONTENT_TYPE, LOCATION, SET_COOKIE};
use serde_json::{json, Value};

use crate::helpers::*;

pub struct Reviewer {
    pub cookie: String,
    pub key: String,
    pub installed_app_id: String,
}

/// Installs through the dashboard, launches, redeems: a reviewer with a cookie session.
pub async fn launch_reviewer(app: &TestApp, scopes: &[&str]) -> Reviewer {
    let (key, installed_app_id) = dashboard_install(app, scopes).await;
    let installed = Reviewer {
        cookie: String::new(),
        key,
        installed_app_id,
    };
    session_as(app, &installed, Some("usr_alice")).await
}

/// A (new) session on `r`'s install as `user`, or with no user id.
pub async fn session_as(app: &TestApp, r: &Reviewer, user: Option<&str>) -> Reviewer {
    let mut body = json!({"installed_app_id": r.installed_app_id, "app_id": SANDBOX_APP_ID,
                          "instance_id": DEFAULT_INSTANCE});
    if let Some(u) = user {
        body["user_id"] = json!(u);
    }
    let resp = app.post_json("/api/portal", &body).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    let resp = app.get(v["portal_url"].as_str().unwrap()).await;
    assert_eq!(resp.status(), 303);
    assert!(header(resp.headers(), LOCATION).contains("/kyc"));
    Reviewer {
        cookie: header(resp.headers(), SET_COOKIE)
            .split(';')
            .next()
            .unwrap()
            .to_owned(),
        key: r.key.clone(),
        installed_app_id: r.installed_app_id.clone(),
    }
}

pub async fn page(app: &TestApp, r: &Reviewer, path: &str) -> (u16, String) {
    let resp = app.get_with_cookie(path, &r.cookie).await;
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

/// Waits (bounded) until the install's sync and screening jobs are both done.
pub async fn wait_for_jobs(app: &TestApp, r: &Reviewer) -> Value {
    for _ in 0..400 {
        let (status, body) = page(app, r, "/kyc/jobs").await;
        assert_eq!(status, 200);
        let v: Value = serde_json::from_str(&body).unwrap();
        let jobs = v["jobs"].as_array().unwrap();
        let done = |kind: &str| {
            jobs.iter()
                .any(|j| j["kind"] == kind && j["status"] == "done")
        };
        if done("sync") && done("screen") && v["running"] == false {
            return v;
        }
        assert!(
            !jobs.iter().any(|j| j["status"] == "failed"),
            "a job failed: {v}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the jobs did not finish in 20 s");
}

/// Every `data-identity="..."` of a queue page.
fn row_ids(html: &str) -> BTreeSet<String> {
    html.split("data-identity=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_owned)
        .collect()
}

pub async fn sandbox_identities(app: &TestApp, key: &str) -> Vec<Value> {
    let mut all = Vec::new();
    for page in 1..=10 {
        let v: Value = app
            .client
            .get(app.url(&format!(
                "/sandbox/api/data/identities?instance_id={DEFAULT_INSTANCE}&pageSize=100&page={page}"
            )))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let data = v["data"].as_array().unwrap();
        if data.is_empty() {
            break;
        }
        all.extend(data.iter().cloned());
    }
    all
}

/// The queue of every status, searched for `term`.
fn search_url(term: &str) -> String {
    let query = serde_urlencoded::to_string([("status", "all"), ("q", term)]).unwrap();
    format!("/kyc/queue?{query}")
}

pub fn scenario(i: &Value) -> &str {
    i["meta_data"]["sandbox"]["scenario"].as_str().unwrap_or("")
}

pub fn ids_where(all: &[Value], f: impl Fn(&str) -> bool) -> BTreeSet<String> {
    all.iter()
        .filter(|i| f(scenario(i)))
        .map(|i| i["identity_id"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn first_launch_syncs_screens_and_the_hits_filter_finds_exactly_the_sanctions_variants() {
    let app = spawn_app().await;
    let r = launch_reviewer(&app, &ALL_SCOPES).await;
    let (status, home) = page(&app, &r, "/kyc").await;
    assert_eq!(status, 200);
    assert!(home.contains("id=\"queue-link\""));
    let jobs = wait_for_jobs(&app, &r).await;
    let sync = jobs["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["kind"] == "sync")
        .unwrap();
    assert_eq!(sync["done"], 300, "{jobs}");
    assert_eq!(sync["total"], 300);
    assert_eq!(sync["percent"], 100);
    assert_eq!(app.count("kyc_identities"), 300);

    let all = sandbox_identities(&app, &r.key).await;
    assert_eq!(all.len(), 300);
    let variants = ids_where(&all, |s| {
        s.starts_with("sanctions_") && s != "sanctions_near_miss"
    });
    let near_misses = ids_where(&all, |s| s == "sanctions_near_miss");
    assert_eq!(variants.len(), 25);
    assert_eq!(near_misses.len(), 5);

    let (status, html) = page(&app, &r, "/kyc/queue?status=all&hits=1&sort=hits").await;
    assert_eq!(status, 200);
    let hits = row_ids(&html);
    assert_eq!(
        hits, variants,
        "the hits filter shows every sanctions variant and nothing else"
    );
    assert!(hits.is_disjoint(&near_misses));
    assert!(html.contains("id=\"result-count\">25<"), "count shown");

    // The default view is "needs attention": every identity is unreviewed, 50 per page.
    let (_, html) = page(&app, &r, "/kyc/queue").await;
    assert!(html.contains("Needs attention"));
    assert_eq!(row_ids(&html).len(), 50);
    assert!(html.contains("data-status=\"unreviewed\">Unreviewed <strong>300</strong>"));
    assert!(html.contains("id=\"next-page\""));
    let (_, last) = page(&app, &r, "/kyc/queue?page=6").await;
    assert_eq!(row_ids(&last).len(), 50);
    let (_, beyond) = page(&app, &r, "/kyc/queue?page=7").await;
    assert!(row_ids(&beyond).is_empty());
}

#[actix_web::test]
async fn filters_search_and_csv_export_follow_the_view() {
    let app = spawn_app().await;
    let r = launch_reviewer(&app, &ALL_SCOPES).await;
    page(&app, &r, "/kyc").await;
    wait_for_jobs(&app, &r).await;
    let all = sandbox_identities(&app, &r.key).await;

    // data issues: every seeded data problem is in the "has findings" view
    let (_, html) = page(&app, &r, "/kyc/queue?status=all&issues=1").await;
    let with_findings = row_ids(&html);
    for s in [
        "dob_zero_date",
        "minor",
        "bad_email",
        "phone_not_e164",
        "country_unmappable",
    ] {
        let ids = ids_where(&all, |x| x == s);
        let (_, html) = page(
            &app,
            &r,
            &format!(
                "/kyc/queue?status=all&issues=1&q={}",
                ids.iter().next().unwrap()
            ),
        )
        .await;
        assert_eq!(row_ids(&html).len(), 1, "{s} has findings");
        assert!(!ids.is_empty());
        let _ = &with_findings;
    }

    // search by id, by email, by part of a name
    let one = &all[7];
    let id = one["identity_id"].as_str().unwrap();
    let (_, html) = page(&app, &r, &format!("/kyc/queue?status=all&q={id}")).await;
    assert_eq!(row_ids(&html), BTreeSet::from([id.to_owned()]));
    let (_, html) = page(&app, &r, "/kyc/queue?status=all&q=%25").await;
    assert!(
        row_ids(&html).is_empty(),
        "LIKE wildcards in the search are literal"
    );
    let (_, html) = page(&app, &r, "/kyc/queue?status=all&q=%25_%25").await;
    assert!(
        row_ids(&html).is_empty(),
        "and so in the indexed search (three characters or more)"
    );
    // Full-text query syntax in a search is text too: no error, no match.
    for term in ["\"x\" OR \"", "NEAR(a b)", "dat* AND ^x", "\"\"\""] {
        let (status, html) = page(&app, &r, &search_url(term)).await;
        assert_eq!(status, 200, "{term}");
        assert!(row_ids(&html).is_empty(), "{term}");
    }
    for term in ["a\u{0}b", "x\ty"] {
        let (status, body) = page(&app, &r, &search_url(term)).await;
        assert_eq!(status, 400, "{term:?}");
        assert!(body.contains("control character"), "{body}");
    }
    // Part of a last name in capitals, part of an email, two characters of an id: each finds
    // the identity, and only identities that hold the text somewhere.
    let person = all
        .iter()
        .find(|i| {
            scenario(i) == "clean"
                && i["identity_type"] == "individual"
                && i["email_address"].as_str().is_some_and(|e| e.contains('@'))
        })
        .unwrap();
    let person_id = person["identity_id"].as_str().unwrap();
    let last = person["last_name"].as_str().unwrap();
    let mailbox = person["email_address"]
        .as_str()
        .unwrap()
        .split('@')
        .next()
        .unwrap();
    for term in [
        last[1..].to_uppercase(),
        mailbox.to_owned(),
        person_id[person_id.len() - 2..].to_owned(),
    ] {
        let (_, html) = page(&app, &r, &search_url(&term)).await;
        let found = row_ids(&html);
        assert!(found.contains(person_id), "{term}: {found:?}");
        let holders: BTreeSet<String> = all
            .iter()
            .filter(|i| i.to_string().to_lowercase().contains(&term.to_lowercase()))
            .map(|i| i["identity_id"].as_str().unwrap().to_owned())
            .collect();
        assert!(found.is_subset(&holders), "{term}: {found:?} ⊄ {holders:?}");
    }

    // band filter: every row shown carries that band
    let (_, html) = page(&app, &r, "/kyc/queue?status=all&band=low").await;
    assert!(!row_ids(&html).is_empty());
    assert!(!html.contains("band-high\""));

    // bad filter values are a clear 400
    for bad in ["status=nope", "band=purple", "sort=sideways", "page=0"] {
        let (status, body) = page(&app, &r, &format!("/kyc/queue?{bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert!(
            body.contains(bad.split('=').next().unwrap()),
            "{bad}: {body}"
        );
    }

    // CSV of the hits view: header + one line per row, attachment
    let resp = app
        .get_with_cookie("/kyc/queue.csv?status=all&hits=1", &r.cookie)
        .await;
    assert_eq!(resp.status(), 200);
    assert!(header(resp.headers(), CONTENT_TYPE).starts_with("text/csv"));
    assert!(header(resp.headers(), "content-disposition").contains("attachment"));
    let csv = resp.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("identity_id,name,type,country,status,risk_score,risk_band"));
    assert_eq!(lines.len(), 1 + 25);
}

#[actix_web::test]
async fn the_identity_page_explains_a_hit_and_shows_every_check_and_contribution() {
    let app = spawn_app().await;
    let r = launch_reviewer(&app, &ALL_SCOPES).await;
    page(&app, &r, "/kyc").await;
    wait_for_jobs(&app, &r).await;
    let all = sandbox_identities(&app, &r.key).await;
    let reordered = all
        .iter()
        .find(|i| scenario(i) == "sanctions_reordered")
        .unwrap();
    let id = reordered["identity_id"].as_str().unwrap();
    let entity = reordered["meta_data"]["sandbox"]["list_entity_id"]
        .as_str()
        .unwrap();
    let (status, html) = page(&app, &r, &format!("/kyc/identities/{id}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(&format!("data-entity=\"{entity}\"")),
        "the list entry is shown"
    );
    assert!(
        html.contains("Identity token") && html.contains("Listed token"),
        "paired tokens"
    );
    assert!(html.contains("threshold 0.85"));
    assert!(html.contains("sha256:"), "list version");
    assert!(
        html.contains("<code>sanctions.hit</code>"),
        "the contribution is named"
    );
    assert!(
        html.contains("data-rule=\"dob.minor\""),
        "every check is listed"
    );
    assert!(html.contains("first seen in the ledger"), "status history");

    // tokenized identity: fields marked, screening incomplete
    let tokenized = all
        .iter()
        .find(|i| {
            scenario(i) == "tokenized" && i["meta_data"]["tokenized_fields"]["first_name"] == true
        })
        .unwrap();
    let (_, html) = page(
        &app,
        &r,
        &format!(
            "/kyc/identities/{}",
            tokenized["identity_id"].as_str().unwrap()
        ),
    )
    .await;
    assert!(html.contains(">tokenized</span>"));
    assert!(html.contains("screening is incomplete"));

    // unknown identity → 404 page
    let (status, _) = page(&app, &r, "/kyc/identities/idt_nope").await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn opening_an_identity_refreshes_it_from_cloud_and_reassesses_it() {
    let app = spawn_app().await;
    let r = launch_reviewer(&app, &ALL_SCOPES).await;
    page(&app, &r, "/kyc").await;
    wait_for_jobs(&app, &r).await;
    let all = sandbox_identities(&app, &r.key).await;
    let clean = all
        .iter()
        .find(|i| scenario(i) == "clean" && i["identity_type"] == "individual")
        .unwrap();
    let id = clean["identity_id"].as_str().unwrap().to_owned();
    // The ledger changes behind the app's back: the person now carries a listed name.
    let mut changed = clean.clone();
    changed["first_name"] = json!("Dragomir");
    changed["last_name"] = json!("Volkanov");
    changed["dob"] = json!("1968-06-14T00:00:00Z");
    {
        use diesel::prelude::*;
        diesel::sql_query("UPDATE sandbox_identities SET body = ? WHERE identity_id = ?")
            .bind::<diesel::sql_types::Text, _>(changed.to_string())
            .bind::<diesel::sql_types::Text, _>(&id)
            .execute(&mut app.conn())
            .unwrap();
    }
    let (status, html) = page(&app, &r, &format!("/kyc/identities/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Dragomir Volkanov"),
        "the page shows the refreshed data"
    );
    assert!(html.contains("data-entity=\"9001\""), "and the new hit");
    let (_, queue) = page(&app, &r, "/kyc/queue?status=all&hits=1").await;
    assert!(row_ids(&queue).contains(&id), "the index follows");
    let (_, found) = page(&app, &r, "/kyc/queue?status=all&q=volkanov").await;
    let mut found = row_ids(&found);
    assert!(found.remove(&id), "and its search");
    for other in &found {
        let body = all
            .iter()
            .find(|i| i["identity_id"] == other.as_str())
            .unwrap();
        assert!(
            body.to_string().to_lowercase().contains("volkanov"),
            "{other}"
        );
    }
    let old_name = format!(
        "{} {}",
        clean["first_name"].as_str().unwrap(),
        clean["last_name"].as_str().unwrap()
    );
    let (_, found) = page(&app, &r, &search_url(&old_name)).await;
    assert!(!row_ids(&found).contains(&id), "the old name is forgotten");

    // Cloud failing: the page still opens from the index, saying so.
    let resp = app
        .post_json("/sandbox/faults", &json!({"rate_500": 1.0}))
        .await;
    assert_eq!(resp.status(), 200);
    let (status, html) = page(&app, &r, &format!("/kyc/identities/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Could not refresh from Blnk"), "{html}");
    app.post_json("/sandbox/faults", &json!({})).await;
}

#[actix_web::test]
async fn without_data_read_nothing_is_synced_and_the_queue_says_why() {
    let app = spawn_app().await;
    let r = launch_reviewer(&app, &["alerts:read"]).await;
    let (status, _) = page(&app, &r, "/kyc").await;
    assert_eq!(status, 200);
    let (status, html) = page(&app, &r, "/kyc/queue").await;
    assert_eq!(status, 200);
    assert!(html.contains("not granted <code>data:read</code>"));
    assert_eq!(app.count("kyc_jobs"), 0);
    assert_eq!(app.count("kyc_identities"), 0);
    let _ = &r.installed_app_id;
}

#[actix_web::test]
async fn sync_now_needs_the_csrf_token() {
    let app = spawn_app().await;
    let r = launch_reviewer(&app, &ALL_SCOPES).await;
    page(&app, &r, "/kyc").await;
    wait_for_jobs(&app, &r).await;
    let resp = app
        .client
        .post(app.url("/kyc/sync"))
        .header("cookie", &r.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("csrf=wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}

#[actix_web::test]
async fn a_sync_cut_off_by_a_restart_resumes_from_its_next_page() {
    use diesel::prelude::*;
    let app = spawn_app().await;
    // Launched, but no page opened yet: no job has started.
    let r = launch_reviewer(&app, &ALL_SCOPES).await;
    assert_eq!(app.count("kyc_jobs"), 0);
    // A previous process read page 1 (100 of 300) and stopped.
    diesel::sql_query(
        "INSERT INTO kyc_jobs (installed_app_id, kind, status, done, total, next_page, started_at, updated_at) \
         VALUES (?, 'sync', 'running', 100, 300, 2, 0, 0)",
    )
    .bind::<diesel::sql_types::Text, _>(&r.installed_app_id)
    .execute(&mut app.conn())
    .unwrap();
    // A new process on the same database resumes it at startup.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut config = blnk_kyc::config::Config::for_dir(app.dir.path());
    config.bind_addr = format!("127.0.0.1:{port}");
    config.public_url = url::Url::parse(&format!("http://localhost:{port}")).unwrap();
    let state = blnk_kyc::startup::prepare_state(config, app.clock.clone(), port).unwrap();
    actix_web::rt::spawn(blnk_kyc::startup::serve(listener, state).unwrap());
    let mut job = None;
    for _ in 0..400 {
        let j = blnk_kyc::jobs::find_job(&mut app.conn(), &r.installed_app_id, "sync")
            .unwrap()
            .unwrap();
        if j.status != "running" {
            job = Some(j);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let job = job.expect("the resumed sync finished within 20 s");
    assert_eq!(job.status, "done", "{:?}", job.error);
    assert_eq!((job.done, job.total), (300, 300));
    assert_eq!(
        app.count("kyc_identities"),
        200,
        "pages 2 and 3 were read, page 1 was not read again"
    );
}

#[actix_web::test]
async fn a_rerun_rescreens_only_identities_whose_assessment_key_changed() {
    use diesel::prelude::*;
    let app = spawn_app().await;
    let r = launch_reviewer(&app, &ALL_SCOPES).await;
    let (_, home) = page(&app, &r, "/kyc").await;
    wait_for_jobs(&app, &r).await;
    let all = sandbox_identities(&app, &r.key).await;
    let mut variants = ids_where(&all, |s| s == "sanctions_exact").into_iter();
    let (kept, stale) = (variants.next().unwrap(), variants.next().unwrap());
    // Blank the stored hits of two identities; mark one as screened under an old list.
    let clear_hits = |id: &str, key: Option<&str>| {
        let row = blnk_kyc::kyc::index::find(&mut app.conn(), &r.installed_app_id, id)
            .unwrap()
            .unwrap();
        let mut a: Value = serde_json::from_str(row.assessment.as_deref().unwrap()).unwrap();
        a["screening"]["hits"] = json!([]);
        diesel::sql_query("UPDATE kyc_identities SET assessment = ?, assessed_key = COALESCE(?, assessed_key) WHERE identity_id = ?")
            .bind::<diesel::sql_types::Text, _>(a.to_string())
            .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(key)
            .bind::<diesel::sql_types::Text, _>(id)
            .execute(&mut app.conn())
            .unwrap();
    };
    clear_hits(&kept, None);
    clear_hits(&stale, Some("sha256:old-list"));
    // Run sync + screen again.
    app.clock.advance(60);
    let rerun_at = app.clock.now_ts();
    let csrf = home
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let resp = app
        .client
        .post(app.url("/kyc/sync"))
        .header("cookie", &r.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let mut finished = false;
    for _ in 0..400 {
        let j = blnk_kyc::jobs::find_job(&mut app.conn(), &r.installed_app_id, "screen")
            .unwrap()
            .unwrap();
        if j.status == "done" && j.finished_at.is_some_and(|t| t >= rerun_at) {
            finished = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(finished, "the rerun finished within 20 s");
    let hits_of = |id: &str| {
        blnk_kyc::kyc::index::find(&mut app.conn(), &r.installed_app_id, id)
            .unwrap()
            .unwrap()
            .assessment()
            .unwrap()
            .screening
            .hits
            .len()
    };
    assert_eq!(
        hits_of(&kept),
        0,
        "unchanged identity: its screening was reused, not redone"
    );
    assert!(
        hits_of(&stale) >= 1,
        "identity screened under another list: screened again"
    );
}

/// The number shown in `#result-count`.
fn result_count(html: &str) -> i64 {
    html.split("id=\"result-count\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no result count in the page"))
}

#[actix_web::test]
async fn each_view_shows_as_many_identities_as_it_holds_and_pages_through_them() {
    use diesel::prelude::*;
    let app = spawn_app().await;
    let r = launch_reviewer(&app, &ALL_SCOPES).await;
    page(&app, &r, "/kyc").await;
    wait_for_jobs(&app, &r).await;
    // Statuses set in the database as decisions would leave them (the triggers keep the
    // counts): of the first 120 identities by id, 30 approved with a review date passed, 30
    // approved with one to come, 30 approved whose data changed since the decision (due again),
    // 20 rejected with a review date passed, 10 rejected with none.
    let mut conn = app.conn();
    let set = |conn: &mut blnk_kyc::db::DbConn, skip: i64, take: i64, sql: &str| {
        diesel::sql_query(format!(
            "UPDATE kyc_identities SET {sql} WHERE installed_app_id = ?1 AND identity_id IN \
             (SELECT identity_id FROM kyc_identities WHERE installed_app_id = ?1 \
              ORDER BY identity_id LIMIT {take} OFFSET {skip})"
        ))
        .bind::<diesel::sql_types::Text, _>(&r.installed_app_id)
        .execute(conn)
        .unwrap();
    };
    let approved_now = "status = 'approved', decided_hash = content_hash";
    set(
        &mut conn,
        0,
        30,
        &format!("{approved_now}, review_due_at = 1"),
    );
    set(
        &mut conn,
        30,
        30,
        &format!("{approved_now}, review_due_at = 4102444800"),
    );
    set(
        &mut conn,
        60,
        30,
        "status = 'approved', decided_hash = 'before'",
    );
    set(&mut conn, 90, 20, "status = 'rejected', review_due_at = 1");
    set(&mut conn, 110, 10, "status = 'rejected'");
    drop(conn);

    // The default view: 180 unreviewed, 60 review_due (the sweep of this page moved there the
    // approved identities whose review date passed or whose data changed), 20 rejected whose
    // review date passed.
    let (status, html) = page(&app, &r, "/kyc/queue").await;
    assert_eq!(status, 200);
    assert_eq!(result_count(&html), 260, "needs attention");
    let mut seen = BTreeSet::new();
    for n in 1..=6 {
        let (_, html) = page(&app, &r, &format!("/kyc/queue?page={n}")).await;
        seen.extend(row_ids(&html));
    }
    assert_eq!(
        seen.len(),
        260,
        "the pages hold as many rows as the count says"
    );
    let scanned: i64 = {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(
            "SELECT count(*) AS n FROM kyc_identities WHERE installed_app_id = ? AND \
             (status IN ('unreviewed', 'in_review', 'escalated', 'review_due', \
              'pending_approval') OR review_due_at <= strftime('%s', 'now'))",
        )
        .bind::<diesel::sql_types::Text, _>(&r.installed_app_id)
        .get_result::<N>(&mut app.conn())
        .unwrap()
        .n
    };
    assert_eq!(scanned, 260, "a scan of the index agrees");

    for (query, expected) in [
        ("status=all", 300),
        ("status=approved", 30),
        ("status=review_due", 60),
        ("status=rejected", 30),
        ("status=unreviewed", 180),
        ("status=escalated", 0),
        // The due filter: counted from its set (review_due, or a passed date), the same figure.
        ("status=all&due=1", 80),
        ("due=1", 80),
        ("status=approved&due=1", 0),
    ] {
        let (status, html) = page(&app, &r, &format!("/kyc/queue?{query}")).await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(result_count(&html), expected, "{query}");
    }
}

/// The ids of the install's identities that match `condition` (SQL over the index table).
fn ids_matching(app: &TestApp, r: &Reviewer, condition: &str) -> BTreeSet<String> {
    use diesel::prelude::*;
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Text)]
        identity_id: String,
    }
    diesel::sql_query(format!(
        "SELECT identity_id FROM kyc_identities WHERE installed_app_id = ? AND ({condition})"
    ))
    .bind::<diesel::sql_types::Text, _>(&r.installed_app_id)
    .load::<Id>(&mut app.conn())
    .unwrap()
    .into_iter()
    .map(|r| r.identity_id)
    .collect()
}

/// Every row of a view, page after page, checked against the view's count.
async fn every_row_of(app: &TestApp, r: &Reviewer, query: &str) -> BTreeSet<String> {
    let (status, html) = page(app, r, &format!("/kyc/queue?{query}")).await;
    assert_eq!(status, 200, "{query}");
    let total = result_count(&html);
    let mut seen = row_ids(&html);
    let mut n = 1;
    while (seen.len() as i64) < total && n < 100 {
        n += 1;
        let (_, html) = page(app, r, &format!("/kyc/queue?{query}&page={n}")).await;
        let rows = row_ids(&html);
        assert!(
            !rows.is_empty(),
            "{query}: page {n} is empty before the count"
        );
        seen.extend(rows);
    }
    assert_eq!(
        seen.len() as i64,
        total,
        "{query}: the pages hold the count"
    );
    seen
}

/// Writes `n` identities into `r`'s index as a sync would leave them (`idt_00000` ...,
/// `Person 0` ...; bands alternate high/low, risk `(i * 7) % 100`), with SQL expressions of `i`
/// for the email, country, status and review date.
fn seed_index(
    app: &TestApp,
    r: &Reviewer,
    n: i64,
    email: &str,
    country: &str,
    status: &str,
    review_due_at: &str,
) {
    use diesel::prelude::*;
    diesel::sql_query(format!(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {n}) \
         INSERT INTO kyc_identities (installed_app_id, identity_id, display_name, identity_kind, \
           email, phone, country, body, content_hash, status, risk_score, risk_band, \
           review_due_at, first_seen_at, last_seen_at, refreshed_at) \
         SELECT ?, printf('idt_%05d', i), 'Person ' || i, 'individual', {email}, '', \
           {country}, '{{}}', 'h' || i, {status}, (i * 7) % 100, \
           CASE i % 2 WHEN 0 THEN 'high' ELSE 'low' END, {review_due_at}, 1, 1, 1 FROM n"
    ))
    .bind::<diesel::sql_types::Text, _>(&r.installed_app_id)
    .execute(&mut app.conn())
    .unwrap();
}

/// The ids of a queue page's rows, in order.
fn ids_in_order(html: &str) -> Vec<String> {
    html.split("data-identity=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_owned)
        .collect()
}

#[actix_web::test]
async fn the_due_view_holds_the_same_rows_whether_its_set_is_read_or_walked() {
    use diesel::prelude::*;
    let app = spawn_app().await;
    // No data:read: nothing is synced, the index holds only the rows written here.
    let r = launch_reviewer(&app, &["alerts:read"]).await;
    // 2,600 identities: 2,100 marked review_due, 200 approved with a review date passed (the
    // first page's sweep marks them review_due too), 50 rejected with a review date passed,
    // 250 unreviewed. Bands and countries alternate. 2,350 due: more than the set a page reads
    // (2,000), so the view is walked in its order.
    seed_index(
        &app,
        &r,
        2600,
        "''",
        "CASE i % 3 WHEN 0 THEN 'NG' WHEN 1 THEN 'GB' ELSE 'KE' END",
        "CASE WHEN i < 2100 THEN 'review_due' WHEN i < 2300 THEN 'approved' \
         WHEN i < 2350 THEN 'rejected' ELSE 'unreviewed' END",
        "CASE WHEN i >= 2100 AND i < 2350 THEN 1 END",
    );
    let due = "status = 'review_due' OR review_due_at <= strftime('%s', 'now')";

    let walked = every_row_of(&app, &r, "due=1").await;
    assert_eq!(walked.len(), 2350);
    assert_eq!(walked, ids_matching(&app, &r, due), "walked: the due rows");
    assert_eq!(every_row_of(&app, &r, "status=all&due=1").await, walked);
    assert_eq!(
        every_row_of(&app, &r, "status=all&due=1&band=high&country=NG").await,
        ids_matching(
            &app,
            &r,
            &format!("({due}) AND risk_band = 'high' AND country = 'NG'")
        ),
        "walked, with filters"
    );

    // 400 of them taken into review: 1,950 due, few enough for the view to read its set.
    diesel::sql_query(
        "UPDATE kyc_identities SET status = 'in_review' WHERE installed_app_id = ? \
         AND identity_id < 'idt_00400'",
    )
    .bind::<diesel::sql_types::Text, _>(&r.installed_app_id)
    .execute(&mut app.conn())
    .unwrap();
    let read = every_row_of(&app, &r, "due=1").await;
    assert_eq!(read.len(), 1950);
    assert_eq!(
        read,
        ids_matching(&app, &r, due),
        "read from the set: the due rows"
    );
    assert_eq!(every_row_of(&app, &r, "status=all&due=1").await, read);
    for (query, condition) in [
        (
            "status=all&due=1&band=high&country=NG",
            format!("({due}) AND risk_band = 'high' AND country = 'NG'"),
        ),
        (
            "status=rejected&due=1",
            format!("({due}) AND status = 'rejected'"),
        ),
        (
            "status=unreviewed&due=1",
            format!("({due}) AND status = 'unreviewed'"),
        ),
        (
            "status=all&due=1&q=Person%2023",
            format!("({due}) AND display_name LIKE '%Person 23%'"),
        ),
    ] {
        let expected = ids_matching(&app, &r, &condition);
        assert_eq!(every_row_of(&app, &r, query).await, expected, "{query}");
    }
    // The CSV export of the view reads the same set.
    let csv = app
        .get_with_cookie("/kyc/queue.csv?due=1", &r.cookie)
        .await
        .text()
        .await
        .unwrap();
    let exported: BTreeSet<String> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .map(str::to_owned)
        .collect();
    assert_eq!(exported, read, "the export holds the view's rows");
    // The order of a page read from the set is the view's order: by risk, highest first.
    let (_, html) = page(&app, &r, "/kyc/queue?due=1").await;
    let first = ids_in_order(&html);
    let top = ids_matching(&app, &r, &format!("({due}) AND risk_score = 99"));
    assert!(!top.is_empty());
    assert!(
        first
            .iter()
            .take(top.len().min(50))
            .all(|id| top.contains(id)),
        "the first rows have the highest risk"
    );
}

#[actix_web::test]
async fn broad_short_and_empty_searches_find_the_rows_a_scan_finds() {
    let app = spawn_app().await;
    let r = launch_reviewer(&app, &["alerts:read"]).await;
    // 2,600 identities, every one with `example` in its email: more matches than a search
    // reads one by one (2,000), so the view's index is walked and each row tested.
    seed_index(
        &app,
        &r,
        2600,
        "'p' || i || '@example.com'",
        "CASE i % 3 WHEN 0 THEN 'NG' ELSE 'GB' END",
        "CASE i % 4 WHEN 0 THEN 'approved' ELSE 'unreviewed' END",
        "NULL",
    );
    let like = |term: &str| {
        format!(
            "(display_name LIKE '%{term}%' OR email LIKE '%{term}%' OR identity_id LIKE '%{term}%')"
        )
    };

    // Broad: every row matches.
    let all = every_row_of(&app, &r, "status=all&q=example").await;
    assert_eq!(all.len(), 2600);
    assert_eq!(all, ids_matching(&app, &r, &like("example")));
    for (query, condition) in [
        (
            "q=example",
            format!("{} AND status <> 'approved'", like("example")),
        ),
        (
            "status=approved&band=high&q=EXAMPLE.com",
            format!(
                "{} AND status = 'approved' AND risk_band = 'high'",
                like("example.com")
            ),
        ),
        // Narrow: 11 matches, read one by one.
        ("status=all&q=Person%20123", like("Person 123")),
        // Shorter than three characters: every row compared. Over 2,000 matches, the view's
        // index is walked; fewer, the matches are found first and their rows read.
        ("status=all&q=@e", like("@e")),
        ("q=P", format!("{} AND status <> 'approved'", like("P"))),
        ("status=all&q=12", like("12")),
        (
            "status=approved&q=8@",
            format!("{} AND status = 'approved'", like("8@")),
        ),
        (
            "status=all&country=NG&q=7",
            format!("{} AND country = 'NG'", like("7")),
        ),
    ] {
        let expected = ids_matching(&app, &r, &condition);
        assert!(!expected.is_empty(), "{query}");
        assert_eq!(every_row_of(&app, &r, query).await, expected, "{query}");
    }
    // A broad search's page is in the view's order: by risk, highest first.
    let (_, html) = page(&app, &r, "/kyc/queue?status=all&q=example").await;
    let top = ids_matching(&app, &r, "risk_score = 99");
    let first: Vec<String> = ids_in_order(&html)
        .into_iter()
        .take(top.len().min(50))
        .collect();
    assert!(!first.is_empty() && first.iter().all(|id| top.contains(id)));

    // Nothing found, short or long; and a page past the last row.
    for query in ["status=all&q=zq", "status=all&q=nobody%20here"] {
        let (status, html) = page(&app, &r, &format!("/kyc/queue?{query}")).await;
        assert_eq!(status, 200);
        assert_eq!(result_count(&html), 0, "{query}");
        assert!(row_ids(&html).is_empty(), "{query}");
    }
    let (status, html) = page(&app, &r, "/kyc/queue?status=all&q=example&page=60").await;
    assert_eq!(status, 200);
    assert_eq!(result_count(&html), 2600);
    assert!(row_ids(&html).is_empty(), "page 60 of 52");
}
