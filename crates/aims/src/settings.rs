//! Settings of an `aims` process, layered: built-in defaults, then a TOML file, then
//! `AIMS_*` environment variables, then command-line flags. The result is validated once
//! and passed explicitly; nothing reads the environment later.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aims_server::ServerConfig;
use anyhow::{Context, bail};
use serde::Deserialize;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://./aims-data/aims.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Everything a command may need. Secrets are not kept here: the admin password is read
/// where it is used and never logged.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub database_url: String,
    /// Where the installation keeps its files (the ledger signing key); see [`Settings::data_dir`].
    pub data_dir: Option<PathBuf>,
    /// A library folder the server lays over the embedded library: the organisation's own
    /// frameworks, crosswalks, risk sources and templates (docs/library-format.md).
    pub library_dir: Option<PathBuf>,
    pub listen: String,
    pub session_ttl_minutes: u64,
    pub token_default_days: u32,
    pub token_max_days: u32,
    pub body_limit_bytes: usize,
    pub secure_cookies: bool,
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// The keys a configuration file may hold; all optional, unknown keys refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    library_dir: Option<PathBuf>,
    listen: Option<String>,
    session_ttl_minutes: Option<u64>,
    token_default_days: Option<u32>,
    token_max_days: Option<u32>,
    body_limit_bytes: Option<usize>,
    secure_cookies: Option<bool>,
    log_format: Option<LogFormat>,
}

/// Flags that override everything else.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub library_dir: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: DEFAULT_DATABASE_URL.into(),
            data_dir: None,
            library_dir: None,
            listen: DEFAULT_LISTEN.into(),
            session_ttl_minutes: 8 * 60,
            token_default_days: 90,
            token_max_days: 365,
            body_limit_bytes: 1024 * 1024,
            secure_cookies: false,
            log_format: LogFormat::Text,
        }
    }
}

