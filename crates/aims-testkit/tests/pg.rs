//! Checks that `PgCluster` gives each test a working, private PostgreSQL
//! server and leaves nothing behind, whether the test ends normally or by
//! panicking.

use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use aims_testkit::pg::PgCluster;

fn psql(pg: &PgCluster, url: &str, sql: &str) -> Result<String, String> {
    let out = Command::new(pg.bin_dir().join("psql"))
        .args([
            "-X",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            url,
            "-c",
            sql,
        ])
        .output()
        .expect("run psql");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn port_open(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500)).is_ok()
}

fn assert_cleaned_up(data_dir: &Path, port: u16) {
    assert!(!data_dir.exists(), "{} still exists", data_dir.display());
    let cluster_dir = data_dir.parent().expect("data dir has a parent");
    assert!(
        !cluster_dir.exists(),
        "{} still exists",
        cluster_dir.display()
    );
    assert!(!port_open(port), "port {port} still accepts connections");
}

#[test]
fn cluster_runs_sql_in_a_created_database() {
    let started = Instant::now();
    let Some(pg) = PgCluster::start() else { return };
    eprintln!("PgCluster::start took {:?}", started.elapsed());

    assert_eq!(
        pg.url(),
        format!("postgres://aims@127.0.0.1:{}/postgres", pg.port())
    );
    let url = pg.create_database("testkit_db");
    assert_eq!(
        url,
        format!("postgres://aims@127.0.0.1:{}/testkit_db", pg.port())
    );
    assert_eq!(psql(&pg, &url, "SELECT 1").expect("SELECT 1"), "1");
    assert_eq!(
        psql(&pg, &url, "SELECT current_database()").expect("query"),
        "testkit_db"
    );
    assert_eq!(
        psql(&pg, &url, "SHOW server_version_num").expect("query")[..2],
        *"15"
    );
    assert_eq!(psql(&pg, &url, "SHOW fsync").expect("query"), "off");
    assert_eq!(
        psql(&pg, &url, "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()")
            .expect("query"),
        "UTF8"
    );

    let data_dir = pg.data_dir();
    let port = pg.port();
    assert!(data_dir.join("PG_VERSION").is_file());
    assert!(port_open(port));
    drop(pg);
    assert_cleaned_up(&data_dir, port);
}

#[test]
fn two_clusters_are_independent() {
    let Some(a) = PgCluster::start() else { return };
    let Some(b) = PgCluster::start() else { return };
    assert_ne!(a.port(), b.port());
    assert_ne!(a.data_dir(), b.data_dir());

    let url_a = a.create_database("shared_name");
    let url_b = b.create_database("shared_name");
    psql(
        &a,
        &url_a,
        "CREATE TABLE only_in_a (x int); INSERT INTO only_in_a VALUES (42)",
    )
    .expect("create in a");
    assert_eq!(
        psql(&a, &url_a, "SELECT x FROM only_in_a").expect("select in a"),
        "42"
    );
    let err = psql(&b, &url_b, "SELECT x FROM only_in_a").expect_err("table must not exist in b");
    assert!(err.contains("only_in_a"), "unexpected error: {err}");

    let (dir_a, port_a) = (a.data_dir(), a.port());
    drop(a);
    assert_cleaned_up(&dir_a, port_a);
    // b is unaffected by a's shutdown.
    assert_eq!(psql(&b, &url_b, "SELECT 1").expect("b still up"), "1");
}

#[test]
fn panicking_test_still_cleans_up() {
    let Some(probe) = PgCluster::start() else {
        return;
    };
    drop(probe);
    let mut seen = None;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let pg = PgCluster::start().expect("binaries were there a moment ago");
        seen = Some((pg.data_dir(), pg.port()));
        panic!("simulated test failure");
    }));
    assert!(result.is_err());
    let (data_dir, port) = seen.expect("cluster was started");
    assert_cleaned_up(&data_dir, port);
}

#[test]
#[should_panic(expected = "invalid database name")]
fn rejects_unsafe_database_names() {
    let Some(pg) = PgCluster::start() else {
        panic!("invalid database name (skipped: no PostgreSQL)");
    };
    pg.create_database("x; DROP DATABASE postgres");
}
