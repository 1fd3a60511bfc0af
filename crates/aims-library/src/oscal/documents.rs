//! The organisation's OSCAL documents built over a framework's catalog: the profile (which
//! controls apply, from the Statement of Applicability) and the assessment results (how far
//! each control is implemented). Both are pure functions of their inputs: the same inputs
//! give byte-identical documents, UUIDs included.

use std::collections::HashSet;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::OSCAL_VERSION;
use super::catalog::{ns_prop, one_line};
use super::ids::{self, OBJECTIVE};
use crate::model::Framework;

/// What a profile or assessment-results document says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// The document's title, for example "Statement of Applicability — Acme".
    pub title: String,
    /// The document's own version, for example the revision of the Statement of
    /// Applicability.
    pub version: String,
    /// When the content last changed. Assessment results also use it as the time the
    /// results describe (`start`, `collected`): they are a snapshot of the records.
    pub last_modified: DateTime<Utc>,
    /// The document imported: for a profile, where the catalog is (for example the file
    /// written by `aims export oscal-catalog`); for assessment results, the assessment plan.
    pub import_href: String,
    /// The organisation the document is about, recorded as the `prepared-for` party.
    pub organisation: Option<String>,
}

/// One control of the Statement of Applicability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectedControl {
    /// The control's ref in the framework, for example `A.6.2.4`.
    pub control_ref: String,
    /// Whether the organisation applies it.
    pub applicable: bool,
    /// Why it is included or excluded (the Statement of Applicability asks for both).
    pub justification: Option<String>,
}

/// How far an organisation has implemented a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImplementationStatus {
    NotStarted,
    Planned,
    PartiallyImplemented,
    Implemented,
    NotApplicable,
}

impl ImplementationStatus {
    /// The spelling of our `implementation-status` prop.
    pub fn as_str(self) -> &'static str {
        match self {
            ImplementationStatus::NotStarted => "not-started",
            ImplementationStatus::Planned => "planned",
            ImplementationStatus::PartiallyImplemented => "partially-implemented",
            ImplementationStatus::Implemented => "implemented",
            ImplementationStatus::NotApplicable => "not-applicable",
        }
    }

    /// OSCAL's own implementation state, which has no "not started".
    fn oscal_state(self) -> Option<&'static str> {
        match self {
            ImplementationStatus::NotStarted => None,
            ImplementationStatus::Planned => Some("planned"),
            ImplementationStatus::PartiallyImplemented => Some("partial"),
            ImplementationStatus::Implemented => Some("implemented"),
            ImplementationStatus::NotApplicable => Some("not-applicable"),
        }
    }

    /// Whether the control's objective counts as met: implemented, or nothing is asked of
    /// the organisation because the control does not apply.
    pub fn satisfied(self) -> bool {
        matches!(
            self,
            ImplementationStatus::Implemented | ImplementationStatus::NotApplicable
        )
    }
}

/// The recorded state of one control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlFinding {
    /// The control's ref in the framework, for example `A.6.2.4`.
    pub control_ref: String,
    pub status: ImplementationStatus,
    /// Who is accountable for the control (a person or a role).
    pub owner: Option<String>,
    /// References to the evidence records: URLs, file paths or record ids.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// Free text for the auditor.
    pub remarks: Option<String>,
}

/// The input of [`profile`] as one JSON document (`aims export oscal-profile --input`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    pub metadata: Metadata,
    pub controls: Vec<SelectedControl>,
}

/// The input of [`assessment_results`] as one JSON document (`aims export
/// oscal-assessment-results --input`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultsInput {
    pub metadata: Metadata,
    pub findings: Vec<ControlFinding>,
}

/// Why a document could not be built. The inputs come from the database, so these are
/// checks against a framework that changed under them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("`{control_ref}` is not a ref of framework `{framework}`")]
    UnknownRef {
        framework: String,
        control_ref: String,
    },
    #[error("`{control_ref}` of framework `{framework}` is not assessable, so it is no control")]
    NotAssessable {
        framework: String,
        control_ref: String,
    },
    #[error("`{0}` is listed twice")]
    Duplicate(String),
    #[error("{0}: must not be empty")]
    Empty(&'static str),
    #[error("no control is applicable: an OSCAL profile must include at least one")]
    NothingApplicable,
}