impl Settings {
    /// Loads settings. `config` is the file named by `--config` or `AIMS_CONFIG`; without
    /// one, `./aims.toml` is read when it exists.
    pub fn load(
        config: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
        overrides: &Overrides,
    ) -> anyhow::Result<Settings> {
        let mut settings = Settings::default();
        let path: Option<PathBuf> = match config {
            Some(p) => Some(p.to_owned()),
            None => env("AIMS_CONFIG").map(PathBuf::from).or_else(|| {
                Path::new("aims.toml")
                    .exists()
                    .then(|| PathBuf::from("aims.toml"))
            }),
        };
        if let Some(path) = path {
            let text = std::fs::read_to_string(&path).with_context(|| {
                format!("cannot read the configuration file {}", path.display())
            })?;
            let file: FileSettings = toml::from_str(&text)
                .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.to_string().trim()))?;
            settings.apply_file(file);
        }
        settings.apply_env(env)?;
        if let Some(url) = &overrides.database_url {
            settings.database_url = url.clone();
        }
        if let Some(listen) = &overrides.listen {
            settings.listen = listen.clone();
        }
        if let Some(dir) = &overrides.library_dir {
            settings.library_dir = Some(dir.clone());
        }
        settings.validate()?;
        Ok(settings)
    }

    fn apply_file(&mut self, f: FileSettings) {
        macro_rules! take {
            ($($field:ident),*) => { $(if let Some(v) = f.$field { self.$field = v; })* };
        }
        if f.data_dir.is_some() {
            self.data_dir = f.data_dir.clone();
        }
        if f.library_dir.is_some() {
            self.library_dir = f.library_dir.clone();
        }
        take!(
            database_url,
            listen,
            session_ttl_minutes,
            token_default_days,
            token_max_days,
            body_limit_bytes,
            secure_cookies,
            log_format
        );
    }

    fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        fn parse<T: std::str::FromStr>(name: &str, value: &str) -> anyhow::Result<T> {
            value.trim().parse().map_err(|_| {
                anyhow::anyhow!("environment variable {name}: `{value}` is not a valid value")
            })
        }
        if let Some(v) = env("AIMS_DATABASE_URL") {
            self.database_url = v;
        }
        if let Some(v) = env("AIMS_DATA_DIR") {
            self.data_dir = Some(PathBuf::from(v));
        }
        if let Some(v) = env("AIMS_LIBRARY_DIR") {
            self.library_dir = Some(PathBuf::from(v));
        }
        if let Some(v) = env("AIMS_LISTEN") {
            self.listen = v;
        }
        if let Some(v) = env("AIMS_SESSION_TTL_MINUTES") {
            self.session_ttl_minutes = parse("AIMS_SESSION_TTL_MINUTES", &v)?;
        }
        if let Some(v) = env("AIMS_TOKEN_DEFAULT_DAYS") {
            self.token_default_days = parse("AIMS_TOKEN_DEFAULT_DAYS", &v)?;
        }
        if let Some(v) = env("AIMS_TOKEN_MAX_DAYS") {
            self.token_max_days = parse("AIMS_TOKEN_MAX_DAYS", &v)?;
        }
        if let Some(v) = env("AIMS_BODY_LIMIT_BYTES") {
            self.body_limit_bytes = parse("AIMS_BODY_LIMIT_BYTES", &v)?;
        }
        if let Some(v) = env("AIMS_SECURE_COOKIES") {
            self.secure_cookies = parse("AIMS_SECURE_COOKIES", &v)?;
        }
        if let Some(v) = env("AIMS_LOG_FORMAT") {
            self.log_format = match v.as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                _ => bail!("environment variable AIMS_LOG_FORMAT: `{v}` is not text or json"),
            };
        }
        Ok(())
    }

    fn validate(&self) -> anyhow::Result<()> {
        if !(self.database_url.starts_with("sqlite://")
            || self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://"))
        {
            bail!(
                "database_url `{}` must start with sqlite:// or postgres://",
                aims_store::redact_url(&self.database_url)
            );
        }
        if !(1..=60 * 24 * 30).contains(&self.session_ttl_minutes) {
            bail!("session_ttl_minutes must be between 1 and 43200");
        }
        if self.token_max_days == 0
            || self.token_default_days == 0
            || self.token_default_days > self.token_max_days
        {
            bail!(
                "token_default_days must be between 1 and token_max_days ({})",
                self.token_max_days
            );
        }
        if self.body_limit_bytes < 1024 {
            bail!("body_limit_bytes must be at least 1024");
        }
        Ok(())
    }

    /// The data folder: as configured, else the folder of the SQLite database file, else
    /// `./aims-data`.
    pub fn data_dir(&self) -> PathBuf {
        if let Some(dir) = &self.data_dir {
            return dir.clone();
        }
        self.database_url
            .strip_prefix("sqlite://")
            .map(|path| path.split('?').next().unwrap_or(path))
            .and_then(|path| Path::new(path).parent())
            .filter(|parent| !parent.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("aims-data"), Path::to_path_buf)
    }

    pub fn server_config(&self) -> ServerConfig {
        ServerConfig {
            session_ttl: Duration::from_secs(self.session_ttl_minutes * 60),
            token_default_days: self.token_default_days,
            token_max_days: self.token_max_days,
            body_limit_bytes: self.body_limit_bytes,
            secure_cookies: self.secure_cookies,
            signing_key: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn layers_apply_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("aims.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\ntoken_max_days = 30\ntoken_default_days = 7\ndatabase_url = \"sqlite:///file.db\"\n").unwrap();
        let env = env_of(&[("AIMS_DATABASE_URL", "postgres://aims@db/aims")]);
        let overrides = Overrides {
            listen: Some("127.0.0.1:1".into()),
            ..Default::default()
        };
        let s = Settings::load(Some(&file), &env, &overrides).unwrap();
        assert_eq!(s.listen, "127.0.0.1:1", "flag beats file");
        assert_eq!(
            s.database_url, "postgres://aims@db/aims",
            "environment beats file"
        );
        assert_eq!(
            (s.token_default_days, s.token_max_days),
            (7, 30),
            "file beats defaults"
        );
    }

    #[test]
    fn bad_settings_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("aims.toml");
        std::fs::write(&file, "listen = \"x\"\ncolour = \"red\"\n").unwrap();
        let err = Settings::load(Some(&file), &env_of(&[]), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("aims.toml") && err.contains("colour"), "{err}");
        let err = Settings::load(
            None,
            &env_of(&[("AIMS_TOKEN_MAX_DAYS", "soon")]),
            &Overrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("AIMS_TOKEN_MAX_DAYS"), "{err}");
        let err = Settings::load(
            None,
            &env_of(&[("AIMS_DATABASE_URL", "mysql://x")]),
            &Overrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("must start with sqlite://"), "{err}");
    }
}
