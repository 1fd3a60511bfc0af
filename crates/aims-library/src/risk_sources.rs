//! The `aims-risk-sources/1` format: a taxonomy of the sources of AI risk (unfair bias, data
//! quality, level of automation…) that risks in the register point at. See
//! `docs/library-format.md`.
//!
//! The decoder follows `decode.rs`: every problem of the file is reported with its line, and
//! a faulty field gets a placeholder so that the remaining checks still run. That source ids
//! are unique across the whole library is checked in `load.rs`, which sees every file.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::decode::{
    Ctx, Lines, check_id, check_id_at, check_length, join, list, mapping, string, string_list,
};
use crate::yaml::Value;

pub const RISK_SOURCES_FORMAT: &str = "aims-risk-sources/1";
/// Most sources in one taxonomy file.
pub const MAX_RISK_SOURCES: usize = 1_000;

/// A named list of risk sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskSources {
    pub id: String,
    pub name: String,
    pub description: String,
    pub sources: Vec<RiskSource>,
}

/// One source of AI risk: something about an AI system or its use that can lead to harm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskSource {
    /// A short slug such as `fairness` or `data-quality`, unique in the library.
    pub id: String,
    pub title: String,
    pub description: String,
    /// A free grouping such as `trustworthiness` or `operational`.
    pub category: Option<String>,
    /// Short examples of how the source shows up.
    #[serde(default)]
    pub examples: Vec<String>,
    /// The ISO/IEC 42001 Annex C item it relates to, such as `C.3.4`.
    pub annex_c: Option<String>,
}

impl RiskSources {
    pub fn source(&self, id: &str) -> Option<&RiskSource> {
        self.sources.iter().find(|s| s.id == id)
    }
}

/// A taxonomy as decoded from one file, with the lines of its fields.
#[derive(Debug, Clone)]
pub struct RiskSourcesDoc {
    pub taxonomy: RiskSources,
    pub lines: Lines,
}

const KEYS: &[&str] = &["format", "id", "name", "description", "sources"];
const SOURCE_KEYS: &[&str] = &[
    "id",
    "title",
    "description",
    "category",
    "examples",
    "annex_c",
];
const SOURCE_REQUIRED: &[&str] = &["id", "title", "description"];

/// `C.3` or `C.3.4`: a reference into Annex C, never its text.
pub fn valid_annex_c(text: &str) -> bool {
    text.strip_prefix("C.").is_some_and(|rest| {
        rest.split('.').all(|part| {
            !part.is_empty() && part.len() <= 3 && part.bytes().all(|b| b.is_ascii_digit())
        })
    })
}

/// Decodes a risk-source taxonomy file; the rules of one file are checked too.
pub fn decode(ctx: &mut Ctx<'_>, root: &Value) -> RiskSourcesDoc {
    let mut lines = Lines::default();
    lines.set("", root.line);
    let fields = mapping(ctx, root, "", KEYS, KEYS, &mut lines).unwrap_or_default();
    let text = |ctx: &mut Ctx<'_>, key: &str| {
        fields
            .get(key)
            .and_then(|v| string(ctx, v, key))
            .unwrap_or_default()
    };
    let _format = text(ctx, "format");
    let id = text(ctx, "id");
    let name = text(ctx, "name");
    let description = text(ctx, "description");
    let mut sources = Vec::new();
    if let Some(value) = fields.get("sources") {
        for (i, item) in list(ctx, value, "sources")
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            sources.push(source(ctx, item, &format!("sources[{i}]"), &mut lines));
        }
    }
    let doc = RiskSourcesDoc {
        taxonomy: RiskSources {
            id,
            name,
            description,
            sources,
        },
        lines,
    };
    check(ctx, &doc);
    doc
}

fn source(ctx: &mut Ctx<'_>, value: &Value, path: &str, lines: &mut Lines) -> RiskSource {
    let fields = mapping(ctx, value, path, SOURCE_KEYS, SOURCE_REQUIRED, lines).unwrap_or_default();
    let text = |ctx: &mut Ctx<'_>, key: &str| {
        fields
            .get(key)
            .and_then(|v| string(ctx, v, &join(path, key)))
    };
    RiskSource {
        id: text(ctx, "id").unwrap_or_default(),
        title: text(ctx, "title").unwrap_or_default(),
        description: text(ctx, "description").unwrap_or_default(),
        category: text(ctx, "category"),
        examples: fields
            .get("examples")
            .map(|v| string_list(ctx, v, &join(path, "examples"), lines))
            .unwrap_or_default(),
        annex_c: text(ctx, "annex_c"),
    }
}

/// The rules of one taxonomy file that go beyond each field's own shape.
pub fn check(ctx: &mut Ctx<'_>, doc: &RiskSourcesDoc) {
    let taxonomy = &doc.taxonomy;
    let lines = &doc.lines;
    check_id(ctx, &taxonomy.id, lines);
    for (key, text) in [
        ("name", &taxonomy.name),
        ("description", &taxonomy.description),
    ] {
        check_length(ctx, lines, key, text);
    }
    if taxonomy.sources.is_empty() && lines.has("sources") {
        ctx.report(
            lines.at("sources"),
            "sources",
            "must list at least one source",
        );
    }
    if taxonomy.sources.len() > MAX_RISK_SOURCES {
        ctx.report(
            lines.at("sources"),
            "sources",
            format!(
                "{} sources; at most {MAX_RISK_SOURCES} are allowed",
                taxonomy.sources.len()
            ),
        );
        return;
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, source) in taxonomy.sources.iter().enumerate() {
        let path = format!("sources[{i}]");
        let id_path = join(&path, "id");
        check_id_at(ctx, lines, &id_path, &source.id);
        for (key, text) in [
            ("id", Some(&source.id)),
            ("title", Some(&source.title)),
            ("description", Some(&source.description)),
            ("category", source.category.as_ref()),
            ("annex_c", source.annex_c.as_ref()),
        ] {
            if let Some(text) = text {
                check_length(ctx, lines, &join(&path, key), text);
            }
        }
        for (j, example) in source.examples.iter().enumerate() {
            check_length(ctx, lines, &format!("{path}.examples[{j}]"), example);
        }
        if let Some(annex_c) = &source.annex_c
            && !valid_annex_c(annex_c)
        {
            let field = join(&path, "annex_c");
            ctx.report(
                lines.at(&field),
                &field,
                format!("`{annex_c}` is not an Annex C reference: write it like `C.3.4`"),
            );
        }
        if source.id.is_empty() {
            continue;
        }
        if let Some(first) = seen.get(source.id.as_str()) {
            ctx.report(
                lines.at(&id_path),
                &id_path,
                format!(
                    "duplicate source id `{}` (first defined at sources[{first}], line {})",
                    source.id,
                    lines.at(&format!("sources[{first}].id"))
                ),
            );
        } else {
            seen.insert(&source.id, i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::valid_annex_c;

    #[test]
    fn annex_c_references() {
        for good in ["C.2", "C.3.4", "C.2.11"] {
            assert!(valid_annex_c(good), "{good}");
        }
        for bad in [
            "C", "C.", "c.3.4", "C.3.", "C..3", "A.6.2.4", "C.3.x", "C.1234",
        ] {
            assert!(!valid_annex_c(bad), "{bad}");
        }
    }
}
