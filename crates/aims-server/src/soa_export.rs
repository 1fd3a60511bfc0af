//! The Statement of Applicability as files: CSV and an XLSX workbook an auditor can use as it
//! is (a cover sheet, then one row per control with a frozen header row and an autofilter),
//! and the OSCAL profile and assessment results over the framework's catalog. Pure functions
//! of their input: the API and `aims export …` share them.

use std::collections::HashMap;

use aims_domain::soa::{ControlFields, EvidenceRef};
use aims_library::oscal::{
    self, BuildError, ControlFinding, ImplementationStatus, SelectedControl,
};
use aims_library::{Framework, NodeKind};
use chrono::{DateTime, Utc};
use rust_xlsxwriter::{Color, DocProperties, Format, FormatAlign, Workbook, XlsxError};

use aims_domain::soa::compare_refs;
use aims_store::{Store, StoreError};
use uuid::Uuid;

use crate::soa::group_of;

/// The controls of an approved version (`Some(n)`), or of the current entries with the
/// edition they amount to: the latest approved version when nothing changed since, else a
/// draft.
pub async fn load(
    store: &Store,
    organisation_id: Uuid,
    version: Option<i64>,
) -> Result<(Edition, Vec<(String, ControlFields)>), StoreError> {
    let (edition, snapshot) = match version {
        Some(n) => {
            let v = store.soa_version(organisation_id, n).await?;
            (
                Edition::Approved {
                    version: v.version,
                    approved_by: v.approved_by,
                    approved_at: v.approved_at,
                },
                v.snapshot,
            )
        }
        None => {
            let current = store.soa_snapshot(organisation_id).await?;
            let latest = store.soa_versions(organisation_id).await?.pop();
            let edition = match latest {
                Some(v) if v.snapshot == current => Edition::Approved {
                    version: v.version,
                    approved_by: v.approved_by,
                    approved_at: v.approved_at,
                },
                other => Edition::Draft {
                    last_approved: other.map(|v| v.version),
                },
            };
            (edition, current)
        }
    };
    let mut controls: Vec<(String, ControlFields)> = snapshot.controls.into_iter().collect();
    controls.sort_by(|a, b| compare_refs(&a.0, &b.0));
    Ok((edition, controls))
}

/// Which state of the SoA a file shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edition {
    /// An approved version, unchanged since.
    Approved {
        version: i64,
        approved_by: String,
        approved_at: DateTime<Utc>,
    },
    /// The entries as they are now, changed since the last approval (if any).
    Draft { last_approved: Option<i64> },
}

impl Edition {
    pub fn label(&self) -> String {
        match self {
            Edition::Approved { version, .. } => format!("Version {version}"),
            Edition::Draft {
                last_approved: Some(v),
            } => format!("Draft (changed since approved version {v})"),
            Edition::Draft {
                last_approved: None,
            } => "Draft (never approved)".to_owned(),
        }
    }

    /// A short tag for file names: `v3` or `draft`.
    pub fn tag(&self) -> String {
        match self {
            Edition::Approved { version, .. } => format!("v{version}"),
            Edition::Draft { .. } => "draft".to_owned(),
        }
    }
}

/// What an export shows.
pub struct SheetInput<'a> {
    pub organisation: &'a str,
    pub framework: &'a Framework,
    pub edition: Edition,
    pub generated_at: DateTime<Utc>,
    /// Controls by ref, in the framework's order.
    pub controls: &'a [(String, ControlFields)],
    /// Titles of the organisation's risks, to name linked risks; an id without a title (a
    /// risk deleted since an approved version) is shown as the id.
    pub risk_titles: &'a HashMap<Uuid, String>,
}

/// Titles of the organisation's risks by id, for [`SheetInput::risk_titles`].
pub async fn risk_titles(
    store: &Store,
    organisation_id: Uuid,
) -> Result<HashMap<Uuid, String>, StoreError> {
    Ok(store
        .risks(organisation_id)
        .await?
        .into_iter()
        .map(|r| (r.id, r.fields.title))
        .collect())
}

