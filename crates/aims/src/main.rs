//! `aims`: the AI management system's binary. It parses the command line, loads settings,
//! runs one command and maps its outcome to an exit code: 0 ok, 1 a check failed,
//! 2 a usage or input error (with one clear line on standard error).

mod cli;
mod commands;
mod demo;
mod demo_eu_ai_act;
mod keys;
mod settings;

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use cli::{Cli, Command};
use settings::{LogFormat, Overrides, Settings};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let overrides = Overrides {
        database_url: cli.database.clone(),
        listen: match &cli.command {
            Command::Serve(args) => args.listen.clone(),
            _ => None,
        },
        library_dir: match &cli.command {
            Command::Serve(args) => args.library.clone(),
            _ => None,
        },
    };
    let settings = match Settings::load(cli.config.as_deref(), &env, &overrides) {
        Ok(s) => s,
        Err(err) => return report(&err),
    };
    init_logging(
        cli.log
            .as_deref()
            .map(str::to_owned)
            .or_else(|| env("AIMS_LOG")),
        settings.log_format,
    );
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => return report(&anyhow::Error::from(err)),
    };
    let database_flag = cli.database.is_some();
    match runtime.block_on(commands::run(cli.command, settings, database_flag)) {
        Ok(code) => code,
        Err(err) => report(&err),
    }
}

/// Prints the error and its causes on one line and exits 2.
fn report(err: &anyhow::Error) -> ExitCode {
    let causes: Vec<String> = err.chain().map(|c| c.to_string()).collect();
    let mut line = String::new();
    for cause in causes {
        // Store errors often repeat their source's text; print each part once.
        if !line.contains(&cause) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&cause);
        }
    }
    eprintln!("error: {line}");
    ExitCode::from(2)
}

fn init_logging(filter: Option<String>, format: LogFormat) {
    let filter =
        EnvFilter::try_new(filter.unwrap_or_else(|| "info,sqlx=warn,tower_http=warn".into()))
            .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}
