//! `aims risks list` and `aims export risks`: the risk register for scripts and people, read
//! from the database, with the same levels, order and files as the API.

use std::path::Path;
use std::process::ExitCode;

use aims_server::risks::{FileFormat, RiskFilter, RiskView, load_register, register_file};

use super::transfer::Output;
use super::{open_store, pick_organisation};
use crate::cli::{Format, RiskFormat, RiskListArgs};
use crate::settings::Settings;

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

pub async fn list(settings: &Settings, args: &RiskListArgs) -> anyhow::Result<ExitCode> {
    let store = open_store(settings).await?;
    let organisation = pick_organisation(&store, args.organisation.as_deref()).await?;
    let filter = RiskFilter {
        level: args.level.clone(),
        overdue: args.overdue.then(|| "true".to_owned()),
        q: args.search.clone(),
        ..RiskFilter::default()
    };
    let (_, risks) = load_register(&store, organisation.id, &filter, today())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"items": risks, "total": risks.len()})
            )?
        ),
        Format::Table => print!("{}", table(&risks)),
    }
    Ok(ExitCode::SUCCESS)
}

fn table(risks: &[RiskView]) -> String {
    let headers = [
        "RESIDUAL",
        "INHERENT",
        "TREATMENT",
        "OWNER",
        "REVIEW",
        "TITLE",
    ];
    let rows: Vec<[String; 6]> = risks
        .iter()
        .map(|v| {
            let f = &v.risk.fields;
            let mut review = f.review_due.map_or("-".to_owned(), |d| d.to_string());
            if v.status.review_overdue {
                review.push_str(" (overdue)");
            }
            [
                v.status.residual_level.name.clone(),
                v.status.inherent_level.name.clone(),
                f.treatment.map_or("-", |t| t.as_str()).to_owned(),
                if f.owner.is_empty() {
                    "-".into()
                } else {
                    f.owner.clone()
                },
                review,
                f.title.clone(),
            ]
        })
        .collect();
    let mut widths = headers.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(&headers.map(String::from));
    for row in &rows {
        out.push_str(&line(row));
    }
    out.push_str(&format!("{} risks\n", rows.len()));
    out
}

pub async fn export(
    settings: &Settings,
    organisation: Option<&str>,
    format: RiskFormat,
    output: &Path,
) -> anyhow::Result<ExitCode> {
    let store = open_store(settings).await?;
    let org = pick_organisation(&store, organisation).await?;
    let format = match format {
        RiskFormat::Csv => FileFormat::Csv,
        RiskFormat::Xlsx => FileFormat::Xlsx,
    };
    let bytes = register_file(&store, org.id, format, today())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out = Output::create(output)?;
    std::io::Write::write_all(out.writer(), &bytes)?;
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}