/// The columns, their widths in characters, and how each row fills them.
const COLUMNS: [(&str, f64); 10] = [
    ("Identifier", 11.0),
    ("Title", 40.0),
    ("Objective", 30.0),
    ("Applicable", 11.0),
    ("Justification", 60.0),
    ("Implementation status", 22.0),
    ("Owner", 20.0),
    ("Target date", 12.0),
    ("Evidence references", 60.0),
    ("Linked risks", 38.0),
];

fn evidence_entry(e: &EvidenceRef) -> String {
    match e.expires_on {
        Some(d) => format!("{} (expires {d})", e.reference),
        None => e.reference.clone(),
    }
}

fn evidence_text(evidence: &[EvidenceRef]) -> String {
    evidence
        .iter()
        .map(evidence_entry)
        .collect::<Vec<_>>()
        .join("\n")
}

fn row(
    fw: &Framework,
    risk_titles: &HashMap<Uuid, String>,
    item_ref: &str,
    c: &ControlFields,
) -> [String; 10] {
    let node = fw.node(item_ref);
    let objective = group_of(fw, item_ref, NodeKind::Objective)
        .map(|g| format!("{} {}", g.ref_, g.title))
        .unwrap_or_default();
    [
        item_ref.to_owned(),
        node.map(|n| n.title.clone()).unwrap_or_default(),
        objective,
        if c.applicable { "Yes" } else { "No" }.to_owned(),
        c.justification.clone(),
        c.status.label().to_owned(),
        c.owner.clone(),
        c.target_date.map(|d| d.to_string()).unwrap_or_default(),
        evidence_text(&c.evidence),
        c.risk_ids
            .iter()
            .map(|id| match risk_titles.get(id) {
                Some(title) => format!("{title} ({id})"),
                None => id.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n"),
    ]
}

/// One CSV field: quoted when needed (RFC 4180), and with a leading `'` when it would
/// otherwise start a spreadsheet formula.
pub(crate) fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// The SoA as CSV: a header row, then one row per control. Starts with a byte-order mark so
/// that spreadsheet programs read it as UTF-8; lines end in CRLF.
pub fn csv(input: &SheetInput<'_>) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let header: Vec<String> = COLUMNS.iter().map(|(name, _)| csv_field(name)).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for (item_ref, control) in input.controls {
        let cells: Vec<String> = row(input.framework, input.risk_titles, item_ref, control)
            .iter()
            .map(|c| csv_field(c))
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// The SoA as an XLSX workbook: a cover sheet and the controls.
pub fn xlsx(input: &SheetInput<'_>) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(format!(
                "Statement of Applicability — {}",
                input.organisation
            ))
            .set_subject(input.framework.name.as_str())
            .set_author(input.organisation),
    );
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(16);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_background_color(Color::RGB(0xD9E2F3));

    let cover = workbook.add_worksheet();
    cover.set_name("Cover")?;
    cover.set_column_width(0, 24)?;
    cover.set_column_width(1, 70)?;
    cover.write_string_with_format(0, 0, "Statement of Applicability", &title)?;
    let applicable = input.controls.iter().filter(|(_, c)| c.applicable).count();
    let (approval, approved_on) = match &input.edition {
        Edition::Approved {
            approved_by,
            approved_at,
            ..
        } => (
            format!("Approved by {approved_by}"),
            approved_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        ),
        Edition::Draft { .. } => ("Not approved".to_owned(), String::new()),
    };
    let lines: [(&str, String); 8] = [
        ("Organisation", input.organisation.to_owned()),
        ("Framework", input.framework.name.clone()),
        ("Framework version", input.framework.version.clone()),
        ("SoA version", input.edition.label()),
        ("Approval", approval),
        ("Approved on", approved_on),
        (
            "Generated on",
            input.generated_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        ),
        (
            "Controls",
            format!(
                "{} in total: {applicable} applicable, {} excluded",
                input.controls.len(),
                input.controls.len() - applicable
            ),
        ),
    ];
    for (i, (label, value)) in lines.iter().enumerate() {
        let r = u32::try_from(i + 2).unwrap_or(u32::MAX);
        cover.write_string_with_format(r, 0, *label, &bold)?;
        cover.write_string_with_format(r, 1, value, &wrap)?;
    }

    let sheet = workbook.add_worksheet();
    sheet.set_name("Statement of Applicability")?;
    for (col, (name, width)) in COLUMNS.iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        sheet.set_column_width(col, *width)?;
        sheet.write_string_with_format(0, col, *name, &header)?;
    }
    for (i, (item_ref, control)) in input.controls.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        for (col, value) in row(input.framework, input.risk_titles, item_ref, control)
            .iter()
            .enumerate()
        {
            let col = u16::try_from(col).unwrap_or(u16::MAX);
            sheet.write_string_with_format(r, col, value, &wrap)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    let last_row = u32::try_from(input.controls.len()).unwrap_or(u32::MAX);
    sheet.autofilter(
        0,
        0,
        last_row,
        u16::try_from(COLUMNS.len() - 1).unwrap_or(0),
    )?;
    workbook.save_to_buffer()
}

