//! `aims verify` and `aims ledger ...`: check the change log, sign tree heads, prove that an
//! entry is in the log or that the log only grew, and check such proofs offline.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aims_ledger::{ConsistencyProof, Entry, InclusionProof, PublicKey, SignedTreeHead};
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};

use super::open_store;
use super::transfer::Output;
use crate::cli::Format;
use crate::keys;
use crate::settings::Settings;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A signed tree head saved earlier (`aims ledger checkpoint`); the log must still
    /// hold exactly the entries it covers. Repeat for several.
    #[arg(long = "tree-head", value_name = "FILE")]
    pub tree_heads: Vec<PathBuf>,
    /// Public key that signed the tree heads (base64, or a file holding it). Default: the
    /// installation's own key.
    #[arg(long, value_name = "KEY|FILE")]
    pub public_key: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Write a signed tree head of the change log as it is now, for an auditor to keep.
    Checkpoint {
        /// File to write (`-` for standard output).
        #[arg(long, short, value_name = "FILE", default_value = "-")]
        output: PathBuf,
    },
    /// Print the public key that tree heads are signed with, and its key id.
    PublicKey {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Create the installation's signing key when it has none.
    InitKey,
    /// Prove that entry SEQ is in the log (inclusion), or that the log only grew since a
    /// saved tree head (consistency). Writes the proof with the tree head(s) it needs.
    Prove(ProveArgs),
    /// Check a proof written by `aims ledger prove`, offline, with only the public key.
    VerifyProof {
        /// The proof file.
        proof: PathBuf,
        /// Public key (base64, or a file holding it).
        #[arg(long, value_name = "KEY|FILE")]
        public_key: String,
    },
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("subject").required(true).args(["seq", "from_tree_head"]))]
pub struct ProveArgs {
    /// The entry to prove included.
    #[arg(long)]
    pub seq: Option<u64>,
    /// A saved tree head to prove the current log consistent with.
    #[arg(long, value_name = "FILE")]
    pub from_tree_head: Option<PathBuf>,
    /// For an inclusion proof: prove against this saved tree head instead of a new one.
    #[arg(long, value_name = "FILE", requires = "seq")]
    pub tree_head: Option<PathBuf>,
    /// File to write (`-` for standard output).
    #[arg(long, short, value_name = "FILE", default_value = "-")]
    pub output: PathBuf,
}

/// The file `aims ledger prove` writes: self-contained, so that `verify-proof` needs
/// nothing else but the public key.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "format", rename_all = "kebab-case", deny_unknown_fields)]
enum ProofFile {
    #[serde(rename = "aims-ledger-inclusion-proof")]
    Inclusion {
        entry: Entry,
        proof: InclusionProof,
        tree_head: SignedTreeHead,
    },
    #[serde(rename = "aims-ledger-consistency-proof")]
    Consistency {
        first: SignedTreeHead,
        second: SignedTreeHead,
        proof: ConsistencyProof,
    },
}

