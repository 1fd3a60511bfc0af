//! Writes frameworks and crosswalks as library files (used by the CISO Assistant import).
//!
//! Every string is written double-quoted with escapes, so no text, whatever it contains
//! (`: `, `#`, a leading `*`, `yes`, `2023`), can change meaning when read back; a test reads
//! each written file back and compares. Keys come in the order of the format description.

use std::fmt::Write as _;

use crate::decode::{CROSSWALK_FORMAT, FRAMEWORK_FORMAT};
use crate::model::{Crosswalk, Framework};

/// A YAML 1.2 double-quoted scalar.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            // Other controls, and characters some readers take for line breaks or a BOM.
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn line(out: &mut String, indent: &str, key: &str, value: &str) {
    let _ = writeln!(out, "{indent}{key}: {}", quote(value));
}

fn list(out: &mut String, indent: &str, key: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "{indent}{key}:");
    for item in items {
        let _ = writeln!(out, "{indent}  - {}", quote(item));
    }
}

/// A framework as an `aims-framework/1` file.
pub fn framework_to_yaml(fw: &Framework) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "format: {FRAMEWORK_FORMAT}");
    line(&mut out, "", "id", &fw.id);
    line(&mut out, "", "name", &fw.name);
    line(&mut out, "", "short_name", &fw.short_name);
    line(&mut out, "", "version", &fw.version);
    line(&mut out, "", "publisher", &fw.publisher);
    if let Some(url) = &fw.url {
        line(&mut out, "", "url", url);
    }
    line(&mut out, "", "description", &fw.description);
    out.push_str("nodes:\n");
    for node in &fw.nodes {
        let _ = writeln!(out, "  - ref: {}", quote(&node.ref_));
        let indent = "    ";
        if let Some(parent) = &node.parent {
            line(&mut out, indent, "parent", parent);
        }
        line(&mut out, indent, "title", &node.title);
        let _ = writeln!(out, "{indent}kind: {}", node.kind);
        let _ = writeln!(out, "{indent}assessable: {}", node.assessable);
        if let Some(text) = &node.description {
            line(&mut out, indent, "description", text);
        }
        if let Some(text) = &node.guidance {
            line(&mut out, indent, "guidance", text);
        }
        list(&mut out, indent, "evidence", &node.evidence);
        list(&mut out, indent, "articles", &node.articles);
    }
    out
}

/// A crosswalk as an `aims-crosswalk/1` file.
pub fn crosswalk_to_yaml(cw: &Crosswalk) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "format: {CROSSWALK_FORMAT}");
    line(&mut out, "", "id", &cw.id);
    line(&mut out, "", "name", &cw.name);
    line(&mut out, "", "source", &cw.source);
    line(&mut out, "", "target", &cw.target);
    line(&mut out, "", "description", &cw.description);
    out.push_str("mappings:\n");
    for m in &cw.mappings {
        let _ = writeln!(out, "  - source: {}", quote(&m.source));
        line(&mut out, "    ", "target", &m.target);
        let _ = writeln!(out, "    relation: {}", m.relation);
        if let Some(rationale) = &m.rationale {
            line(&mut out, "    ", "rationale", rationale);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quotes_everything_that_could_change_meaning() {
        assert_eq!(quote("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
        assert_eq!(quote("\u{7}"), r#""\u0007""#);
        assert_eq!(quote("yes"), r#""yes""#);
    }
}
