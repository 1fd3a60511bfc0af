//! Browser tests of the web UI: the real server on port 0 (SQLite in a temp dir) driven
//! by headless Chromium through WebDriver, as a person would use it.
//!
//! Without chromium and chromedriver the tests warn loudly and pass without running
//! (`AIMS_REQUIRE_BROWSER=1` makes that a failure). [`Ui`] is the harness every page
//! test reuses: it starts the server and a browser, signs in, fills and submits forms.

use std::sync::OnceLock;
use std::time::Duration;

use aims_domain::Role;
use aims_domain::inventory::{Criticality, LifecycleStage, SystemFields};
use aims_server::{Application, ServerConfig};
use aims_store::{Actor, NewUser, Store};
use aims_testkit::browser::Chromedriver;
use anyhow::{Context, Result, bail, ensure};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::Value;
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery staple";

/// One Argon2 hash for every user of every test: hashing is slow and not under test here.
fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| aims_server::auth::hash_password(PASSWORD).expect("hash"))
        .clone()
}

/// The server, its store and one browser session, with an organisation "Acme" whose
/// admin is `admin`.
struct Ui {
    client: Client,
    base: String,
    store: Store,
    org: Uuid,
    _dir: tempfile::TempDir,
    // Last, so that it is dropped last: it kills any browser a failed test left behind.
    _driver: Chromedriver,
}

impl Ui {
    /// `None` (after chromedriver's warning) when no browser is installed.
    async fn start() -> Result<Option<Ui>> {
        let Some(driver) = Chromedriver::start() else {
            return Ok(None);
        };
        let dir = tempfile::tempdir()?;
        let store = Store::open(&format!(
            "sqlite://{}",
            dir.path().join("aims.db").display()
        ))
        .await?;
        let org = store
            .create_organisation(&Actor::system("test"), "Acme")
            .await?
            .id;
        let app = Application::bind("127.0.0.1:0", store.clone(), ServerConfig::default()).await?;
        let base = format!("http://{}", app.local_addr()?);
        tokio::spawn(app.run_until(std::future::pending()));
        let capabilities: serde_json::Map<String, Value> =
            serde_json::from_str(&driver.capabilities())?;
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url())
            .await
            .context("starting a browser session")?;
        let ui = Ui {
            client,
            base,
            store,
            org,
            _dir: dir,
            _driver: driver,
        };
        ui.add_user("admin", Role::Admin).await?;
        Ok(Some(ui))
    }

    /// Ends the browser session; call at the end of every test.
    async fn finish(self) -> Result<()> {
        self.client.close().await?;
        Ok(())
    }

    async fn add_user(&self, username: &str, role: Role) -> Result<Uuid> {
        let new = NewUser {
            username: username.into(),
            display_name: format!("{username} (display)"),
            email: format!("{username}@example.org"),
            password_hash: password_hash(),
            role,
        };
        Ok(self
            .store
            .create_user(&Actor::system("test"), self.org, new)
            .await?
            .user_id)
    }

    async fn add_system(&self, name: &str, criticality: Option<Criticality>) -> Result<Uuid> {
        let fields = SystemFields {
            name: name.into(),
            owner: "Risk team".into(),
            lifecycle_stage: LifecycleStage::Operation,
            criticality,
            ..Default::default()
        };
        Ok(self
            .store
            .create_record(&Actor::system("seed"), self.org, fields)
            .await?
            .id)
    }

    async fn goto(&self, path: &str) -> Result<()> {
        self.client.goto(&format!("{}{path}", self.base)).await?;
        Ok(())
    }

    async fn path(&self) -> Result<String> {
        Ok(self.client.current_url().await?.path().to_owned())
    }

    async fn find(&self, css: &str) -> Result<Element> {
        self.client
            .find(Locator::Css(css))
            .await
            .with_context(|| format!("no element `{css}` on the page"))
    }

    async fn exists(&self, css: &str) -> Result<bool> {
        Ok(!self.client.find_all(Locator::Css(css)).await?.is_empty())
    }

    async fn text(&self, css: &str) -> Result<String> {
        Ok(self.find(css).await?.text().await?)
    }

    async fn texts(&self, css: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for element in self.client.find_all(Locator::Css(css)).await? {
            out.push(element.text().await?);
        }
        Ok(out)
    }

    async fn value(&self, css: &str) -> Result<String> {
        Ok(self
            .find(css)
            .await?
            .prop("value")
            .await?
            .unwrap_or_default())
    }

    /// Replaces the text of an input or textarea by typing.
    async fn fill(&self, css: &str, text: &str) -> Result<()> {
        let element = self.find(css).await?;
        element.clear().await?;
        element.send_keys(text).await?;
        Ok(())
    }

    /// Sets a value through script, for inputs whose typing depends on the locale (dates).
    async fn set_value(&self, css: &str, value: &str) -> Result<()> {
        let element = serde_json::to_value(self.find(css).await?)?;
        self.client
            .execute(
                "arguments[0].value = arguments[1];",
                vec![element, Value::from(value)],
            )
            .await?;
        Ok(())
    }

    async fn select(&self, css: &str, value: &str) -> Result<()> {
        self.find(css).await?.select_by_value(value).await?;
        Ok(())
    }

    /// Clicks and waits until the next page has replaced this one.
    async fn click_and_wait(&self, css: &str) -> Result<()> {
        let old = self.client.find(Locator::Css("html")).await?;
        self.find(css).await?.click().await?;
        self.wait_for_new_page(old).await
    }

    async fn wait_for_new_page(&self, old: Element) -> Result<()> {
        for _ in 0..200 {
            // A stale element means the document it belonged to is gone.
            if old.tag_name().await.is_err() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        bail!("the page did not change within 5 s")
    }

    /// JavaScript's answer, as JSON.
    async fn script(&self, js: &str) -> Result<Value> {
        Ok(self.client.execute(js, Vec::new()).await?)
    }

    async fn sign_in(&self, username: &str, password: &str) -> Result<()> {
        self.goto("/sign-in").await?;
        self.fill("#username", username).await?;
        self.fill("#password", password).await?;
        self.click_and_wait("main button[type=submit]").await
    }

    async fn sign_out(&self) -> Result<()> {
        self.click_and_wait(".user-menu button[type=submit]").await
    }

    /// Saves a screenshot to `target/screenshots/<name>.png` (not committed) for people to look at.
    async fn screenshot(&self, name: &str) -> Result<()> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&dir)?;
        std::fs::write(
            dir.join(format!("{name}.png")),
            self.client.screenshot().await?,
        )?;
        Ok(())
    }
}

