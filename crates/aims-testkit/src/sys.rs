//! Operating-system plumbing shared by the PostgreSQL and browser helpers:
//! who we run as, private temporary directories, finding and killing the
//! processes that belong to such a directory, and sweeping up after test
//! processes that died without running their destructors.
//!
//! Everything here is Linux-specific (`/proc`, `runuser`) on purpose: the
//! helpers only have to work on developer machines and CI, both Linux.

use std::ffi::OsStr;
use std::fs;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::io::{self, ErrorKind};
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

/// Name of the file, inside every directory this crate creates, that records
/// which process owns it; the sweeper relies on it to tell live from stale.
pub(crate) const OWNER_FILE: &str = "owner";

/// The effective uid, read once; root changes how PostgreSQL must be run.
pub(crate) fn effective_uid() -> u32 {
    static UID: OnceLock<u32> = OnceLock::new();
    *UID.get_or_init(|| {
        // /proc avoids a libc dependency; `id -u` covers the odd system
        // where /proc is not mounted.
        let from_proc = fs::read_to_string("/proc/self/status").ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|rest| rest.split_whitespace().nth(1))
                .and_then(|euid| euid.parse().ok())
        });
        from_proc
            .or_else(|| {
                let out = Command::new("id").arg("-u").output().ok()?;
                String::from_utf8_lossy(&out.stdout).trim().parse().ok()
            })
            // Assuming root when unsure is the safe side: it only adds the
            // runuser hop, which then fails with a clear message.
            .unwrap_or(0)
    })
}

pub(crate) fn is_root() -> bool {
    effective_uid() == 0
}

/// `true` when `AIMS_REQUIRE_*` asks for a hard failure instead of a skip.
pub(crate) fn env_flag(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| v == "1")
}

/// Where all throwaway directories go.
///
/// As root the PostgreSQL directories belong to the `postgres` user, which
/// must be able to traverse every ancestor; a root-only `TMPDIR` would
/// break that, so fall back to `/tmp` then.
pub(crate) fn base_dir() -> PathBuf {
    let tmp = std::env::temp_dir();
    if !is_root() || traversable_by_others(&tmp) {
        tmp
    } else {
        PathBuf::from("/tmp")
    }
}

fn traversable_by_others(dir: &Path) -> bool {
    let Ok(dir) = dir.canonicalize() else {
        return false;
    };
    dir.ancestors()
        .all(|p| fs::metadata(p).is_ok_and(|m| m.mode() & 0o001 != 0))
}

/// 64 unpredictable-enough bits for directory names; std's `RandomState`
/// is seeded from the OS, which saves a `rand` dependency.
fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    if let Ok(d) = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH) {
        h.write_u128(d.as_nanos());
    }
    h.finish()
}

/// Creates a fresh mode-0700 directory `base/<prefix><16 hex digits>`.
///
/// Names are fixed-length so that one directory's path is never a prefix
/// of another's, which the cmdline matching in [`pids_mentioning`] needs.
pub(crate) fn make_unique_dir(base: &Path, prefix: &str) -> io::Result<PathBuf> {
    for _ in 0..64 {
        let path = base.join(format!("{prefix}{:016x}", random_u64()));
        match fs::DirBuilder::new().mode(0o700).create(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
        }
    }
    Err(io::Error::other(format!(
        "could not create a unique directory in {}",
        base.display()
    )))
}

/// A directory that this process owns outright. Dropping it kills every
/// process still mentioning it on its command line (a browser, a server
/// that refused to stop) and then deletes it, so cleanup also happens when
/// a constructor panics halfway.
pub(crate) struct OwnedDir {
    path: PathBuf,
}

