//! Test support for the aims workspace: throwaway PostgreSQL clusters and
//! a chromedriver for headless-Chromium browser tests, each owned by one
//! test and cleaned up completely when dropped.
//!
//! # PostgreSQL
//!
//! ```no_run
//! use aims_testkit::pg::PgCluster;
//!
//! // `None` means the binaries are not installed; the test then only runs
//! // its SQLite half. A loud warning has already been printed.
//! let Some(pg) = PgCluster::start() else { return };
//! let url = pg.create_database("store_test"); // postgres://aims@127.0.0.1:PORT/store_test
//! // ... connect with sqlx, run migrations, assert ...
//! drop(pg); // server stopped, data directory deleted
//! ```
//!
//! Every cluster is a separate server on its own port, so tests running in
//! parallel (cargo-nextest: one process per test) never see each other's
//! data. The first start on a machine runs `initdb` into a cached template
//! directory `$TMPDIR/aims-pg-template-<version>-<uid>-v1`; later starts
//! copy it, which costs a fraction of a second. Deleting that directory is
//! always safe. The server runs with `fsync=off`: it is for tests only.
//!
//! Most of a warm start is `cp -a` creating the template's ~1000 files, so
//! a slow disk shows; `TMPDIR=/dev/shm` (a tmpfs with room for about 40 MB
//! per concurrently running cluster) makes starts several times faster.
//!
//! When the tests run as root (CI containers), `initdb`, `pg_ctl` and the
//! server run as the `postgres` user via `runuser`, which therefore must
//! exist; if `TMPDIR` is not reachable for that user, `/tmp` is used.
//!
//! # Browser
//!
//! ```no_run
//! use aims_testkit::browser::Chromedriver;
//!
//! let Some(driver) = Chromedriver::start() else { return };
//! let webdriver_url = driver.url(); // http://127.0.0.1:PORT
//! let always_match = driver.capabilities(); // JSON object, fresh profile
//! // ... connect e.g. fantoccini with these capabilities, drive the UI,
//! // and close the session ...
//! drop(driver); // chromedriver and any leftover Chromium killed
//! ```
//!
//! Each `capabilities()` call names a new profile directory, so sessions
//! may run side by side. Chromedriver and the browsers get `HOME` and
//! `TMPDIR` inside the driver's private directory, so nothing lands in
//! the real home directory or `/tmp`.
//!
//! # Environment
//!
//! | Variable | Meaning | Default |
//! |---|---|---|
//! | `AIMS_PG_BIN` | directory with `initdb`, `pg_ctl`, `postgres`, `createdb` | `/usr/lib/postgresql/15/bin` |
//! | `AIMS_REQUIRE_POSTGRES` | `1`: missing PostgreSQL fails the test instead of skipping | unset |
//! | `AIMS_CHROMEDRIVER` | chromedriver binary | `/usr/bin/chromedriver` |
//! | `AIMS_CHROMIUM` | Chromium binary | `/usr/bin/chromium` |
//! | `AIMS_REQUIRE_BROWSER` | `1`: missing browser fails the test instead of skipping | unset |
//!
//! CI should set both `AIMS_REQUIRE_*` variables so that a broken image
//! cannot turn the integration tests into silent no-ops.
//!
//! # Cleanup guarantees
//!
//! Dropping a [`pg::PgCluster`] or [`browser::Chromedriver`] — normally or
//! while a panic unwinds — stops its processes and deletes its files. A
//! test process killed outright (timeout, Ctrl-C, SIGKILL) cannot run
//! destructors; the next test process that starts a cluster or driver
//! sweeps up such leftovers (directories `$TMPDIR/aims-testkit-*` whose
//! owning process is gone).
//!
//! Everything here assumes Linux (`/proc`, `runuser`).

pub mod browser;
mod json;
pub mod pg;
mod sys;

use std::net::TcpListener;

/// A TCP port on 127.0.0.1 that was free a moment ago.
///
/// The port is released before returning, so another process may take it
/// before the caller binds it; callers that cannot tolerate that should
/// retry on "address in use".
///
/// # Panics
///
/// If the loopback interface cannot be bound at all, which makes every
/// networked test pointless anyway.
#[must_use]
pub fn free_port() -> u16 {
    match TcpListener::bind(("127.0.0.1", 0)).and_then(|l| l.local_addr()) {
        Ok(addr) => addr.port(),
        Err(e) => panic!("aims-testkit: cannot bind a port on 127.0.0.1: {e}"),
    }
}
