//! Checks that servers and browsers orphaned by a test process that was
//! killed outright (no destructors ran) are cleaned up by the next test
//! process that starts a cluster or driver.
//!
//! The orphaning process is this very test binary, re-run on one of the
//! `helper_*` tests, which do nothing unless `AIMS_TESTKIT_HELPER` is set.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use aims_testkit::browser::Chromedriver;
use aims_testkit::pg::PgCluster;

const HELPER_ENV: &str = "AIMS_TESTKIT_HELPER";

fn helper_mode() -> bool {
    std::env::var_os(HELPER_ENV).is_some()
}

/// Runs helper test `name` in a child process of this test binary.
fn spawn_helper(name: &str) -> Child {
    Command::new(std::env::current_exe().expect("current exe"))
        .args([
            "--exact",
            name,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HELPER_ENV, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn helper")
}

/// Reads helper stdout until a `KEY=value` line appears. The key may
/// follow libtest's "test NAME ... " on the same line.
fn read_value(out: &mut impl BufRead, key: &str) -> String {
    let marker = format!("{key}=");
    let mut line = String::new();
    loop {
        line.clear();
        let n = out.read_line(&mut line).expect("read helper output");
        assert!(n > 0, "helper exited without printing {key}");
        if let Some(i) = line.find(&marker) {
            return line[i + marker.len()..].trim_end().to_owned();
        }
    }
}

fn output_of(child: &mut Child) -> BufReader<ChildStdout> {
    BufReader::new(child.stdout.take().expect("piped stdout"))
}

/// Runs a helper that starts and stops a cluster and a driver, which
/// sweeps up whatever earlier processes left behind.
fn run_sweeper() {
    let out = spawn_helper("helper_start_and_stop")
        .wait_with_output()
        .expect("sweeper");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("DONE=1"),
        "sweeper failed:\n{stdout}"
    );
}

fn port_open(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500)).is_ok()
}

fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rfind(')').map(|i| s[i + 1..].trim_start().to_owned()))
        .is_some_and(|rest| !rest.starts_with('Z') && !rest.starts_with('X'))
}

#[test]
#[ignore = "helper for orphaned_cluster_is_swept; runs only when spawned by it"]
fn helper_hold_cluster() {
    if !helper_mode() {
        return;
    }
    let pg = PgCluster::start().expect("PostgreSQL available");
    println!("DIR={}", pg.data_dir().display());
    println!("PORT={}", pg.port());
    // Wait to be SIGKILLed; a bounded sleep keeps a forgotten helper from
    // living forever.
    std::thread::sleep(Duration::from_secs(120));
}

#[test]
#[ignore = "helper for orphaned_*_is_swept; runs only when spawned by it"]
fn helper_start_and_stop() {
    if !helper_mode() {
        return;
    }
    drop(PgCluster::start());
    drop(Chromedriver::start());
    println!("DONE=1");
}

#[test]
#[ignore = "helper for orphaned_browser_is_swept; runs only when spawned by it"]
fn helper_hold_browser() {
    if !helper_mode() {
        return;
    }
    let driver = Chromedriver::start().expect("chromedriver available");
    let caps = driver.capabilities();
    let body = format!(r#"{{"capabilities":{{"alwaysMatch":{caps}}}}}"#);
    let request = format!(
        "POST /session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut s = TcpStream::connect(("127.0.0.1", driver.port())).expect("connect");
    std::io::Write::write_all(&mut s, request.as_bytes()).expect("send");
    let mut buf = [0u8; 4096];
    let n = std::io::Read::read(&mut s, &mut buf).expect("read");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let start = caps.find("--user-data-dir=").expect("profile") + 16;
    let end = start + caps[start..].find('"').expect("end");
    println!("PROFILE={}", &caps[start..end]);
    println!("DRIVER={}", driver.pid());
    std::thread::sleep(Duration::from_secs(120));
}

#[test]
fn orphaned_cluster_is_swept() {
    if helper_mode() || PgCluster::start().is_none() {
        return;
    }
    let mut holder = spawn_helper("helper_hold_cluster");
    let mut out = output_of(&mut holder);
    let data_dir = PathBuf::from(read_value(&mut out, "DIR"));
    let port: u16 = read_value(&mut out, "PORT").parse().expect("port");
    holder.kill().expect("kill helper");
    holder.wait().expect("reap helper");
    // The server outlives its test process: pg_ctl detaches it.
    assert!(port_open(port), "expected an orphaned server on {port}");
    assert!(data_dir.exists());

    run_sweeper();
    assert!(!port_open(port), "orphaned server on {port} still runs");
    assert!(!data_dir.exists(), "{} not swept", data_dir.display());
}

#[test]
fn orphaned_browser_is_swept() {
    if helper_mode() || Chromedriver::start().is_none() {
        return;
    }
    let mut holder = spawn_helper("helper_hold_browser");
    let mut out = output_of(&mut holder);
    let profile = PathBuf::from(read_value(&mut out, "PROFILE"));
    let driver_pid: u32 = read_value(&mut out, "DRIVER").parse().expect("pid");
    holder.kill().expect("kill helper");
    holder.wait().expect("reap helper");
    assert!(running(driver_pid), "expected an orphaned chromedriver");
    assert!(profile.exists());

    run_sweeper();
    assert!(
        !running(driver_pid),
        "orphaned chromedriver {driver_pid} still runs"
    );
    let dir = profile.parent().expect("private dir");
    assert!(!dir.exists(), "{} not swept", dir.display());
}