/// Checks the refs and returns the OSCAL id of each, in input order.
fn control_ids<'a>(
    fw: &Framework,
    refs: impl Iterator<Item = &'a str>,
) -> Result<Vec<String>, BuildError> {
    let ids = ids::node_ids(fw);
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for control_ref in refs {
        let Some(i) = fw.nodes.iter().position(|n| n.ref_ == control_ref) else {
            return Err(BuildError::UnknownRef {
                framework: fw.id.clone(),
                control_ref: control_ref.to_owned(),
            });
        };
        if !fw.nodes[i].assessable {
            return Err(BuildError::NotAssessable {
                framework: fw.id.clone(),
                control_ref: control_ref.to_owned(),
            });
        }
        if !seen.insert(control_ref) {
            return Err(BuildError::Duplicate(control_ref.to_owned()));
        }
        out.push(ids[i].clone());
    }
    Ok(out)
}

fn timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn check_metadata(meta: &Metadata) -> Result<(), BuildError> {
    for (field, text) in [
        ("title", &meta.title),
        ("version", &meta.version),
        ("import_href", &meta.import_href),
    ] {
        if text.trim().is_empty() {
            return Err(BuildError::Empty(field));
        }
    }
    Ok(())
}

fn metadata_json(meta: &Metadata, doc_uuid: &str, props: Vec<Value>) -> Value {
    let mut out = json!({
        "title": one_line(&meta.title),
        "last-modified": timestamp(&meta.last_modified),
        "version": one_line(&meta.version),
        "oscal-version": OSCAL_VERSION,
    });
    if !props.is_empty() {
        out["props"] = Value::Array(props);
    }
    if let Some(name) = meta
        .organisation
        .as_deref()
        .filter(|n| !n.trim().is_empty())
    {
        let party = ids::uuid(&[doc_uuid, "party", name]);
        out["roles"] = json!([{ "id": "prepared-for", "title": "Prepared for" }]);
        out["parties"] = json!([{ "uuid": party, "type": "organization", "name": one_line(name) }]);
        out["responsible-parties"] = json!([{ "role-id": "prepared-for", "party-uuids": [party] }]);
    }
    out
}

/// A document's UUID: a v5 UUID of everything it is built from, so that it changes exactly
/// when the content does.
fn document_uuid<T: Serialize>(kind: &str, fw: &Framework, inputs: &T) -> String {
    let inputs = serde_json::to_string(inputs).unwrap_or_default();
    ids::uuid(&[kind, &fw.id, &fw.version, &inputs]).to_string()
}

/// The organisation's applicable controls as an OSCAL profile over the framework's catalog
/// (found at `meta.import_href`).
///
/// Applicable controls are imported by id (`include-controls`), excluded ones listed in
/// `exclude-controls`. Justifications are props of our namespace with the text in the
/// prop's `remarks`: for an included control, a `justification` prop (value `included`)
/// added to the control itself through `modify`; for an excluded one, which the resolved
/// profile no longer holds, an `excluded-control` prop of the metadata whose value is the
/// control id. Controls the selection does not name are neither included nor excluded.
pub fn profile(
    fw: &Framework,
    selection: &[SelectedControl],
    meta: &Metadata,
) -> Result<Value, BuildError> {
    check_metadata(meta)?;
    let ids = control_ids(fw, selection.iter().map(|s| s.control_ref.as_str()))?;
    let uuid = document_uuid("profile", fw, &(meta, selection));
    // The prop's value says what it is about; the text, which may span lines, goes in
    // its remarks since prop values are single lines.
    let justification = |s: &SelectedControl, name: &str, value: &str| {
        s.justification
            .as_deref()
            .filter(|j| !j.trim().is_empty())
            .map(|j| {
                let mut prop = ns_prop(name, value);
                prop["remarks"] = json!(j);
                prop
            })
    };
    let (mut included, mut excluded, mut alters, mut excluded_props) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (s, id) in selection.iter().zip(&ids) {
        if s.applicable {
            included.push(json!(id));
            if let Some(prop) = justification(s, "justification", "included") {
                alters.push(json!({
                    "control-id": id,
                    "adds": [{ "position": "ending", "props": [prop] }],
                }));
            }
        } else {
            excluded.push(json!(id));
            if let Some(prop) = justification(s, "excluded-control", id) {
                excluded_props.push(prop);
            }
        }
    }
    if included.is_empty() {
        return Err(BuildError::NothingApplicable);
    }
    let mut import = json!({
        "href": meta.import_href,
        "include-controls": [{ "with-ids": included }],
    });
    if !excluded.is_empty() {
        import["exclude-controls"] = json!([{ "with-ids": excluded }]);
    }
    let mut profile = json!({
        "uuid": uuid,
        "metadata": metadata_json(meta, &uuid, excluded_props),
        "imports": [import],
        // Keeps the catalog's groups, so the profile reads like the framework.
        "merge": { "as-is": true },
    });
    if !alters.is_empty() {
        profile["modify"] = json!({ "alters": alters });
    }
    Ok(json!({ "profile": profile }))
}

