//! The installation's ledger signing key: an Ed25519 seed in the data folder, readable by
//! its owner only. Tree heads signed with it let an auditor check the log offline with
//! the public key alone.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use aims_ledger::SigningKey;
use anyhow::{Context, bail};

use crate::settings::Settings;

const KEY_FILE: &str = "ledger-signing.key";

pub fn key_path(settings: &Settings) -> PathBuf {
    settings.data_dir().join(KEY_FILE)
}

/// Loads the key; a missing key is an error that says how to make one.
pub fn load(settings: &Settings) -> anyhow::Result<SigningKey> {
    let path = key_path(settings);
    if !path.exists() {
        bail!(
            "no ledger signing key at {}: `aims init` creates it (or `aims ledger init-key` for an installation that has none)",
            path.display()
        );
    }
    read(&path)
}

/// Loads the key, creating it first when there is none. Returns whether it was created.
pub fn load_or_create(settings: &Settings) -> anyhow::Result<(SigningKey, bool)> {
    let path = key_path(settings);
    if path.exists() {
        return Ok((read(&path)?, false));
    }
    let key = SigningKey::generate().context("cannot generate a signing key")?;
    write_new(&path, &key)?;
    Ok((key, true))
}

fn read(path: &Path) -> anyhow::Result<SigningKey> {
    check_permissions(path)?;
    let text = fs::read_to_string(path)
        .with_context(|| format!("cannot read the signing key {}", path.display()))?;
    SigningKey::from_base64(text.trim())
        .with_context(|| format!("the signing key {} is not valid", path.display()))
}

fn write_new(path: &Path, key: &SigningKey) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the data folder {}", dir.display()))?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create the signing key {}", path.display()))?;
    writeln!(file, "{}", key.to_base64())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write the signing key {}", path.display()))
}

/// A key others can read is a key others can sign with: refuse it.
fn check_permissions(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            bail!(
                "the signing key {} is readable by others (mode {:o}): run `chmod 600 {}`",
                path.display(),
                mode & 0o777,
                path.display()
            );
        }
    }
    Ok(())
}
