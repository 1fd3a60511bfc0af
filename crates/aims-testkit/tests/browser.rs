//! Checks that `Chromedriver` starts a ready driver whose sessions run
//! headless Chromium, and that dropping it leaves no driver, browser or
//! profile behind, even with a session still open.

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

use aims_testkit::browser::Chromedriver;

/// Minimal HTTP/1.1 exchange; returns (status code, body).
fn http(port: u16, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to chromedriver");
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send request");
    // chromedriver does not close the connection despite `Connection:
    // close`, so the body has to be framed by Content-Length.
    let mut response = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = s.read(&mut chunk).expect("read response");
        assert!(
            n > 0,
            "connection closed early: {}",
            String::from_utf8_lossy(&response)
        );
        response.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&response);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_owned())
                })
                .and_then(|v| v.parse().ok())
                .expect("Content-Length");
            if body.len() >= length {
                let status = head
                    .split_whitespace()
                    .nth(1)
                    .and_then(|c| c.parse().ok())
                    .expect("status code");
                return (status, body[..length].to_owned());
            }
        }
    }
}

/// Alive and not a zombie.
fn running(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rfind(')').map(|i| s[i + 1..].trim_start().to_owned()))
        .is_some_and(|rest| !rest.starts_with('Z') && !rest.starts_with('X'))
}

fn pids_with_cmdline_containing(needle: &str) -> Vec<u32> {
    fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| running(pid) && pid != std::process::id())
        .filter(|pid| {
            fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| {
                String::from_utf8_lossy(&c)
                    .replace('\0', " ")
                    .contains(needle)
            })
        })
        .collect()
}

fn user_data_dir(capabilities: &str) -> PathBuf {
    let start = capabilities
        .find("--user-data-dir=")
        .expect("user-data-dir in capabilities")
        + 16;
    let end = start + capabilities[start..].find('"').expect("end of argument");
    PathBuf::from(&capabilities[start..end])
}

#[test]
fn status_is_ready_and_drop_kills_the_driver() {
    let started = std::time::Instant::now();
    let Some(driver) = Chromedriver::start() else {
        return;
    };
    eprintln!("Chromedriver::start took {:?}", started.elapsed());
    assert_eq!(driver.url(), format!("http://127.0.0.1:{}", driver.port()));
    let (code, body) = http(driver.port(), "GET", "/status", "");
    assert_eq!(code, 200);
    let compact: String = body.split_whitespace().collect();
    assert!(compact.contains("\"ready\":true"), "{body}");

    let caps = driver.capabilities();
    assert!(
        caps.starts_with(r#"{"browserName":"chrome","goog:chromeOptions":{"binary":""#),
        "{caps}"
    );
    assert!(caps.contains(r#""--headless","--no-sandbox""#), "{caps}");
    let private_dir = user_data_dir(&caps)
        .parent()
        .expect("profile parent")
        .to_owned();
    assert!(private_dir.is_dir());
    assert_ne!(
        user_data_dir(&caps),
        user_data_dir(&driver.capabilities()),
        "profiles are fresh per call"
    );

    let (pid, port) = (driver.pid(), driver.port());
    assert!(running(pid));
    drop(driver);
    assert!(!running(pid), "chromedriver {pid} survived drop");
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "port {port} still open"
    );
    assert!(
        !private_dir.exists(),
        "{} survived drop",
        private_dir.display()
    );
}

#[test]
fn drop_with_open_session_kills_the_browser() {
    let Some(driver) = Chromedriver::start() else {
        return;
    };
    let caps = driver.capabilities();
    let profile = user_data_dir(&caps);
    let (code, body) = http(
        driver.port(),
        "POST",
        "/session",
        &format!(r#"{{"capabilities":{{"alwaysMatch":{caps}}}}}"#),
    );
    assert_eq!(code, 200, "new session failed: {body}");
    assert!(body.contains("sessionId"), "{body}");
    let needle = profile.to_string_lossy().into_owned();
    let browsers = pids_with_cmdline_containing(&needle);
    assert!(!browsers.is_empty(), "no Chromium process uses {needle}");

    // The session is deliberately left open, as in a test that panicked.
    let driver_pid = driver.pid();
    drop(driver);
    assert!(!running(driver_pid), "chromedriver survived drop");
    let survivors: Vec<u32> = browsers.into_iter().filter(|&p| running(p)).collect();
    assert!(
        survivors.is_empty(),
        "browser processes survived drop: {survivors:?}"
    );
    assert!(pids_with_cmdline_containing(&needle).is_empty());
    assert!(!profile.exists(), "{} survived drop", profile.display());
}

#[test]
fn closed_session_then_drop() {
    let Some(driver) = Chromedriver::start() else {
        return;
    };
    let caps = driver.capabilities();
    let (code, body) = http(
        driver.port(),
        "POST",
        "/session",
        &format!(r#"{{"capabilities":{{"alwaysMatch":{caps}}}}}"#),
    );
    assert_eq!(code, 200, "new session failed: {body}");
    let id_start = body.find("\"sessionId\":\"").expect("sessionId") + 13;
    let id = &body[id_start..id_start + body[id_start..].find('"').expect("end of id")];

    let (code, body) = http(
        driver.port(),
        "POST",
        &format!("/session/{id}/url"),
        r#"{"url":"data:text/html,<title>aims testkit</title>"}"#,
    );
    assert_eq!(code, 200, "navigate failed: {body}");
    let (code, body) = http(driver.port(), "GET", &format!("/session/{id}/title"), "");
    assert_eq!(code, 200);
    assert!(body.contains("aims testkit"), "{body}");

    let (code, body) = http(driver.port(), "DELETE", &format!("/session/{id}"), "");
    assert_eq!(code, 200, "delete session failed: {body}");
    let needle = user_data_dir(&caps).to_string_lossy().into_owned();
    drop(driver);
    assert!(pids_with_cmdline_containing(&needle).is_empty());
}
