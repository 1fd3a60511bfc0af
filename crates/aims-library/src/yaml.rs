//! A small YAML tree with line numbers, built from `saphyr-parser` events under hard limits.
//!
//! The library files are read into this tree first and checked field by field afterwards, so
//! that one pass can report every problem with the line it sits on. Going through serde would
//! stop at the first error and lose most locations.
//!
//! Why the limits: library folders may come from outside (a shared repository, an import), so
//! the reader must survive hostile input. Anchors and aliases are refused outright, which makes
//! an alias bomb ("billion laughs") impossible: nothing is ever expanded. Nesting is bounded
//! while events arrive, before the parser's own stack can grow far, and the number of values is
//! bounded so that a file within the size limit cannot blow up into a huge tree.

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};

/// Deepest nesting of mappings and sequences accepted. A framework file needs 4 levels
/// (document, `nodes`, a node, `evidence`); CISO Assistant files need about 6.
pub const MAX_NESTING: usize = 32;

/// Most scalars, mappings and sequences accepted in one file. 5,000 nodes with a dozen
/// values each stay far below it.
pub const MAX_VALUES: usize = 500_000;

/// One YAML value and the line (1-based) where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub line: usize,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A scalar's text; `plain` is false when it was quoted or a block scalar, which makes it a
    /// string whatever it looks like.
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Value>),
    Map(Vec<(Key, Value)>),
}

/// A mapping key (always a scalar here) and its line.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub text: String,
    pub line: usize,
}

/// What a scalar means under the YAML 1.2 core schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarType {
    Null,
    Bool(bool),
    Int,
    Float,
    Str,
}

impl ScalarType {
    /// The name used in "expected X, found Y" messages.
    pub fn name(self) -> &'static str {
        match self {
            ScalarType::Null => "null",
            ScalarType::Bool(_) => "a boolean",
            ScalarType::Int => "an integer",
            ScalarType::Float => "a number",
            ScalarType::Str => "a string",
        }
    }
}

/// Resolves a scalar the way YAML 1.2's core schema does, so that `version: 2023` is seen as
/// an integer and `assessable: yes` as a string (YAML 1.1's yes/no booleans are gone in 1.2).
pub fn resolve(text: &str, plain: bool) -> ScalarType {
    if !plain {
        return ScalarType::Str;
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return ScalarType::Null,
        "true" | "True" | "TRUE" => return ScalarType::Bool(true),
        "false" | "False" | "FALSE" => return ScalarType::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => return ScalarType::Float,
        _ => {}
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return ScalarType::Int;
    }
    if let Some(hex) = text.strip_prefix("0x")
        && !hex.is_empty()
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return ScalarType::Int;
    }
    if let Some(oct) = text.strip_prefix("0o")
        && !oct.is_empty()
        && oct.bytes().all(|b| (b'0'..=b'7').contains(&b))
    {
        return ScalarType::Int;
    }
    if is_float(digits) {
        return ScalarType::Float;
    }
    ScalarType::Str
}

/// `[0-9]*(\.[0-9]*)?([eE][-+]?[0-9]+)?` with at least one digit before the exponent.
fn is_float(text: &str) -> bool {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mantissa, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || !all_digits(frac) || int.len() + frac.len() == 0 {
        return false;
    }
    match exponent {
        None => mantissa.contains('.'),
        Some(exp) => {
            let exp = exp.strip_prefix(['-', '+']).unwrap_or(exp);
            !exp.is_empty() && all_digits(exp)
        }
    }
}

/// Why a text could not be read as one YAML document; `line` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub message: String,
}

impl SyntaxError {
    fn at(span: Span, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            line: span.start.line(),
            message: message.into(),
        }
    }
}

impl From<ScanError> for SyntaxError {
    fn from(err: ScanError) -> SyntaxError {
        // The scanner stops flow collections (`[[[[`) at 255 levels with a terse message;
        // say it the same way as our own nesting limit.
        let message = if err.info().contains("recursion limit") {
            format!("nesting deeper than {MAX_NESTING} levels is not allowed")
        } else {
            format!("invalid YAML: {}", err.info())
        };
        SyntaxError {
            line: err.marker().line(),
            message,
        }
    }
}

/// A collection being filled while its events arrive.
enum Frame {
    Seq {
        line: usize,
        items: Vec<Value>,
    },
    Map {
        line: usize,
        entries: Vec<(Key, Value)>,
        key: Option<Key>,
    },
}

