//! The command line, defined once: help text and completions come from these types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "aims", version, about = "AI management system for ISO/IEC 42001: server and command line", long_about = None)]
pub struct Cli {
    /// Configuration file (TOML). Default: ./aims.toml when it exists. Env: AIMS_CONFIG.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Database URL: sqlite://PATH or postgres://USER@HOST:PORT/DATABASE. Env: AIMS_DATABASE_URL.
    #[arg(long, global = true, value_name = "URL")]
    pub database: Option<String>,

    /// Log filter, for example `info` or `aims_server=debug`. Env: AIMS_LOG.
    #[arg(long, global = true, value_name = "FILTER")]
    pub log: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web UI and the REST API.
    Serve(ServeArgs),
    /// Create an empty installation: database, first organisation and its admin.
    Init(InitArgs),
    /// Work with the AI system inventory.
    #[command(subcommand)]
    Systems(SystemsCommand),
    /// Work with the AI risk register.
    #[command(subcommand)]
    Risks(RisksCommand),
    /// Write data out of the installation.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Load a whole installation from an `aims export all` file into an empty database.
    Import(ImportArgs),
    /// Evaluate a model's outputs and data: fairness across groups, drift between datasets.
    #[command(subcommand)]
    Eval(EvalCommand),
    /// Frameworks and crosswalks: validate library files, list and show frameworks, import.
    #[command(subcommand)]
    Library(crate::commands::library::LibraryCommand),
    /// Check that no record or change-log entry was edited, deleted or reordered outside
    /// aims (exit 1 naming the first that was).
    Verify(crate::commands::ledger::VerifyArgs),
    /// The tamper-evident ledger: signed tree heads, proofs, the public key.
    #[command(subcommand)]
    Ledger(crate::commands::ledger::LedgerCommand),
}

