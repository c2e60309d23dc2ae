//! Hostile identity data from the Cloud side (spec §6): names, emails and cities with script,
//! attribute-breaking quotes, bidi overrides and zero-width characters, a 10,000-character name,
//! and cells that spreadsheets would run as formulas. After sync and screening every page shows
//! them escaped, bidi text is isolated, and both CSV exports neutralise formula cells.

use serde_json::{json, Value};

use crate::fixtures::*;
use crate::helpers::*;
use crate::review::{page, Reviewer};

const SCRIPT: &str = "<script>alert(1)</script>";
const SCRIPT_ESCAPED: &str = "&#60;script&#62;alert(1)&#60;/script&#62;";
const ATTR: &str = "\" onmouseover=\"x";
const ATTR_ESCAPED: &str = "&#34; onmouseover=&#34;x";
const IMG: &str = "<img src=x onerror=alert(2)>";
const IMG_ESCAPED: &str = "&#60;img src=x onerror=alert(2)&#62;";
const BIDI_FIRST: &str = "Ada\u{202e}live\u{202c}";
const ZW_LAST: &str = "Zero\u{200b}\u{200d}\u{feff}Width";

fn hostile_ledger() -> Vec<Value> {
    let dob = "1980-05-05T00:00:00Z";
    let long_last = format!("L{}", "o".repeat(9_999));
    let mut org = person("+idt_plus", "", "", dob, "org@example.com", "Oslo");
    org["identity_type"] = json!("organization");
    org["organization_name"] = json!("+cmd|' /C calc'!A0");
    let mut formula_country = person(
        "=idt_eq",
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "Formula",
        dob,
        "eq@example.com",
        "@SUM(A1)",
    );
    formula_country["country"] = json!("=1+1");
    vec![
        person(
            "idt_xss",
            SCRIPT,
            &format!("O'Brien{ATTR}"),
            dob,
            &format!("x{ATTR}@example.com"),
            IMG,
        ),
        person(
            "idt_bidi",
            BIDI_FIRST,
            ZW_LAST,
            dob,
            "bidi\u{202e}moc.elpmaxe@example.com",
            "Malm\u{202e}ö",
        ),
        person(
            "idt_long",
            "Long",
            &long_last,
            dob,
            "long@example.com",
            "Bergen",
        ),
        formula_country,
        org,
        person(
            "-idt_minus",
            "-2+3",
            "Minus",
            dob,
            "minus@example.com",
            "Turku",
        ),
        person(
            "@idt_at",
            "@SUM(1+1)*cmd|' /C calc'!A0",
            "At",
            dob,
            "at@example.com",
            "Espoo",
        ),
    ]
}

fn path_of(id: &str) -> String {
    format!(
        "/kyc/identities/{}",
        url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
    )
}

/// No markup from the data reached the page; what was shown is the escaped form.
fn assert_escaped(html: &str, ctx: &str) {
    for raw in [SCRIPT, IMG, ATTR, "<img src=x"] {
        assert!(!html.contains(raw), "{ctx}: raw {raw:?} in the page");
    }
    assert!(
        html.match_indices("<script")
            .all(|(i, _)| html[i..].starts_with("<script src=\"/static/js/")),
        "{ctx}: a script element other than the app's own files"
    );
    assert!(
        !html.contains("onmouseover=\""),
        "{ctx}: an event handler attribute"
    );
}

async fn csv(app: &TestApp, r: &Reviewer, path: &str) -> String {
    let resp = app.get_with_cookie(path, &r.cookie).await;
    assert_eq!(resp.status(), 200, "{path}");
    assert!(header(resp.headers(), "content-type").starts_with("text/csv"));
    resp.text().await.unwrap()
}

/// The CSV's first cell of each line (identity ids and audit sequence numbers are first or
/// second; callers look for whole cells with their separators).
fn has_cell(csv: &str, cell: &str) -> bool {
    csv.lines().any(|line| {
        line.starts_with(&format!("{cell},"))
            || line.contains(&format!(",{cell},"))
            || line.ends_with(&format!(",{cell}"))
    })
}