/// Parses one YAML document. An empty document yields `None`.
pub fn parse(text: &str) -> Result<Option<Value>, SyntaxError> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Value> = None;
    let mut documents = 0usize;
    let mut values = 0usize;
    while let Some(next) = parser.next_event() {
        let (event, span) = next?;
        let line = span.start.line();
        let value = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {
                continue;
            }
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(SyntaxError::at(
                        span,
                        "a library file holds exactly one YAML document; remove the second `---`",
                    ));
                }
                continue;
            }
            Event::Alias(_) => {
                return Err(SyntaxError::at(
                    span,
                    "aliases (`*name`) are not allowed in library files",
                ));
            }
            Event::Scalar(text, style, anchor, tag) => {
                refuse_anchor_or_tag(span, anchor, tag.is_some())?;
                Value {
                    line,
                    kind: Kind::Scalar {
                        text: text.into_owned(),
                        plain: style == ScalarStyle::Plain,
                    },
                }
            }
            Event::SequenceStart(anchor, tag) => {
                open(&mut stack, &mut values, span, anchor, tag.is_some())?;
                stack.push(Frame::Seq {
                    line,
                    items: Vec::new(),
                });
                continue;
            }
            Event::MappingStart(anchor, tag) => {
                open(&mut stack, &mut values, span, anchor, tag.is_some())?;
                stack.push(Frame::Map {
                    line,
                    entries: Vec::new(),
                    key: None,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq { line, items }) => Value {
                    line,
                    kind: Kind::Seq(items),
                },
                Some(Frame::Map { line, entries, .. }) => Value {
                    line,
                    kind: Kind::Map(entries),
                },
                None => return Err(SyntaxError::at(span, "unbalanced collection end")),
            },
        };
        if matches!(value.kind, Kind::Scalar { .. }) {
            count(&mut values, span)?;
        }
        attach(&mut stack, &mut root, value, span)?;
    }
    Ok(root)
}

/// Checks done before a collection is opened: no anchor or tag, nesting and size in bounds.
fn open(
    stack: &mut [Frame],
    values: &mut usize,
    span: Span,
    anchor: usize,
    tagged: bool,
) -> Result<(), SyntaxError> {
    refuse_anchor_or_tag(span, anchor, tagged)?;
    if stack.len() >= MAX_NESTING {
        return Err(SyntaxError::at(
            span,
            format!("nesting deeper than {MAX_NESTING} levels is not allowed"),
        ));
    }
    count(values, span)
}

fn refuse_anchor_or_tag(span: Span, anchor: usize, tagged: bool) -> Result<(), SyntaxError> {
    // The parser numbers anchors from 1; 0 means "no anchor".
    if anchor != 0 {
        return Err(SyntaxError::at(
            span,
            "anchors (`&name`) are not allowed in library files",
        ));
    }
    if tagged {
        return Err(SyntaxError::at(
            span,
            "tags (`!name`, `!!type`) are not allowed in library files",
        ));
    }
    Ok(())
}

fn count(values: &mut usize, span: Span) -> Result<(), SyntaxError> {
    *values += 1;
    if *values > MAX_VALUES {
        return Err(SyntaxError::at(
            span,
            format!("more than {MAX_VALUES} values in one file"),
        ));
    }
    Ok(())
}

/// Puts a finished value into the collection being built, or makes it the document.
fn attach(
    stack: &mut [Frame],
    root: &mut Option<Value>,
    value: Value,
    span: Span,
) -> Result<(), SyntaxError> {
    match stack.last_mut() {
        None => *root = Some(value),
        Some(Frame::Seq { items, .. }) => items.push(value),
        Some(Frame::Map { entries, key, .. }) => match key.take() {
            Some(k) => entries.push((k, value)),
            None => match value.kind {
                Kind::Scalar { text, .. } => {
                    *key = Some(Key {
                        text,
                        line: value.line,
                    })
                }
                _ => {
                    return Err(SyntaxError::at(
                        span,
                        "a mapping key must be a plain string, not a list or mapping",
                    ));
                }
            },
        },
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_schema_resolution() {
        assert_eq!(resolve("2023", true), ScalarType::Int);
        assert_eq!(resolve("2023", false), ScalarType::Str);
        assert_eq!(resolve("4.1", true), ScalarType::Float);
        assert_eq!(resolve("6.1.2", true), ScalarType::Str);
        assert_eq!(resolve("A.2", true), ScalarType::Str);
        assert_eq!(resolve("yes", true), ScalarType::Str);
        assert_eq!(resolve("true", true), ScalarType::Bool(true));
        assert_eq!(resolve("~", true), ScalarType::Null);
        assert_eq!(resolve("1e3", true), ScalarType::Float);
        assert_eq!(resolve(".", true), ScalarType::Str);
    }

    #[test]
    fn lines_are_kept() {
        let v = parse("a: 1\nb:\n  - x\n  - y\n").unwrap().unwrap();
        let Kind::Map(entries) = v.kind else {
            panic!("not a map")
        };
        assert_eq!(entries[1].0.line, 2);
        let Kind::Seq(items) = &entries[1].1.kind else {
            panic!("not a seq")
        };
        assert_eq!(items[1].line, 4);
    }

    #[test]
    fn refuses_anchors_aliases_tags_and_second_documents() {
        assert!(
            parse("a: &x 1\nb: *x\n")
                .unwrap_err()
                .message
                .contains("anchors")
        );
        assert!(parse("a: !!str 1\n").unwrap_err().message.contains("tags"));
        let err = parse("a: 1\n---\nb: 2\n").unwrap_err();
        assert_eq!(err.line, 2);
    }

    #[test]
    fn refuses_deep_nesting_early() {
        let text = "[".repeat(1_000_000);
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("nesting"), "{}", err.message);
        let text = "- ".repeat(1_000_000);
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("nesting"), "{}", err.message);
        let text = "a:\n".to_string() + &"  ".repeat(100) + "b: 1\n";
        assert!(parse(&text).is_ok());
    }
}
