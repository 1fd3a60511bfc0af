//! The Statement of Applicability, readiness and framework pages on every engine: what each
//! shows, forms that save and redirect, forms shown again with 400 naming the field, and
//! 403 for roles that may not.

mod common;

use aims_domain::Role;
use aims_server::ServerConfig;
use common::{TestServer, call, servers};
use reqwest::Method;
use serde_json::{Value, json};

/// A browser-like client signed in as a new user with `role`: cookies kept, redirects not
/// followed, and the CSRF token the forms carry.
async fn signed_in(s: &TestServer, role: Role) -> (reqwest::Client, String) {
    let username = format!("{}-soa-pages", role.as_str());
    s.user_in(s.org, &username, role).await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let session: Value = client
        .post(s.url("/api/v1/session"))
        .json(&json!({"username": username, "password": common::PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = session["csrf_token"].as_str().unwrap().to_owned();
    (client, csrf)
}

async fn get(client: &reqwest::Client, s: &TestServer, path: &str) -> (u16, String) {
    let response = client.get(s.url(path)).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn post(
    client: &reqwest::Client,
    s: &TestServer,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let response = client.post(s.url(path)).form(form).send().await.unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, response.text().await.unwrap())
}

/// The revision a page's form carries.
fn revision_in(page: &str) -> String {
    let start = page
        .find("name=\"revision\" value=\"")
        .expect("a revision field")
        + 23;
    page[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_soa_editor_and_its_forms_on_every_engine() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let e = s.engine;
        let (contributor, csrf) = signed_in(s, Role::Contributor).await;
        let (auditor, auditor_csrf) = signed_in(s, Role::Auditor).await;

        // Nothing adopted yet: the adoption form, refused to auditors, checked as the API does.
        let (status, page) = get(&contributor, s, "/soa").await;
        assert_eq!(status, 200, "{e}");
        assert!(page.contains("No framework has been adopted yet"), "{e}");
        assert!(page.contains("value=\"iso-iec-42001-2023\""), "{e}");
        let (status, _, _) = post(
            &auditor,
            s,
            "/soa",
            &[
                ("csrf_token", &auditor_csrf),
                ("framework_id", "iso-iec-42001-2023"),
            ],
        )
        .await;
        assert_eq!(status, 403, "{e}");
        let (status, _, page) = post(
            &contributor,
            s,
            "/soa",
            &[("csrf_token", &csrf), ("framework_id", "<b>nope</b>")],
        )
        .await;
        assert_eq!(status, 400, "{e}");
        assert!(page.contains("href=\"#field-framework_id\""), "{e}");
        assert!(page.contains("must be a framework of the library"), "{e}");
        assert!(
            page.contains("&lt;b&gt;nope") && !page.contains("<b>nope"),
            "{e}"
        );
        let (status, location, _) = post(
            &contributor,
            s,
            "/soa",
            &[
                ("csrf_token", &csrf),
                ("framework_id", "iso-iec-42001-2023"),
            ],
        )
        .await;
        assert_eq!(
            (status, location.as_str()),
            (303, "/soa?notice=adopted"),
            "{e}"
        );

        // The editor: overview, downloads, controls by objective, filters checked as the API's.
        let (status, page) = get(&contributor, s, "/soa?notice=adopted").await;
        assert_eq!(status, 200, "{e}");
        for text in [
            "The framework has been adopted",
            "38 of 38 controls",
            "/api/v1/soa/export?format=xlsx",
            "href=\"/soa/controls/A.6.2.4\"",
            "name=\"item_refs\"",
            "None yet",
        ] {
            assert!(page.contains(text), "{e}: {text}");
        }
        let (status, page) = get(&contributor, s, "/soa?status=bogus&applicable=maybe").await;
        assert_eq!(status, 400, "{e}");
        assert!(page.contains("href=\"#field-status\""), "{e}");
        assert!(page.contains("href=\"#field-applicable\""), "{e}");

        // Bulk edit: all or nothing, each control's rules named; then the ticked ones change.
        let bulk = [
            ("csrf_token", csrf.as_str()),
            ("item_refs", "A.2.2"),
            ("item_refs", "A.3.2"),
            ("bulk_status", "planned"),
            ("bulk_owner", "Head of AI"),
        ];
        let (status, _, page) = post(&contributor, s, "/soa/bulk", &bulk).await;
        assert_eq!(status, 400, "{e}");
        assert!(
            page.contains(
                "Control A.3.2: justification is required: say why the control is included"
            ),
            "{e}"
        );
        assert!(page.contains("value=\"A.3.2\" checked"), "{e}: ticks kept");
        let token = s.token(Role::Contributor).await;
        for r in ["A.2.2", "A.3.2"] {
            let (status, body) = call(
                s,
                Method::PATCH,
                &format!("/api/v1/soa/controls/{r}"),
                Some(&token),
                Some(json!({"revision": 1, "justification": "Required by our policy."})),
            )
            .await;
            assert_eq!(status, 200, "{body}");
        }
        let (status, location, _) = post(&contributor, s, "/soa/bulk", &bulk).await;
        assert_eq!(
            (status, location.as_str()),
            (303, "/soa?notice=saved"),
            "{e}"
        );
        let (_, page) = get(&contributor, s, "/soa?owner=Head+of+AI&status=planned").await;
        assert!(page.contains("2 of 38 controls"), "{e}");
        // The owner can be removed in bulk too, but not named and removed at once.
        let clear = |owner: &'static str| {
            [
                ("csrf_token", csrf.as_str()),
                ("item_refs", "A.3.2"),
                ("bulk_owner", owner),
                ("bulk_clear_owner", "true"),
            ]
        };
        let (status, _, page) = post(&contributor, s, "/soa/bulk", &clear("Someone")).await;
        assert_eq!(status, 400, "{e}");
        assert!(
            page.contains("Either name a new owner or remove the owner, not both"),
            "{e}"
        );
        let (status, _, _) = post(&contributor, s, "/soa/bulk", &clear("")).await;
        assert_eq!(status, 303, "{e}");
        let (_, page) = get(&contributor, s, "/soa?owner=Head+of+AI").await;
        assert!(
            page.contains("1 of 38 controls"),
            "{e}: A.3.2 has no owner now"
        );
        // The framework browser links a control to its SoA entry and shows where it stands.
        let (status, page) = get(
            &contributor,
            s,
            "/frameworks/iso-iec-42001-2023/nodes/A.2.2",
        )
        .await;
        assert_eq!(status, 200, "{e}");
        assert!(page.contains("In the Statement of Applicability"), "{e}");
        assert!(
            page.contains("href=\"/soa/controls/A.2.2\"")
                && page.contains("applicable, planned · owner Head of AI"),
            "{e}: {page}"
        );
        let (_, page) = get(
            &contributor,
            s,
            "/frameworks/nist-ai-rmf-1.0/nodes/GOVERN%201.1",
        )
        .await;
        assert!(
            !page.contains("In the Statement of Applicability"),
            "{e}: not the adopted framework"
        );
        let (status, _, page) = post(
            &contributor,
            s,
            "/soa/bulk",
            &[("csrf_token", &csrf), ("bulk_owner", "Someone")],
        )
        .await;
        assert_eq!(status, 400, "{e}");
        assert!(page.contains("href=\"#field-item_refs\""), "{e}");
        assert!(
            page.contains("Selected controls must name at least one control"),
            "{e}"
        );
        let (status, _, _) = post(
            &auditor,
            s,
            "/soa/bulk",
            &[
                ("csrf_token", &auditor_csrf),
                ("item_refs", "A.2.2"),
                ("bulk_owner", "x"),
            ],
        )
        .await;
        assert_eq!(status, 403, "{e}");

        // One control: the framework's text, the entry's form, its rules and the revision.
        let (status, page) = get(&contributor, s, "/soa/controls/A.2.2").await;
        assert_eq!(status, 200, "{e}");
        assert!(
            page.contains("Evidence expected") && page.contains("YYYY-MM-DD"),
            "{e}"
        );
        let revision = revision_in(&page);
        let form = |justification: &'static str, revision: &str| {
            vec![
                ("csrf_token", csrf.clone()),
                ("revision", revision.to_owned()),
                ("applicable", "true".to_owned()),
                ("justification", justification.to_owned()),
                ("status", "implemented".to_owned()),
                ("owner", "Head of AI".to_owned()),
                ("target_date", "2026-03-31".to_owned()),
                (
                    "evidence",
                    "AI policy v2\nBoard minutes | 2099-12-31".to_owned(),
                ),
            ]
        };
        let response = contributor
            .post(s.url("/soa/controls/A.2.2"))
            .form(&form("", &revision))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{e}");
        let page = response.text().await.unwrap();
        assert!(page.contains("href=\"#field-justification\""), "{e}");
        assert!(
            page.contains("Justification is required: say why the control is included"),
            "{e}"
        );
        assert!(
            page.contains("Board minutes | 2099-12-31"),
            "{e}: input kept"
        );
        let response = contributor
            .post(s.url("/soa/controls/A.2.2"))
            .form(&form("The AI policy is in force.", &revision))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "{e}");
        assert_eq!(
            response.headers()["location"],
            "/soa/controls/A.2.2?notice=saved"
        );
        let (_, page) = get(&contributor, s, "/soa/controls/A.2.2?notice=saved").await;
        assert!(page.contains("Your changes have been saved"), "{e}");
        assert!(page.contains("Board minutes | 2099-12-31"), "{e}");
        // The same revision again is stale: the conflict is said, nothing is overwritten.
        let response = contributor
            .post(s.url("/soa/controls/A.2.2"))
            .form(&form("Another reason.", &revision))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{e}");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("Someone else changed this control")
        );
        let (status, _) = get(&contributor, s, "/soa/controls/Z.9").await;
        assert_eq!(status, 400, "{e}");
        let (status, page) = get(&auditor, s, "/soa/controls/A.2.2").await;
        assert_eq!(status, 200, "{e}");
        assert!(
            page.contains("The AI policy is in force.") && !page.contains("name=\"justification\"")
        );
        let (status, _, _) = post(
            &auditor,
            s,
            "/soa/controls/A.2.2",
            &[("csrf_token", &auditor_csrf), ("justification", "x")],
        )
        .await;
        assert_eq!(status, 403, "{e}");

        // Clause requirements: the list by clause and the same edit pattern.
        let (status, page) = get(&auditor, s, "/soa/requirements").await;
        assert_eq!(status, 200, "{e}");
        assert!(page.contains("href=\"/soa/requirements/9.2.1\""), "{e}");
        let (_, page) = get(&contributor, s, "/soa/requirements/9.2.1").await;
        let revision = revision_in(&page);
        let (status, _, page) = post(
            &contributor,
            s,
            "/soa/requirements/9.2.1",
            &[
                ("csrf_token", &csrf),
                ("revision", &revision),
                ("status", "done"),
                ("notes", "Kept"),
            ],
        )
        .await;
        assert_eq!(status, 400, "{e}");
        assert!(
            page.contains("href=\"#field-status\"") && page.contains(">Kept</textarea>"),
            "{e}"
        );
        let (status, location, _) = post(
            &contributor,
            s,
            "/soa/requirements/9.2.1",
            &[
                ("csrf_token", &csrf),
                ("revision", &revision),
                ("status", "conforming"),
                ("owner", "Internal audit"),
                ("notes", "Audit programme approved."),
                ("evidence", "Audit programme 2026"),
            ],
        )
        .await;
        assert_eq!(
            (status, location.as_str()),
            (303, "/soa/requirements/9.2.1?notice=saved"),
            "{e}"
        );
        let (status, _, _) = post(
            &auditor,
            s,
            "/soa/requirements/9.2.1",
            &[("csrf_token", &auditor_csrf), ("status", "conforming")],
        )
        .await;
        assert_eq!(status, 403, "{e}");
    }
}

