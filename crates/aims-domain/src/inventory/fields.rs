//! Field descriptors: the one description of a field that storage, API and forms share.

use super::RecordKind;

/// One allowed value of a choice field, with its label for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A single line of text, at most this many characters.
    Text(usize),
    /// Several paragraphs of text.
    LongText,
    Email,
    /// One of the values; stored as text.
    Choice(&'static [Choice]),
    /// Any number of the values; stored as a JSON array.
    MultiChoice(&'static [Choice]),
    Bool,
    Date,
    /// A list of short texts; stored as a JSON array.
    List,
    /// The id of another record of the same organisation.
    Reference(RecordKind),
    /// Ids of other records of the same organisation; stored as a JSON array.
    References(RecordKind),
    /// Named numbers, such as `{"mAP@0.5": 0.81}`; stored as a JSON object.
    Metrics,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDef {
    pub name: &'static str,
    pub label: &'static str,
    /// Help text shown under the input and in the OpenAPI description.
    pub hint: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    /// Set by another process (an assessment), never by editing the record.
    pub read_only: bool,
}

impl FieldDef {
    pub const fn new(
        name: &'static str,
        label: &'static str,
        kind: FieldKind,
        hint: &'static str,
    ) -> Self {
        Self {
            name,
            label,
            hint,
            kind,
            required: false,
            read_only: false,
        }
    }

    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub const fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    /// Whether the value is kept as JSON text in the database.
    pub fn is_json(&self) -> bool {
        matches!(
            self.kind,
            FieldKind::MultiChoice(_)
                | FieldKind::List
                | FieldKind::References(_)
                | FieldKind::Metrics
        )
    }

    /// Whether the column may hold NULL (an optional choice, date or reference).
    pub fn is_nullable(&self) -> bool {
        !self.required
            && matches!(
                self.kind,
                FieldKind::Choice(_) | FieldKind::Date | FieldKind::Reference(_)
            )
    }
}
