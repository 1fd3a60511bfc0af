//! `aims serve`: the web UI and REST API until interrupted.

use std::process::ExitCode;
use std::time::Duration;

use aims_server::Application;
use anyhow::Context;

use super::{init, open_store};
use crate::settings::Settings;
use crate::{demo, keys};

pub async fn run(settings: &Settings, with_demo: bool) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    if let Some(dir) = &settings.library_dir {
        let library = super::library::load_library(Some(dir))?;
        tracing::info!(
            folder = %dir.display(),
            frameworks = library.frameworks.len(),
            crosswalks = library.crosswalks.len(),
            "library folder laid over the embedded library"
        );
        aims_server::library::install(library)?;
    }
    let store = open_store(settings).await?;
    let mut login = None;
    if store.is_empty().await? {
        if with_demo {
            let password = init::create_installation(&store, demo::ORGANISATION).await?;
            demo::load(&store).await.context("loading the demo data")?;
            login = Some(password);
        } else {
            tracing::warn!(
                "the database has no organisation yet: run `aims init` (or `aims serve --demo`) to create one"
            );
        }
    }
    let (signing_key, created) = keys::load_or_create(settings)?;
    if created {
        tracing::info!(path = %keys::key_path(settings).display(), "created the ledger signing key");
    }
    let mut config = settings.server_config();
    config.signing_key = Some(std::sync::Arc::new(signing_key));
    let app = Application::bind(&settings.listen, store.clone(), config)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let addr = app.local_addr()?;
    println!(
        "aims is serving http://{addr} ({} database, ready in {} ms)",
        store.engine().name(),
        started.elapsed().as_millis()
    );
    match (with_demo, &login) {
        (true, Some(password)) => {
            println!("Demo organisation \"{}\" loaded.", demo::ORGANISATION);
            init::print_admin(password);
        }
        (true, None) => println!(
            "The database already holds data; sign in as `{}` with the password printed at its first start.",
            init::ADMIN_USERNAME
        ),
        _ => {}
    }
    tokio::spawn(maintenance(store.clone()));
    app.run_until(shutdown_signal()).await?;
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Hourly upkeep: removes expired sessions and refreshes planner statistics. On
/// PostgreSQL any instance may do it; both steps are idempotent.
async fn maintenance(store: aims_store::Store) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    every.tick().await;
    loop {
        every.tick().await;
        match store.purge_expired_sessions().await {
            Ok(n) if n > 0 => tracing::info!(sessions = n, "expired sessions removed"),
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "removing expired sessions failed"),
        }
        if let Err(err) = store.optimize().await {
            tracing::warn!(error = %err, "refreshing planner statistics failed");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
