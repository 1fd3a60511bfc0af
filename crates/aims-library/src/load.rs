//! Reading library files and folders: size limit, YAML, decoding, then the rules that span
//! files (duplicate ids, crosswalk references, risk source ids unique across taxonomies).
//! Loading is all-or-nothing: it returns a new [`Library`] or every problem found, and never
//! touches a library already loaded.

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::decode::{self, CROSSWALK_FORMAT, CrosswalkDoc, Ctx, FRAMEWORK_FORMAT, FrameworkDoc};
use crate::model::{Crosswalk, Framework, Library};
use crate::problem::{LoadError, Problem, sort};
use crate::risk_sources::{self, RISK_SOURCES_FORMAT, RiskSources, RiskSourcesDoc};
use crate::template::decode::TemplateDoc;
use crate::template::{self, AssessmentTemplate, TEMPLATE_FORMAT};
use crate::yaml;

/// Every format a library file may have, in the order messages list them.
const FORMATS: [&str; 4] = [
    FRAMEWORK_FORMAT,
    CROSSWALK_FORMAT,
    RISK_SOURCES_FORMAT,
    TEMPLATE_FORMAT,
];

/// The sub-folders of a library folder, one per format.
const FOLDERS: [&str; 4] = ["frameworks", "crosswalks", "risk-sources", "templates"];

/// Largest file read, checked before reading: no library file comes near it, and it keeps
/// the memory a hostile file can take bounded (the tree built from it is bounded too).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// One file's text and the name used for it in messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub path: PathBuf,
    pub text: String,
}

/// What a framework or crosswalk file holds (see [`AnyDocument`] for every format).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Document {
    Framework(Framework),
    Crosswalk(Crosswalk),
}

/// What a library file of any format holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyDocument {
    Framework(Framework),
    Crosswalk(Crosswalk),
    RiskSources(RiskSources),
    Template(AssessmentTemplate),
}

/// A file decoded, with the lines the checks across files need.
enum Parsed {
    Framework(FrameworkDoc),
    Crosswalk(CrosswalkDoc),
    RiskSources(RiskSourcesDoc),
    Template(TemplateDoc),
}

