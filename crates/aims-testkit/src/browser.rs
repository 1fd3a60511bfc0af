//! A chromedriver process for WebDriver tests against Debian's headless
//! Chromium, with the guarantee that no driver or browser outlives it.

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::json::Json;
use crate::sys::{self, OwnedDir, display};

const DEFAULT_CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// How long chromedriver may take to answer `/status` with `ready`.
const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// A running chromedriver on 127.0.0.1, plus a private directory for its
/// log and for the browser profiles of the sessions it starts.
///
/// Dropping it kills chromedriver, every browser process it started and
/// anything else using its directory, then deletes the directory.
pub struct Chromedriver {
    // Field order is drop order: first the driver and its browsers die
    // (browsers normally quit when their session is deleted, but a test
    // that panicked never got that far), then `OwnedDir` kills anything
    // that escaped the process tree but still uses our profiles, and
    // deletes the directory.
    child: KillOnDrop,
    port: u16,
    chromium: PathBuf,
    profiles: AtomicU32,
    dir: OwnedDir,
}

impl Chromedriver {
    /// Starts chromedriver on a free port and waits until it is ready, or
    /// returns `None` after a loud warning when chromedriver or Chromium is
    /// not installed (unless `AIMS_REQUIRE_BROWSER=1`, which panics).
    ///
    /// # Panics
    ///
    /// When the binaries exist but chromedriver does not become ready; the
    /// message includes its log.
    pub fn start() -> Option<Chromedriver> {
        let path_from = |var: &str, default: &str| {
            std::env::var_os(var)
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(default))
        };
        Self::start_with(
            path_from("AIMS_CHROMEDRIVER", DEFAULT_CHROMEDRIVER),
            path_from("AIMS_CHROMIUM", DEFAULT_CHROMIUM),
            sys::env_flag("AIMS_REQUIRE_BROWSER"),
        )
    }

    fn start_with(driver: PathBuf, chromium: PathBuf, require: bool) -> Option<Chromedriver> {
        if let Some(missing) = [&driver, &chromium].into_iter().find(|p| !p.is_file()) {
            if require {
                panic!(
                    "AIMS_REQUIRE_BROWSER=1 but {} does not exist \
                     (apt-get install chromium chromium-driver, or set AIMS_CHROMEDRIVER / AIMS_CHROMIUM)",
                    missing.display()
                );
            }
            warn_missing(missing);
            return None;
        }
        match Self::try_start(&driver, chromium) {
            Ok(d) => Some(d),
            Err(e) => panic!("aims-testkit: could not start chromedriver: {e}"),
        }
    }

    fn try_start(driver: &Path, chromium: PathBuf) -> Result<Chromedriver, String> {
        static SWEEP: Once = Once::new();
        let base = sys::base_dir();
        SWEEP.call_once(|| sys::sweep_stale(&base, "aims-testkit-chrome-", &|_| {}));

        let dir = OwnedDir::create(&base, "aims-testkit-chrome-")
            .map_err(|e| format!("creating the browser directory: {e}"))?;
        let out_path = dir.path().join("chromedriver.out");
        let log_path = dir.path().join("chromedriver.log");
        // Chromium scatters files outside its profile: Singleton sockets
        // and chromedriver's scoped_dir in $TMPDIR, crash-report settings
        // in ~/.config, dconf in ~/.cache. A killed browser leaves them
        // behind, and they must never touch the developer's real home, so
        // both point into our directory.
        let home = dir.path().join("home");
        let tmp = dir.path().join("tmp");
        for d in [&home, &tmp] {
            std::fs::create_dir(d).map_err(|e| format!("creating {}: {e}", d.display()))?;
        }
        let out =
            File::create(&out_path).map_err(|e| format!("creating {}: {e}", out_path.display()))?;
        let err = out
            .try_clone()
            .map_err(|e| format!("{}: {e}", out_path.display()))?;

        // --port=0 lets chromedriver bind a free port itself and report
        // it; picking one with free_port() first would leave a window in
        // which a parallel test could take it, or worse, in which we would
        // mistake another test's chromedriver for ours.
        let mut child = KillOnDrop(
            Command::new(driver)
                .arg("--port=0")
                // Also puts our directory on chromedriver's command line,
                // which is how a sweep finds an orphaned driver.
                .arg(format!("--log-path={}", display(&log_path)))
                .env("HOME", &home)
                .env("TMPDIR", &tmp)
                .env_remove("XDG_CONFIG_HOME")
                .env_remove("XDG_CACHE_HOME")
                .env_remove("XDG_DATA_HOME")
                .env_remove("XDG_STATE_HOME")
                .stdin(Stdio::null())
                // A file, never our own stdout/stderr: the browsers inherit
                // these, and test runners such as nextest flag (or wait
                // for) children that keep the test's output open.
                .stdout(out)
                .stderr(err)
                .spawn()
                .map_err(|e| format!("spawning {}: {e}", driver.display()))?,
        );
        match wait_ready(&mut child.0, &out_path) {
            Ok(port) => Ok(Chromedriver {
                child,
                port,
                chromium,
                profiles: AtomicU32::new(0),
                dir,
            }),
            Err(e) => {
                drop(child);
                let output = std::fs::read_to_string(&out_path).unwrap_or_default();
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                Err(format!(
                    "{e}\n--- chromedriver output ---\n{output}\n--- chromedriver log ---\n{log}"
                ))
            }
        }
    }

    /// The WebDriver endpoint, `http://127.0.0.1:PORT`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The TCP port chromedriver listens on.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The chromedriver process id, e.g. to check that it is gone.
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.child.0.id()
    }

    /// Capabilities for a new session, as a JSON object to put under
    /// `capabilities.alwaysMatch`: headless Chromium with flags that keep
    /// it quiet, offline and container-friendly.
    ///
    /// Every call names a new profile directory below this driver's own
    /// directory, so that several sessions can run side by side; all of
    /// them are killed and deleted when the driver is dropped.
    #[must_use]
    pub fn capabilities(&self) -> String {
        let n = self.profiles.fetch_add(1, Ordering::Relaxed);
        let profile = self.dir.path().join(format!("profile-{n}"));
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
        ]
        .into_iter()
        .map(Json::str)
        .chain([Json::str(format!("--user-data-dir={}", display(&profile)))])
        .collect();
        Json::object([
            ("browserName", Json::str("chrome")),
            (
                "goog:chromeOptions",
                Json::object([
                    ("binary", Json::str(display(&self.chromium))),
                    ("args", Json::Array(args)),
                ]),
            ),
        ])
        .render()
    }
}