/// When the current entries last changed: the latest entry update, else the adoption.
pub async fn last_modified(
    store: &Store,
    organisation_id: Uuid,
) -> Result<DateTime<Utc>, StoreError> {
    let adopted = store.soa(organisation_id).await?;
    let items = store.soa_items::<ControlFields>(organisation_id).await?;
    Ok(items
        .iter()
        .map(|i| i.updated_at)
        .max()
        .or(adopted.map(|soa| soa.created_at))
        .unwrap_or_else(Utc::now))
}

/// What both OSCAL documents say about themselves. `last_modified` is when the content last
/// changed: an approved version's approval time, or [`last_modified`] for the current entries.
pub fn oscal_metadata(input: &SheetInput<'_>, last_modified: DateTime<Utc>) -> oscal::Metadata {
    oscal::Metadata {
        title: format!("Statement of Applicability — {}", input.organisation),
        version: input.edition.label(),
        last_modified,
        import_href: format!("{}.oscal-catalog.json", input.framework.id),
        organisation: Some(input.organisation.to_owned()),
    }
}

fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The applicable selection as an OSCAL profile importing the framework's catalog.
pub fn oscal_profile(
    input: &SheetInput<'_>,
    meta: &oscal::Metadata,
) -> Result<serde_json::Value, BuildError> {
    let selection: Vec<SelectedControl> = input
        .controls
        .iter()
        .map(|(item_ref, c)| SelectedControl {
            control_ref: item_ref.clone(),
            applicable: c.applicable,
            justification: optional(&c.justification),
        })
        .collect();
    oscal::profile(input.framework, &selection, meta)
}

