//! Throwaway PostgreSQL 15 clusters, one per test.
//!
//! cargo-nextest runs every test in its own process, so nothing can be
//! shared in memory between tests; what makes a per-test cluster cheap is a
//! per-machine template data directory, built by `initdb` once and then
//! copied with `cp -a` for each cluster.

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;

use crate::free_port;
use crate::sys::{self, OwnedDir, display, is_root, run};

/// Where Debian's `postgresql-15` package puts the server binaries.
const DEFAULT_BIN: &str = "/usr/lib/postgresql/15/bin";

/// The database user every cluster is initialised with.
const SUPERUSER: &str = "aims";

/// Bumped whenever the `initdb` options change, so that an old cached
/// template is not silently reused.
const TEMPLATE_LAYOUT: &str = "v1";

/// The binaries this module runs; checked up front so that a missing
/// package is reported as such rather than as an obscure spawn failure.
const REQUIRED_BINARIES: [&str; 4] = ["initdb", "pg_ctl", "postgres", "createdb"];

/// A running PostgreSQL server with its own data directory, listening on
/// 127.0.0.1 with trust authentication for the superuser `aims`.
///
/// Dropping it stops the server and deletes every file it had.
pub struct PgCluster {
    bin: PathBuf,
    port: u16,
    // Declared last so that it is dropped after `Drop::drop` has stopped
    // the server: it kills stragglers and removes the files.
    dir: OwnedDir,
}

impl PgCluster {
    /// Starts a fresh cluster, or returns `None` after a loud warning when
    /// the PostgreSQL binaries are not installed (unless
    /// `AIMS_REQUIRE_POSTGRES=1`, which turns that into a panic).
    ///
    /// # Panics
    ///
    /// When the binaries exist but the cluster cannot be set up or started;
    /// the message carries the failing command's output and the server log.
    pub fn start() -> Option<PgCluster> {
        let bin = std::env::var_os("AIMS_PG_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_BIN));
        Self::start_with(bin, sys::env_flag("AIMS_REQUIRE_POSTGRES"))
    }

    fn start_with(bin: PathBuf, require: bool) -> Option<PgCluster> {
        if let Some(missing) = REQUIRED_BINARIES
            .iter()
            .map(|b| bin.join(b))
            .find(|p| !p.is_file())
        {
            if require {
                panic!(
                    "AIMS_REQUIRE_POSTGRES=1 but the PostgreSQL binary {} does not exist \
                     (install postgresql-15 or point AIMS_PG_BIN at its bin directory)",
                    missing.display()
                );
            }
            warn_missing(&missing);
            return None;
        }
        match Self::try_start(bin) {
            Ok(cluster) => Some(cluster),
            Err(e) => panic!("aims-testkit: could not start a PostgreSQL cluster: {e}"),
        }
    }

    fn try_start(bin: PathBuf) -> Result<PgCluster, String> {
        static SWEEP: Once = Once::new();
        if is_root() {
            sys::postgres_ids().map_err(|e| {
                format!(
                    "running as root, so PostgreSQL must run as the `postgres` user, \
                     which could not be looked up: {e}"
                )
            })?;
        }
        let base = sys::base_dir();
        SWEEP.call_once(|| {
            sys::sweep_stale(&base, "aims-testkit-pg", &|dir| stop_server(&bin, dir))
        });

        let template = ensure_template(&bin, &base)?;

        let dir = OwnedDir::create(&base, "aims-testkit-pg-")
            .map_err(|e| format!("creating the cluster directory: {e}"))?;
        // From here on, an early return or panic drops `cluster`, which
        // stops whatever got started and removes the directory.
        let mut cluster = PgCluster { bin, port: 0, dir };
        let sock = cluster.dir.path().join("sock");
        fs::create_dir(&sock).map_err(|e| format!("creating {}: {e}", sock.display()))?;
        if is_root() {
            sys::chown_to_postgres(cluster.dir.path())?;
            sys::chown_to_postgres(&sock)?;
        }
        run(
            cluster
                .as_postgres("cp")
                .arg("-a")
                .arg(template.join("data"))
                .arg(cluster.data_dir()),
            "copying the template data directory",
        )?;

        // The port comes from free_port() and is released before postgres
        // binds it, so another process can occasionally grab it first;
        // retry with a new one in that case only.
        let mut last_err = String::new();
        for _ in 0..5 {
            cluster.port = free_port();
            match cluster.pg_ctl_start(&sock) {
                Ok(()) => return Ok(cluster),
                Err(e) if e.contains("Address already in use") => last_err = e,
                Err(e) => return Err(e),
            }
        }
        Err(last_err)
    }

    fn pg_ctl_start(&self, sock: &Path) -> Result<(), String> {
        let log = self.log_path();
        // pg_ctl hands -o to /bin/sh, hence the quoting of the path.
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c max_connections=100",
            self.port,
            shell_quote(&display(sock)),
        );
        let result = run(
            self.as_postgres(self.bin.join("pg_ctl"))
                .arg("-D")
                .arg(self.data_dir())
                .arg("-l")
                .arg(&log)
                .args(["-w", "-t", "60", "-o", &options, "start"]),
            "pg_ctl start",
        );
        result.map(drop).map_err(|e| {
            let log = fs::read_to_string(&log).unwrap_or_else(|le| format!("(no log: {le})"));
            format!(
                "{e}\n--- server log {} ---\n{log}",
                self.log_path().display()
            )
        })
    }