#[tokio::test]
async fn versions_and_readiness_pages_on_every_engine() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let e = s.engine;
        let token = s.token(Role::Contributor).await;
        let (manager, csrf) = signed_in(s, Role::Manager).await;
        let (contributor, contributor_csrf) = signed_in(s, Role::Contributor).await;
        let (status, _) = get(&manager, s, "/soa/readiness").await;
        assert_eq!(status, 200, "{e}: readiness before adoption");
        let (status, _) = call(
            s,
            Method::POST,
            "/api/v1/soa",
            Some(&token),
            Some(json!({"framework_id": "iso-iec-42001-2023"})),
        )
        .await;
        assert_eq!(status, 201);

        // Approval is refused while controls have no justification, naming them.
        let (status, page) = get(&manager, s, "/soa/versions").await;
        assert_eq!(status, 200, "{e}");
        assert!(page.contains("Approve as version 1"), "{e}");
        let (status, _, page) = post(
            &manager,
            s,
            "/soa/versions",
            &[("csrf_token", &csrf), ("note", "First")],
        )
        .await;
        assert_eq!(status, 400, "{e}");
        assert!(
            page.contains("Control A.2.2: justification is required"),
            "{e}"
        );
        let (status, _, _) = post(
            &contributor,
            s,
            "/soa/versions",
            &[("csrf_token", &contributor_csrf), ("note", "First")],
        )
        .await;
        assert_eq!(status, 403, "{e}");

        // Every control justified through the API, then approved on the page.
        let (_, list) = call(s, Method::GET, "/api/v1/soa/controls", Some(&token), None).await;
        for item in list["items"].as_array().unwrap() {
            let r = item["item_ref"].as_str().unwrap();
            let (status, body) = call(
                s,
                Method::PATCH,
                &format!("/api/v1/soa/controls/{r}"),
                Some(&token),
                Some(json!({"revision": item["revision"], "justification": "Needed for our systems."})),
            )
            .await;
            assert_eq!(status, 200, "{body}");
        }
        let (status, location, _) = post(
            &manager,
            s,
            "/soa/versions",
            &[("csrf_token", &csrf), ("note", "First <approval>")],
        )
        .await;
        assert_eq!(
            (status, location.as_str()),
            (303, "/soa/versions?notice=approved"),
            "{e}"
        );
        let (_, page) = get(&manager, s, "/soa/versions?notice=approved").await;
        assert!(
            page.contains("approved as a new version") && page.contains("First &lt;approval&gt;"),
            "{e}"
        );

        // Compare with the draft after a change; a bad version is named.
        let (_, control) = call(
            s,
            Method::GET,
            "/api/v1/soa/controls/A.5.2",
            Some(&token),
            None,
        )
        .await;
        let (status, _) = call(
            s,
            Method::PATCH,
            "/api/v1/soa/controls/A.5.2",
            Some(&token),
            Some(json!({"revision": control["revision"], "status": "implemented", "evidence": [{"reference": "Impact assessment procedure"}]})),
        )
        .await;
        assert_eq!(status, 200);
        let (status, page) = get(&manager, s, "/soa/versions?from_version=1&to_version=").await;
        assert_eq!(status, 200, "{e}");
        assert!(
            page.contains("current draft")
                && page.contains("A.5.2")
                && page.contains("Impact assessment procedure"),
            "{e}"
        );
        let (status, page) = get(&manager, s, "/soa/versions?from_version=x").await;
        assert_eq!(status, 400, "{e}");
        assert!(page.contains("href=\"#field-from_version\""), "{e}");
        let (status, page) = get(&manager, s, "/soa/versions?from_version=7").await;
        assert_eq!(status, 400, "{e}");
        assert!(page.contains("version 7 has not been approved"), "{e}");

        // Readiness: overall, per clause, per objective, bars and the crosswalk views.
        let (status, page) = get(&contributor, s, "/soa/readiness").await;
        assert_eq!(status, 200, "{e}");
        for text in [
            "Per clause",
            "Per Annex A objective",
            "NIST AI RMF",
            "EU AI Act",
            "<rect",
            "A.5",
        ] {
            assert!(page.contains(text), "{e}: {text}");
        }
        assert!(!page.contains("style="), "{e}: no inline styles");
    }
}

