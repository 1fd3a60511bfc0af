//! `aims systems list`: the inventory for scripts (`--format json`) and people.

use std::process::ExitCode;

use aims_domain::inventory::{Record, RecordFields, SystemFields};
use aims_domain::listing::RawListParams;

use super::{open_store, pick_organisation};
use crate::cli::{Format, ListArgs};
use crate::settings::Settings;

pub async fn list(settings: &Settings, args: &ListArgs) -> anyhow::Result<ExitCode> {
    let store = open_store(settings).await?;
    let organisation = pick_organisation(&store, args.organisation.as_deref()).await?;
    let raw = RawListParams {
        limit: Some(args.limit.to_string()),
        offset: Some(args.offset.to_string()),
        q: args.search.clone(),
        ..Default::default()
    };
    let filters: Vec<(String, String)> = args
        .lifecycle_stage
        .iter()
        .map(|s| ("lifecycle_stage".to_owned(), s.clone()))
        .collect();
    let query = SystemFields::KIND
        .list_query(&raw, &filters)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let page = store
        .list_records::<SystemFields>(organisation.id, &query)
        .await?;
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"items": page.items, "total": page.total})
            )?
        ),
        Format::Table => print!("{}", table(&page.items, page.total)),
    }
    Ok(ExitCode::SUCCESS)
}

fn table(items: &[Record<SystemFields>], total: u64) -> String {
    let headers = ["NAME", "STAGE", "CRITICALITY", "EU AI ACT", "OWNER"];
    let rows: Vec<[String; 5]> = items
        .iter()
        .map(|r| {
            let f = &r.fields;
            [
                f.name.clone(),
                f.lifecycle_stage.as_str().to_owned(),
                f.criticality.map_or("-", |c| c.as_str()).to_owned(),
                f.eu_ai_act_tier.as_str().to_owned(),
                if f.owner.is_empty() {
                    "-".into()
                } else {
                    f.owner.clone()
                },
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
    out.push_str(&format!("{} of {total} AI systems\n", rows.len()));
    out
}
