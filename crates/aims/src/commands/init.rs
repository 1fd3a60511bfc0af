//! `aims init`: an empty installation with its first organisation and admin.

use std::process::ExitCode;

use aims_domain::Role;
use aims_domain::ValidationErrors;
use aims_domain::account::check_new_password;
use aims_store::{Actor, NewUser, Store};
use anyhow::bail;
use rand::Rng;
use rand::distributions::Alphanumeric;

use super::open_store;
use crate::settings::Settings;

pub const ADMIN_USERNAME: &str = "admin";

pub async fn run(settings: &Settings, organisation: &str) -> anyhow::Result<ExitCode> {
    let store = open_store(settings).await?;
    if !store.is_empty().await? {
        bail!(
            "the database {} is already initialised",
            aims_store::redact_url(&settings.database_url)
        );
    }
    let created = create_installation(&store, organisation).await?;
    let (key, _) = crate::keys::load_or_create(settings)?;
    println!(
        "Initialised {}.",
        aims_store::redact_url(&settings.database_url)
    );
    println!(
        "Ledger signing key: {} (public key {})",
        crate::keys::key_path(settings).display(),
        key.public_key().to_base64()
    );
    println!("Organisation: {organisation}");
    print_admin(&created);
    Ok(ExitCode::SUCCESS)
}

/// The first admin's password: from AIMS_ADMIN_PASSWORD (checked against the policy), or
/// generated.
pub struct AdminPassword {
    pub password: String,
    pub generated: bool,
}

pub fn admin_password() -> anyhow::Result<AdminPassword> {
    match std::env::var("AIMS_ADMIN_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
    {
        Some(password) => {
            let mut errors = ValidationErrors::new();
            check_new_password(
                &mut errors,
                "AIMS_ADMIN_PASSWORD",
                &password,
                ADMIN_USERNAME,
            );
            if let Err(errors) = errors.into_result() {
                bail!("{errors}");
            }
            Ok(AdminPassword {
                password,
                generated: false,
            })
        }
        None => Ok(AdminPassword {
            password: rand::thread_rng()
                .sample_iter(&Alphanumeric)
                .take(20)
                .map(char::from)
                .collect(),
            generated: true,
        }),
    }
}

/// Creates the organisation and its admin; returns the admin's password.
pub async fn create_installation(
    store: &Store,
    organisation: &str,
) -> anyhow::Result<AdminPassword> {
    let password = admin_password()?;
    let hash = aims_server::auth::hash_password(&password.password)?;
    let actor = Actor::system("aims init");
    let org = store.create_organisation(&actor, organisation).await?;
    store
        .create_user(
            &actor,
            org.id,
            NewUser {
                username: ADMIN_USERNAME.into(),
                display_name: "Administrator".into(),
                email: String::new(),
                password_hash: hash,
                role: Role::Admin,
            },
        )
        .await?;
    Ok(password)
}

pub fn print_admin(password: &AdminPassword) {
    if password.generated {
        println!(
            "Admin user: {ADMIN_USERNAME}   password: {}",
            password.password
        );
        println!("This password is shown once. Set AIMS_ADMIN_PASSWORD before init to choose it.");
    } else {
        println!("Admin user: {ADMIN_USERNAME}   password: from AIMS_ADMIN_PASSWORD");
    }
}