/// Owns the chromedriver process; dropping it kills the driver and its
/// browsers.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        kill_tree(&mut self.0);
    }
}

/// Kills chromedriver and every browser process below it, waiting for
/// them so that none outlives the test.
fn kill_tree(child: &mut Child) {
    let orphans_to_be = sys::descendants(child.id());
    let _ = child.kill();
    let _ = child.wait();
    sys::kill_and_wait(&orphans_to_be, Duration::from_secs(5));
}

/// Waits for chromedriver to announce its port and then to report
/// `"ready": true` on `/status`; returns the port.
fn wait_ready(child: &mut Child, out_path: &Path) -> Result<u16, String> {
    let deadline = Instant::now() + READY_TIMEOUT;
    let mut port = None;
    let mut last = String::from("no port announced yet");
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("chromedriver exited early ({status})"));
        }
        if port.is_none() {
            port = std::fs::read_to_string(out_path)
                .ok()
                .and_then(|o| announced_port(&o));
        }
        if let Some(port) = port {
            match http_get(port, "/status") {
                Ok(body) => {
                    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                    if compact.contains("\"ready\":true") {
                        return Ok(port);
                    }
                    last = body;
                }
                Err(e) => last = format!("GET /status on port {port}: {e}"),
            }
        }
        thread::sleep(Duration::from_millis(25));
    }
    Err(format!(
        "chromedriver not ready after {READY_TIMEOUT:?}; last: {last}"
    ))
}

/// Parses "ChromeDriver was started successfully on port 46027." out of
/// chromedriver's stdout.
fn announced_port(output: &str) -> Option<u16> {
    output
        .lines()
        .filter(|l| l.contains("started successfully"))
        .find_map(|l| l.split("on port ").nth(1))
        .and_then(|rest| rest.trim().trim_end_matches('.').parse().ok())
}

/// One HTTP/1.1 GET over a plain socket, returning the response body; all
/// we need to poll `/status`, so no HTTP client dependency.
fn http_get(port: u16, path: &str) -> io::Result<String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )?;
    let (head, body) = read_response(&mut stream)?;
    if !head.starts_with("HTTP/1.1 200") {
        return Err(io::Error::other(format!(
            "unexpected status: {}",
            head.lines().next().unwrap_or_default()
        )));
    }
    Ok(body)
}

/// Reads one response framed by Content-Length. Reading to EOF is not an
/// option: chromedriver answers `Connection: close` but keeps the socket
/// open until the client closes it.
fn read_response(stream: &mut impl Read) -> io::Result<(String, String)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "no HTTP header",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .ok_or_else(|| io::Error::other("HTTP response without Content-Length"))?;
    while buf.len() < header_end + length {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "truncated HTTP body",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[header_end..header_end + length]).into_owned();
    Ok((head, body))
}

fn warn_missing(missing: &Path) {
    let line = "=".repeat(78);
    eprintln!(
        "\n{line}\n\
         WARNING: browser binary not found at {} — skipping the browser half of this test\n\
         WARNING: apt-get install chromium chromium-driver (or set AIMS_CHROMEDRIVER / AIMS_CHROMIUM);\n\
         WARNING: set AIMS_REQUIRE_BROWSER=1 to make this a test failure instead\n\
         {line}\n",
        missing.display()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_announced_port() {
        let out = "Starting ChromeDriver 156.0 (abc) on port 0\n\
                   Only local connections are allowed.\n\
                   ChromeDriver was started successfully on port 46027.\n";
        assert_eq!(announced_port(out), Some(46027));
        assert_eq!(announced_port("Starting ChromeDriver on port 0\n"), None);
    }

    #[test]
    fn reads_content_length_framed_response() {
        let raw =
            b"HTTP/1.1 200 OK\r\nContent-Length:7\r\nConnection:close\r\n\r\n{\"a\":1}trailing";
        let (head, body) = read_response(&mut &raw[..]).expect("response");
        assert!(head.starts_with("HTTP/1.1 200"));
        assert_eq!(body, r#"{"a":1}"#);
    }

    #[test]
    fn missing_binaries_skip() {
        let none = PathBuf::from("/nonexistent/aims-testkit/chromedriver");
        assert!(Chromedriver::start_with(none.clone(), none, false).is_none());
    }

    #[test]
    #[should_panic(expected = "apt-get install chromium chromium-driver")]
    fn missing_binaries_fail_when_required() {
        let none = PathBuf::from("/nonexistent/aims-testkit/chromedriver");
        let _ = Chromedriver::start_with(none.clone(), none, true);
    }
}
