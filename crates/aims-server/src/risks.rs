//! The risk register as the API, the web pages and `aims` show it: each risk with what the
//! criteria say about it today, list filters, the checks against the library, the register
//! as CSV and XLSX, and the heat map as SVG. Pure functions of their input, shared by all.

use std::collections::HashMap;
use std::fmt::Write as _;

use aims_domain::ValidationErrors;
use aims_domain::risk::{
    AcceptanceState, Basis, Risk, RiskCriteria, RiskFields, RiskStatus, Treatment, heat_map,
};
use aims_library::Library;
use chrono::{DateTime, NaiveDate, Utc};
use rust_xlsxwriter::{Color, DocProperties, Format, FormatAlign, Workbook, XlsxError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::ApiError;
use crate::soa_export::csv_field;

/// The register as views on `today`, filtered and in severity order, with the criteria:
/// what the API, the pages and `aims risks list` show.
pub async fn load_register(
    store: &aims_store::Store,
    organisation_id: Uuid,
    filter: &RiskFilter,
    today: NaiveDate,
) -> Result<(RiskCriteria, Vec<RiskView>), ApiError> {
    let criteria = store.risk_criteria(organisation_id).await?.criteria;
    let views = store
        .risks(organisation_id)
        .await?
        .into_iter()
        .map(|r| RiskView::new(r, &criteria, today))
        .collect();
    let mut views = filter.apply(views, &criteria)?;
    sort_by_severity(&mut views);
    Ok((criteria, views))
}

/// Which file [`register_file`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

/// The whole register as a file's bytes, systems named: the API's download and
/// `aims export risks` write the same file.
pub async fn register_file(
    store: &aims_store::Store,
    organisation_id: Uuid,
    format: FileFormat,
    today: NaiveDate,
) -> Result<Vec<u8>, ApiError> {
    let (criteria, risks) =
        load_register(store, organisation_id, &RiskFilter::default(), today).await?;
    let organisation = store.organisation(organisation_id).await?;
    let systems: HashMap<Uuid, String> = store
        .record_names(organisation_id, aims_domain::inventory::RecordKind::System)
        .await?
        .into_iter()
        .collect();
    let input = RegisterInput {
        organisation: &organisation.name,
        generated_at: Utc::now(),
        criteria: &criteria,
        risks: &risks,
        systems: &systems,
    };
    match format {
        FileFormat::Csv => Ok(csv(&input)),
        FileFormat::Xlsx => xlsx(&input).map_err(ApiError::internal),
    }
}

/// A risk with what the criteria and today's date say about it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RiskView {
    #[serde(flatten)]
    pub risk: Risk,
    pub status: RiskStatus,
}

impl RiskView {
    pub fn new(risk: Risk, criteria: &RiskCriteria, today: NaiveDate) -> Self {
        let status = risk.status(criteria, today);
        Self { risk, status }
    }
}

