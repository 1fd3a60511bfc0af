//! Identifiers of the OSCAL documents: control and part ids derived from refs, UUIDs derived
//! from names. Both are pure functions of the framework (and of a builder's inputs), so the
//! same input always gives byte-identical documents, which auditors can diff.

use std::collections::HashSet;

use uuid::Uuid;

use crate::model::Framework;

/// The namespace of our own props (`kind`, `assessable`, `article`, `framework-id`,
/// `short-name`, …). OSCAL asks for a URI; a URN needs no domain to stay valid.
pub const NS: &str = "urn:aims:oscal";

/// The UUID namespace of every UUID we derive: the v5 UUID of [`NS`] in the URL namespace
/// of RFC 9562. Changing it would change every exported UUID.
pub fn namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, NS.as_bytes())
}

/// A v5 UUID of a list of names. Each part is length-prefixed so that no two lists give the
/// same bytes (`["a:b"]` and `["a", "b"]` differ).
pub fn uuid(parts: &[&str]) -> Uuid {
    let mut name = Vec::new();
    for part in parts {
        name.extend_from_slice(part.len().to_string().as_bytes());
        name.push(b':');
        name.extend_from_slice(part.as_bytes());
    }
    Uuid::new_v5(&namespace(), &name)
}

/// Suffixes of the part ids derived from a control or group id; reserved together with the
/// id so that no part id can collide with another node's id.
pub const STATEMENT: &str = "_smt";
pub const OVERVIEW: &str = "_ovw";
pub const GUIDANCE: &str = "_gdn";
pub const OBJECTIVE: &str = "_obj";
pub const METHOD: &str = "_asm";
const SUFFIXES: [&str; 5] = [STATEMENT, OVERVIEW, GUIDANCE, OBJECTIVE, METHOD];

/// An OSCAL token from a ref: lower-case ASCII letters, digits, `.`, `-` and `_` are kept,
/// anything else (spaces, `/`, `(`…) becomes `-`. OSCAL ids must start with a letter or
/// `_`, so refs that do not (`4.1`, `6.1.2`) get the prefix `ref-`.
fn token(ref_: &str) -> String {
    let body: String = ref_
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '.' | '-' | '_') => c,
            _ => '-',
        })
        .collect();
    if body.starts_with(|c: char| c.is_ascii_lowercase() || c == '_') {
        body
    } else {
        format!("ref-{body}")
    }
}

/// Whether a string is an OSCAL token: a letter or `_` first, then letters, digits, `.`,
/// `-`, `_`.
pub fn is_token(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// The OSCAL id of every node, in node order. Lower-casing and replacing characters can
/// make two refs meet (`GOVERN 1` and `govern-1`); the later node then gets `-2`, `-3`…,
/// which depends only on the node order, so ids stay deterministic.
pub fn node_ids(fw: &Framework) -> Vec<String> {
    let mut taken: HashSet<String> = HashSet::new();
    let mut ids = Vec::with_capacity(fw.nodes.len());
    for node in &fw.nodes {
        let base = token(&node.ref_);
        let mut id = base.clone();
        let mut n = 1;
        while std::iter::once(id.clone())
            .chain(SUFFIXES.iter().map(|s| format!("{id}{s}")))
            .any(|candidate| taken.contains(&candidate))
        {
            n += 1;
            id = format!("{base}-{n}");
        }
        taken.insert(id.clone());
        taken.extend(SUFFIXES.iter().map(|s| format!("{id}{s}")));
        ids.push(id);
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_valid_oscal_ids() {
        assert_eq!(token("A.6.2.4"), "a.6.2.4");
        assert_eq!(token("6.1.2"), "ref-6.1.2");
        assert_eq!(token("GOVERN 1.1"), "govern-1.1");
        assert_eq!(token("general.ai-literacy"), "general.ai-literacy");
        assert_eq!(token("AC-2(1)"), "ac-2-1-");
        for r in [
            "A.6.2.4",
            "6.1.2",
            "GOVERN 1.1",
            ".x",
            "-",
            "Ünï cödé",
            "_a",
        ] {
            assert!(is_token(&token(r)), "{r} -> {}", token(r));
        }
        assert!(!is_token("4.1"));
        assert!(!is_token(""));
        assert!(!is_token("a b"));
    }

    #[test]
    fn uuids_are_v5_and_injective_over_parts() {
        let a = uuid(&["catalog", "x", "1"]);
        assert_eq!(a.get_version_num(), 5);
        assert_eq!(a, uuid(&["catalog", "x", "1"]));
        assert_ne!(uuid(&["a:b"]), uuid(&["a", "b"]));
        // Pinned, computed independently (Python's uuid5): changing the namespace would
        // change every exported UUID.
        assert_eq!(
            namespace().to_string(),
            "5ff2bc5f-0adb-521c-b620-485ee5a2f52d"
        );
    }
}