#[tokio::test]
async fn the_framework_browser_and_crosswalks_on_every_engine() {
    let (servers, _pg) = servers(ServerConfig::default()).await;
    for s in &servers {
        let e = s.engine;
        let (auditor, _) = signed_in(s, Role::Auditor).await;
        let (status, page) = get(&auditor, s, "/frameworks").await;
        assert_eq!(status, 200, "{e}");
        for text in [
            "ISO/IEC 42001",
            "NIST AI RMF",
            "EU AI Act",
            "href=\"/crosswalks\"",
        ] {
            assert!(page.contains(text), "{e}: {text}");
        }

        // The tree with each assessable node's text; a search keeps matches and ancestors.
        let (status, page) = get(&auditor, s, "/frameworks/iso-iec-42001-2023").await;
        assert_eq!(status, 200, "{e}");
        assert!(
            page.contains("id=\"node-A.6.2.4\"") && page.contains("<details>"),
            "{e}"
        );
        assert!(page.contains("id=\"node-A.10\""), "{e}");
        let (status, page) = get(&auditor, s, "/frameworks/iso-iec-42001-2023?q=a.6.2.4").await;
        assert_eq!(status, 200, "{e}");
        assert!(
            page.contains("id=\"node-A.6.2.4\"") && page.contains("id=\"node-A.6\""),
            "{e}"
        );
        assert!(
            !page.contains("id=\"node-A.10\"") && page.contains("1 nodes match"),
            "{e}"
        );
        let (status, page) =
            get(&auditor, s, "/frameworks/iso-iec-42001-2023?q=%3Cscript%3E").await;
        assert_eq!(status, 200, "{e}");
        assert!(
            page.contains("value=\"&lt;script&gt;\"") && page.contains("0 nodes match"),
            "{e}"
        );
        let (status, _) = get(&auditor, s, "/frameworks/nope").await;
        assert_eq!(status, 404, "{e}");

        // The crosswalk view of one node, from the target's side too.
        let (status, page) = get(
            &auditor,
            s,
            "/frameworks/nist-ai-rmf-1.0/nodes/GOVERN%201.1",
        )
        .await;
        assert_eq!(status, 200, "{e}");
        assert!(
            page.contains("href=\"/frameworks/iso-iec-42001-2023/nodes/4.1\""),
            "{e}"
        );
        assert!(page.contains("intersect"), "{e}");
        let (status, page) = get(&auditor, s, "/frameworks/iso-iec-42001-2023/nodes/4.1").await;
        assert_eq!(status, 200, "{e}");
        assert!(
            page.contains("href=\"/frameworks/nist-ai-rmf-1.0/nodes/GOVERN%201.1\""),
            "{e}"
        );
        let (status, _) = get(&auditor, s, "/frameworks/iso-iec-42001-2023/nodes/Z.9").await;
        assert_eq!(status, 404, "{e}");

        let (status, page) = get(&auditor, s, "/crosswalks").await;
        assert_eq!(status, 200, "{e}");
        assert!(
            page.contains("id=\"iso-42001-to-nist-ai-rmf\"") && page.contains(">280<"),
            "{e}"
        );

        // Signed out, the pages send people to sign in.
        let anonymous = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let (status, _) = get(&anonymous, s, "/frameworks").await;
        assert_eq!(status, 303, "{e}");
    }
}