    /// A command that runs `program` as the user owning the cluster: the
    /// `postgres` user when we are root (initdb and postgres refuse to run
    /// as root), ourselves otherwise.
    fn as_postgres(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        as_postgres(program, self.dir.path())
    }

    /// `postgres://aims@127.0.0.1:PORT/postgres`, the maintenance database.
    #[must_use]
    pub fn url(&self) -> String {
        self.database_url("postgres")
    }

    /// The TCP port the server listens on (127.0.0.1 only).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's data directory; its `../log` file has the server log.
    #[must_use]
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The directory the PostgreSQL binaries were taken from, for tests
    /// that want `psql`, `pg_dump` and friends of the same version.
    #[must_use]
    pub fn bin_dir(&self) -> &Path {
        &self.bin
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("log")
    }

    fn database_url(&self, name: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates database `name` (which must match `[a-z0-9_]+`, at most 63
    /// bytes) and returns its URL, `postgres://aims@127.0.0.1:PORT/NAME`.
    ///
    /// # Panics
    ///
    /// On an invalid name or when `createdb` fails, e.g. because the
    /// database already exists.
    pub fn create_database(&self, name: &str) -> String {
        let valid = !name.is_empty()
            && name.len() <= 63
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        assert!(
            valid,
            "aims-testkit: invalid database name {name:?}: use [a-z0-9_]+, at most 63 bytes"
        );
        // createdb is only a client connecting over TCP with trust auth, so
        // it can run as whoever we are.
        let mut cmd = Command::new(self.bin.join("createdb"));
        sys::scrub_pg_env(&mut cmd).args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            SUPERUSER,
            name,
        ]);
        if let Err(e) = run(&mut cmd, &format!("createdb {name}")) {
            panic!("aims-testkit: {e}");
        }
        self.database_url(name)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        // Should pg_ctl fail, `OwnedDir` (dropped right after this) kills
        // whatever still runs from the directory, so the port is free and
        // the files are gone either way.
        stop_server(&self.bin, self.dir.path());
    }
}

/// Stops the server of cluster directory `dir` if one is running there;
/// used both by `Drop` and for clusters orphaned by killed test processes.
fn stop_server(bin: &Path, dir: &Path) {
    let data = dir.join("data");
    if !data.join("postmaster.pid").exists() {
        return;
    }
    let result = run(
        as_postgres(bin.join("pg_ctl"), dir)
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "-w", "-t", "30", "stop"]),
        "pg_ctl stop",
    );
    if let Err(e) = result {
        // Not fatal: the caller kills remaining processes by command line.
        eprintln!("aims-testkit: WARNING: {e}");
    }
}

fn as_postgres(program: impl AsRef<std::ffi::OsStr>, cwd: &Path) -> Command {
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    // The postgres user may not be allowed into our working directory, and
    // initdb insists on being able to resolve it.
    cmd.current_dir(cwd);
    sys::scrub_pg_env(&mut cmd);
    cmd
}