/// Starts the harness or skips the test (chromedriver has already warned).
macro_rules! ui_or_skip {
    () => {
        match Ui::start().await? {
            Some(ui) => ui,
            None => return Ok(()),
        }
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_through_the_form() -> Result<()> {
    let ui = ui_or_skip!();
    ui.goto("/systems").await?;
    ensure!(
        ui.path().await? == "/sign-in",
        "a page behind sign-in sends to the sign-in form"
    );

    ui.fill("#username", "admin").await?;
    ui.fill("#password", "not the password").await?;
    ui.click_and_wait("main button[type=submit]").await?;
    let summary = ui.text(".error-summary").await?;
    ensure!(
        summary.contains("There is a problem")
            && summary.contains("user name or password is wrong"),
        "summary: {summary}"
    );
    ensure!(
        ui.exists(".error-summary a[href='#password']").await?,
        "the summary links to the field"
    );
    ensure!(
        ui.value("#username").await? == "admin",
        "the user name is kept"
    );
    ensure!(
        ui.value("#password").await?.is_empty(),
        "the password is not sent back"
    );

    ui.fill("#password", PASSWORD).await?;
    ui.click_and_wait("main button[type=submit]").await?;
    ensure!(ui.path().await? == "/systems", "back to the page asked for");
    ensure!(ui.text(".site-header .org").await? == "Acme");
    ensure!(ui.text(".user-menu").await?.contains("Administrator"));
    ui.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_a_system_and_find_it_in_the_list() -> Result<()> {
    let ui = ui_or_skip!();
    ui.sign_in("admin", PASSWORD).await?;
    ui.goto("/systems").await?;
    ensure!(
        ui.text("main")
            .await?
            .contains("No AI systems have been recorded yet.")
    );
    ui.click_and_wait("a.button[href='/systems/new']").await?;
    ensure!(ui.text("h1").await? == "New AI system");

    ui.fill("#field-name", "Pedestrian detector").await?;
    ui.fill("#field-owner", "Perception team").await?;
    ui.select("#field-lifecycle_stage", "operation").await?;
    ui.select("#field-criticality", "high").await?;
    ui.fill("#field-affected_stakeholders", "Pedestrians\nDrivers")
        .await?;
    ui.click_and_wait("form.record-form button[type=submit]")
        .await?;

    let path = ui.path().await?;
    ensure!(
        path.starts_with("/systems/") && path.len() > "/systems/".len(),
        "on the details page, got {path}"
    );
    ensure!(ui.text("h1").await? == "Pedestrian detector");
    ensure!(ui.text(".notice").await?.contains("created"));
    let details = ui.text("dl.details").await?;
    for expected in [
        "Operation and monitoring",
        "High",
        "Perception team",
        "Pedestrians",
        "Drivers",
        "Not yet assessed",
    ] {
        ensure!(
            details.contains(expected),
            "details lack {expected:?}: {details}"
        );
    }
    ensure!(
        ui.text("main").await?.contains("Revision\n1"),
        "the revision is shown"
    );

    ui.add_system("Anomaly scorer", Some(Criticality::Low))
        .await?;
    ui.add_system("Route planner", Some(Criticality::Critical))
        .await?;
    ui.goto("/systems").await?;
    let names = ui.texts("table.data tbody th a").await?;
    ensure!(
        names == ["Anomaly scorer", "Pedestrian detector", "Route planner"],
        "sorted by name: {names:?}"
    );
    ensure!(ui.text("#list-count").await? == "Showing 1–3 of 3 AI systems");
    ui.screenshot("systems-list").await?;

    // Sorting by a header, then filtering by criticality; both work without JavaScript.
    ui.click_and_wait("table.data thead th a[href*='sort=name']")
        .await?;
    let names = ui.texts("table.data tbody th a").await?;
    ensure!(
        names.first().map(String::as_str) == Some("Route planner"),
        "name descending: {names:?}"
    );
    ensure!(
        ui.find("th[aria-sort=descending]")
            .await?
            .text()
            .await?
            .contains("Name")
    );
    ui.select("#filter-criticality", "high").await?;
    ui.click_and_wait("form.filters button[type=submit]")
        .await?;
    let names = ui.texts("table.data tbody th a").await?;
    ensure!(names == ["Pedestrian detector"], "filtered: {names:?}");
    ui.goto("/systems?criticality=extreme").await?;
    ensure!(ui.text("h1").await? == "Bad Request");
    ensure!(
        ui.text("main")
            .await?
            .contains("must be one of low, medium, high, critical")
    );
    ui.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_form_shows_each_error_and_keeps_the_input() -> Result<()> {
    let ui = ui_or_skip!();
    ui.sign_in("admin", PASSWORD).await?;
    ui.goto("/datasets/new").await?;
    ui.fill("#field-description", "Frames from the depot cameras")
        .await?;
    ui.set_value("#field-collection_start", "2024-05-10")
        .await?;
    ui.set_value("#field-collection_end", "2024-05-01").await?;
    ui.find("#field-personal_data").await?.click().await?;
    ui.click_and_wait("form.record-form button[type=submit]")
        .await?;

    ensure!(
        ui.client.title().await?.starts_with("Error: "),
        "the title says there is an error"
    );
    let summary = ui.text(".error-summary").await?;
    ensure!(summary.contains("Name is required"), "summary: {summary}");
    ensure!(
        summary.contains("Collection end must not be before collection start"),
        "summary: {summary}"
    );
    ensure!(ui.exists(".error-summary a[href='#field-name']").await?);
    ensure!(
        ui.exists(".error-summary a[href='#field-collection_end']")
            .await?
    );
    ensure!(
        ui.exists("div.field.error #field-name").await?,
        "the name field is marked"
    );
    ensure!(
        ui.text("#field-name-error")
            .await?
            .contains("Name is required")
    );
    ensure!(
        ui.text("#field-collection_end-error")
            .await?
            .contains("must not be before")
    );
    let described = ui
        .find("#field-name")
        .await?
        .attr("aria-describedby")
        .await?
        .unwrap_or_default();
    ensure!(
        described.contains("field-name-error"),
        "the error is announced with the input: {described}"
    );
    ensure!(ui.value("#field-description").await? == "Frames from the depot cameras");
    ensure!(ui.value("#field-collection_start").await? == "2024-05-10");
    ensure!(ui.value("#field-collection_end").await? == "2024-05-01");
    ensure!(
        ui.find("#field-personal_data").await?.is_selected().await?,
        "the checkbox stays ticked"
    );
    let focused = ui.script("return document.activeElement.className").await?;
    ensure!(
        focused
            .as_str()
            .is_some_and(|c| c.contains("error-summary")),
        "focus on the summary: {focused}"
    );
    ui.screenshot("dataset-form-errors").await?;

    // The summary's link takes the user to the field.
    ui.find(".error-summary a[href='#field-name']")
        .await?
        .click()
        .await?;
    ensure!(ui.script("return document.activeElement.id").await? == "field-name");

    ui.fill("#field-name", "Depot frames").await?;
    ui.set_value("#field-collection_end", "2024-06-01").await?;
    ui.click_and_wait("form.record-form button[type=submit]")
        .await?;
    ensure!(ui.text("h1").await? == "Depot frames");
    let details = ui.text("dl.details").await?;
    ensure!(
        details.contains("10 May 2024") && details.contains("1 June 2024"),
        "{details}"
    );
    ui.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_over_someone_elses_change_shows_the_conflict() -> Result<()> {
    let ui = ui_or_skip!();
    let id = ui.add_system("Credit scorer", None).await?;
    ui.sign_in("admin", PASSWORD).await?;
    ui.goto(&format!("/systems/{id}/edit")).await?;
    ensure!(
        ui.value("#field-owner").await? == "Risk team",
        "the form is filled in"
    );
    ui.fill("#field-owner", "Model risk office").await?;

    // Someone else saves first.
    let mut theirs = ui.store.record::<SystemFields>(ui.org, id).await?;
    theirs.fields.owner = "Lending team".into();
    ui.store
        .update_record(&Actor::system("blake"), ui.org, id, 1, theirs.fields)
        .await?;

    ui.click_and_wait("form.record-form button[type=submit]")
        .await?;
    let conflict = ui.text(".conflict").await?;
    ensure!(
        conflict.contains("Someone else changed this record"),
        "{conflict}"
    );
    ensure!(
        conflict.contains("blake") && conflict.contains("Your changes have not been saved"),
        "{conflict}"
    );
    let row = ui.text(".conflict tbody tr").await?;
    ensure!(
        row.contains("Owner") && row.contains("Lending team") && row.contains("Model risk office"),
        "{row}"
    );
    ensure!(
        ui.value("#field-owner").await? == "Model risk office",
        "the user's input is kept"
    );
    ensure!(
        ui.value("input[name=revision]").await? == "2",
        "the form now carries their revision"
    );
    let stored = ui.store.record::<SystemFields>(ui.org, id).await?;
    ensure!(
        stored.fields.owner == "Lending team",
        "nothing was overwritten"
    );

    // Saving again, knowingly, replaces their version.
    ui.click_and_wait("form.record-form button[type=submit]")
        .await?;
    ensure!(ui.text(".notice").await?.contains("saved"));
    let stored = ui.store.record::<SystemFields>(ui.org, id).await?;
    ensure!(stored.fields.owner == "Model risk office" && stored.revision == 3);
    ui.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_decide_what_is_offered() -> Result<()> {
    let ui = ui_or_skip!();
    ui.add_user("casey", Role::Contributor).await?;
    ui.add_user("ada", Role::Auditor).await?;
    let id = ui.add_system("Fraud detector", None).await?;

    ui.sign_in("casey", PASSWORD).await?;
    ui.goto("/users").await?;
    ensure!(ui.text("h1").await? == "Users and roles");
    ensure!(
        !ui.exists("a[href='/users/new']").await?,
        "no user creation for a contributor"
    );
    ensure!(
        !ui.exists("a[href$='/edit']").await?,
        "no user editing for a contributor"
    );
    ui.goto("/users/new").await?;
    ensure!(ui.text("h1").await? == "Forbidden");
    ensure!(ui.text("main").await?.contains("does not allow this"));
    ui.goto("/systems").await?;
    ensure!(
        ui.exists("a.button[href='/systems/new']").await?,
        "a contributor may create"
    );
    ui.sign_out().await?;

    ui.sign_in("ada", PASSWORD).await?;
    for list in ["/systems", "/models", "/datasets", "/suppliers", "/users"] {
        ui.goto(list).await?;
        ensure!(
            !ui.exists("main a.button").await?,
            "an auditor sees no New button on {list}"
        );
    }
    ui.goto(&format!("/systems/{id}")).await?;
    ensure!(ui.text("h1").await? == "Fraud detector");
    ensure!(
        !ui.exists("a[href$='/edit']").await? && !ui.exists("form[action$='/delete']").await?,
        "no Edit or Delete for an auditor"
    );
    ui.goto("/systems/new").await?;
    ensure!(ui.text("h1").await? == "Forbidden");
    ui.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_accounts_and_tokens() -> Result<()> {
    let ui = ui_or_skip!();
    ui.sign_in("admin", PASSWORD).await?;

    // Every section page renders; one without pages says so.
    ui.goto("/sections/inventory").await?;
    ensure!(ui.exists("main a[href='/datasets']").await?);
    ui.goto("/sections/context").await?;
    ensure!(
        ui.text("main")
            .await?
            .contains("Nothing in this section can be recorded in aims yet")
    );

    // A new user through the form; a short password is a field error.
    ui.goto("/users/new").await?;
    ui.fill("#field-username", "admin").await?;
    ui.fill("#field-password", "short").await?;
    ui.click_and_wait("main form button[type=submit]").await?;
    ensure!(
        ui.text("#field-password-error")
            .await?
            .contains("at least 12 characters")
    );
    ui.fill("#field-username", "robin").await?;
    ui.fill("#field-display_name", "Robin Auditor").await?;
    ui.find("#field-role-4").await?.click().await?;
    ui.fill("#field-password", "a long enough first password")
        .await?;
    ui.click_and_wait("main form button[type=submit]").await?;
    ensure!(ui.path().await? == "/users");
    let table = ui.text("table.data").await?;
    ensure!(
        table.contains("Robin Auditor") && table.contains("Auditor"),
        "{table}"
    );

    // Changing one's password: a wrong current password is a field error.
    ui.goto("/account").await?;
    ui.fill("#field-current_password", "wrong password here")
        .await?;
    ui.fill("#field-new_password", "another long password")
        .await?;
    ui.click_and_wait("form[action='/account/password'] button[type=submit]")
        .await?;
    ensure!(
        ui.text("#field-current_password-error")
            .await?
            .contains("is not your current password")
    );

    // A token is shown once, then only listed; revoking asks first.
    ui.goto("/tokens").await?;
    ui.fill("#field-name", "ci-pipeline").await?;
    ui.click_and_wait("form[action='/tokens'] button[type=submit]")
        .await?;
    let token = ui.text(".secret").await?;
    ensure!(token.starts_with("aims_"), "{token}");
    ensure!(
        ui.text(".secret-panel")
            .await?
            .contains("shown only this once")
    );
    ui.goto("/tokens").await?;
    ensure!(!ui.exists(".secret").await?, "not shown again");
    ensure!(ui.text("table.data").await?.contains("ci-pipeline"));
    let old = ui.client.find(Locator::Css("html")).await?;
    ui.find("form[action$='/revoke'] button")
        .await?
        .click()
        .await?;
    ui.client.accept_alert().await?;
    ui.wait_for_new_page(old).await?;
    ensure!(ui.text(".notice").await?.contains("revoked"));
    ensure!(ui.text("table.data").await?.contains("Revoked"));
    ui.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_risk_is_rated_treated_and_accepted_through_the_pages() -> Result<()> {
    let ui = ui_or_skip!();
    ui.add_system("Person <b>detector</b>", Some(Criticality::High))
        .await?;
    ui.add_user("carl", Role::Contributor).await?;
    ui.add_user("maria", Role::Manager).await?;
    ui.sign_in("carl", PASSWORD).await?;
    ui.goto("/risks/new").await?;
    ui.fill("#field-title", "Detector misses people with darker skin")
        .await?;
    ui.find("#field-system_ids").await?.click().await?;
    ui.select("#field-inherent_likelihood", "4").await?;
    ui.select("#field-inherent_impact", "4").await?;
    ui.select("#field-treatment", "retain").await?;
    ui.fill("#field-action-0-title", "Rebalance the training data")
        .await?;
    ui.fill("#field-action-0-controls", "A.7.4\nA.99").await?;
    ui.click_and_wait("form.record-form button[type=submit]")
        .await?;
    let summary = ui.text(".error-summary").await?;
    ensure!(
        summary.contains("Action 1 controls `A.99` is not an identifier of ISO/IEC 42001"),
        "summary: {summary}"
    );
    ensure!(
        ui.exists(".error-summary a[href='#field-action-0-controls']")
            .await?
    );
    ui.fill("#field-action-0-controls", "A.7.4").await?;
    ui.click_and_wait("form.record-form button[type=submit]")
        .await?;
    let summary = ui.text(".error-summary").await?;
    ensure!(
        summary.contains("Treatment is retain, but open treatment actions remain"),
        "summary: {summary}"
    );
    ui.select("#field-treatment", "modify").await?;
    ui.select("#field-action-0-status", "done").await?;
    ui.select("#field-residual_likelihood", "2").await?;
    ui.select("#field-residual_impact", "4").await?;
    ui.click_and_wait("form.record-form button[type=submit]")
        .await?;
    ensure!(ui.text("h1").await? == "Detector misses people with darker skin");
    let details = ui.text("dl.details").await?;
    ensure!(
        details.contains("Critical") && details.contains("High"),
        "{details}"
    );
    ensure!(
        details.contains("Person <b>detector</b>"),
        "the name is shown as text: {details}"
    );
    let path = ui.path().await?;

    // A contributor may not accept a High residual risk; the page says who may.
    ui.fill("#field-rationale", "Within appetite").await?;
    ui.set_value("#field-expires_on", "2030-12-31").await?;
    ui.click_and_wait("form.record-form button[type=submit]")
        .await?;
    let summary = ui.text(".error-summary").await?;
    ensure!(
        summary.contains("may only be accepted by manager or admin"),
        "{summary}"
    );
    ui.sign_out().await?;
    ui.sign_in("maria", PASSWORD).await?;
    ui.goto(&path).await?;
    ui.fill("#field-rationale", "Within appetite after rebalancing")
        .await?;
    let in_a_year = (chrono::Utc::now() + chrono::Duration::days(365))
        .date_naive()
        .to_string();
    ui.set_value("#field-expires_on", &in_a_year).await?;
    ui.click_and_wait("form.record-form button[type=submit]")
        .await?;
    ensure!(ui.text(".notice").await?.contains("saved"));
    ensure!(ui.text("#acceptance + p").await?.contains("accepted"));

    ui.goto("/risks").await?;
    ensure!(ui.text("#list-count").await?.starts_with("1 of 1 risks"));
    ensure!(
        ui.exists("svg rect[fill='#cf222e']").await?,
        "the heat map is drawn"
    );
    ui.screenshot("risk-register").await?;
    ui.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classify_a_system_under_the_eu_ai_act() -> Result<()> {
    let ui = ui_or_skip!();
    let id = ui
        .add_system("Consumer credit scoring", Some(Criticality::Critical))
        .await?;
    ui.sign_in("admin", PASSWORD).await?;
    ui.goto(&format!("/systems/{id}")).await?;
    ui.click_and_wait(&format!("a[href='/systems/{id}/eu-ai-act']"))
        .await?;
    ensure!(ui.text("h1").await? == "EU AI Act classification");
    ensure!(
        ui.text("main")
            .await?
            .contains("has not been classified yet")
    );
    ui.click_and_wait("main a.button").await?;
    ensure!(ui.text("h1").await? == "Classify under the EU AI Act");

    let shown = |q: &'static str| {
        let ui = &ui;
        async move {
            ui.find(&format!("[data-question='{q}']"))
                .await?
                .is_displayed()
                .await
                .map_err(anyhow::Error::from)
        }
    };
    let answer = |q: &'static str, value: &'static str| {
        let ui = &ui;
        async move {
            ui.find(&format!("input[name='{q}'][value='{value}']"))
                .await?
                .click()
                .await?;
            anyhow::Ok(())
        }
    };
    // Questions appear as earlier answers make them relevant.
    ensure!(shown("roles").await? && !shown("gpai_model").await?);
    answer("roles", "provider").await?;
    answer("roles", "deployer").await?;
    ensure!(
        shown("gpai_model").await?,
        "a provider is asked about GPAI models"
    );
    ensure!(!shown("prohibited_manipulation").await?);
    answer("provider_outside_eu", "false").await?;
    answer("ai_system", "true").await?;
    answer("gpai_model", "false").await?;
    ensure!(!shown("gpai_compute_threshold").await?);
    answer("scope_exclusion", "none").await?;
    for practice in [
        "prohibited_manipulation",
        "prohibited_exploiting_vulnerabilities",
        "prohibited_social_scoring",
        "prohibited_crime_prediction",
        "prohibited_face_scraping",
        "prohibited_emotion_recognition",
        "prohibited_biometric_categorisation",
        "prohibited_realtime_rbi",
    ] {
        answer(practice, "false").await?;
    }
    ensure!(!shown("realtime_rbi_exception").await?);
    answer("annex_i_product", "false").await?;
    ensure!(!shown("essential_services_use").await?);
    answer("annex_iii_areas", "essential_services").await?;
    answer("essential_services_use", "creditworthiness").await?;
    answer("exception_6_3", "none").await?;
    ensure!(!shown("profiling").await?, "no Art. 6(3) condition claimed");
    answer("deployer_type", "other").await?;
    answer("interacts_with_people", "false").await?;
    answer("generates_synthetic_content", "false").await?;
    ensure!(!shown("deep_fake").await?);
    answer("emotion_or_biometric_categorisation", "false").await?;
    ui.fill("#field-note", "Scores loan applicants for credit officers.")
        .await?;
    ui.screenshot("eu-ai-act-form").await?;
    ui.click_and_wait("form.classification-form button[type=submit]")
        .await?;

    ensure!(
        ui.path().await? == format!("/systems/{id}/eu-ai-act"),
        "back on the result"
    );
    ensure!(ui.text(".notice").await?.contains("saved as a new version"));
    ensure!(ui.text("dl.result .label").await? == "High-risk");
    ensure!(
        ui.text("ol.rationale")
            .await?
            .contains("creditworthiness of natural persons")
    );
    ensure!(
        ui.text("table.obligations")
            .await?
            .contains("Fundamental rights impact assessment")
    );
    ensure!(ui.texts("table.versions tbody tr").await?.len() == 1);
    ui.screenshot("eu-ai-act-result").await?;
    ui.script("document.querySelector('#obligations').scrollIntoView()")
        .await?;
    ui.screenshot("eu-ai-act-obligations").await?;
    ui.goto(&format!("/systems/{id}")).await?;
    ensure!(ui.text("dl.details").await?.contains("High-risk"));
    ui.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_impact_assessment_is_drafted_checked_and_raises_a_risk() -> Result<()> {
    let ui = ui_or_skip!();
    ui.add_system("Entrance person detector", Some(Criticality::High))
        .await?;
    ui.sign_in("admin", PASSWORD).await?;
    ui.goto("/impact-assessments/new").await?;
    let system = ui.find("#field-system_id option:nth-child(2)").await?;
    let value = system.attr("value").await?.unwrap_or_default();
    ui.select("#field-system_id", &value).await?;
    ui.find("input[name=template_id][value=impact-individuals-groups]")
        .await?
        .click()
        .await?;
    ui.click_and_wait("form.record-form button[type=submit]")
        .await?;
    ensure!(ui.path().await?.ends_with("/edit"), "on to the questions");

    ui.fill("#field-q-intended-purpose", "Counts people at entrances.")
        .await?;
    ui.find("input[name=q-decision-role][value=usually-followed]")
        .await?
        .click()
        .await?;
    ui.click_and_wait("form.record-form button[type=submit]")
        .await?;
    ensure!(ui.text(".notice").await?.contains("saved"));
    let details = ui.text("dl.details").await?;
    ensure!(details.contains("high"), "the derived level: {details}");
    ensure!(
        ui.text("dl.answers")
            .await?
            .contains("A person decides, but usually follows the output"),
        "answers are shown by their labels"
    );

    // Approval lists each unanswered required question, linked to its input.
    let details_path = ui.path().await?;
    ui.click_and_wait("form[action$='/approve'] button[type=submit]")
        .await?;
    let summary = ui.text(".error-summary").await?;
    ensure!(
        summary.contains("is required before approval"),
        "summary: {summary}"
    );
    ensure!(
        ui.exists(".error-summary a[href='#field-q-effect-significance']")
            .await?
    );
    ensure!(
        ui.exists("#field-q-effect-significance").await?,
        "the questionnaire is shown"
    );
    ui.goto(&details_path).await?;

    // A risk from the flagged answer, in one step.
    ui.select("#field-question_id", "decision-role").await?;
    ui.select("#field-inherent_likelihood", "3").await?;
    ui.select("#field-inherent_impact", "4").await?;
    ui.click_and_wait("form[action$='/raise-risk'] button[type=submit]")
        .await?;
    ensure!(ui.path().await?.starts_with("/risks/"));
    let details = ui.text("dl.details").await?;
    ensure!(
        details.contains("Identified in version 1") && details.contains("Entrance person detector"),
        "{details}"
    );
    ui.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_soa_is_adopted_and_controls_are_changed_in_bulk() -> Result<()> {
    let ui = ui_or_skip!();
    ui.add_user("carl", Role::Contributor).await?;
    ui.sign_in("carl", PASSWORD).await?;
    ui.goto("/soa").await?;
    ui.click_and_wait("form.record-form button[type=submit]")
        .await?;
    ensure!(ui.text(".notice").await?.contains("adopted"));
    ensure!(
        ui.text("#list-count")
            .await?
            .starts_with("38 of 38 controls")
    );

    // A control without justification cannot be saved, in bulk or alone: the summary says which.
    let bulk = "form[action='/soa/bulk'] button[type=submit]";
    ui.find("input[name=item_refs][value='A.2.2']")
        .await?
        .click()
        .await?;
    ui.fill("#field-bulk_owner", "Head of AI").await?;
    ui.click_and_wait(bulk).await?;
    let summary = ui.text(".error-summary").await?;
    ensure!(
        summary.contains("Control A.2.2: justification is required"),
        "summary: {summary}"
    );
    ensure!(
        ui.find("input[name=item_refs][value='A.2.2']")
            .await?
            .is_selected()
            .await?,
        "the tick is kept"
    );
    ui.click_and_wait("a[href='/soa/controls/A.2.2']").await?;
    ui.fill(
        "#field-justification",
        "Our AI policy is required by the board.",
    )
    .await?;
    ui.click_and_wait("form.record-form button[type=submit]")
        .await?;
    ensure!(ui.text(".notice").await?.contains("saved"));

    ui.goto("/soa").await?;
    ui.find("input[name=item_refs][value='A.2.2']")
        .await?
        .click()
        .await?;
    ui.select("#field-bulk_status", "planned").await?;
    ui.fill("#field-bulk_owner", "Head of AI").await?;
    ui.click_and_wait(bulk).await?;
    ensure!(ui.text(".notice").await?.contains("saved"));
    ui.fill("#field-owner", "Head of AI").await?;
    ui.click_and_wait("form.filters button[type=submit]")
        .await?;
    ensure!(
        ui.text("#list-count")
            .await?
            .starts_with("1 of 38 controls")
    );
    ui.screenshot("soa-editor").await?;

    ui.goto("/soa/readiness").await?;
    ensure!(ui.exists("svg.bar rect.bar-fill").await?);
    ui.screenshot("soa-readiness").await?;
    ui.finish().await
}