impl OwnedDir {
    pub(crate) fn create(base: &Path, prefix: &str) -> io::Result<OwnedDir> {
        let path = make_unique_dir(base, prefix)?;
        let dir = OwnedDir { path };
        fs::write(dir.path.join(OWNER_FILE), owner_stamp())?;
        Ok(dir)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for OwnedDir {
    fn drop(&mut self) {
        kill_and_wait(&pids_mentioning(&self.path), Duration::from_secs(5));
        remove_dir_patiently(&self.path);
    }
}

/// Deletes a directory tree, retrying briefly because a process that was
/// just killed may still be writing into it (Chromium's profile in
/// particular). Never panics: it runs inside `Drop`, possibly during unwind.
pub(crate) fn remove_dir_patiently(path: &Path) {
    let mut last_err = None;
    for _ in 0..20 {
        match fs::remove_dir_all(path) {
            Ok(()) => return,
            Err(e) if e.kind() == ErrorKind::NotFound => return,
            Err(e) => last_err = Some(e),
        }
        thread::sleep(Duration::from_millis(50));
    }
    if let Some(e) = last_err {
        eprintln!(
            "aims-testkit: WARNING: could not remove {}: {e}",
            path.display()
        );
    }
}

/// Runs a command to completion; a non-zero exit becomes an error that
/// carries both output streams, because that is what a failing test needs.
pub(crate) fn run(cmd: &mut Command, what: &str) -> Result<Output, String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: could not run {:?}: {e}", cmd.get_program()))?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(format!(
            "{what} failed ({}):\n--- stderr ---\n{}\n--- stdout ---\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end(),
            String::from_utf8_lossy(&out.stdout).trim_end(),
        ))
    }
}