/// Checks what only the library knows: every risk source is in its taxonomy, and every
/// control link names an assessable node of one of its frameworks.
pub fn check_library(fields: &RiskFields, library: &Library) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    for (i, source) in fields.sources.iter().enumerate() {
        if library.risk_source(source).is_none() {
            errors.add(
                format!("sources[{i}]"),
                format!(
                    "`{source}` is not a risk source of the library; known: {}",
                    library
                        .all_risk_sources()
                        .map(|s| s.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
    for (i, action) in fields.actions.iter().enumerate() {
        for (j, link) in action.controls.iter().enumerate() {
            let field = format!("actions[{i}].controls[{j}]");
            match library.framework(&link.framework_id) {
                None => errors.add(
                    format!("{field}.framework_id"),
                    format!(
                        "`{}` is not a framework of the library; known: {}",
                        link.framework_id,
                        library
                            .frameworks
                            .iter()
                            .map(|f| f.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
                Some(fw) => match fw.node(&link.control_ref) {
                    Some(node) if node.assessable => {}
                    Some(_) => errors.add(
                        format!("{field}.ref"),
                        format!(
                            "`{}` is a heading of {}, not a control or requirement one can implement",
                            link.control_ref, fw.short_name
                        ),
                    ),
                    None => errors.add(
                        format!("{field}.ref"),
                        format!("`{}` is not an identifier of {}", link.control_ref, fw.short_name),
                    ),
                },
            }
        }
    }
    errors.into_result()
}

/// Filters of the register list; every one optional.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RiskFilter {
    pub system_id: Option<String>,
    pub source: Option<String>,
    pub owner: Option<String>,
    /// A level name of the criteria, matched against the residual level.
    pub level: Option<String>,
    pub treatment: Option<String>,
    /// `true`: only risks with an overdue review or overdue actions.
    pub overdue: Option<String>,
    /// `none`, `current` or `expired`.
    pub acceptance: Option<String>,
    /// Case-insensitive text in the title or description.
    pub q: Option<String>,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl RiskFilter {
    /// Keeps the views that pass every given filter; a filter value that cannot match
    /// anything (an unknown level) is an error naming the parameter.
    pub fn apply(
        &self,
        views: Vec<RiskView>,
        criteria: &RiskCriteria,
    ) -> Result<Vec<RiskView>, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let system = given(&self.system_id).and_then(|v| match Uuid::parse_str(v) {
            Ok(id) => Some(id),
            Err(_) => {
                errors.add("system_id", "must be an AI system id (UUID)");
                None
            }
        });
        let level = given(&self.level).and_then(|v| {
            let found = criteria.levels.iter().position(|l| l.name == v);
            if found.is_none() {
                errors.add(
                    "level",
                    format!(
                        "must be a level of the risk criteria: {}",
                        criteria
                            .levels
                            .iter()
                            .map(|l| l.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
            found
        });
        let treatment = given(&self.treatment).and_then(|v| {
            let found = Treatment::ALL.into_iter().find(|t| t.as_str() == v);
            if found.is_none() {
                errors.add("treatment", "must be one of modify, avoid, share, retain");
            }
            found
        });
        let overdue = match given(&self.overdue) {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => {
                errors.add("overdue", "must be true or false");
                false
            }
        };
        let acceptance = given(&self.acceptance).and_then(|v| match v {
            "none" => Some(AcceptanceState::None),
            "current" => Some(AcceptanceState::Current),
            "expired" => Some(AcceptanceState::Expired),
            _ => {
                errors.add("acceptance", "must be one of none, current, expired");
                None
            }
        });
        if given(&self.q).is_some_and(|q| q.chars().count() > 200) {
            errors.add("q", "must be at most 200 characters");
        }
        errors.into_result()?;
        let q = given(&self.q).map(str::to_lowercase);
        Ok(views
            .into_iter()
            .filter(|v| {
                let f = &v.risk.fields;
                system.is_none_or(|id| f.system_ids.contains(&id))
                    && given(&self.source).is_none_or(|s| f.sources.iter().any(|x| x == s))
                    && given(&self.owner).is_none_or(|o| f.owner == o)
                    && level.is_none_or(|l| v.status.residual_level.index == l)
                    && treatment.is_none_or(|t| f.treatment == Some(t))
                    && (!overdue || v.status.review_overdue || v.status.overdue_actions > 0)
                    && acceptance.is_none_or(|a| v.status.acceptance == a)
                    && q.as_deref().is_none_or(|q| {
                        f.title.to_lowercase().contains(q)
                            || f.description.to_lowercase().contains(q)
                    })
            })
            .collect())
    }
}

/// Highest residual level first, then highest inherent, then oldest: the order a risk
/// owner works through the register.
pub fn sort_by_severity(views: &mut [RiskView]) {
    views.sort_by(|a, b| {
        b.status
            .residual_level
            .index
            .cmp(&a.status.residual_level.index)
            .then(
                b.status
                    .inherent_level
                    .index
                    .cmp(&a.status.inherent_level.index),
            )
            .then(a.risk.created_at.cmp(&b.risk.created_at))
    });
}

/// What a register file shows.
pub struct RegisterInput<'a> {
    pub organisation: &'a str,
    pub generated_at: DateTime<Utc>,
    pub criteria: &'a RiskCriteria,
    pub risks: &'a [RiskView],
    /// Names of AI systems by id.
    pub systems: &'a HashMap<Uuid, String>,
}

const COLUMNS: [(&str, f64); 20] = [
    ("Id", 38.0),
    ("Title", 40.0),
    ("Description", 60.0),
    ("AI systems", 30.0),
    ("Risk sources", 24.0),
    ("Affected parties", 24.0),
    ("Owner", 20.0),
    ("Inherent likelihood", 14.0),
    ("Inherent impact", 14.0),
    ("Inherent level", 12.0),
    ("Treatment", 11.0),
    ("Treatment actions", 60.0),
    ("Linked controls", 30.0),
    ("Residual likelihood", 14.0),
    ("Residual impact", 14.0),
    ("Residual level", 12.0),
    ("Review due", 12.0),
    ("Overdue", 18.0),
    ("Acceptance", 50.0),
    ("Last changed", 20.0),
];

fn row(input: &RegisterInput<'_>, view: &RiskView) -> [String; 20] {
    let f = &view.risk.fields;
    let c = input.criteria;
    let step = |steps: &[aims_domain::risk::ScaleStep], n: u8| {
        let label = steps
            .get(usize::from(n).wrapping_sub(1))
            .map(|s| s.label.as_str())
            .unwrap_or("?");
        format!("{n} {label}")
    };
    let residual = f.effective_residual();
    let actions = f
        .actions
        .iter()
        .map(|a| {
            let mut line = format!("{} [{}]", a.title, a.status.label());
            if !a.owner.is_empty() {
                let _ = write!(line, " owner {}", a.owner);
            }
            if let Some(d) = a.due_date {
                let _ = write!(line, " due {d}");
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut overdue = Vec::new();
    if view.status.review_overdue {
        overdue.push("review".to_owned());
    }
    if view.status.overdue_actions > 0 {
        overdue.push(format!("{} action(s)", view.status.overdue_actions));
    }
    let acceptance = match &view.risk.acceptance {
        None => String::new(),
        Some(a) => format!(
            "{} by {} ({}) on {}, until {}: {}",
            if view.status.acceptance == AcceptanceState::Expired {
                "Expired: accepted"
            } else {
                "Accepted"
            },
            a.accepted_by,
            a.role.as_str(),
            a.accepted_on,
            a.expires_on,
            a.rationale
        ),
    };
    [
        view.risk.id.to_string(),
        f.title.clone(),
        f.description.clone(),
        f.system_ids
            .iter()
            .map(|id| {
                input
                    .systems
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| id.to_string())
            })
            .collect::<Vec<_>>()
            .join("\n"),
        f.sources.join("\n"),
        f.affected_parties.join("\n"),
        f.owner.clone(),
        step(&c.likelihood, f.inherent.likelihood),
        step(&c.impact, f.inherent.impact),
        view.status.inherent_level.name.clone(),
        f.treatment
            .map(|t| t.label().to_owned())
            .unwrap_or_default(),
        actions,
        f.linked_controls()
            .iter()
            .map(|l| format!("{} {}", l.framework_id, l.control_ref))
            .collect::<Vec<_>>()
            .join("\n"),
        step(&c.likelihood, residual.likelihood),
        step(&c.impact, residual.impact),
        view.status.residual_level.name.clone(),
        f.review_due.map(|d| d.to_string()).unwrap_or_default(),
        overdue.join(", "),
        acceptance,
        format!(
            "{} by {}",
            view.risk.updated_at.format("%Y-%m-%d %H:%M UTC"),
            view.risk.updated_by
        ),
    ]
}

/// The register as CSV: a header row, then one row per risk; UTF-8 with a byte-order mark
/// and CRLF line ends, like the SoA.
pub fn csv(input: &RegisterInput<'_>) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let header: Vec<String> = COLUMNS.iter().map(|(name, _)| csv_field(name)).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for view in input.risks {
        let cells: Vec<String> = row(input, view).iter().map(|c| csv_field(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// The register as an XLSX workbook: the risks with a frozen header and an autofilter,
/// then the criteria the levels come from.
pub fn xlsx(input: &RegisterInput<'_>) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(format!("AI risk register — {}", input.organisation))
            .set_author(input.organisation),
    );
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_background_color(Color::RGB(0xD9E2F3));
    let sheet = workbook.add_worksheet();
    sheet.set_name("Risk register")?;
    for (col, (name, width)) in COLUMNS.iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        sheet.set_column_width(col, *width)?;
        sheet.write_string_with_format(0, col, *name, &header)?;
    }
    for (i, view) in input.risks.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        for (col, value) in row(input, view).iter().enumerate() {
            let col = u16::try_from(col).unwrap_or(u16::MAX);
            let level_colour = match col {
                9 => Some(&view.status.inherent_level.colour),
                15 => Some(&view.status.residual_level.colour),
                _ => None,
            };
            match level_colour.and_then(|c| u32::from_str_radix(c.trim_start_matches('#'), 16).ok())
            {
                Some(rgb) => {
                    let coloured = wrap
                        .clone()
                        .set_background_color(Color::RGB(rgb))
                        .set_bold();
                    sheet.write_string_with_format(r, col, value, &coloured)?;
                }
                None => {
                    sheet.write_string_with_format(r, col, value, &wrap)?;
                }
            }
        }
    }
    sheet.set_freeze_panes(1, 2)?;
    let last_row = u32::try_from(input.risks.len()).unwrap_or(u32::MAX);
    sheet.autofilter(
        0,
        0,
        last_row,
        u16::try_from(COLUMNS.len() - 1).unwrap_or(0),
    )?;

    let criteria = workbook.add_worksheet();
    criteria.set_name("Risk criteria")?;
    criteria.set_column_width(0, 22)?;
    criteria.write_string_with_format(0, 0, "Likelihood \\ impact", &header)?;
    let c = input.criteria;
    for (i, step) in c.impact.iter().enumerate() {
        let col = u16::try_from(i + 1).unwrap_or(u16::MAX);
        criteria.set_column_width(col, 16)?;
        criteria.write_string_with_format(0, col, format!("{} {}", i + 1, step.label), &header)?;
    }
    for (l, step) in c.likelihood.iter().enumerate().rev() {
        let r = u32::try_from(c.likelihood.len() - l).unwrap_or(u32::MAX);
        criteria.write_string_with_format(r, 0, format!("{} {}", l + 1, step.label), &header)?;
        for (i, level) in c.cells[l].iter().enumerate() {
            let col = u16::try_from(i + 1).unwrap_or(u16::MAX);
            let level = &c.levels[*level];
            let rgb =
                u32::from_str_radix(level.colour.trim_start_matches('#'), 16).unwrap_or(0xFFFFFF);
            criteria.write_string_with_format(
                r,
                col,
                &level.name,
                &Format::new()
                    .set_background_color(Color::RGB(rgb))
                    .set_bold(),
            )?;
        }
    }
    let note_row = u32::try_from(c.likelihood.len() + 2).unwrap_or(u32::MAX);
    criteria.write_string(
        note_row,
        0,
        format!(
            "Risks at level {} or above must be treated. Generated {}.",
            c.levels
                .get(c.treat_from)
                .map(|l| l.name.as_str())
                .unwrap_or("?"),
            input.generated_at.format("%Y-%m-%d %H:%M UTC")
        ),
    )?;
    workbook.save_to_buffer()
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Black or white, whichever reads better on a `#rrggbb` background.
fn text_colour(background: &str) -> &'static str {
    let hex = background.trim_start_matches('#');
    let channel = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .map(f64::from)
            .unwrap_or(255.0)
    };
    let luminance = 0.299 * channel(0) + 0.587 * channel(2) + 0.114 * channel(4);
    if luminance > 150.0 {
        "#1f2328"
    } else {
        "#ffffff"
    }
}

/// The heat map as a standalone SVG document: likelihood rising upwards, impact rising to
/// the right, each cell in its level's colour with the number of risks in it. Text is
/// escaped; colours come from validated criteria. Presentation attributes only, no CSS, so
/// the page's content security policy allows it inline.
pub fn heat_map_svg(criteria: &RiskCriteria, risks: &[Risk], basis: Basis) -> String {
    const CELL: usize = 64;
    const LEFT: usize = 150;
    const TOP: usize = 34;
    const BOTTOM: usize = 70;
    let counts = heat_map(criteria, risks, basis);
    let rows = criteria.likelihood.len();
    let cols = criteria.impact.len();
    let width = LEFT + cols * CELL + 10;
    let height = TOP + rows * CELL + BOTTOM;
    let title = match basis {
        Basis::Inherent => "Inherent risk",
        Basis::Residual => "Residual risk",
    };
    let total: usize = counts.iter().flatten().sum();
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-labelledby="heat-{id}-title"><title id="heat-{id}-title">{title}: {total} risks by likelihood and impact</title>"##,
        id = match basis {
            Basis::Inherent => "inherent",
            Basis::Residual => "residual",
        },
    );
    let _ = write!(
        svg,
        r##"<text x="{LEFT}" y="20" font-family="sans-serif" font-size="15" font-weight="bold" fill="#1f2328">{title}</text>"##
    );
    for (l, row) in counts.iter().enumerate() {
        // Highest likelihood at the top.
        let y = TOP + (rows - 1 - l) * CELL;
        let label = criteria.likelihood[l].label.as_str();
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" text-anchor="end" font-family="sans-serif" font-size="12" fill="#1f2328">{} {}</text>"##,
            LEFT - 8,
            y + CELL / 2 + 4,
            l + 1,
            xml_escape(label)
        );
        for (i, count) in row.iter().enumerate() {
            let x = LEFT + i * CELL;
            let level = &criteria.levels[criteria.cells[l][i]];
            let _ = write!(
                svg,
                r##"<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{}" stroke="#ffffff" stroke-width="2"><title>{} × {}: {} ({count})</title></rect>"##,
                xml_escape(&level.colour),
                xml_escape(label),
                xml_escape(&criteria.impact[i].label),
                xml_escape(&level.name),
            );
            if *count > 0 {
                let _ = write!(
                    svg,
                    r##"<text x="{}" y="{}" text-anchor="middle" font-family="sans-serif" font-size="20" font-weight="bold" fill="{}">{count}</text>"##,
                    x + CELL / 2,
                    y + CELL / 2 + 7,
                    text_colour(&level.colour)
                );
            }
        }
    }
    let axis_y = TOP + rows * CELL;
    for (i, step) in criteria.impact.iter().enumerate() {
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" text-anchor="middle" font-family="sans-serif" font-size="11" fill="#1f2328">{} {}</text>"##,
            LEFT + i * CELL + CELL / 2,
            axis_y + 16,
            i + 1,
            xml_escape(&step.label)
        );
    }
    let _ = write!(
        svg,
        r##"<text x="{}" y="{}" text-anchor="middle" font-family="sans-serif" font-size="12" fill="#57606a">Impact →</text><text x="12" y="{}" font-family="sans-serif" font-size="12" fill="#57606a">Likelihood ↑</text></svg>"##,
        LEFT + cols * CELL / 2,
        axis_y + 40,
        TOP + 12
    );
    svg
}

#[cfg(test)]
mod tests;