pub async fn verify(settings: &Settings, args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let mut heads = Vec::new();
    if !args.tree_heads.is_empty() {
        let key = match &args.public_key {
            Some(key) => read_public_key(key)?,
            None => keys::load(settings)?.public_key(),
        };
        for path in &args.tree_heads {
            heads.push(read_tree_head(path, &key)?);
        }
    }
    let store = open_store(settings).await?;
    let report = store.verify_ledger(heads).await?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Table => {
            println!("entries verified: {}", report.entries);
            println!("merkle root:      {}", report.root_hash);
            println!("records checked:  {}", report.records_checked);
            println!("tree heads:       {}", report.tree_heads_checked);
            match &report.failure {
                None => println!("OK: the change log and every record are as aims wrote them"),
                Some(failure) => println!("FAILED: {}", failure.message),
            }
        }
    }
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub async fn run(settings: &Settings, command: LedgerCommand) -> anyhow::Result<ExitCode> {
    match command {
        LedgerCommand::Checkpoint { output } => {
            let key = keys::load(settings)?;
            let store = open_store(settings).await?;
            let head = store.tree_head().await?;
            let signed = key.sign(&head).context("cannot sign the tree head")?;
            write_output(&output, &format!("{}\n", signed.to_json()))?;
            if output.as_os_str() != "-" {
                eprintln!(
                    "Signed tree head of {} entries written to {}",
                    signed.tree_size,
                    output.display()
                );
            }
        }
        LedgerCommand::PublicKey { format } => {
            let public = keys::load(settings)?.public_key();
            match format {
                Format::Json => println!(
                    "{}",
                    serde_json::json!({"public_key": public.to_base64(), "key_id": public.key_id().to_string()})
                ),
                Format::Table => {
                    println!("{}", public.to_base64());
                    eprintln!("key id {}", public.key_id());
                }
            }
        }
        LedgerCommand::InitKey => {
            let (key, created) = keys::load_or_create(settings)?;
            let path = keys::key_path(settings);
            if created {
                println!("Created the signing key {}", path.display());
            } else {
                println!("The signing key {} exists already", path.display());
            }
            println!("Public key: {}", key.public_key().to_base64());
        }
        LedgerCommand::Prove(args) => return prove(settings, args).await,
        LedgerCommand::VerifyProof { proof, public_key } => {
            let key = read_public_key(&public_key)?;
            let text = read_text(&proof)?;
            let file: ProofFile = serde_json::from_str(&text)
                .with_context(|| format!("{}: not an aims ledger proof", proof.display()))?;
            return Ok(match check_proof(&file, &key) {
                Ok(summary) => {
                    println!("OK: {summary}");
                    ExitCode::SUCCESS
                }
                Err(problem) => {
                    println!("FAILED: {problem}");
                    ExitCode::from(1)
                }
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn prove(settings: &Settings, args: ProveArgs) -> anyhow::Result<ExitCode> {
    let key = keys::load(settings)?;
    let public = key.public_key();
    let store = open_store(settings).await?;
    let file = match (args.seq, args.from_tree_head) {
        (Some(seq), _) => {
            let tree_head = match &args.tree_head {
                Some(path) => {
                    read_tree_head(path, &public)?;
                    SignedTreeHead::from_json(&read_text(path)?)
                        .with_context(|| format!("{}", path.display()))?
                }
                None => key.sign(&store.tree_head().await?)?,
            };
            if seq == 0 || seq > tree_head.tree_size {
                bail!(
                    "--seq {seq}: the tree head covers entries 1 to {}",
                    tree_head.tree_size
                );
            }
            let hashes = store.entry_hashes(tree_head.tree_size).await?;
            let proof = InclusionProof::build(&hashes, seq)?;
            ProofFile::Inclusion {
                entry: store.ledger_entry(seq).await?,
                proof,
                tree_head,
            }
        }
        (None, Some(path)) => {
            read_tree_head(&path, &public)?;
            let first = SignedTreeHead::from_json(&read_text(&path)?)
                .with_context(|| format!("{}", path.display()))?;
            let second = key.sign(&store.tree_head().await?)?;
            if first.tree_size > second.tree_size {
                bail!(
                    "{}: the saved tree head covers {} entries, but the log holds {}: it was truncated (run `aims verify --tree-head {}`)",
                    path.display(),
                    first.tree_size,
                    second.tree_size,
                    path.display()
                );
            }
            let hashes = store.entry_hashes(second.tree_size).await?;
            let proof = ConsistencyProof::build(&hashes, first.tree_size)?;
            ProofFile::Consistency {
                first,
                second,
                proof,
            }
        }
        (None, None) => bail!("give --seq N or --from-tree-head FILE"),
    };
    write_output(
        &args.output,
        &format!("{}\n", serde_json::to_string_pretty(&file)?),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Checks a proof file; the error says what does not hold.
fn check_proof(file: &ProofFile, key: &PublicKey) -> Result<String, String> {
    match file {
        ProofFile::Inclusion {
            entry,
            proof,
            tree_head,
        } => {
            let head = tree_head
                .verify(key)
                .map_err(|e| format!("tree head: {e}"))?;
            if entry.compute_hash() != entry.entry_hash {
                return Err(format!(
                    "entry {}: its content does not hash to its entry hash",
                    entry.seq
                ));
            }
            if proof.entry_hash != entry.entry_hash || proof.seq() != entry.seq {
                return Err(format!(
                    "the proof is for entry {}, not for the entry given (seq {})",
                    proof.seq(),
                    entry.seq
                ));
            }
            proof
                .verify_against(&head)
                .map_err(|e| format!("inclusion proof: {e}"))?;
            Ok(format!(
                "entry {} ({} {} {} by {} at {}) is in the log of {} entries signed at {}",
                entry.seq,
                entry.action.as_str(),
                entry.entity_type,
                entry.entity_id,
                entry.actor,
                entry.time,
                head.tree_size,
                head.timestamp
            ))
        }
        ProofFile::Consistency {
            first,
            second,
            proof,
        } => {
            let first = first
                .verify(key)
                .map_err(|e| format!("first tree head: {e}"))?;
            let second = second
                .verify(key)
                .map_err(|e| format!("second tree head: {e}"))?;
            proof
                .verify_between(&first, &second)
                .map_err(|e| format!("consistency proof: {e}"))?;
            Ok(format!(
                "the log of {} entries signed at {} extends the log of {} entries signed at {}: nothing in it was changed",
                second.tree_size, second.timestamp, first.tree_size, first.timestamp
            ))
        }
    }
}

fn write_output(target: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = Output::create(target)?;
    out.writer()
        .write_all(text.as_bytes())
        .context("cannot write the output")?;
    out.finish()
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// A public key given as base64 or as a file that holds it.
fn read_public_key(given: &str) -> anyhow::Result<PublicKey> {
    let path = Path::new(given);
    let text = if path.is_file() {
        read_text(path)?
    } else {
        given.to_owned()
    };
    PublicKey::from_base64(text.trim()).with_context(|| {
        format!(
            "--public-key: `{given}` is neither a base64 Ed25519 public key nor a file holding one"
        )
    })
}

/// Reads a signed tree head and checks its signature.
fn read_tree_head(path: &Path, key: &PublicKey) -> anyhow::Result<aims_ledger::TreeHead> {
    let signed = SignedTreeHead::from_json(&read_text(path)?)
        .with_context(|| format!("{}: not a signed tree head", path.display()))?;
    signed.verify(key).with_context(|| {
        format!(
            "{}: the tree head's signature does not verify",
            path.display()
        )
    })
}
