//! `aims library …`: validate library files, list and show frameworks, import CISO Assistant
//! libraries and OSCAL catalogs. Works without a database or configuration.
//!
//! The library used by `list` and `show` is the one embedded in the binary, with a user's
//! folder laid over it: `--library DIR` when given, else `./library` when the current
//! folder has one. Frameworks and crosswalks of the folder replace embedded ones of the same
//! id and add to the others.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aims_library::oscal::{import_oscal_source, looks_like_json};
use aims_library::{
    AnyDocument, Framework, Imported, Library, crosswalk_to_yaml, framework_to_yaml,
    import_ciso_source, load_any_source, read_source, validate_over,
};
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::cli::Format;

#[derive(Debug, Subcommand)]
pub enum LibraryCommand {
    /// Check a library folder or one file; print every problem as `file:line: field: message`.
    /// Exit 0 when valid, 2 when not.
    Validate {
        /// A library folder (with frameworks/ and crosswalks/) or one YAML file.
        path: PathBuf,
    },
    /// List the frameworks of the library.
    List(LibraryArgs),
    /// Show one framework with its nodes.
    Show {
        /// Framework id, for example `iso-iec-42001-2023`.
        id: String,
        #[command(flatten)]
        library: LibraryArgs,
    },
    /// Convert a CISO Assistant library file or an OSCAL catalog into library files of our
    /// format.
    Import {
        /// A CISO Assistant library YAML file (a framework or a mapping set), or an OSCAL
        /// catalog JSON file.
        file: PathBuf,
        /// Library folder to write into (frameworks/ and crosswalks/ are created).
        #[arg(long, short, value_name = "DIR", default_value = "library")]
        output: PathBuf,
        /// Overwrite files that already exist.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
pub struct LibraryArgs {
    /// A library folder laid over the embedded library. Default: ./library when it exists.
    #[arg(long, value_name = "DIR")]
    pub library: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(command: LibraryCommand) -> anyhow::Result<ExitCode> {
    match command {
        LibraryCommand::Validate { path } => Ok(validate_path(&path)),
        LibraryCommand::List(args) => list(&args),
        LibraryCommand::Show { id, library } => show(&id, &library),
        LibraryCommand::Import {
            file,
            output,
            force,
        } => import(&file, &output, force),
    }
}

fn validate_path(path: &Path) -> ExitCode {
    // Over the embedded library, so that a user's crosswalk may name bundled frameworks.
    let problems = validate_over(&aims_library::bundled_sources(), path);
    if !problems.is_empty() {
        for problem in &problems {
            println!("{problem}");
        }
        eprintln!(
            "{}: {} problem{}",
            path.display(),
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        );
        return ExitCode::from(2);
    }
    // Valid: read it once more for the summary line, counting only what the path holds.
    let sources = if path.is_dir() {
        aims_library::read_dir_all(path).map_err(aims_library::LoadError::Invalid)
    } else {
        aims_library::read_source(path)
            .map(|s| vec![s])
            .map_err(|p| aims_library::LoadError::Invalid(vec![p]))
    };
    let summary = sources.and_then(|sources| {
        let (mut frameworks, mut nodes, mut crosswalks, mut mappings) = (0, 0, 0, 0);
        let (mut taxonomies, mut risk_sources, mut templates, mut questions) = (0, 0, 0, 0);
        let mut only = String::new();
        for source in &sources {
            match load_any_source(source)? {
                AnyDocument::Framework(fw) => {
                    frameworks += 1;
                    nodes += fw.nodes.len();
                    only = format!("framework `{}` ({} nodes)", fw.id, fw.nodes.len());
                }
                AnyDocument::Crosswalk(cw) => {
                    crosswalks += 1;
                    mappings += cw.mappings.len();
                    only = format!("crosswalk `{}` ({} mappings)", cw.id, cw.mappings.len());
                }
                AnyDocument::RiskSources(rs) => {
                    taxonomies += 1;
                    risk_sources += rs.sources.len();
                    only = format!("risk sources `{}` ({} sources)", rs.id, rs.sources.len());
                }
                AnyDocument::Template(t) => {
                    templates += 1;
                    let n = t.questions().count();
                    questions += n;
                    only = format!("assessment template `{}` ({n} questions)", t.id);
                }
            }
        }
        if !path.is_dir() {
            return Ok(only);
        }
        let mut parts = vec![
            format!(
                "{frameworks} framework{} ({nodes} nodes)",
                plural(frameworks)
            ),
            format!(
                "{crosswalks} crosswalk{} ({mappings} mappings)",
                plural(crosswalks)
            ),
        ];
        if taxonomies > 0 {
            parts.push(format!(
                "{taxonomies} risk source list{} ({risk_sources} sources)",
                plural(taxonomies)
            ));
        }
        if templates > 0 {
            parts.push(format!(
                "{templates} assessment template{} ({questions} questions)",
                plural(templates)
            ));
        }
        Ok(parts.join(", "))
    });
    match summary {
        Ok(summary) => {
            println!("{}: valid: {summary}", path.display());
            ExitCode::SUCCESS
        }
        // Only if the files changed between the two reads.
        Err(err) => {
            println!("{err}");
            ExitCode::from(2)
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The embedded library with the user's folder over it.
pub(crate) fn load_library(dir: Option<&Path>) -> anyhow::Result<Library> {
    let mut layers = vec![aims_library::bundled_sources()];
    let default = Path::new("library");
    let overlay = match dir {
        Some(dir) => Some(dir),
        // `./library` counts only when it looks like one, so an unrelated folder of that
        // name does not break the command.
        None if ["frameworks", "crosswalks", "risk-sources", "templates"]
            .iter()
            .any(|folder| default.join(folder).is_dir()) =>
        {
            Some(default)
        }
        None => None,
    };
    if let Some(dir) = overlay {
        let sources = aims_library::read_dir_all(dir).map_err(aims_library::LoadError::Invalid)?;
        layers.push(sources);
    }
    Ok(aims_library::load_layers(&layers)?)
}

#[derive(Serialize)]
struct Summary<'a> {
    id: &'a str,
    name: &'a str,
    version: &'a str,
    node_count: usize,
}

fn list(args: &LibraryArgs) -> anyhow::Result<ExitCode> {
    let library = load_library(args.library.as_deref())?;
    let mut frameworks: Vec<&Framework> = library.frameworks.iter().collect();
    frameworks.sort_by(|a, b| a.id.cmp(&b.id));
    match args.format {
        Format::Json => {
            let rows: Vec<Summary<'_>> = frameworks
                .iter()
                .map(|f| Summary {
                    id: &f.id,
                    name: &f.name,
                    version: &f.version,
                    node_count: f.nodes.len(),
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&rows)?);
        }
        Format::Table => {
            let rows: Vec<[String; 4]> = frameworks
                .iter()
                .map(|f| {
                    [
                        f.id.clone(),
                        f.version.clone(),
                        f.nodes.len().to_string(),
                        f.name.clone(),
                    ]
                })
                .collect();
            print!("{}", table(["ID", "VERSION", "NODES", "NAME"], &rows));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(id: &str, args: &LibraryArgs) -> anyhow::Result<ExitCode> {
    let library = load_library(args.library.as_deref())?;
    let Some(fw) = library.framework(id) else {
        let mut ids: Vec<&str> = library.frameworks.iter().map(|f| f.id.as_str()).collect();
        ids.sort_unstable();
        bail!(
            "no framework `{id}` in the library; known: {}",
            ids.join(", ")
        );
    };
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(fw)?),
        Format::Table => {
            println!("{} ({}, {} {})", fw.name, fw.id, fw.publisher, fw.version);
            let counts: Vec<String> = fw
                .counts_by_kind()
                .iter()
                .map(|(kind, n)| format!("{n} {kind}"))
                .collect();
            println!(
                "{} nodes: {}; {} assessable",
                fw.nodes.len(),
                counts.join(", "),
                fw.assessable_count()
            );
            println!();
            let rows: Vec<[String; 4]> = fw
                .nodes
                .iter()
                .map(|n| {
                    let depth = fw.depth(&n.ref_).unwrap_or(1);
                    [
                        format!("{}{}", "  ".repeat(depth - 1), n.ref_),
                        n.kind.to_string(),
                        if n.assessable { "yes" } else { "" }.to_owned(),
                        n.title.clone(),
                    ]
                })
                .collect();
            print!("{}", table(["REF", "KIND", "ASSESSED", "TITLE"], &rows));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Left-aligned columns, the last one unpadded.
fn table<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header = header.map(str::to_owned);
    for row in std::iter::once(&header).chain(rows) {
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == N {
                out.push_str(cell);
            } else {
                let _ = write!(out, "{cell:<width$}  ", width = widths[i]);
            }
        }
        out.push('\n');
    }
    out
}

fn import(file: &Path, output: &Path, force: bool) -> anyhow::Result<ExitCode> {
    let source = read_source(file).map_err(|p| aims_library::LoadError::Invalid(vec![p]))?;
    // Told apart by content, not by name: YAML files never start with `{`, JSON ones do.
    let (imported, notes) = if looks_like_json(&source.text) {
        let catalog = import_oscal_source(&source)?;
        let imported = Imported {
            frameworks: vec![catalog.framework],
            ..Imported::default()
        };
        (imported, catalog.notes)
    } else {
        (import_ciso_source(&source)?, Vec::new())
    };
    let mut files: Vec<(PathBuf, String, String)> = Vec::new();
    for fw in &imported.frameworks {
        files.push((
            output.join("frameworks").join(format!("{}.yaml", fw.id)),
            framework_to_yaml(fw),
            format!("framework `{}` ({} nodes)", fw.id, fw.nodes.len()),
        ));
    }
    for cw in &imported.crosswalks {
        files.push((
            output.join("crosswalks").join(format!("{}.yaml", cw.id)),
            crosswalk_to_yaml(cw),
            format!("crosswalk `{}` ({} mappings)", cw.id, cw.mappings.len()),
        ));
    }
    if files.is_empty() {
        bail!("{}: nothing to import", file.display());
    }
    // Check every target before writing any, so a refusal leaves nothing half-written.
    if !force && let Some((path, ..)) = files.iter().find(|(path, ..)| path.exists()) {
        bail!(
            "{} already exists; use --force to overwrite it",
            path.display()
        );
    }
    for (path, text, what) in &files {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}: {what}", path.display());
    }
    for note in &notes {
        println!("note: {note}");
    }
    if imported.dropped_not_related > 0 {
        println!(
            "dropped {} `not_related` mapping{} (our format records only relations)",
            imported.dropped_not_related,
            plural(imported.dropped_not_related)
        );
    }
    println!(
        "check references with: aims library validate {}",
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}