/// The implementation status of every control as OSCAL assessment results.
pub fn oscal_assessment_results(
    input: &SheetInput<'_>,
    meta: &oscal::Metadata,
) -> Result<serde_json::Value, BuildError> {
    use aims_domain::soa::ImplementationStatus as Soa;
    let findings: Vec<ControlFinding> = input
        .controls
        .iter()
        .map(|(item_ref, c)| ControlFinding {
            control_ref: item_ref.clone(),
            status: match c.status {
                Soa::NotStarted => ImplementationStatus::NotStarted,
                Soa::Planned => ImplementationStatus::Planned,
                Soa::PartiallyImplemented => ImplementationStatus::PartiallyImplemented,
                Soa::Implemented => ImplementationStatus::Implemented,
                Soa::NotApplicable => ImplementationStatus::NotApplicable,
            },
            owner: optional(&c.owner),
            evidence: c.evidence.iter().map(evidence_entry).collect(),
            remarks: optional(&c.justification),
        })
        .collect();
    oscal::assessment_results(input.framework, &findings, meta)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use aims_domain::soa::ImplementationStatus;
    use chrono::NaiveDate;

    use super::*;

    fn input_with<'a>(
        fw: &'a Framework,
        controls: &'a [(String, ControlFields)],
        risk_titles: &'a HashMap<Uuid, String>,
    ) -> SheetInput<'a> {
        SheetInput {
            organisation: "Acme, \"AI\" Ltd",
            framework: fw,
            edition: Edition::Approved {
                version: 3,
                approved_by: "alice".into(),
                approved_at: DateTime::parse_from_rfc3339("2026-01-15T10:00:00Z")
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap(),
            },
            generated_at: Utc::now(),
            controls,
            risk_titles,
        }
    }

    fn risk_id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    /// The first linked risk has a title; the second was deleted since.
    fn titles() -> HashMap<Uuid, String> {
        HashMap::from([(risk_id(1), "Biased approvals".to_owned())])
    }

    fn controls() -> Vec<(String, ControlFields)> {
        vec![
            (
                "A.2.2".into(),
                ControlFields {
                    justification: "We publish a policy, reviewed yearly.\nSee \"AI policy\"."
                        .into(),
                    status: ImplementationStatus::Implemented,
                    owner: "=CISO".into(),
                    target_date: NaiveDate::from_ymd_opt(2026, 3, 31),
                    risk_ids: vec![risk_id(1), risk_id(2)],
                    evidence: vec![EvidenceRef {
                        reference: "https://intranet.example/ai-policy".into(),
                        expires_on: NaiveDate::from_ymd_opt(2027, 1, 31),
                    }],
                    ..ControlFields::default()
                },
            ),
            (
                "A.10.4".into(),
                ControlFields {
                    applicable: false,
                    justification: "No customers.".into(),
                    status: ImplementationStatus::NotApplicable,
                    ..ControlFields::default()
                },
            ),
        ]
    }

    #[test]
    fn csv_has_one_row_per_control_quoted_and_safe() {
        let library = crate::library::current().unwrap();
        let fw = library.framework("iso-iec-42001-2023").unwrap();
        let controls = controls();
        let titles = titles();
        let text = String::from_utf8(csv(&input_with(fw, &controls, &titles))).unwrap();
        let text = text.strip_prefix('\u{feff}').unwrap();
        assert!(text.starts_with("Identifier,Title,Objective,Applicable,Justification,Implementation status,Owner,Target date,Evidence references,Linked risks\r\n"));
        assert!(text.contains("A.2.2,"));
        assert!(text.contains("\"We publish a policy, reviewed yearly.\nSee \"\"AI policy\"\".\""));
        // A cell that would start a formula is defused.
        assert!(text.contains(",'=CISO,"));
        assert!(text.contains("https://intranet.example/ai-policy (expires 2027-01-31)"));
        assert!(text.contains(&format!(
            "\"Biased approvals ({})\n{}\"",
            risk_id(1),
            risk_id(2)
        )));
        assert!(text.contains("A.10.4,"));
        assert!(text.contains(",No,No customers.,Not applicable,"));
        assert_eq!(text.matches("\r\n").count(), 3);
    }

    /// The parts of an XLSX file, by name.
    fn unzip(bytes: &[u8]) -> std::collections::HashMap<String, String> {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = std::collections::HashMap::new();
        for i in 0..archive.len() {
            let mut file = archive.by_index(i).unwrap();
            let name = file.name().unwrap().into_owned();
            let mut text = String::new();
            if file.read_to_string(&mut text).is_ok() {
                out.insert(name, text);
            }
        }
        out
    }

    #[test]
    fn xlsx_has_a_cover_a_frozen_header_and_an_autofilter() {
        let library = crate::library::current().unwrap();
        let fw = library.framework("iso-iec-42001-2023").unwrap();
        let controls = controls();
        let titles = titles();
        let bytes = xlsx(&input_with(fw, &controls, &titles)).unwrap();
        assert!(bytes.starts_with(b"PK"));
        let parts = unzip(&bytes);
        let book = &parts["xl/workbook.xml"];
        assert!(
            book.contains("name=\"Cover\"") && book.contains("name=\"Statement of Applicability\"")
        );
        let sheet = &parts["xl/worksheets/sheet2.xml"];
        assert!(
            sheet.contains(
                "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"
            ),
            "{sheet}"
        );
        assert!(sheet.contains("<autoFilter ref=\"A1:J3\"/>"), "{sheet}");
        assert!(
            sheet.contains("<col min=\"5\" max=\"5\" width=\"60.7109375\""),
            "{sheet}"
        );
        let strings = &parts["xl/sharedStrings.xml"];
        for expected in [
            "Organisation",
            "Acme, \"AI\" Ltd",
            "Version 3",
            "Approved by alice",
            "2026-01-15 10:00 UTC",
            "2 in total: 1 applicable, 1 excluded",
            "Justification",
            "=CISO",
            "No customers.",
        ] {
            assert!(
                strings.contains(expected),
                "{expected} missing from {strings}"
            );
        }
    }
}