#[actix_web::test]
async fn hostile_identity_data_renders_escaped_and_exports_neutralised() {
    let ledger = hostile_ledger();
    let app = spawn_with_identities(&ledger).await;
    let r = ready_reviewer(&app).await;
    assert_eq!(app.count("kyc_identities"), ledger.len() as i64);

    // The queue: every identity, escaped, bidi names isolated.
    let (status, queue) = page(&app, &r, "/kyc/queue?status=all").await;
    assert_eq!(status, 200);
    assert_escaped(&queue, "queue");
    assert!(
        queue.contains(SCRIPT_ESCAPED),
        "queue shows the escaped name"
    );
    assert!(queue.contains(&format!("O&#39;Brien{ATTR_ESCAPED}")));
    assert!(
        queue.contains(&format!("<bdi>{BIDI_FIRST}")),
        "the bidi override is kept but isolated in <bdi>"
    );
    assert!(
        queue.contains(ZW_LAST),
        "zero-width characters kept as data"
    );
    assert!(queue.contains(&format!("Long L{}", "o".repeat(9_999))));
    // Searching with the hostile text itself is literal.
    let (status, found) = page(
        &app,
        &r,
        "/kyc/queue?status=all&q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    )
    .await;
    assert_eq!(status, 200);
    assert_escaped(&found, "queue search");
    assert!(found.contains("data-identity=\"idt_xss\""));

    // Each identity page.
    for item in &ledger {
        let id = item["identity_id"].as_str().unwrap();
        let (status, html) = page(&app, &r, &path_of(id)).await;
        assert_eq!(status, 200, "{id}: {:.300}", html_message(&html));
        assert_escaped(&html, id);
    }
    let (_, xss) = page(&app, &r, "/kyc/identities/idt_xss").await;
    assert!(xss.contains(&format!("<bdi>{SCRIPT_ESCAPED} O&#39;Brien{ATTR_ESCAPED}")));
    assert!(xss.contains(IMG_ESCAPED), "the city, escaped");
    assert!(
        xss.contains(&format!("x{ATTR_ESCAPED}@example.com")),
        "the email, escaped"
    );
    let (_, bidi) = page(&app, &r, "/kyc/identities/idt_bidi").await;
    assert!(
        bidi.contains(&format!("<bdi>{BIDI_FIRST}")),
        "the heading isolates the name, so the override cannot reorder the status next to it"
    );

    // A reviewer's own note with markup is stored as text and shown escaped in the history,
    // the identity's audit trail and the audit log.
    let token = csrf_of(&xss);
    let version = xss
        .split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let hash = xss
        .split("name=\"content_hash\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let (status, body) = post_form_as(
        &app,
        &r,
        "/kyc/identities/idt_xss/decision",
        &[
            ("csrf", &token),
            ("action", "start_review"),
            ("reason_code", ""),
            ("note", &format!("{SCRIPT} and {IMG}")),
            ("version", &version),
            ("content_hash", &hash),
        ],
    )
    .await;
    assert_eq!(status, 303, "{:.300}", html_message(&body));
    let (_, xss) = page(&app, &r, "/kyc/identities/idt_xss").await;
    assert_escaped(&xss, "identity page after the note");
    assert!(xss.contains(&format!("{SCRIPT_ESCAPED} and {IMG_ESCAPED}")));
    let (status, audit) = page(&app, &r, "/kyc/audit").await;
    assert_eq!(status, 200);
    assert_escaped(&audit, "audit log");
    assert!(audit.contains(&format!("{SCRIPT_ESCAPED} and {IMG_ESCAPED}")));
    assert!(
        audit.contains("Chain intact"),
        "hostile data does not break the chain"
    );
    assert!(audit.contains("<code>=idt_eq</code>") && audit.contains("<code>@idt_at</code>"));

    // The queue CSV: formula-leading cells get a leading apostrophe, quoted per RFC 4180.
    let q = csv(&app, &r, "/kyc/queue.csv?status=all").await;
    for cell in [
        "'=idt_eq",
        "'+idt_plus",
        "'-idt_minus",
        "'@idt_at",
        "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\") Formula\"",
        "'+cmd|' /C calc'!A0",
        "'-2+3 Minus",
        "'@SUM(1+1)*cmd|' /C calc'!A0 At",
        "'=1+1",
    ] {
        assert!(
            has_cell(&q, cell),
            "queue CSV lacks the cell {cell}:\n{q:.2000}"
        );
    }
    for raw in [
        "\n=idt_eq,",
        ",=HYPERLINK",
        ",+cmd",
        ",-2+3",
        ",@SUM",
        ",=1+1",
    ] {
        assert!(!q.contains(raw), "queue CSV has a live formula {raw:?}");
    }
    assert!(q.contains(&format!("\"{SCRIPT} O'Brien\"\" onmouseover=\"\"x\"")));
    assert_eq!(q.lines().count(), 1 + ledger.len(), "one line per identity");

    // The audit CSV (whole log) and one identity's: identity ids that look like formulas.
    let a = csv(&app, &r, "/kyc/audit.csv").await;
    for cell in ["'=idt_eq", "'+idt_plus", "'-idt_minus", "'@idt_at"] {
        assert!(has_cell(&a, cell), "audit CSV lacks {cell}");
    }
    for raw in [",=idt_eq,", ",+idt_plus,", ",-idt_minus,", ",@idt_at,"] {
        assert!(!a.contains(raw), "audit CSV has a live formula {raw:?}");
    }
    let one = csv(&app, &r, &format!("{}/audit.csv", path_of("=idt_eq"))).await;
    assert!(has_cell(&one, "'=idt_eq"), "{one}");
    assert!(!one.contains(",=idt_eq,"));
    assert_healthy(&app).await;
}
