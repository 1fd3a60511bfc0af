//! The library of frameworks and crosswalks, risk sources and impact assessment templates:
//! the `aims-framework/1`, `aims-crosswalk/1`, `aims-risk-sources/1` and
//! `aims-assessment-template/1` file formats (see `docs/library-format.md`), their loader and
//! validator, the library bundled with aims, the import of CISO Assistant library files, and
//! OSCAL catalogs, profiles and assessment results ([`oscal`]).
//!
//! Templates also check answers and derive an impact level from them
//! ([`AssessmentTemplate::check_answers`], [`AssessmentTemplate::evaluate`]): pure functions,
//! so that the server and the CLI judge an assessment the same way.
//!
//! ```
//! let library = aims_library::bundled()?;
//! let fria = library.template("eu-fria").expect("bundled");
//! let answers: aims_library::Answers =
//!     serde_json::from_value(serde_json::json!({"can-override": false, "harm-severity": 2}))
//!         .expect("an object");
//! assert!(fria.check_answers(&answers).is_empty());
//! let outcome = fria.evaluate(&answers);
//! assert_eq!(outcome.level, "high");
//! assert_eq!(outcome.reasons[0].question_id, "can-override");
//! # Ok::<(), aims_library::LoadError>(())
//! ```
//!
//! Everything here is plain data and files: no HTTP, no database. Loading is all-or-nothing
//! and returns a new [`Library`]; validation reports every problem as
//! `file:line: field: message`.
//!
//! ```no_run
//! let library = aims_library::load_dir(std::path::Path::new("library"))?;
//! let iso = library.framework("iso-iec-42001-2023").expect("bundled");
//! for control in iso.children("A.6") {
//!     println!("{} {}", control.ref_, control.title);
//! }
//! # Ok::<(), aims_library::LoadError>(())
//! ```

mod ciso;
mod decode;
mod emit;
mod load;
mod model;
pub mod oscal;
mod problem;
mod risk_sources;
mod template;
mod yaml;

pub use ciso::{Imported, import_ciso, import_ciso_source};
pub use decode::{CROSSWALK_FORMAT, FRAMEWORK_FORMAT, MAX_DEPTH, MAX_NODES, MAX_TEXT, valid_id};
pub use emit::{crosswalk_to_yaml, framework_to_yaml};
pub use load::{
    AnyDocument, Document, MAX_FILE_BYTES, Source, load_any_source, load_dir, load_file,
    load_layers, load_source, read_dir, read_dir_all, read_source, validate, validate_over,
};
pub use model::{Crosswalk, Framework, Library, Mapping, MappingView, Node, NodeKind, Relation};
pub use problem::{LoadError, Problem};
pub use risk_sources::{MAX_RISK_SOURCES, RISK_SOURCES_FORMAT, RiskSource, RiskSources};
pub use template::{
    AnswerProblem, Answers, AssessmentTemplate, ChoiceOption, Condition, Expected, MAX_LEVELS,
    MAX_OPTIONS, MAX_QUESTIONS, MAX_RULES, MAX_SCALE_SPAN, Outcome, Question, QuestionKind, Reason,
    Rule, Scale, ScaleLabel, Section, TEMPLATE_FORMAT, Template, Test, Threshold,
};
pub use yaml::{MAX_NESTING, MAX_VALUES};

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
}

/// The files of the library bundled with aims (`library/` in the repository), embedded at
/// build time. Their paths read `library/frameworks/…` (or `crosswalks/`, `risk-sources/`,
/// `templates/`) in messages.
pub fn bundled_sources() -> Vec<Source> {
    bundled::BUNDLED
        .iter()
        .map(|(name, text)| Source {
            path: std::path::Path::new("library").join(name),
            text: (*text).to_owned(),
        })
        .collect()
}

/// The bundled library, checked like any other (a test makes sure it loads).
pub fn bundled() -> Result<Library, LoadError> {
    load_layers(&[bundled_sources()])
}
