//! One module per command. Each returns the exit code of a normal outcome; errors travel
//! up to `main`, which prints them and exits 2.

pub mod eval;
mod init;
pub use init::ADMIN_USERNAME;
pub mod ledger;
pub mod library;
mod oscal;
mod remote;
mod risks;
mod serve;
mod soa;
mod systems;
mod transfer;

use std::process::ExitCode;

use aims_store::Store;
use anyhow::Context;

use crate::cli::{Command, EvalCommand, ExportCommand, RisksCommand, SystemsCommand};
use crate::settings::Settings;

/// Runs a command. `database_flag`: `--database` was given on the command line (rather than
/// in the environment or the configuration), which some commands refuse together with
/// flags of their own.
pub async fn run(
    command: Command,
    settings: Settings,
    database_flag: bool,
) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve(args) => serve::run(&settings, args.demo).await,
        Command::Init(args) => init::run(&settings, &args.organisation).await,
        Command::Systems(SystemsCommand::List(args)) => systems::list(&settings, &args).await,
        Command::Risks(RisksCommand::List(args)) => risks::list(&settings, &args).await,
        Command::Export(ExportCommand::Risks {
            format,
            organisation,
            output,
        }) => risks::export(&settings, organisation.as_deref(), format, &output).await,
        Command::Export(ExportCommand::All { output, .. }) => {
            transfer::export_all(&settings, &output).await
        }
        Command::Export(ExportCommand::Openapi { output }) => transfer::export_openapi(&output),
        Command::Export(ExportCommand::Soa {
            format,
            organisation,
            version,
            output,
        }) => soa::export(&settings, organisation.as_deref(), format, version, &output).await,
        Command::Export(ExportCommand::Decisions {
            system,
            from,
            to,
            format,
            organisation,
            output,
        }) => {
            transfer::export_decisions(
                &settings,
                &system,
                from.as_deref(),
                to.as_deref(),
                format,
                organisation.as_deref(),
                &output,
            )
            .await
        }
        Command::Export(ExportCommand::OscalCatalog {
            framework,
            library,
            output,
        }) => oscal::catalog(&framework, library.as_deref(), &output),
        Command::Export(ExportCommand::OscalProfile {
            framework,
            library,
            input,
            organisation,
            output,
        }) => {
            let source = oscal_source(
                &settings,
                framework.as_deref(),
                input.as_deref(),
                organisation.as_deref(),
            );
            oscal::profile(framework.as_deref(), library.as_deref(), source, &output).await
        }
        Command::Export(ExportCommand::OscalAssessmentResults {
            framework,
            library,
            input,
            organisation,
            output,
        }) => {
            let source = oscal_source(
                &settings,
                framework.as_deref(),
                input.as_deref(),
                organisation.as_deref(),
            );
            oscal::assessment_results(framework.as_deref(), library.as_deref(), source, &output)
                .await
        }
        Command::Import(args) => transfer::import(&settings, &args.file).await,
        Command::Eval(EvalCommand::Fairness(args)) => {
            eval::fairness(&settings, &args, database_flag).await
        }
        Command::Eval(EvalCommand::Drift(args)) => {
            eval::drift(&settings, &args, database_flag).await
        }
        Command::Library(command) => library::run(command),
        Command::Verify(args) => ledger::verify(&settings, &args).await,
        Command::Ledger(command) => ledger::run(&settings, command).await,
    }
}

/// Opens the configured database, naming it in the error.
pub async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    Store::open(&settings.database_url).await.with_context(|| {
        format!(
            "database {}",
            aims_store::redact_url(&settings.database_url)
        )
    })
}

/// The organisation's Statement of Applicability, or an error that says how to adopt one.
pub async fn adopted_soa(
    store: &Store,
    org: &aims_domain::account::Organisation,
) -> anyhow::Result<aims_domain::soa::Soa> {
    store.soa(org.id).await?.with_context(|| {
        format!(
            "{} has no Statement of Applicability yet: adopt a framework in the web UI or with POST /api/v1/soa",
            org.name
        )
    })
}

/// The organisation a command acts on: the one named, or the only one there is.
pub async fn pick_organisation(
    store: &Store,
    wanted: Option<&str>,
) -> anyhow::Result<aims_domain::account::Organisation> {
    let organisations = store.organisations().await?;
    match wanted {
        Some(wanted) => organisations
            .into_iter()
            .find(|o| o.name == wanted || o.id.to_string() == wanted)
            .with_context(|| format!("no organisation named or with id `{wanted}`")),
        None => match organisations.len() {
            0 => anyhow::bail!("the installation has no organisation yet: run `aims init` first"),
            1 => Ok(organisations.into_iter().next().expect("one element")),
            _ => anyhow::bail!(
                "the installation hosts several organisations ({}): choose one with --organisation",
                organisations
                    .iter()
                    .map(|o| o.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    }
}

/// An OSCAL document's source: the input file (clap makes --framework required with it),
/// else the database.
fn oscal_source<'a>(
    settings: &'a Settings,
    framework: Option<&'a str>,
    input: Option<&'a std::path::Path>,
    organisation: Option<&'a str>,
) -> oscal::Source<'a> {
    match (input, framework) {
        (Some(path), Some(framework)) => oscal::Source::File { framework, path },
        _ => oscal::Source::Database {
            settings,
            organisation,
        },
    }
}