/// The implementation status of controls as OSCAL assessment results: one result holding
/// a finding per control, aimed at the control's `assessment-objective` part
/// (`objective-id` `<control id>_obj` in the catalog), and an observation per control with
/// evidence, listing it.
///
/// The finding's `status.state` is `satisfied` for implemented and not applicable controls,
/// `not-satisfied` otherwise; OSCAL's `implementation-status` carries the nearest OSCAL
/// state, and our `implementation-status` prop the exact one (OSCAL has no "not started").
pub fn assessment_results(
    fw: &Framework,
    findings: &[ControlFinding],
    meta: &Metadata,
) -> Result<Value, BuildError> {
    check_metadata(meta)?;
    let ids = control_ids(fw, findings.iter().map(|f| f.control_ref.as_str()))?;
    let uuid = document_uuid("assessment-results", fw, &(meta, findings));
    let at = timestamp(&meta.last_modified);
    let mut observations = Vec::new();
    let mut finding_values = Vec::new();
    for (f, id) in findings.iter().zip(&ids) {
        let node = fw.node(&f.control_ref);
        let title = node.map_or(f.control_ref.as_str(), |n| n.title.as_str());
        let mut props = vec![ns_prop("implementation-status", f.status.as_str())];
        if let Some(owner) = f.owner.as_deref().map(one_line).filter(|o| !o.is_empty()) {
            props.push(ns_prop("owner", &owner));
        }
        let mut target = json!({
            "type": "objective-id",
            "target-id": format!("{id}{OBJECTIVE}"),
            "status": { "state": if f.status.satisfied() { "satisfied" } else { "not-satisfied" } },
        });
        if let Some(state) = f.status.oscal_state() {
            target["implementation-status"] = json!({ "state": state });
        }
        let mut finding = json!({
            "uuid": ids::uuid(&[&uuid, "finding", &f.control_ref]),
            "title": one_line(&format!("{} {title}", f.control_ref)),
            "description": format!("{} {title}: {}.", f.control_ref, f.status.as_str().replace('-', " ")),
            "props": props,
            "target": target,
        });
        if let Some(remarks) = f.remarks.as_deref().filter(|r| !r.trim().is_empty()) {
            finding["remarks"] = json!(remarks);
        }
        let evidence: Vec<Value> = f
            .evidence
            .iter()
            .filter(|e| !e.trim().is_empty())
            .map(|e| evidence_json(e))
            .collect();
        if !evidence.is_empty() {
            let observation = ids::uuid(&[&uuid, "observation", &f.control_ref]);
            observations.push(json!({
                "uuid": observation,
                "title": format!("Evidence for {}", f.control_ref),
                "description": format!("Evidence recorded for {} {title}.", f.control_ref),
                "methods": ["EXAMINE"],
                "collected": at,
                "relevant-evidence": evidence,
            }));
            finding["related-observations"] = json!([{ "observation-uuid": observation }]);
        }
        finding_values.push(finding);
    }
    let reviewed: Vec<Value> = ids.iter().map(|id| json!({ "control-id": id })).collect();
    let selection = if reviewed.is_empty() {
        // OSCAL needs one selection; with no control recorded, the review is of all of them.
        json!({ "include-all": {} })
    } else {
        json!({ "include-controls": reviewed })
    };
    let mut result = json!({
        "uuid": ids::uuid(&[&uuid, "result"]),
        "title": one_line(&meta.title),
        "description": format!(
            "Implementation status of {} control{} of {}.",
            findings.len(),
            if findings.len() == 1 { "" } else { "s" },
            fw.name
        ),
        "start": at,
        "props": [ns_prop("framework-id", &fw.id)],
        "reviewed-controls": { "control-selections": [selection] },
    });
    if !observations.is_empty() {
        result["observations"] = Value::Array(observations);
    }
    if !finding_values.is_empty() {
        result["findings"] = Value::Array(finding_values);
    }
    Ok(json!({
        "assessment-results": {
            "uuid": uuid,
            "metadata": metadata_json(meta, &uuid, Vec::new()),
            "import-ap": { "href": meta.import_href },
            "results": [result],
        }
    }))
}

/// An evidence reference: always described by its text, and linked when it can serve as a
/// URI reference (no spaces or control characters).
fn evidence_json(reference: &str) -> Value {
    let reference = reference.trim();
    let mut out = json!({ "description": reference });
    if !reference
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        out["href"] = json!(reference);
    }
    out
}