/// Drops `PG*` variables from a command's environment: a developer's
/// `PGSSLMODE=require` or `PGSERVICE` must not leak into the throwaway
/// cluster's tools.
pub(crate) fn scrub_pg_env(cmd: &mut Command) -> &mut Command {
    for (key, _) in std::env::vars_os() {
        if key.as_encoded_bytes().starts_with(b"PG") {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// The uid and gid of the `postgres` user, needed to hand directories over
/// to it when we run as root.
pub(crate) fn postgres_ids() -> Result<(u32, u32), String> {
    static IDS: OnceLock<Result<(u32, u32), String>> = OnceLock::new();
    IDS.get_or_init(|| {
        let id = |flag: &str| -> Result<u32, String> {
            let out = run(Command::new("id").args([flag, "postgres"]), "id postgres")?;
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse()
                .map_err(|e| format!("id {flag} postgres: {e}"))
        };
        Ok((id("-u")?, id("-g")?))
    })
    .clone()
}

pub(crate) fn chown_to_postgres(path: &Path) -> Result<(), String> {
    let (uid, gid) = postgres_ids()?;
    std::os::unix::fs::chown(path, Some(uid), Some(gid))
        .map_err(|e| format!("chown postgres {}: {e}", path.display()))
}

/// What identifies this process across PID reuse and PID namespaces:
/// pid, kernel start time and the pid-namespace inode.
fn owner_stamp() -> String {
    let pid = std::process::id();
    let start = start_time(pid).unwrap_or_default();
    format!("{pid} {start} {}\n", pid_namespace().unwrap_or_default())
}

fn pid_namespace() -> Option<String> {
    fs::read_link("/proc/self/ns/pid")
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
}

/// The fields of `/proc/PID/stat` after the parenthesised command name,
/// which may itself contain spaces and parentheses.
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

fn start_time(pid: u32) -> Option<u64> {
    // Field 22 of stat; the slice starts at field 3.
    stat_fields(pid)?.get(19)?.parse().ok()
}

fn parent_pid(pid: u32) -> Option<u32> {
    stat_fields(pid)?.get(1)?.parse().ok()
}

/// A zombie has finished; only its parent's `wait` is missing, which for
/// orphans is init's business, not ours.
pub(crate) fn is_gone(pid: u32) -> bool {
    match stat_fields(pid) {
        None => true,
        Some(f) => matches!(f.first().map(String::as_str), Some("Z" | "X")),
    }
}

fn all_pids() -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

/// Live processes whose command line mentions something inside `dir`.
///
/// Matching `dir/` rather than `dir` keeps `/tmp/x-1` from matching
/// `/tmp/x-10`; every process we care about names a file below the
/// directory (`-D dir/data`, `--user-data-dir=dir/profile-0`, ...).
pub(crate) fn pids_mentioning(dir: &Path) -> Vec<u32> {
    let mut needle = dir.as_os_str().as_encoded_bytes().to_vec();
    needle.push(b'/');
    let me = std::process::id();
    all_pids()
        .into_iter()
        .filter(|&pid| pid != me && !is_gone(pid))
        .filter(|pid| {
            fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmd| cmd.windows(needle.len()).any(|w| w == needle))
        })
        .collect()
}

/// All live descendants of `root`, found before killing `root` because
/// orphans get re-parented and can no longer be traced back.
pub(crate) fn descendants(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = all_pids()
        .into_iter()
        .filter_map(|pid| Some((pid, parent_pid(pid)?)))
        .collect();
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    found.remove(0);
    found.retain(|&pid| !is_gone(pid));
    found
}

/// SIGKILLs `pids` and waits until they are gone or `timeout` passes.
/// std has no `kill(2)`; the shell builtin avoids depending on procps.
pub(crate) fn kill_and_wait(pids: &[u32], timeout: Duration) {
    if pids.is_empty() {
        return;
    }
    let _ = Command::new("sh")
        .args(["-c", "kill -KILL \"$@\" 2>/dev/null", "sh"])
        .args(pids.iter().map(u32::to_string))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let deadline = Instant::now() + timeout;
    while !pids.iter().all(|&pid| is_gone(pid)) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
}

/// Cleans up directories `base/<prefix>*` left behind by test processes
/// that were killed (timeout, Ctrl-C, SIGKILL) before their destructors ran,
/// so that servers and browsers do not pile up on developer machines.
///
/// `stop` gets a chance to shut a server down gracefully first; whatever
/// still mentions the directory afterwards is killed. Only directories
/// whose recorded owner provably no longer exists in *our* pid namespace
/// are touched, so parallel test processes never sweep each other.
pub(crate) fn sweep_stale(base: &Path, prefix: &str, stop: &dyn Fn(&Path)) {
    let Some(my_ns) = pid_namespace() else {
        return;
    };
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.as_encoded_bytes().starts_with(prefix.as_bytes()) {
            continue;
        }
        let path = entry.path();
        if !entry.file_type().is_ok_and(|t| t.is_dir()) || !is_stale(&path, &my_ns) {
            continue;
        }
        stop(&path);
        kill_and_wait(&pids_mentioning(&path), Duration::from_secs(5));
        let _ = fs::remove_dir_all(&path);
    }
}

fn is_stale(dir: &Path, my_ns: &str) -> bool {
    match fs::read_to_string(dir.join(OWNER_FILE)) {
        Ok(stamp) => {
            let mut parts = stamp.split_whitespace();
            let pid: Option<u32> = parts.next().and_then(|p| p.parse().ok());
            let start: Option<u64> = parts.next().and_then(|s| s.parse().ok());
            let ns = parts.next();
            match (pid, start, ns) {
                (Some(pid), Some(start), Some(ns)) if ns == my_ns => {
                    is_gone(pid) || start_time(pid) != Some(start)
                }
                // Another namespace's process or an unreadable stamp:
                // not provably ours to clean.
                _ => false,
            }
        }
        // The owner file is written right after the directory is created;
        // give a creator in that window plenty of time before calling it
        // abandoned.
        Err(_) => fs::metadata(dir)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(600)),
    }
}

/// Lossy UTF-8 view of a path for messages and JSON.
pub(crate) fn display(path: impl AsRef<OsStr>) -> String {
    path.as_ref().to_string_lossy().into_owned()
}