/// Reads a file, refusing it before reading when it is larger than [`MAX_FILE_BYTES`], and
/// reading at most that much in case it grows meanwhile or is not a regular file.
pub fn read_source(path: &Path) -> Result<Source, Problem> {
    let problem = |message: String| Problem::file(path, message);
    let file = fs::File::open(path).map_err(|e| problem(format!("cannot open: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| problem(format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(problem("not a regular file".into()));
    }
    let too_large = || {
        problem(format!(
            "file is larger than {} MiB; library files must stay below that",
            MAX_FILE_BYTES / 1024 / 1024
        ))
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| problem(format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        problem(format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok(Source {
        path: path.to_path_buf(),
        text,
    })
}

/// The `*.yaml` and `*.yml` files of a library folder's `frameworks/` and `crosswalks/`,
/// sorted so that messages come out in a stable order. For callers that handle only those
/// two formats; [`read_dir_all`] reads the risk sources and templates too.
pub fn read_dir(dir: &Path) -> Result<Vec<Source>, Vec<Problem>> {
    read_folders(
        dir,
        &FOLDERS[..2],
        "not a library folder: it has neither a frameworks/ nor a crosswalks/ folder",
    )
}

/// The `*.yaml` and `*.yml` files of a library folder's `frameworks/`, `crosswalks/`,
/// `risk-sources/` and `templates/`, sorted so that messages come out in a stable order.
pub fn read_dir_all(dir: &Path) -> Result<Vec<Source>, Vec<Problem>> {
    read_folders(
        dir,
        &FOLDERS,
        "not a library folder: it has none of frameworks/, crosswalks/, risk-sources/, templates/",
    )
}

fn read_folders(dir: &Path, folders: &[&str], none: &str) -> Result<Vec<Source>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut sources = Vec::new();
    if !dir.is_dir() {
        return Err(vec![Problem::file(dir, "not a folder")]);
    }
    let mut found_any = false;
    for sub in folders {
        let sub = dir.join(sub);
        if !sub.is_dir() {
            continue;
        }
        found_any = true;
        let entries = match fs::read_dir(&sub) {
            Ok(entries) => entries,
            Err(e) => {
                problems.push(Problem::file(&sub, format!("cannot list: {e}")));
                continue;
            }
        };
        let mut paths = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => {
                    let path = entry.path();
                    if is_yaml(&path) {
                        paths.push(path);
                    }
                }
                Err(e) => problems.push(Problem::file(&sub, format!("cannot list: {e}"))),
            }
        }
        paths.sort();
        for path in paths {
            match read_source(&path) {
                Ok(source) => sources.push(source),
                Err(problem) => problems.push(problem),
            }
        }
    }
    if !found_any {
        problems.push(Problem::file(dir, none));
    }
    if problems.is_empty() {
        Ok(sources)
    } else {
        Err(problems)
    }
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// Parses and decodes one source, checking the rules of one file.
fn parse_source(source: &Source, problems: &mut Vec<Problem>) -> Option<Parsed> {
    let mut ctx = Ctx::new(&source.path);
    // A byte-order mark is legal in YAML but the parser would take it as content.
    let text = source.text.strip_prefix('\u{feff}').unwrap_or(&source.text);
    let root = match yaml::parse(text) {
        Ok(Some(root)) => root,
        Ok(None) => {
            problems.push(Problem::file(&source.path, "the file is empty"));
            return None;
        }
        Err(err) => {
            ctx.report(err.line, "", err.message);
            problems.extend(ctx.problems);
            return None;
        }
    };
    let parsed = match decode::format_of(&root) {
        Some(FRAMEWORK_FORMAT) => Some(Parsed::Framework(decode::framework(&mut ctx, &root))),
        Some(CROSSWALK_FORMAT) => Some(Parsed::Crosswalk(decode::crosswalk(&mut ctx, &root))),
        Some(RISK_SOURCES_FORMAT) => {
            Some(Parsed::RiskSources(risk_sources::decode(&mut ctx, &root)))
        }
        Some(TEMPLATE_FORMAT) => Some(Parsed::Template(template::decode::decode(&mut ctx, &root))),
        other => {
            let mut lines = decode::Lines::default();
            // Reports a root that is not a mapping, and finds the line of `format`.
            let fields =
                decode::mapping(&mut ctx, &root, "", &["format", "objects"], &[], &mut lines);
            if fields.is_some() {
                let formats = FORMATS.join(", ");
                let message = match other {
                    Some(found) => format!("unknown format `{found}`; allowed: {formats}"),
                    None if lines.has("format") => {
                        format!("expected a string, one of: {formats}")
                    }
                    None if fields.as_ref().is_some_and(|f| f.contains_key("objects")) => {
                        "missing required key; this looks like a CISO Assistant library: convert it with `aims library import`".to_owned()
                    }
                    None => format!(
                        "missing required key; every library file starts with `format:` and one of: {formats}"
                    ),
                };
                // Only the format problem matters here: the other keys cannot be judged
                // without knowing what the file is.
                ctx.problems.clear();
                ctx.report(lines.at("format"), "format", message);
            }
            None
        }
    };
    problems.extend(ctx.problems);
    parsed
}

/// Reads one file on its own: its YAML and the rules of one file. Crosswalk references are
/// not checked (see [`validate`] for that).
pub fn load_file(path: &Path) -> Result<Document, LoadError> {
    let source = read_source(path).map_err(|p| LoadError::Invalid(vec![p]))?;
    load_source(&source)
}

/// Like [`load_file`], for text already in memory: a framework or a crosswalk. A risk-source
/// taxonomy or an assessment template is refused with a problem that says what it is; read
/// those with [`load_any_source`].
pub fn load_source(source: &Source) -> Result<Document, LoadError> {
    match load_any_source(source)? {
        AnyDocument::Framework(framework) => Ok(Document::Framework(framework)),
        AnyDocument::Crosswalk(crosswalk) => Ok(Document::Crosswalk(crosswalk)),
        AnyDocument::RiskSources(_) => Err(not_framework(source, RISK_SOURCES_FORMAT)),
        AnyDocument::Template(_) => Err(not_framework(source, TEMPLATE_FORMAT)),
    }
}

fn not_framework(source: &Source, format: &str) -> LoadError {
    LoadError::Invalid(vec![Problem::file(
        &source.path,
        format!("an `{format}` file, where a framework or a crosswalk was expected"),
    )])
}

/// Reads one file of any format on its own: its YAML and the rules of one file.
pub fn load_any_source(source: &Source) -> Result<AnyDocument, LoadError> {
    let mut problems = Vec::new();
    let parsed = parse_source(source, &mut problems);
    match parsed {
        Some(_) if !problems.is_empty() => Err(finish(problems)),
        Some(Parsed::Framework(doc)) => Ok(AnyDocument::Framework(doc.framework)),
        Some(Parsed::Crosswalk(doc)) => Ok(AnyDocument::Crosswalk(doc.crosswalk)),
        Some(Parsed::RiskSources(doc)) => Ok(AnyDocument::RiskSources(doc.taxonomy)),
        Some(Parsed::Template(doc)) => Ok(AnyDocument::Template(doc.template)),
        None => Err(finish(problems)),
    }
}

/// Loads a library folder (its `frameworks/`, `crosswalks/`, `risk-sources/` and
/// `templates/`), checking every rule.
pub fn load_dir(dir: &Path) -> Result<Library, LoadError> {
    let sources = read_dir_all(dir).map_err(finish)?;
    load_layers(&[sources])
}

/// Loads layers of sources: within a layer ids must be unique; a later layer replaces the
/// frameworks, crosswalks, taxonomies and templates of an earlier one that have the same id,
/// and adds the others. Crosswalk references, and risk source ids (unique across all
/// taxonomies), are checked once all layers are merged. This is how a user's folder is laid
/// over the bundled library.
pub fn load_layers(layers: &[Vec<Source>]) -> Result<Library, LoadError> {
    let mut problems = Vec::new();
    let mut library = Library::default();
    let mut crosswalk_docs: Vec<(PathBuf, CrosswalkDoc)> = Vec::new();
    let mut taxonomy_docs: Vec<(PathBuf, RiskSourcesDoc)> = Vec::new();
    for layer in layers {
        let mut layer_library = Library::default();
        let mut framework_ids: HashMap<String, (PathBuf, usize)> = HashMap::new();
        let mut crosswalk_ids: HashMap<String, (PathBuf, usize)> = HashMap::new();
        let mut taxonomy_ids: HashMap<String, (PathBuf, usize)> = HashMap::new();
        let mut template_ids: HashMap<String, (PathBuf, usize)> = HashMap::new();
        for source in layer {
            match parse_source(source, &mut problems) {
                Some(Parsed::Framework(doc)) => {
                    let id = doc.framework.id.clone();
                    let line = doc.lines.at("id");
                    if duplicate(
                        &mut problems,
                        &mut framework_ids,
                        &id,
                        &source.path,
                        line,
                        "framework",
                    ) {
                        continue;
                    }
                    layer_library.frameworks.push(doc.framework);
                }
                Some(Parsed::Crosswalk(doc)) => {
                    let id = doc.crosswalk.id.clone();
                    let line = doc.lines.at("id");
                    if duplicate(
                        &mut problems,
                        &mut crosswalk_ids,
                        &id,
                        &source.path,
                        line,
                        "crosswalk",
                    ) {
                        continue;
                    }
                    layer_library.crosswalks.push(doc.crosswalk.clone());
                    // Replaced docs of an earlier layer are dropped below, with the crosswalk.
                    crosswalk_docs.retain(|(_, d)| d.crosswalk.id != id);
                    crosswalk_docs.push((source.path.clone(), doc));
                }
                Some(Parsed::RiskSources(doc)) => {
                    let id = doc.taxonomy.id.clone();
                    let line = doc.lines.at("id");
                    if duplicate(
                        &mut problems,
                        &mut taxonomy_ids,
                        &id,
                        &source.path,
                        line,
                        "risk source taxonomy",
                    ) {
                        continue;
                    }
                    layer_library.risk_sources.push(doc.taxonomy.clone());
                    taxonomy_docs.retain(|(_, d)| d.taxonomy.id != id);
                    taxonomy_docs.push((source.path.clone(), doc));
                }
                Some(Parsed::Template(doc)) => {
                    let line = doc.lines.at("id");
                    if duplicate(
                        &mut problems,
                        &mut template_ids,
                        &doc.template.id,
                        &source.path,
                        line,
                        "template",
                    ) {
                        continue;
                    }
                    layer_library.templates.push(doc.template);
                }
                None => {}
            }
        }
        library.overlay(layer_library);
    }
    for (path, doc) in &crosswalk_docs {
        check_references(&mut problems, path, doc, &library);
    }
    check_risk_source_ids(&mut problems, &taxonomy_docs);
    if problems.is_empty() {
        Ok(library)
    } else {
        Err(finish(problems))
    }
}

/// Records an id; reports it when this layer already had it. Empty ids were reported as
/// missing already.
fn duplicate(
    problems: &mut Vec<Problem>,
    seen: &mut HashMap<String, (PathBuf, usize)>,
    id: &str,
    path: &Path,
    line: usize,
    what: &str,
) -> bool {
    if id.is_empty() {
        return false;
    }
    if let Some((first, first_line)) = seen.get(id) {
        problems.push(Problem {
            file: path.to_path_buf(),
            line: Some(line),
            field: Some("id".into()),
            message: format!(
                "{what} id `{id}` is already used by {}:{first_line}",
                first.display()
            ),
        });
        return true;
    }
    seen.insert(id.to_owned(), (path.to_path_buf(), line));
    false
}

/// A crosswalk's frameworks exist, and each mapping names refs of them.
fn check_references(
    problems: &mut Vec<Problem>,
    path: &Path,
    doc: &CrosswalkDoc,
    library: &Library,
) {
    let mut ctx = Ctx::new(path);
    let cw = &doc.crosswalk;
    let known = || {
        let mut ids: Vec<&str> = library.frameworks.iter().map(|f| f.id.as_str()).collect();
        ids.sort_unstable();
        if ids.is_empty() {
            "none".to_owned()
        } else {
            ids.join(", ")
        }
    };
    let mut side = |key: &str, id: &str| -> Option<&Framework> {
        if id.is_empty() {
            return None;
        }
        let found = library.framework(id);
        if found.is_none() {
            ctx.report(
                doc.lines.at(key),
                key,
                format!("unknown framework `{id}`; known: {}", known()),
            );
        }
        found
    };
    let source = side("source", &cw.source);
    let target = side("target", &cw.target);
    for (i, m) in cw.mappings.iter().enumerate() {
        for (key, framework, ref_) in [("source", source, &m.source), ("target", target, &m.target)]
        {
            let Some(framework) = framework else { continue };
            if !ref_.is_empty() && framework.node(ref_).is_none() {
                let field = format!("mappings[{i}].{key}");
                ctx.report(
                    doc.lines.at(&field),
                    &field,
                    format!("`{ref_}` is not a ref of framework `{}`", framework.id),
                );
            }
        }
    }
    problems.extend(ctx.problems);
}

/// Risk source ids are unique across the taxonomies of a library, so that a risk can name its
/// source by id alone. A duplicate is reported on the later taxonomy, naming the first;
/// duplicates within one file were reported by its own checks.
fn check_risk_source_ids(problems: &mut Vec<Problem>, docs: &[(PathBuf, RiskSourcesDoc)]) {
    // source id → (position of its taxonomy in `docs`, line)
    let mut seen: HashMap<&str, (usize, usize)> = HashMap::new();
    for (d, (path, doc)) in docs.iter().enumerate() {
        for (i, source) in doc.taxonomy.sources.iter().enumerate() {
            if source.id.is_empty() {
                continue;
            }
            let field = format!("sources[{i}].id");
            let line = doc.lines.at(&field);
            match seen.get(source.id.as_str()) {
                Some(&(first, first_line)) if first != d => problems.push(Problem {
                    file: path.clone(),
                    line: Some(line),
                    field: Some(field),
                    message: format!(
                        "risk source id `{}` is already defined by {}:{first_line} (taxonomy `{}`)",
                        source.id,
                        docs[first].0.display(),
                        docs[first].1.taxonomy.id
                    ),
                }),
                Some(_) => {}
                None => {
                    seen.insert(&source.id, (d, line));
                }
            }
        }
    }
}

fn finish(mut problems: Vec<Problem>) -> LoadError {
    sort(&mut problems);
    LoadError::Invalid(problems)
}

/// Every problem of a library folder (all four sub-folders) or a single file; empty when it
/// is valid.
///
/// A single crosswalk file is checked against the frameworks of the `frameworks/` folder
/// beside its own folder (the usual layout), when there is one; problems of those
/// frameworks are not reported then, only the crosswalk's.
pub fn validate(path: &Path) -> Vec<Problem> {
    validate_over(&[], path)
}

/// Like [`validate`], with the folder or file laid over `base` (the bundled library, for
/// example), so that a user's crosswalk may refer to frameworks of the base, and a user's
/// risk sources are checked against those of the base. Problems of the base itself are
/// not reported.
pub fn validate_over(base: &[Source], path: &Path) -> Vec<Problem> {
    if path.is_dir() {
        let sources = match read_dir_all(path) {
            Ok(sources) => sources,
            Err(problems) => return problems,
        };
        return match load_layers(&[base.to_vec(), sources]) {
            Ok(_) => Vec::new(),
            Err(err) => err.problems().to_vec(),
        };
    }
    let source = match read_source(path) {
        Ok(source) => source,
        Err(problem) => return vec![problem],
    };
    let mut problems = Vec::new();
    let parsed = parse_source(&source, &mut problems);
    if let (Some(Parsed::Crosswalk(doc)), true) = (&parsed, problems.is_empty()) {
        // Context only: problems of these files belong to other runs of the validator.
        let mut ignored = Vec::new();
        let mut context = Library::default();
        for source in base {
            if let Some(Parsed::Framework(fw)) = parse_source(source, &mut ignored) {
                context.frameworks.push(fw.framework);
            }
        }
        let siblings = path
            .parent()
            .and_then(Path::parent)
            .map(|p| p.join("frameworks"))
            .filter(|d| d.is_dir());
        if let Some(dir) = siblings {
            let mut beside = Library::default();
            for source in read_dir_flat(&dir) {
                if let Some(Parsed::Framework(fw)) = parse_source(&source, &mut ignored) {
                    beside.frameworks.push(fw.framework);
                }
            }
            context.overlay(beside);
        }
        check_references(&mut problems, path, doc, &context);
    }
    if let (Some(Parsed::RiskSources(doc)), true) = (parsed, problems.is_empty()) {
        // The base's other taxonomies come first, so duplicates are reported on this file.
        let mut ignored = Vec::new();
        let mut docs: Vec<(PathBuf, RiskSourcesDoc)> = base
            .iter()
            .filter_map(|source| match parse_source(source, &mut ignored) {
                Some(Parsed::RiskSources(other)) if other.taxonomy.id != doc.taxonomy.id => {
                    Some((source.path.clone(), other))
                }
                _ => None,
            })
            .collect();
        docs.push((path.to_path_buf(), doc));
        check_risk_source_ids(&mut problems, &docs);
    }
    sort(&mut problems);
    problems
}

/// The readable YAML files directly in one folder: only used as context, so files that
/// cannot be read are skipped rather than reported.
fn read_dir_flat(dir: &Path) -> Vec<Source> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_yaml(p))
        .collect();
    paths.sort();
    paths.iter().filter_map(|p| read_source(p).ok()).collect()
}
