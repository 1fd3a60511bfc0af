//! What goes wrong when library files are read: one [`Problem`] per fault, with the file,
//! line and field it concerns, and [`LoadError`], the error of every loading function.

use std::fmt;
use std::path::PathBuf;

/// One fault in one file, shown as `file:line: field: message`.
///
/// `line` is missing for faults of the whole file (it cannot be read, it is too large);
/// `field` is missing for YAML syntax errors and whole-file faults. Fields are written as
/// paths such as `nodes[12].parent` (list positions count from 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub field: Option<String>,
    pub message: String,
}

impl Problem {
    pub(crate) fn file(file: impl Into<PathBuf>, message: impl Into<String>) -> Problem {
        Problem {
            file: file.into(),
            line: None,
            field: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for Problem {}

/// Loading failed; nothing was loaded. Every problem found is listed, in file and line order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The files break the format; see each problem.
    #[error("{}", list(.0))]
    Invalid(Vec<Problem>),
}

impl LoadError {
    pub fn problems(&self) -> &[Problem] {
        match self {
            LoadError::Invalid(problems) => problems,
        }
    }
}

fn list(problems: &[Problem]) -> String {
    let mut out = format!(
        "the library is invalid ({} problem{})",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for problem in problems {
        out.push_str("\n  ");
        out.push_str(&problem.to_string());
    }
    out
}

/// Puts problems in file, then line order, keeping the order of discovery within a line.
pub(crate) fn sort(problems: &mut [Problem]) {
    problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
}