#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Per-group rates and between-group disparities of a binary classifier.
    Fairness(crate::commands::eval::FairnessArgs),
    /// Per-column drift of a current dataset from a reference: PSI, KS, Wasserstein, JS, chi-square.
    Drift(crate::commands::eval::DriftArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Env: AIMS_LISTEN.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Fill an empty database with a demo organisation and sample data before serving.
    #[arg(long)]
    pub demo: bool,
    /// A library folder laid over the embedded library: your own frameworks, crosswalks,
    /// risk sources and templates. Env: AIMS_LIBRARY_DIR; file: library_dir.
    #[arg(long, value_name = "DIR")]
    pub library: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Name of the first organisation.
    #[arg(long, default_value = "My organisation")]
    pub organisation: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum SystemsCommand {
    /// List AI systems.
    List(ListArgs),
}

#[derive(Debug, Subcommand)]
pub enum RisksCommand {
    /// List the risk register, highest residual level first.
    List(RiskListArgs),
}

#[derive(Debug, Args)]
pub struct RiskListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Organisation name or id; needed when the installation hosts several.
    #[arg(long, value_name = "NAME|ID")]
    pub organisation: Option<String>,
    /// Only risks whose residual level has this name, such as `High`.
    #[arg(long, value_name = "LEVEL")]
    pub level: Option<String>,
    /// Only risks with an overdue review or overdue treatment actions.
    #[arg(long)]
    pub overdue: bool,
    /// Case-insensitive text in title or description.
    #[arg(long)]
    pub search: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Organisation name or id; needed when the installation hosts several.
    #[arg(long, value_name = "NAME|ID")]
    pub organisation: Option<String>,
    /// Case-insensitive search in the name.
    #[arg(long)]
    pub search: Option<String>,
    /// Only systems in this life-cycle stage.
    #[arg(long, value_name = "STAGE")]
    pub lifecycle_stage: Option<String>,
    /// Page size (at most 500).
    #[arg(long, default_value_t = 500)]
    pub limit: u64,
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// JSON Lines: a header line, then one line per row (docs/export-format.md).
    Jsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SoaFormat {
    /// Comma-separated values, UTF-8.
    Csv,
    /// An Excel workbook with a cover sheet.
    Xlsx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DecisionFormat {
    /// Comma-separated, a header row, one `group.<name>` column per group attribute.
    Csv,
    /// Parquet (zstd) with the same columns, typed: a UTC timestamp, doubles, booleans.
    Parquet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RiskFormat {
    /// Comma-separated values, UTF-8.
    Csv,
    /// An Excel workbook with the risk criteria as a second sheet.
    Xlsx,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// The risk register, one row per risk, as CSV or XLSX.
    Risks {
        #[arg(long, value_enum)]
        format: RiskFormat,
        /// Organisation (name or id); needed when the installation hosts several.
        #[arg(long, value_name = "NAME|ID")]
        organisation: Option<String>,
        /// File to write (`-` for standard output).
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
    },
    /// The Statement of Applicability, one row per control, as CSV or XLSX.
    Soa {
        #[arg(long, value_enum)]
        format: SoaFormat,
        /// Organisation (name or id); needed when the installation hosts several.
        #[arg(long, value_name = "NAME|ID")]
        organisation: Option<String>,
        /// An approved version; default: the entries as they are now.
        #[arg(long, value_name = "N")]
        version: Option<i64>,
        /// File to write (`-` for standard output).
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
    },
    /// Every organisation, user and record, for backup or a move to another engine.
    All {
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
        /// File to write (`-` for standard output).
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
    },
    /// The OpenAPI 3.1 document of the REST API, as served at /api/v1/openapi.json.
    Openapi {
        /// File to write (`-` for standard output).
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
    },
    /// A framework of the library as an OSCAL 1.2 catalog (JSON), offline.
    OscalCatalog {
        /// Framework id, for example `iso-iec-42001-2023` (see `aims library list`).
        #[arg(long, value_name = "ID")]
        framework: String,
        /// A library folder laid over the embedded library. Default: ./library when it exists.
        #[arg(long, value_name = "DIR")]
        library: Option<PathBuf>,
        /// File to write (`-` for standard output).
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
    },
    /// An AI system's decision events in a time window, ready for `aims eval fairness`.
    Decisions {
        /// The AI system's id.
        #[arg(long, value_name = "ID")]
        system: String,
        /// Events at or after this RFC 3339 time.
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
        /// Events before this RFC 3339 time.
        #[arg(long, value_name = "TIME")]
        to: Option<String>,
        #[arg(long, value_enum, default_value_t = DecisionFormat::Csv)]
        format: DecisionFormat,
        /// Organisation name or id; needed when the installation hosts several.
        #[arg(long, value_name = "NAME|ID")]
        organisation: Option<String>,
        /// File to write (`-` for standard output).
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
    },
    /// Applicable controls as an OSCAL profile: the organisation's Statement of Applicability
    /// from the database, or a JSON file given with --input.
    ///
    /// The profile imports the framework's catalog (`metadata.import_href`). Input format:
    /// docs/library-format.md.
    OscalProfile {
        /// Framework id, for example `iso-iec-42001-2023`; required with --input, and must be
        /// the adopted one without.
        #[arg(long, value_name = "ID")]
        framework: Option<String>,
        /// A library folder laid over the embedded library. Default: ./library when it exists.
        #[arg(long, value_name = "DIR")]
        library: Option<PathBuf>,
        /// JSON file: {"metadata": {…}, "controls": [{"control_ref", "applicable", "justification"}]}.
        /// Without it, the SoA of the database named by --database or the configuration.
        #[arg(long, value_name = "FILE", requires = "framework")]
        input: Option<PathBuf>,
        /// Organisation (name or id) whose SoA to read; needed when the installation hosts several.
        #[arg(long, value_name = "NAME|ID", conflicts_with = "input")]
        organisation: Option<String>,
        /// File to write (`-` for standard output).
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
    },
    /// Implementation status of controls as OSCAL assessment results: the organisation's
    /// Statement of Applicability from the database, or a JSON file given with --input.
    ///
    /// Input format: docs/library-format.md.
    OscalAssessmentResults {
        /// Framework id, for example `iso-iec-42001-2023`; required with --input, and must be
        /// the adopted one without.
        #[arg(long, value_name = "ID")]
        framework: Option<String>,
        /// A library folder laid over the embedded library. Default: ./library when it exists.
        #[arg(long, value_name = "DIR")]
        library: Option<PathBuf>,
        /// JSON file: {"metadata": {…}, "findings": [{"control_ref", "status", "owner", "evidence", "remarks"}]}.
        /// Without it, the SoA of the database named by --database or the configuration.
        #[arg(long, value_name = "FILE", requires = "framework")]
        input: Option<PathBuf>,
        /// Organisation (name or id) whose SoA to read; needed when the installation hosts several.
        #[arg(long, value_name = "NAME|ID", conflicts_with = "input")]
        organisation: Option<String>,
        /// File to write (`-` for standard output).
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// An export written by `aims export all`.
    pub file: PathBuf,
}