/// Returns the cached template directory (containing `data/`), building it
/// first if this machine does not have one yet.
///
/// Building is serialised across processes with a file lock so that a
/// parallel test run does not start one `initdb` per test; the final
/// `rename` is atomic, so even without the lock (a filesystem without
/// `flock`) racing builders are safe: the loser adopts the winner's copy.
fn ensure_template(bin: &Path, base: &Path) -> Result<PathBuf, String> {
    let version = server_version(bin)?;
    let name = format!(
        "aims-pg-template-{version}-{}-{TEMPLATE_LAYOUT}",
        sys::effective_uid()
    );
    let template = base.join(&name);
    if template_complete(&template) {
        return Ok(template);
    }

    let lock_path = base.join(format!("{name}.lock"));
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("opening {}: {e}", lock_path.display()))?;
    // Without a lock we merely risk duplicate work, never a broken template.
    let _ = lock.lock();
    if template_complete(&template) {
        return Ok(template);
    }
    if template.exists() {
        // Something (a tmp cleaner?) damaged it; move it out of the way
        // atomically, then delete it at leisure.
        let trash = base.join(format!("{name}.broken-{}", std::process::id()));
        fs::rename(&template, &trash)
            .map_err(|e| format!("moving aside {}: {e}", template.display()))?;
        sys::remove_dir_patiently(&trash);
    }

    let build = OwnedDir::create(base, "aims-testkit-pgbuild-")
        .map_err(|e| format!("creating the template build directory: {e}"))?;
    if is_root() {
        sys::chown_to_postgres(build.path())?;
    }
    let data = build.path().join("data");
    run(
        as_postgres(bin.join("initdb"), build.path())
            .arg("-D")
            .arg(&data)
            .args(["-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-locale"])
            // One syncfs below is several times faster than initdb's
            // per-file fsync and just as durable for our purposes.
            .arg("--no-sync"),
        "initdb",
    )?;
    let _ = Command::new("sync").arg("-f").arg(&data).status();
    // The owner stamp marks a build in progress for the sweeper; a finished
    // template belongs to no process.
    let _ = fs::remove_file(build.path().join(sys::OWNER_FILE));

    match fs::rename(build.path(), &template) {
        Ok(()) => {
            // The files now live on as the template; `build` must not
            // delete them, and the path it would delete is empty anyway.
            drop(build);
            Ok(template)
        }
        Err(_) if template_complete(&template) => Ok(template),
        Err(e) => Err(format!(
            "renaming {} to {}: {e}",
            build.path().display(),
            template.display()
        )),
    }
}

/// A template is only ever renamed into place complete, so these checks
/// guard against outside damage rather than against our own races.
fn template_complete(template: &Path) -> bool {
    let data = template.join("data");
    ["PG_VERSION", "global/pg_control", "base/1/PG_VERSION"]
        .iter()
        .all(|f| data.join(f).is_file())
}

/// The full server version (e.g. `15.18`), part of the template name so
/// that a package upgrade does not reuse a template from the old binaries.
fn server_version(bin: &Path) -> Result<String, String> {
    let out = run(
        Command::new(bin.join("postgres")).arg("--version"),
        "postgres --version",
    )?;
    let text = String::from_utf8_lossy(&out.stdout);
    // "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
    text.split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .map(|v| {
            v.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
                .collect()
        })
        .ok_or_else(|| format!("cannot parse the version out of {:?}", text.trim()))
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn warn_missing(missing: &Path) {
    let line = "=".repeat(78);
    eprintln!(
        "\n{line}\n\
         WARNING: PostgreSQL binaries not found at {} — skipping the PostgreSQL half of this test\n\
         WARNING: install postgresql-15 (or set AIMS_PG_BIN to its bin directory);\n\
         WARNING: set AIMS_REQUIRE_POSTGRES=1 to make this a test failure instead\n\
         {line}\n",
        missing.display()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quote_survives_quotes() {
        assert_eq!(shell_quote("/tmp/a b"), "'/tmp/a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn template_check_rejects_empty_dir() {
        let base = sys::base_dir();
        let dir = OwnedDir::create(&base, "aims-testkit-unit-").expect("temp dir");
        assert!(!template_complete(dir.path()));
    }

    #[test]
    fn missing_binaries_skip() {
        assert!(PgCluster::start_with(PathBuf::from("/nonexistent/aims-testkit"), false).is_none());
    }

    #[test]
    #[should_panic(expected = "/nonexistent/aims-testkit/initdb")]
    fn missing_binaries_fail_when_required() {
        let _ = PgCluster::start_with(PathBuf::from("/nonexistent/aims-testkit"), true);
    }
}
